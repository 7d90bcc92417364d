"""A platform's notice that a customer's id changed (a number change, a new platform id):
run as a turn of its own, so it is ordered with what the customer says and committed
like any turn (compare-and-set), but no flow runs and nothing is answered.

The customer, the flow in progress and the history carry over to the new identity: the
ingest already joined it to the customer of the old one (``Inbound.aliases``); here the
old ones are retired, the address moves (replies and operator messages go to the new id,
never to a number that may belong to someone else now), and a phone number the platform
vouched for with the change replaces the old one.
"""

from __future__ import annotations

from bot.dialogue.engine import TurnResult
from bot.messages import Inbound
from bot.model import Event
from bot.stages import Next, TurnOutcome
from bot.store.links import LinkStore
from bot.store.results import Claim
from bot.store.store import Store


async def apply_identity_change(store: Store, claim: Claim,
                                links: LinkStore | None = None) -> TurnResult:
    """``links``: where vouched numbers are indexed for linking; a changed number is
    moved there too, so a new holder of the old one is never offered this conversation."""
    inbound, session, profile = claim.inbound, claim.session, claim.profile
    new = inbound.identity
    retired = [old for old in inbound.aliases
               if old != new and await store.retire_identity(claim.customer_id, old, new)]
    if session.address is None or session.address in inbound.aliases:
        session.address = new
    phone = inbound.sender.verified_phone
    if phone:
        if links is not None:
            if profile.phone and profile.phone != phone and profile.phone_verified:
                await links.release_phone(profile.phone, claim.customer_id)
            await links.claim_phone(phone, claim.customer_id)
        profile.phone, profile.phone_verified = phone, True
    if inbound.sender.username:
        profile.username = inbound.sender.username
    events = [Event(kind="link", at=inbound.timestamp, channel=new.channel, identity=new.key,
                    text="the platform changed the customer's id" + (
                        " and phone number" if phone else ""),
                    data={"from": [old.key for old in retired], "to": new.key,
                          "method": "identity_changed", "message_id": inbound.message_id})]
    return TurnResult(session, profile, events, [], origin="system")


class IdentityChangeStage:
    """The first link of the turn chain: a platform's identity notice is applied here (in
    every mode: also while a person has the conversation) and goes no further."""

    def __init__(self, store: Store, links: LinkStore | None = None) -> None:
        self.store = store
        self.links = links

    async def __call__(self, claim: Claim, next: Next) -> TurnOutcome:
        item = claim.item
        if isinstance(item, Inbound) and item.notice == "identity_changed":
            return await apply_identity_change(self.store, claim, self.links)
        return await next(claim)
