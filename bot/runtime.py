"""The runtime: starts the store, the HTTP server and the enabled connectors, runs the
pipeline, and shuts everything down in order."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
import socket
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import SecretStr

from bot.analytics.recorder import SATISFACTION_FLOW, AnalyticsRecorder
from bot.analytics.report import build_report, last_days
from bot.campaigns.setup import CampaignStatusLog, campaign_stage
from bot.catalogue.wiring import start_services
from bot.channels import BaseConnector, Capabilities, ConnectorContext, DeliveryStatus, registry
from bot.composition import build_engine
from bot.config.handoff import OperatorAccount
from bot.config.pipeline import import_path
from bot.config.settings import Settings
from bot.consent.opt_out import OptOutWords
from bot.consent.texts import CONSENT_TEXTS
from bot.consent_notice import ConsentStage
from bot.dialogue import Flow
from bot.dispatch import Dispatcher
from bot.handoff.desk import HandoffDesk
from bot.handoff.passwords import hash_password
from bot.handoff.stage import HandoffStage
from bot.handoff.sweeper import sweep_forever
from bot.identity_notice import IdentityChangeStage
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.linking.channel_links import ContinueLinks
from bot.linking.stage import LinkingStage
from bot.metrics import Metrics
from bot.model import Event, OperatorAction
from bot.operator import campaigns_console, summary_writer, typing_relay
from bot.operator.addresses import ClientAddress
from bot.operator.api import OperatorApi
from bot.operator.auth import OperatorAuth
from bot.operator.live import LiveHub
from bot.operator.views import flow_titles
from bot.pipeline import Pipeline
from bot.privacy import CustomerRecords
from bot.reaching.entry import EntryStage
from bot.reaching.notifications import BusinessStage
from bot.reaching.reminders import ReminderStage
from bot.reaching.setup import api_routes, business_clocks, entry_routes, reaching_of
from bot.recollection import Recaller
from bot.scale.recovery import recover_periodically, sweep_interval
from bot.scale.worker import Worker
from bot.search.indexer import SearchIndexer
from bot.stages import StageContext, StageFactory, TurnObserver, TurnStage
from bot.store.chores import ChoreLeases
from bot.store.embedded import EmbeddedServer
from bot.store.keys import Keys
from bot.store.links import LinkLimits, LinkStore
from bot.store.secrets import file_secret
from bot.store.statuses import StatusLog
from bot.store.store import Store
from bot.store.subscriptions import SubscriptionStore
from bot.tasks import TaskTracker
from bot.web.server import WebServer
from bot.web.types import AnyRoute, Route, WebRequest, WebResponse
from bot.webhooks.events import BusinessEvents
from bot.webhooks.worker import EventDeliverer

log = logging.getLogger(__name__)

Role = Literal["all", "web", "worker"]


class Runtime:
    """One process running the whole bot. Use ``async with Runtime(settings) as rt``."""

    def __init__(
        self,
        settings: Settings,
        *,
        flows: Sequence[Flow] | None = None,
        connectors: Sequence[BaseConnector] | None = None,
        serve_http: bool = True,
        role: Role = "all",
        stages: Sequence[StageFactory] = (),
    ) -> None:
        """``stages``: factories of turn stages of your own, after those config.yaml's
        ``pipeline.stages`` names (see ``bot/stages.py`` for where they run)."""
        self.settings = settings
        self.stage_factories = [*map(import_path, settings.pipeline.stages), *stages]
        #: "all": one process does everything. "web": serve HTTP and record messages, ring
        #: workers. "worker": run turns and send (no HTTP, no receiving).
        self.role = role
        self.metrics = Metrics()
        #: config.yaml's knowledge base (None: ``knowledge.paths`` lists none), loaded
        #: here so a bad entry stops start-up; re-indexed on change while running.
        self.knowledge: KnowledgeBase | None = load_knowledge(settings)
        self.engine = build_engine(settings, flows, metrics=self.metrics,
                                   capabilities_of=self._capabilities_of,
                                   knowledge=self.knowledge)
        built = connectors if connectors is not None else [
            registry.build(name, section)
            for name, section in settings.enabled_connectors().items()
        ]
        self.connectors: dict[str, BaseConnector] = {c.channel: c for c in built}
        #: What the business's own messages (notifications, reminders) are decided with.
        self.reaching = reaching_of(settings, self.connectors)
        self.serve_http = serve_http and role != "worker"
        self.worker: Worker | None = None
        #: Delivers event webhooks (with ``events.subscriptions``, outside web processes).
        self.events: EventDeliverer | None = None
        self.embedded: EmbeddedServer | None = None
        self.server: WebServer | None = None
        #: Serves /metrics alone when ``server.metrics_port`` is set.
        self.metrics_server: WebServer | None = None
        self._store: Store | None = None
        self._statuses: StatusLog | None = None
        self._pipeline: Pipeline | None = None
        self._dispatcher: Dispatcher | None = None
        self.desk: HandoffDesk | None = None
        self.live: LiveHub | None = None
        self.analytics: AnalyticsRecorder | None = None
        #: Export and erasure of one customer (``bot/privacy.py``), once started.
        self.records: CustomerRecords | None = None
        self.indexer: SearchIndexer | None = None
        #: When config.yaml lists no operators: a one-time "admin" password for this run.
        self.generated_admin_password: str | None = None
        self._stopping = asyncio.Event()
        self._chores = TaskTracker("chores")

    def _capabilities_of(self, channel: str) -> Capabilities | None:
        """What the connector of ``channel`` can show (the engine words its retries so)."""
        connector = self.connectors.get(channel)
        return connector.capabilities if connector is not None else None

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the runtime is not started")
        return self._store

    @property
    def dispatcher(self) -> Dispatcher:
        if self._dispatcher is None:
            raise RuntimeError("the runtime is not started")
        return self._dispatcher

    async def settle(self) -> None:
        """Wait until no turn runs and no reply waits to be sent (tests, the console)."""
        while len(self.pipeline.turns) or len(self.dispatcher.senders):
            await self.pipeline.turns.wait_idle()
            await self.dispatcher.senders.wait_idle()
        await self.store.outbox.acks.flush()  # sent replies cleared from the outbox too
        if self.indexer is not None:
            await self.indexer.flush()  # what was said is findable once settled

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            raise RuntimeError("the runtime is not started")
        return self._pipeline

    async def start(self) -> None:
        cfg = self.settings
        url = cfg.store.url.get_secret_value()
        if cfg.store.embedded:
            self.embedded = EmbeddedServer(data_dir=cfg.store.data_dir,
                                           appendfsync=cfg.store.appendfsync)
            await self.embedded.start()
            url = self.embedded.url
        store = self._store = Store.connect(
            url, cluster=cfg.store.cluster and not cfg.store.embedded,
            max_connections=cfg.store.max_connections, timeout_seconds=cfg.store.timeout_seconds,
            keys=Keys(cfg.store.key_prefix),
            history_limit=cfg.store.history_limit, lease_seconds=cfg.store.lease_seconds,
            dedupe_hours=cfg.store.dedupe_hours,
            send_stale_seconds=max(cfg.store.lease_seconds * 3, 10))
        if cfg.events.subscriptions or cfg.api.manages_events:
            store.enable_events(subscriptions=[s.key for s in cfg.events.subscriptions],
                                lease_seconds=cfg.events.lease_seconds,
                                source=BusinessEvents(self._export_slots))
        self._dispatcher = Dispatcher(store=store, connectors=self.connectors,
                                      metrics=self.metrics)
        self.analytics = AnalyticsRecorder(store.analytics_counters(), metrics=self.metrics,
                                           entries=cfg.entry_points)
        self.indexer = SearchIndexer(store)
        operator_routes: list[AnyRoute] = []
        links = await self._link_store(store)
        secret = await self._link_secret(store)
        await start_services(cfg, store, self.engine.services, links, secret, self.connectors,
                             chores=self._chores, stop=self._stopping, poll=self.role != "web")
        stages, observers = self._stages(store, links, secret)
        operators = list(self.desk.operators) if self.desk is not None else []
        self.records = CustomerRecords(store, links=links, connectors=self.connectors,
                                       operators=operators, indexer=self.indexer)
        work = store.work_stream() if self.role != "all" else None
        self._pipeline = Pipeline(store=store, engine=self.engine,
                                  dispatcher=self._dispatcher, stages=stages,
                                  metrics=self.metrics,
                                  observers=[*observers, self.analytics, self.indexer],
                                  work=work if self.role == "web" else None)
        if self.desk is not None and self.serve_http:
            handoff = cfg.handoff
            limits = store.login_limits(per_pair=handoff.login_attempts,
                                        per_address=handoff.login_attempts_per_address,
                                        window_seconds=handoff.login_window_minutes * 60)
            auth = OperatorAuth(store.operator_sessions(), limits, accounts=self.desk.operators,
                                session_hours=handoff.session_hours,
                                concurrency=handoff.login_concurrency,
                                secure_cookie=(cfg.server.public_url or "").startswith("https"))
            self.live = LiveHub(self.desk.queue, session_alive=auth.session_alive)
            self.live.start()
            console = campaigns_console(cfg, store, self.reaching, sorted(self.engine.flows))
            operator_routes = OperatorApi(store=self._store, pipeline=self._pipeline,
                                          desk=self.desk, auth=auth, live=self.live,
                                          flows=sorted(self.engine.flows),
                                          report=console.with_figures(self.report),
                                          search=self.indexer.index, campaigns=console,
                                          flow_choices=flow_titles(
                                              {n: f.title for n, f in self.engine.flows.items()},
                                              hidden=[SATISFACTION_FLOW]),
                                          records=self.records, summaries=summary_writer(cfg),
                                          addresses=ClientAddress(cfg.server.trusted_proxies)
                                          ).routes()
        if self.serve_http:
            business = [*api_routes(cfg, store=store, pipeline=self._pipeline,
                                    reaching=self.reaching, links=links, secret=secret,
                                    records=self.records),
                        *entry_routes(cfg, secret=secret, links=self._channel_links)]
            self.server = self._web_server(cfg.server.host, cfg.server.port,
                                           [*self._routes(), *operator_routes, *business])
            await self.server.start()
            if cfg.server.metrics_port is not None:
                self.metrics_server = self._web_server(cfg.server.metrics_host,
                                                       cfg.server.metrics_port,
                                                       [self._metrics_route()])
                await self.metrics_server.start()
        public_url = cfg.server.public_url or (self.server.url if self.server else None)
        for name, connector in self.connectors.items():
            await connector.start(ConnectorContext(
                sink=self._pipeline.submit, state=store.connector_state(name),
                public_url=public_url, status=self._record_status,
                receive=self.role != "worker", typing=typing_relay(store, self.desk),
                recall=Recaller(store, cfg.handoff)))
        if self.knowledge is not None and cfg.knowledge.reload_seconds > 0:
            self.knowledge.start_watching(cfg.knowledge.reload_seconds)
        self._chores.spawn(self.analytics.run(self._stopping), name="analytics")
        self._chores.spawn(self.indexer.run(self._stopping), name="search-index")
        if self.desk is not None:
            self._chores.spawn(sweep_forever(self.desk, act=self._pipeline.act,
                                             stop=self._stopping, metrics=self.metrics,
                                             store=self._store),
                               name="handoff-sweeper")
        if self.role == "worker" and work is not None:
            self.worker = Worker(stream=work, pipeline=self._pipeline,
                                 consumer=f"{socket.gethostname()}-{os.getpid()}",
                                 idle_ms=int((cfg.store.lease_seconds + 5) * 1000))
            self._chores.spawn(self.worker.run(self._stopping,
                                               drain_timeout=cfg.server.shutdown_timeout),
                               name="worker")
        for name, clock in business_clocks(cfg, store, self._pipeline, role=self.role):
            self._chores.spawn(clock.run(self._stopping), name=name)
        if self.role != "web" and store.events is not None:
            self.events = EventDeliverer(outbox=store.events, settings=cfg.events,
                                         stored=SubscriptionStore.of(store))
            await store.events.recover()
            self._chores.spawn(self.events.run(self._stopping,
                                               drain_timeout=cfg.server.shutdown_timeout),
                               name="event-webhooks")
        if self.role != "web":
            await store.outbox.adopt_old_marks()
            resumed = await self._pipeline.recover()
            if resumed:
                log.info("resuming %d customer(s) with waiting messages", resumed)
            self._chores.spawn(recover_periodically(
                self._pipeline.recover, ChoreLeases(store.redis, keys=store.keys),
                interval=sweep_interval(cfg.store.lease_seconds), stopping=self._stopping),
                name="recovery")

    def _export_slots(self, flow: str) -> tuple[str, ...]:
        found = self.engine.flows.get(flow)
        return found.export_slots if found is not None else ()

    def _operator_accounts(self) -> list[OperatorAccount]:
        """config.yaml's operators; with none, an "admin" supervisor whose password is made
        up for this run and printed by ``omnicanal run`` (never logged)."""
        configured = self.settings.handoff.operators
        if configured:
            return list(configured)
        self.generated_admin_password = secrets.token_urlsafe(12)
        return [OperatorAccount(id="admin", name="Admin", role="supervisor",
                                password_hash=SecretStr(
                                    hash_password(self.generated_admin_password)))]

    async def _link_store(self, store: Store) -> LinkStore | None:
        cfg = self.settings.linking
        if not cfg.enabled:
            return None
        limits = LinkLimits(per_identity=cfg.attempts_per_identity,
                            per_address=cfg.attempts_per_address,
                            window_seconds=cfg.attempts_window_minutes * 60,
                            per_channel_per_minute=cfg.attempts_per_channel_per_minute)
        return store.link_store(secret=await self._link_secret(store),
                                code_ttl_seconds=cfg.code_minutes * 60, limits=limits)

    def _stages(self, store: Store, links: LinkStore | None, secret: bytes,
                ) -> tuple[list[TurnStage], list[TurnObserver]]:
        """The turn chain from the configured features: a platform's identity notice, a
        consent change the platform reports, handoff (operator actions, a person has the
        conversation), the developer's own stages, linking; the dialogue ends it
        (``Pipeline``). And the observers the features add."""
        cfg = self.settings
        consent = ConsentStage(words=OptOutWords(cfg.consent.opt_out_words),
                               texts=CONSENT_TEXTS.merged(self.engine.texts),
                               locale_of=self.engine.locale_of)
        stages: list[TurnStage] = [IdentityChangeStage(store, links), consent,
                                   BusinessStage(store=store, reaching=self.reaching)]
        stages.insert(0, campaign_stage(cfg, store, self.reaching, self.engine))
        if cfg.reminders.enabled:
            stages.append(ReminderStage(store=store, index=store.reminder_index(),
                                        engine=self.engine,
                                        channels=dict(self.reaching.channels)))
        if cfg.entry_points:
            stages.append(EntryStage(secret=secret, entries=cfg.entry_points,
                                     engine=self.engine))
        observers: list[TurnObserver] = []
        if cfg.handoff.enabled:
            queue = store.handoff_queue(
                average_handling_minutes=cfg.handoff.average_handling_minutes)
            self.desk = HandoffDesk(settings=cfg.handoff, queue=queue, engine=self.engine,
                                    operators=self._operator_accounts())
            handoff = HandoffStage(self.desk, act=self._act)
            stages.append(handoff)
            observers.append(handoff)
        context = StageContext(settings=cfg, engine=self.engine, store=store)
        stages.extend(factory(context) for factory in self.stage_factories)
        if links is not None:
            stages.append(LinkingStage(store=store, links=links, texts=self.engine.texts,
                                       channel_links=ContinueLinks(
                                           self.connectors, self.engine.texts,
                                           self.engine.default_locale),
                                       reprompt=self.engine.reprompt,
                                       locale_of=self.engine.locale_of))
        return stages, observers

    async def _act(self, customer_id: str, action: OperatorAction) -> None:
        await self.pipeline.act(customer_id, action)

    async def _link_secret(self, store: Store) -> bytes:
        """config.yaml's ``linking.secret``; else one generated once, kept next to the
        embedded store's data (out of the store), or in an external store itself."""
        configured = self.settings.linking.secret
        if configured is not None:
            return configured.get_secret_value().encode()
        if self.embedded is not None:
            return file_secret(self.embedded.data_dir / "link.secret").encode()
        return (await store.secret("linking")).encode()

    def _channel_links(self, ref: str) -> dict[str, str]:
        """Channel → a link that opens it with ``ref`` ready to send (every channel that
        has one): what a QR entry point's landing page lists."""
        return {c.channel: url for c in self.connectors.values()
                if (url := c.continue_link(ref))}

    async def _record_status(self, status: DeliveryStatus) -> None:
        """A platform's delivery report, recorded once in the customer's history (and the
        identity marked unreachable when the report says so); one for an identity the store
        does not know (nor any of its aliases) is dropped: it creates no customer."""
        event = Event(kind="delivery", at=status.timestamp, channel=status.identity.channel,
                      identity=status.identity.key, text=status.status,
                      data={"platform_message_id": status.platform_message_id,
                            "status": status.status,
                            **({"error": status.error} if status.error else {})})
        if self._statuses is None:
            self._statuses = CampaignStatusLog(self.store)
        recorded = await self._statuses.record(status.identity, status.platform_message_id,
                                               status.status, event, aliases=status.aliases)
        if recorded and status.unreachable:
            customer_id = await self.store.resolve(status.identity, status.aliases)
            await self.store.mark_unreachable(customer_id, status.identity,
                                              status.error or status.status)

    def _web_server(self, host: str, port: int, routes: list[AnyRoute]) -> WebServer:
        cfg = self.settings.server
        # aiohttp may wait its timeout twice (for a handler, then once it is cancelled):
        # half the budget each, so the answers in flight get the whole of it at most.
        return WebServer(host=host, port=port, routes=routes, public_url=cfg.public_url,
                         header_timeout=cfg.header_timeout, body_timeout=cfg.body_timeout,
                         client_of=ClientAddress(cfg.trusted_proxies).of,
                         shutdown_timeout=cfg.shutdown_timeout / 2)

    def _metrics_route(self) -> Route:
        return Route("GET", "/metrics", self._metrics)

    def _routes(self) -> list[AnyRoute]:
        routes: list[AnyRoute] = [
            Route("GET", "/healthz", self._healthz),
            Route("GET", "/readyz", self._readyz),
        ]
        if self.settings.server.metrics_port is None:  # else only on the metrics port
            routes.append(self._metrics_route())
        for connector in self.connectors.values():
            routes.extend(connector.routes())
        return routes

    async def report(self, days: int) -> dict[str, Any]:
        """The analytics report for the last ``days`` days."""
        assert self.analytics is not None
        flows = self.engine.flows
        steps = {name: list(flow.steps) for name, flow in flows.items()}
        titles = {name: {s: flow.step_title(s) for s in flow.steps}
                  for name, flow in flows.items()}
        return await build_report(self.analytics, days=last_days(days), flows=steps,
                                  step_titles=titles)

    async def _metrics(self, request: WebRequest) -> WebResponse:
        return WebResponse(status=200, body=self.metrics.exposition(),
                           content_type="text/plain; version=0.0.4")

    async def _healthz(self, request: WebRequest) -> WebResponse:
        return WebResponse.text(200, "ok")

    async def _readyz(self, request: WebRequest) -> WebResponse:
        if self._stopping.is_set():
            return WebResponse.text(503, "shutting down")
        if await self.store.ping():
            return WebResponse.text(200, "ready")
        return WebResponse.text(503, "store unreachable")

    async def close(self) -> None:
        """Stop taking work, finish (bounded) what is in flight, then let go of everything:
        the HTTP server first, then turns and sends drain while connectors can still
        send, then connectors, the store and the embedded server."""
        self._stopping.set()
        # One budget for all of it (what runs in flight runs meanwhile), not one per step.
        loop = asyncio.get_running_loop()
        ends = loop.time() + self.settings.server.shutdown_timeout

        def left() -> float:
            return max(0.0, ends - loop.time())

        if self.server is not None:
            await self.server.close()
        if self.metrics_server is not None:
            await self.metrics_server.close()
        await self._chores.drain(left())
        if self.knowledge is not None:
            await self.knowledge.stop_watching()
        if self.live is not None:
            await self.live.close()
        if self._pipeline is not None:
            await self._pipeline.close(left())
        if self._dispatcher is not None:
            await self._dispatcher.close(left())
        for connector in self.connectors.values():
            try:
                await connector.close()
            except Exception:  # shutting down: log and go on with the rest
                log.exception("connector %s did not close cleanly", connector.channel)
        await self.engine.close()
        if self.analytics is not None:
            await self.analytics.flush()
        if self.indexer is not None:
            await self.indexer.close()  # filed, then signed off (nothing of ours lost)
        if self._store is not None:
            await self._store.close()
        if self.embedded is not None:
            await self.embedded.close()

    async def __aenter__(self) -> Runtime:
        try:
            await self.start()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def run_until_signalled(self) -> None:
        """Serve until SIGINT or SIGTERM."""
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
            log.info("stopping")
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
