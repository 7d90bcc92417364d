"""A platform's report that a customer gave or withdrew consent (``Inbound.consent``: an
SMS carrier's STOP or START keyword), recorded in the profile and the history.

A connector owns no state, so it cannot change a profile: it marks the message, and the
core applies the mark in the turn (``ConsentStage``, early in the turn chain), ordered
with what the customer says and committed like any turn (compare-and-set). A withdrawal
runs no flow and answers nothing: the carrier has confirmed it and stops delivery itself,
and asking "are you sure?" is what a carrier keyword must not do. A grant is recorded on
top of whatever the rest of the chain answered (the same word may answer a question).
While a person has the conversation, the rest of the chain records the message for them
either way, and the consent is recorded with it.
"""

from __future__ import annotations

from bot.dialogue.engine import TurnResult
from bot.history import inbound_event
from bot.messages import Inbound
from bot.model import Consent, Event
from bot.stages import Next, TurnOutcome
from bot.store.results import Claim


def consent_withdrawn(claim: Claim) -> TurnResult:
    """The turn of a withdrawal: the customer's words in the history, nothing answered.
    The session is left as it was (the address too: replies cannot reach them there)."""
    said = inbound_event(claim.inbound)
    return TurnResult(claim.session, claim.profile, [said], [], origin="system")


def record_consent(inbound: Inbound, result: TurnResult) -> None:
    """Apply ``inbound.consent`` (if any) to the result's profile, with a history event
    right after the customer's message."""
    change = inbound.consent
    if change is None:
        return
    channel = inbound.identity.channel
    for purpose in change.purposes:
        result.profile.consents[purpose] = Consent(granted=change.granted,
                                                   at=inbound.timestamp, channel=channel)
    decided = "given" if change.granted else "withdrawn"
    by = f" by {change.keyword}" if change.keyword else ""
    event = Event(kind="consent", at=inbound.timestamp, channel=channel,
                  identity=inbound.identity.key,
                  text=f"consent {decided} ({', '.join(change.purposes)}){by}",
                  data={"granted": change.granted, "purposes": list(change.purposes),
                        "keyword": change.keyword, "message_id": inbound.message_id})
    first = result.events[0] if result.events else None
    place = 1 if first is not None and first.kind == "inbound" else len(result.events)
    result.events.insert(place, event)


class ConsentStage:
    """A link of the turn chain, after the identity notice: applies ``Inbound.consent``."""

    async def __call__(self, claim: Claim, next: Next) -> TurnOutcome:
        item = claim.item
        if not isinstance(item, Inbound) or item.consent is None:
            return await next(claim)
        if not item.consent.granted and claim.session.mode == "bot":
            answered: TurnOutcome = consent_withdrawn(claim)  # a carrier's STOP: no answer
        else:
            answered = await next(claim)
        if isinstance(answered, TurnResult):  # a merge (a confirmed link) records none
            record_consent(item, answered)
        return answered
