"""The operator console's routes and its JSON API (also for external helpdesks).

    POST /operator/api/login {operator, password}      GET /operator/api/me
    GET  /operator/api/queue                           GET /operator/api/conversations
    GET  /operator/api/conversations/{id}              GET /operator/api/operators
    GET  /operator/api/search?q=&channel=&status=&operator=&label=&since=&until=
    GET  /operator/api/conversations/{id}/canned       (canned replies, filled in)
    GET  /operator/api/conversations/{id}/summary      (structured + generated summary)
    POST /operator/api/conversations/{id}/take|reply|note|handback|resolve|transfer|reopen|profile
    WS   /operator/ws                                   (live updates)

Console calls authenticate with the session cookie and send ``X-CSRF-Token`` on every
POST; helpdesk integrations send ``Authorization: Bearer <token>``. An operator sees the
queue and their own conversations, and may take only queued ones; a supervisor sees
and takes everything. A store failure answers 503 (``_store_boundary``), never 500.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.analytics.report import to_csv
from bot.errors import ProviderError, StoreError
from bot.handoff.desk import HandoffDesk
from bot.handoff.hours import is_open
from bot.handoff.profile_edits import BadEdit, checked_changes
from bot.handoff.sla import sla_view
from bot.model import Event, OperatorAction, OperatorActionKind, Profile, Session
from bot.operator import canned, finding, views
from bot.operator.addresses import ClientAddress
from bot.operator.auth import Caller, LoginRefused, OperatorAuth
from bot.operator.campaigns_view import CampaignsConsole
from bot.operator.generated_summary import SummaryWriter
from bot.operator.live import LiveHub
from bot.operator.reaching_view import reaching_view
from bot.operator.summary import structured_summary
from bot.operator.supervision import SupervisorTools
from bot.pipeline import Pipeline
from bot.privacy import CustomerRecords
from bot.search.indexer import last_operator
from bot.store.search import SearchIndex
from bot.store.store import Store
from bot.web.types import (
    AnyRoute,
    Route,
    StaticRoute,
    WebRequest,
    WebResponse,
    WebSocket,
    WebSocketRoute,
)

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
API = "/operator/api"
ACTIONS: dict[str, OperatorActionKind] = {
    "take": "take", "reply": "reply", "note": "note", "handback": "handback",
    "resolve": "resolve", "transfer": "transfer", "reopen": "reopen",
    "profile": "profile"}
MAX_TEXT = 4096
#: What a failing store raises (the store's boundary translates every client error).
STORE_FAILURES: tuple[type[Exception], ...] = (StoreError,)

Handler = Callable[[WebRequest, Caller], Awaitable[WebResponse]]


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None
          ) -> WebResponse:
    return WebResponse(status=status, body=json.dumps(body), content_type="application/json",
                       headers={"Cache-Control": "no-store", **(headers or {})})


def _error(status: int, message: str, **extra: Any) -> WebResponse:
    return _json(status, {"error": message, **extra})


class OperatorApi:
    def __init__(self, *, store: Store, pipeline: Pipeline, desk: HandoffDesk,
                 auth: OperatorAuth, live: LiveHub, flows: list[str],
                 report: Callable[[int], Awaitable[dict[str, Any]]] | None = None,
                 addresses: ClientAddress | None = None,
                 search: SearchIndex | None = None,
                 flow_choices: list[dict[str, str]] | None = None,
                 records: CustomerRecords | None = None,
                 summaries: SummaryWriter | None = None,
                 campaigns: CampaignsConsole | None = None) -> None:
        self.store = store
        self.campaigns = campaigns  # the Campaigns page (``campaigns_view.py``); None: off
        #: Export and erasure for supervisors (``supervision.py``); none without it.
        self.records = records
        self.search = search or store.search_index()
        self.pipeline = pipeline
        self.desk = desk
        self.queue = desk.queue
        self.auth = auth
        self.live = live
        self.flows = flows
        #: The hand-back targets, by title (``views.flow_titles``); all flows by name else.
        self.flow_choices = flow_choices if flow_choices is not None else [
            {"name": name, "title": name} for name in flows]
        self.report = report
        self.addresses = addresses or ClientAddress()
        #: Writes generated summaries (``handoff.generated_summary``); None: off.
        self.summaries = summaries

    def routes(self) -> list[AnyRoute]:
        guarded = self._guarded
        return [
            Route("GET", "/operator", self._page),
            StaticRoute("/operator/static", str(STATIC)),
            Route("POST", f"{API}/login", _store_boundary(self._login), max_body=4096),
            Route("POST", f"{API}/logout", guarded(self._logout, post=True)),
            Route("GET", f"{API}/me", guarded(self._me)),
            Route("GET", f"{API}/queue", guarded(self._queue)),
            Route("GET", f"{API}/conversations", guarded(self._conversations)),
            Route("GET", f"{API}/conversations/{{customer}}", guarded(self._conversation)),
            Route("GET", f"{API}/conversations/{{customer}}/canned", guarded(self._canned)),
            Route("GET", f"{API}/conversations/{{customer}}/summary", guarded(self._summary)),
            Route("GET", f"{API}/operators", guarded(self._operators)),
            Route("GET", f"{API}/search", guarded(self._search)),
            Route("POST", f"{API}/conversations/{{customer}}/{{action}}",
                  guarded(self._act, post=True), max_body=64 * 1024),
            WebSocketRoute("/operator/ws", self._socket),
            Route("GET", "/operator/analytics", self._analytics_page),
            Route("GET", f"{API}/analytics", guarded(self._analytics)),
            Route("GET", f"{API}/analytics.csv", guarded(self._analytics_csv)),
            *(SupervisorTools(records=self.records, events=self.store.events,
                              guard=guarded).routes() if self.records is not None else []),
            *(self.campaigns.routes(guarded) if self.campaigns is not None else []),
        ]

    def _guarded(self, handler: Handler, *, post: bool = False) -> Callable[
            [WebRequest], Awaitable[WebResponse]]:
        @_store_boundary
        async def run(request: WebRequest) -> WebResponse:
            caller = await self.auth.identify(request)
            if caller is None:
                return _error(401, "log in first")
            if post and (not self.auth.csrf_ok(caller, request) or not _same_origin(request)):
                return _error(403, "missing or wrong CSRF token; reload the console")
            await self.queue.heartbeat(caller.account.id)
            return await handler(request, caller)

        return run

    # -- pages and sessions ---------------------------------------------------------------

    async def _page(self, request: WebRequest) -> WebResponse:
        return WebResponse(status=200, body=(STATIC / "index.html").read_bytes(),
                           content_type="text/html", headers={"Cache-Control": "no-cache"})

    async def _login(self, request: WebRequest) -> WebResponse:
        # No session yet, so no CSRF token: a page elsewhere must not log a browser in to
        # an account of its choosing. Browsers send Origin on cross-site POSTs, and a
        # cross-site form cannot send application/json without a CORS preflight.
        if not _same_origin(request):
            return _error(403, "log in from the console's own page")
        if not _is_json(request):
            return _error(415, "send the login as application/json")
        body = _body(request)
        operator, password = body.get("operator"), body.get("password")
        if not isinstance(operator, str) or not isinstance(password, str):
            return _error(400, 'send {"operator": "...", "password": "..."} as JSON')
        try:
            caller = await self.auth.login(operator, password, self.addresses.of(request))
        except LoginRefused as refused:
            extra = {"retry_after": refused.retry_after} if refused.retry_after else {}
            return _error(refused.status, refused.message, **extra)
        return _json(200, {"operator": _me(caller), "csrf": caller.csrf},
                     headers={"Set-Cookie": self.auth.cookie(caller)})

    async def _logout(self, request: WebRequest, caller: Caller) -> WebResponse:
        await self.auth.logout(caller)
        await self.live.session_ended(caller.session_id)
        await self.queue.offline(caller.account.id)
        return WebResponse(status=204, headers={"Set-Cookie": self.auth.cleared_cookie()})

    async def _me(self, request: WebRequest, caller: Caller) -> WebResponse:
        return _json(200, {"operator": {**_me(caller), "capacity": caller.account.capacity},
                           "csrf": caller.csrf})

    # -- reading ----------------------------------------------------------------------------

    async def _queue(self, request: WebRequest, caller: Caller) -> WebResponse:
        waiting = await self.queue.waiting()
        now = time.time()
        items = await self._with_unread(caller, [
            (views.queue_item(customer_id, *found, position,
                              sla=sla_view(self.desk.settings.sla, found[0], now)), found[2])
            for position, (customer_id, found) in enumerate(
                zip(waiting, await self.store.overviews(waiting), strict=True), start=1)
            if found is not None])
        online = await self.queue.online()
        return _json(200, {"items": items, "online_operators": len(online),
                           "open": is_open(self.desk.settings.hours, datetime.now(UTC))})

    async def _conversations(self, request: WebRequest, caller: Caller) -> WebResponse:
        operators = list(self.desk.operators) if caller.supervisor else [caller.account.id]
        held: set[str] = set()
        for operator in operators:
            held |= await self.queue.held_by(operator)
        customers = sorted(held)
        now = time.time()
        items = await self._with_unread(caller, [
            (views.conversation_item(customer_id, *found,
                                     sla=sla_view(self.desk.settings.sla, found[0], now)),
             found[2])
            for customer_id, found in zip(customers, await self.store.overviews(customers),
                                          strict=True)
            if found is not None and found[0].mode == "human"])
        return _json(200, {"items": items, "unread": sum(i["unread"] for i in items)})

    async def _with_unread(self, caller: Caller, rows: list[tuple[dict[str, Any], list[Event]]]
                           ) -> list[dict[str, Any]]:
        """The items, each with its count of customer messages the caller has not seen
        (since they last had it open)."""
        marks = await self.queue.read_marks(caller.account.id,
                                            [item["customer_id"] for item, _ in rows])
        for item, events in rows:
            item["unread"] = views.unread(events, marks.get(item["customer_id"]))
        return [item for item, _ in rows]

    async def _search(self, request: WebRequest, caller: Caller) -> WebResponse:
        try:
            query = finding.parse_query(request.query)
        except finding.BadQuery as bad:
            return _error(400, str(bad))
        return _json(200, {"items": await finding.find(self.store, self.search, query,
                                                       caller)})

    async def _unseen(self, caller: Caller, customer_id: str) -> WebResponse | None:
        """The answer when this caller may not open this conversation (404, 403), else None."""
        if not await self.store.identities(customer_id):
            return _error(404, "no such conversation")
        if not await self._may_see(caller, customer_id):
            return _error(403, "this conversation is with another operator")
        return None

    async def _may_see(self, caller: Caller, customer_id: str) -> bool:
        """A supervisor sees everything; an operator the queue, and what is or was theirs."""
        if caller.supervisor:
            return True
        session, _ = await self.store.load(customer_id)
        return session.mode == "queued" or session.operator == caller.account.id \
            or await self._was_theirs(caller, customer_id)

    async def _was_theirs(self, caller: Caller, customer_id: str) -> bool:
        """Read from the history (the truth), not the index, which files a moment later."""
        history = await self.store.history(customer_id, limit=self.store.history_limit)
        return last_operator(history) == caller.account.id

    async def _refusal(self, caller: Caller, customer_id: str, kind: OperatorActionKind
                       ) -> WebResponse | None:
        """Whether this caller may act on this conversation at all (the desk re-checks
        inside the turn, where it is atomic; capacity is checked only there)."""
        if caller.supervisor:
            return None
        session, _ = await self.store.load(customer_id)
        if kind in ("reopen", "resolve", "note", "profile") and session.mode == "bot":
            if await self._was_theirs(caller, customer_id):
                return None
            return _error(403, "only a conversation you had can be reopened or resolved; "
                          "ask a supervisor")
        if kind == "take" and session.mode == "human" and session.operator != caller.account.id:
            return None  # the desk answers "already with ..."
        if session.mode == "queued" or session.operator == caller.account.id:
            return None
        if kind == "take":
            return _error(403, "only queued conversations can be taken; ask a supervisor "
                          "to assign this one to you")
        return _error(403, "this conversation is with another operator")

    async def _conversation(self, request: WebRequest, caller: Caller) -> WebResponse:
        customer_id = request.params["customer"]
        identities = await self.store.identities(customer_id)
        if not identities:
            return _error(404, "no such conversation")
        if not await self._may_see(caller, customer_id):
            return _error(403, "this conversation is with another operator")
        session, profile = await self.store.load(customer_id)
        await self.queue.mark_read(caller.account.id, customer_id, time.time())
        unreachable = set(await self.store.unreachable_identities(customer_id))
        online = await self.queue.online()
        history = await self.store.history(customer_id, limit=self.store.history_limit)
        return _json(200, {
            "customer_id": customer_id,
            "display_name": views.display_name(profile, customer_id),
            "profile": {**views.profile_view(profile),
                        "display_name": views.display_name(profile, customer_id)},
            "identities": views.identities_view(
                identities, unreachable, await self.store.identities_seen(customer_id), history),
            "session": views.session_view(session),
            "reaching": reaching_view(profile, session, history),
            "transcript": views.transcript(history),
            "summary": self._structured_summary(session, profile, history),
            "summary_generated": self.summaries is not None,
            "flows": self.flows,
            "flow_choices": self.flow_choices,
            "operators": [{"id": o.id, "name": o.display_name, "online": o.id in online}
                          for o in self.desk.operators.values()],
        })

    async def _canned(self, request: WebRequest, caller: Caller) -> WebResponse:
        customer_id = request.params["customer"]
        if refused := await self._unseen(caller, customer_id):
            return refused
        session, profile = await self.store.load(customer_id)
        return _json(200, {"items": canned.replies_for(
            list(self.desk.settings.canned_replies), customer_id=customer_id,
            session=session, profile=profile, operator=caller.account.display_name)})

    def _structured_summary(self, session: Session, profile: Profile,
                            history: list[Event]) -> dict[str, Any]:
        engine = self.desk.engine
        return structured_summary(session, history, engine.flows,
                                  locale=engine.locale_of(profile))

    async def _summary(self, request: WebRequest, caller: Caller) -> WebResponse:
        """The structured summary, and the generated one when configured (an error in
        its place when the model fails: the console shows the structured one alone)."""
        customer_id = request.params["customer"]
        if refused := await self._unseen(caller, customer_id):
            return refused
        session, profile = await self.store.load(customer_id)
        history = await self.store.history(customer_id, limit=self.store.history_limit)
        summary = self._structured_summary(session, profile, history)
        body: dict[str, Any] = {"summary": summary, "generated": None}
        if self.summaries is not None:
            try:
                body["generated"] = await self.summaries.write(summary, history)
            except ProviderError as failed:
                log.warning("generated summary for %s failed: %s", customer_id, failed)
                body["generated_error"] = "the summary could not be generated"
        return _json(200, body)

    async def _operators(self, request: WebRequest, caller: Caller) -> WebResponse:
        online = await self.queue.online()
        load = await self.queue.load(list(self.desk.operators))
        return _json(200, {"items": [
            views.operator_view(o, online=o.id in online, active=load[o.id])
            for o in self.desk.operators.values()]})

    # -- acting -----------------------------------------------------------------------------

    async def _act(self, request: WebRequest, caller: Caller) -> WebResponse:
        customer_id, name = request.params["customer"], request.params["action"]
        kind = ACTIONS.get(name)
        if kind is None:
            return _error(404, f"unknown action {name!r}; use one of {', '.join(ACTIONS)}")
        if not await self.store.identities(customer_id):
            return _error(404, "no such conversation")
        body = _body(request)
        text = body.get("text")
        if kind in ("reply", "note"):
            if not isinstance(text, str) or not text.strip():
                return _error(400, "write something first")
            if len(text) > MAX_TEXT:
                return _error(400, f"at most {MAX_TEXT} characters")
        flow = body.get("flow") or None
        if kind == "handback" and flow is not None and flow not in self.flows:
            return _error(400, f"no flow {flow!r}")
        target = body.get("operator")
        if kind == "transfer" and self.desk.operator(str(target)) is None:
            return _error(400, "choose an operator to transfer to")
        changes = None
        if kind == "profile":
            if not (caller.supervisor or caller.account.edit_profiles):
                return _error(403, "you may not edit profiles; a supervisor can, or "
                              "config.yaml can give you edit_profiles: true")
            try:
                changes = checked_changes(body.get("profile"))
            except BadEdit as bad:
                return _error(400, str(bad))
        refusal = await self._refusal(caller, customer_id, kind)
        if refusal is not None:
            return refusal
        action = OperatorAction(id=uuid.uuid4().hex, operator=caller.account.id, action=kind,
                                text=text if isinstance(text, str)
                                and kind in ("reply", "note") else None,
                                flow=flow if isinstance(flow, str) else None,
                                target=str(target) if target else None, changes=changes,
                                at=time.time())
        await self.pipeline.act(customer_id, action)
        result = await self.queue.wait_result(action.id)
        if result is None:
            return _json(202, {"ok": True, "pending": True})
        return _json(200, result) if result.get("ok") else _error(409, result["error"])

    # -- analytics (supervisors) ---------------------------------------------------------

    async def _analytics_page(self, request: WebRequest) -> WebResponse:
        return WebResponse(status=200, body=(STATIC / "analytics.html").read_bytes(),
                           content_type="text/html", headers={"Cache-Control": "no-cache"})

    async def _report(self, request: WebRequest, caller: Caller) -> dict[str, Any] | WebResponse:
        if not caller.supervisor:
            return _error(403, "analytics are for supervisors")
        if self.report is None:
            return _error(404, "analytics are not enabled")
        try:
            days = int(request.query.get("days", "14"))
        except ValueError:
            return _error(400, "days must be a number from 1 to 366")
        if not 1 <= days <= 366:
            return _error(400, "days must be a number from 1 to 366")
        return await self.report(days)

    async def _analytics(self, request: WebRequest, caller: Caller) -> WebResponse:
        report = await self._report(request, caller)
        return report if isinstance(report, WebResponse) else _json(200, report)

    async def _analytics_csv(self, request: WebRequest, caller: Caller) -> WebResponse:
        report = await self._report(request, caller)
        if isinstance(report, WebResponse):
            return report
        return WebResponse(status=200, body=to_csv(report), content_type="text/csv",
                           headers={"Content-Disposition":
                                    'attachment; filename="omnicanal-analytics.csv"'})

    # -- live -------------------------------------------------------------------------------

    async def _socket(self, ws: WebSocket) -> None:
        try:
            caller = await self.auth.identify(ws.request)
        except STORE_FAILURES:
            await ws.send_text(json.dumps({"type": "error",
                                           "error": "the store is unavailable; try again"}))
            await ws.close()
            return
        if caller is None or not _same_origin(ws.request):
            await ws.send_text(json.dumps({"type": "error", "error": "log in first"}))
            await ws.close()
            return
        self.live.join(ws, caller)
        with contextlib.suppress(*STORE_FAILURES):
            await self.queue.heartbeat(caller.account.id)
        await ws.send_text(json.dumps({"type": "hello", "operator": _me(caller)}))
        try:
            while await ws.receive_text() is not None:
                with contextlib.suppress(*STORE_FAILURES):
                    await self.queue.heartbeat(caller.account.id)
        finally:
            await self.live.leave(ws)


def _me(caller: Caller) -> dict[str, Any]:
    account = caller.account
    return {"id": account.id, "name": account.display_name, "role": account.role,
            "edit_profiles": caller.supervisor or account.edit_profiles}


def _store_boundary(handler: Callable[[WebRequest], Awaitable[WebResponse]]
                    ) -> Callable[[WebRequest], Awaitable[WebResponse]]:
    """The one place a failing store becomes an answer: 503 with Retry-After, so clients
    retry, where an exception would have been a 500 and a traceback."""
    async def run(request: WebRequest) -> WebResponse:
        try:
            return await handler(request)
        except STORE_FAILURES:
            return _json(503, {"error": "the store is unavailable; try again"},
                         headers={"Retry-After": "1"})

    return run


def _is_json(request: WebRequest) -> bool:
    content_type = (request.header("content-type") or "").split(";", 1)[0]
    return content_type.strip().lower() == "application/json"


def _body(request: WebRequest) -> dict[str, Any]:
    try:
        value = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested too deep
        return {}
    return value if isinstance(value, dict) else {}


def _same_origin(request: WebRequest) -> bool:
    """A browser's Origin, when sent, must be ours (defence in depth beside SameSite)."""
    origin = request.header("origin")
    if not origin:
        return True
    host = request.header("host") or ""
    return origin.split("://", 1)[-1].rstrip("/") == host
