"""A campaign's message in the customer's own turn, and what the customer does after it.

``CampaignStage`` is the outermost link of the turn chain (it sees what the consent
stage answers, STOP included):

- a campaign's inbox item (``BusinessMessage(action="campaign")``, id
  ``campaign:<id>:<customer>``) is decided here, against the customer's state now: sent
  at most once (``Session.campaigns`` remembers it, committed with the turn, on top of
  the inbox's dedupe of the id), on the channel the campaign's policy picks among those
  that can take it now (``bot/reaching/delivery.py``: consent, unreachable marks, the
  24-hour windows and WhatsApp's approved templates), or skipped with the reason; held
  back, unsent, while the campaign is paused (``bot/store/campaign_holds.py``: queued
  again on resume), and dropped as ``failed:cancelled`` once it is cancelled;
- a tap on one of its choices (payload ``campaign:<id>:<n>``) starts the choice's flow;
- within ``campaigns.attribution_hours`` of the send, the customer's first reply, an
  opt-out and the completion of the tapped choice's flow count for the campaign.

Each outcome is counted once per customer (``CampaignStore.record``), so a turn that
runs again after a crash counts nothing twice.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass

from bot.campaigns.clock import CANCELLED
from bot.campaigns.segments import profile_values
from bot.config.campaigns import CampaignDefinition
from bot.config.reaching import NotificationTemplate
from bot.consent.ledger import MARKETING
from bot.dialogue.engine import DialogueEngine, TurnResult
from bot.errors import StoreError
from bot.history import inbound_event, outbound_event
from bot.messages import Choice, Choices, Identity, Inbound, Text
from bot.model import BusinessMessage, CampaignMark, Event
from bot.reaching.delivery import Planned, Reach, Refused, plan
from bot.reaching.notifications import Reaching
from bot.stages import Next, TurnOutcome
from bot.store.campaign_holds import CampaignHolds
from bot.store.campaigns import CampaignStore, member
from bot.store.results import Claim
from bot.store.store import Store

PAYLOAD_PREFIX = "campaign:"


@dataclass(frozen=True, slots=True)
class Loaded:
    definition: CampaignDefinition
    #: As a notification template: the text per locale, the purpose, the approved
    #: platform templates (so the delivery rules are the notifications' own).
    template: NotificationTemplate
    #: The profile fields its texts and templates need.
    needs: frozenset[str]


def choice_payload(campaign_id: str, index: int) -> str:
    return f"{PAYLOAD_PREFIX}{campaign_id}:{index}"


def _parse_payload(payload: str | None) -> tuple[str, int] | None:
    if not payload or not payload.startswith(PAYLOAD_PREFIX):
        return None
    campaign_id, _, index = payload[len(PAYLOAD_PREFIX):].rpartition(":")
    return (campaign_id, int(index)) if campaign_id and index.isdigit() else None


def _nothing(claim: Claim, events: list[Event] | None = None) -> TurnResult:
    return TurnResult(claim.session, claim.profile, events or [], [], origin="system")


class CampaignStage:
    def __init__(self, *, store: Store, campaigns: CampaignStore, reaching: Reaching,
                 engine: DialogueEngine, attribution_hours: float,
                 timezone: str = "UTC") -> None:
        self.store = store
        self.campaigns = campaigns
        self.holds = CampaignHolds(campaigns.redis, campaigns.batcher, campaigns.keys)
        #: ``campaigns.timezone``: a held recipient's queue member needs one.
        self.timezone = timezone
        self.reaching = reaching
        self.engine = engine
        self.attribution_seconds = attribution_hours * 3600
        self._loaded: dict[str, asyncio.Future[Loaded | None]] = {}

    async def __call__(self, claim: Claim, next: Next) -> TurnOutcome:
        item = claim.item
        if isinstance(item, BusinessMessage):
            if item.action == "campaign" and item.ref is not None:
                return await self._send(claim, item)
            return await next(claim)
        tapped = _parse_payload(item.payload) if isinstance(item, Inbound) else None
        answered = await (self._tapped(claim, tapped, next) if tapped is not None
                          else next(claim))
        if isinstance(answered, TurnResult) and isinstance(item, Inbound) \
                and answered.session.campaigns:
            await self._follow(claim.customer_id, answered)
        return answered

    async def _load(self, campaign_id: str) -> Loaded | None:
        """A campaign's definition never changes once created: read once per process
        (one read for the many turns that start at once, not one each)."""
        loading = self._loaded.get(campaign_id)
        if loading is None:
            loading = self._loaded[campaign_id] = asyncio.ensure_future(
                self._read(campaign_id))
        try:
            return await asyncio.shield(loading)
        except StoreError:
            self._loaded.pop(campaign_id, None)  # the next turn reads it again
            raise

    async def _read(self, campaign_id: str) -> Loaded | None:
        record = await self.campaigns.get(campaign_id)
        if record is None:
            return None
        definition = CampaignDefinition.model_validate(json.loads(record.definition_json))
        template = NotificationTemplate(purpose=definition.segment.consent,
                                        text=definition.text, platforms=definition.templates)
        return Loaded(definition, template, frozenset(template.variables()))

    async def _send(self, claim: Claim, item: BusinessMessage) -> TurnResult:
        session, profile, customer_id = claim.session, claim.profile, claim.customer_id
        campaign_id = item.ref or ""
        if campaign_id in session.campaigns:  # sent before: never a second copy
            return _nothing(claim)
        loaded = await self._load(campaign_id)
        # Read in this turn, not cached: a message queued before a pause is not sent.
        status = await self.holds.hold(campaign_id, self._member(claim, item)) \
            if loaded is not None else None
        if status == "paused":
            return _nothing(claim)  # held back: queued again when it resumes
        if loaded is None or status == "cancelled":
            await self._failed(campaign_id, customer_id, "cancelled", CANCELLED)
            return _nothing(claim)
        decided = await self._plan(claim, campaign_id, loaded)
        data: dict[str, object] = {"campaign": campaign_id}
        if isinstance(decided, Refused):
            await self._failed(campaign_id, customer_id, decided.code, decided.reason)
            return _nothing(claim, [Event(
                kind="error", channel=session.address.channel if session.address else None,
                text=f"campaign {loaded.definition.name} not sent: {decided.reason}",
                data={**data, "reason": decided.code})])
        session.campaigns[campaign_id] = CampaignMark(sent_at=time.time())
        session.address = decided.to  # where its replies and choices come back from
        message = decided.message
        if isinstance(message, Text) and loaded.definition.choices:
            locale = self.engine.locale_of(profile)
            message = Choices(text=message.text, choices=tuple(
                Choice(payload=choice_payload(campaign_id, n),
                       title=_title(c.title, locale, self.reaching.default_locale))
                for n, c in enumerate(loaded.definition.choices)))
        event = outbound_event(message, decided.to)
        event.data.update(data)
        await self.campaigns.record(campaign_id, customer_id, "decided",
                                    f"sent:{decided.to.channel}", "sent")
        return TurnResult(session, profile, [event], [message], origin="system")

    def _member(self, claim: Claim, item: BusinessMessage) -> str:
        """The recipient's queue member, as the clock queued it (older items carry none:
        rebuilt from the profile and the channel last used)."""
        address = claim.session.address
        return item.values.get("member") or member(
            claim.customer_id, claim.profile.timezone or self.timezone,
            address.channel if address is not None else "")

    async def _plan(self, claim: Claim, campaign_id: str,
                    loaded: Loaded) -> Planned | Refused:
        """The first channel of the policy that can take the message now."""
        profile = claim.profile
        values = profile_values(profile)
        missing = sorted(loaded.needs - values.keys())
        if missing:
            return Refused(f"the customer's profile has no {', '.join(missing)}",
                           "missing_value")
        candidates = await self._candidates(claim, loaded.definition)
        unreachable, last_inbound = await self.campaigns.reach(claim.customer_id)
        first: Refused | None = None
        for identity in candidates:
            decided = plan(f"campaign {campaign_id}", loaded.template, values,
                           self.engine.locale_of(profile), self.reaching.default_locale,
                           Reach(address=identity, consents=profile.consents,
                                 unreachable=unreachable, last_inbound=last_inbound,
                                 channels=self.reaching.channels,
                                 consent_defaults=self.reaching.consent.defaults))
            if isinstance(decided, Planned):
                return decided
            first = first or decided
        return first or Refused("the customer has no identity on a channel the campaign "
                                "may use", "no_channel")

    async def _candidates(self, claim: Claim, definition: CampaignDefinition) -> list[Identity]:
        address = claim.session.address
        if definition.channel_policy == "last_used":
            return [address] if address is not None else []
        identities = await self.store.identities(claim.customer_id)
        if definition.channel_policy == "preferred":
            preferred = [i for i in identities if i.channel == claim.profile.preferred_channel]
            return [*preferred, *([address] if address is not None else [])]
        last = await self.store.last_inbound(claim.customer_id)
        return [i for channel in definition.channel_order
                for i in sorted((i for i in identities if i.channel == channel),
                                key=lambda i: last.get(i.key, 0), reverse=True)]

    async def _failed(self, campaign_id: str, customer_id: str, code: str,
                      reason: str) -> None:
        await self.campaigns.record(campaign_id, customer_id, "decided", reason,
                                    f"failed:{code}")

    async def _tapped(self, claim: Claim, tapped: tuple[str, int], next: Next) -> TurnOutcome:
        campaign_id, index = tapped
        mark = claim.session.campaigns.get(campaign_id)
        loaded = await self._load(campaign_id)
        item = claim.item
        if mark is None or loaded is None or index >= len(loaded.definition.choices) \
                or not isinstance(item, Inbound):
            return await next(claim)
        await self.campaigns.record(campaign_id, claim.customer_id, "clicked", str(index),
                                    "clicked")
        flow = loaded.definition.choices[index].flow
        if flow is None or flow not in self.engine.flows or claim.session.mode != "bot":
            return await next(claim)
        answered = await self.engine.start_flow(
            customer_id=claim.customer_id, session=claim.session, profile=claim.profile,
            flow=flow, identity=item.identity)
        answered.session.address = item.identity
        answered.events[:0] = [inbound_event(item)]
        answered.session.campaigns[campaign_id] = mark.model_copy(update={"flow": flow})
        return answered

    async def _follow(self, customer_id: str, result: TurnResult) -> None:
        """What this customer message means for the campaigns recently sent to them."""
        now = time.time()
        opted_out = any(e.kind == "consent" and e.data.get("purpose") == MARKETING
                        and e.data.get("granted") is False for e in result.events)
        completed = {str(e.data.get("flow")) for e in result.events
                     if e.kind == "flow" and e.data.get("state") == "completed"}
        for campaign_id, mark in list(result.session.campaigns.items()):
            if now - mark.sent_at > self.attribution_seconds:
                continue
            if not mark.replied:
                await self.campaigns.record(campaign_id, customer_id, "replied", "", "replied")
                result.session.campaigns[campaign_id] = mark = mark.model_copy(
                    update={"replied": True})
            if opted_out:
                await self.campaigns.record(campaign_id, customer_id, "opted_out", "",
                                            "opted_out")
            if mark.flow is not None and mark.flow in completed:
                await self.campaigns.record(campaign_id, customer_id, "converted", mark.flow,
                                            "conversions")
                result.session.campaigns[campaign_id] = mark.model_copy(update={"flow": None})


def _title(titles: dict[str, str], locale: str, default: str) -> str:
    return titles.get(locale) or titles.get(default) or next(iter(titles.values()))
