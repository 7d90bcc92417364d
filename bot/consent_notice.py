"""The consent stage: the customer's opt-outs, and one history event for every change of
their consent ledger (``bot/consent/ledger.py``), whoever made it.

Two kinds of opt-out stop marketing on every channel at once:
- a platform's report (``Inbound.consent``: an SMS carrier's STOP or START keyword). A
  connector owns no state, so it marks the message and the core applies the mark here,
  ordered with what the customer says and committed like any turn (compare-and-set). A
  carrier's withdrawal runs no flow and answers nothing: the carrier has confirmed it and
  stops delivery itself. A carrier's grant is recorded on top of whatever the rest of the
  chain answered (the same word may answer a question).
- a whole message that is an opt-out word of any configured language ("STOP", "BAJA",
  "unsubscribe", "darme de baja": ``consent.opt_out_words``), on any channel: recorded,
  answered with one confirmation and no question; the flow in progress waits as it was.
While a person has the conversation, the rest of the chain records the message for them
either way, and the consent is recorded with it (a typed opt-out is still confirmed).

Around every turn the stage compares the ledger before and after, so a flow's opt-in
(``ledger.decide``) is in the history without the flow writing any event.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.consent.ledger import MARKETING, changes, decide, withdraw_everywhere
from bot.consent.opt_out import OptOutWords
from bot.dialogue.engine import TurnResult
from bot.dialogue.texts import Texts
from bot.history import inbound_event, outbound_event
from bot.messages import Inbound, Text
from bot.model import Event, Profile
from bot.stages import Next, TurnOutcome
from bot.store.results import Claim

#: The customer's locale, for the confirmation (``DialogueEngine.locale_of``).
LocaleOf = Callable[[Profile, Inbound], str]


def consent_withdrawn(claim: Claim) -> TurnResult:
    """The turn of a carrier's withdrawal: the customer's words in the history, nothing
    answered. The session is left as it was (the address too: replies cannot reach them
    there)."""
    said = inbound_event(claim.inbound)
    return TurnResult(claim.session, claim.profile, [said], [], origin="system")


def apply_platform_consent(inbound: Inbound, profile: Profile) -> None:
    """Apply ``inbound.consent`` (if any) to ``profile``: every purpose it names, on
    every channel."""
    change = inbound.consent
    if change is None:
        return
    for purpose in change.purposes:
        decide(profile, purpose, change.granted, channel=inbound.identity.channel,
               source="carrier", keyword=change.keyword, at=inbound.timestamp)


def insert_after_message(result: TurnResult, events: list[Event]) -> None:
    """Put ``events`` right after the customer's message in the turn's history."""
    first = result.events[0] if result.events else None
    place = 1 if first is not None and first.kind == "inbound" else len(result.events)
    result.events[place:place] = events


class ConsentStage:
    """A link of the turn chain, after the identity notice."""

    def __init__(self, *, words: OptOutWords, texts: Texts, locale_of: LocaleOf) -> None:
        self.words = words
        self.texts = texts
        self.locale_of = locale_of

    async def __call__(self, claim: Claim, next: Next) -> TurnOutcome:
        item = claim.item
        before = dict(claim.profile.consents)  # decisions are frozen: a copy of the dict
        typed = isinstance(item, Inbound) and item.consent is None \
            and self.words.matches(item.text)
        if isinstance(item, Inbound) and typed:
            answered = await self._opted_out(claim, item, next)
        elif isinstance(item, Inbound) and item.consent is not None:
            if not item.consent.granted and claim.session.mode == "bot":
                answered = consent_withdrawn(claim)  # a carrier's STOP: no answer
            else:
                answered = await next(claim)
            if isinstance(answered, TurnResult):  # a merge (a confirmed link) records none
                apply_platform_consent(item, answered.profile)
        else:
            answered = await next(claim)
        if isinstance(answered, TurnResult) and answered.profile.consents != before:
            inbound = item if isinstance(item, Inbound) else None
            insert_after_message(answered, changes(
                before, answered.profile.consents,
                identity=inbound.identity.key if inbound else None,
                message_id=inbound.message_id if inbound else None))
        return answered

    async def _opted_out(self, claim: Claim, inbound: Inbound, next: Next) -> TurnOutcome:
        """A typed opt-out word: marketing refused everywhere, one confirmation."""
        if claim.session.mode == "bot":
            answered: TurnOutcome = TurnResult(claim.session, claim.profile,
                                               [inbound_event(inbound)], [], origin="system")
        else:
            answered = await next(claim)  # recorded for the person who has it
        if not isinstance(answered, TurnResult):
            return answered
        withdraw_everywhere(answered.profile, MARKETING, channel=inbound.identity.channel,
                            source="keyword", keyword=" ".join((inbound.text or "").split()),
                            at=inbound.timestamp)
        confirmation = Text(text=self.texts.get(self.locale_of(answered.profile, inbound),
                                                "consent.opted_out"))
        if not answered.replies:
            answered.origin = "system"  # sent even while a person has the conversation
        answered.replies.append(confirmation)
        answered.events.append(outbound_event(confirmation, inbound.identity))
        return answered
