"""A turn stage of a developer's own, named from config.yaml in ``test_stages.py``:
``pipeline: {stages: ["tests.bot.profanity:profanity_filter"]}``."""

from __future__ import annotations

from bot.dialogue import TurnResult
from bot.messages import Text
from bot.model import Event
from bot.stages import Next, StageContext, TurnOutcome
from bot.store.results import Claim

ANSWER = "Let's keep it friendly, please."


class ProfanityFilter:
    """Answers a rude message itself: the flows never see it."""

    def __init__(self, words: set[str]) -> None:
        self.words = words
        #: How many messages reached this stage (so a test can tell what never did).
        self.seen = 0

    async def __call__(self, claim: Claim, next: Next) -> TurnOutcome:
        self.seen += 1
        inbound = claim.inbound
        if not self.words & set((inbound.text or "").lower().split()):
            return await next(claim)
        session = claim.session
        session.address = inbound.identity
        reply = Text(text=ANSWER)
        channel, identity = inbound.identity.channel, inbound.identity.key
        events = [Event(kind="inbound", at=inbound.timestamp, channel=channel,
                        identity=identity, text="(filtered)"),
                  Event(kind="outbound", channel=channel, identity=identity, text=ANSWER,
                        data={"kind": reply.kind})]
        return TurnResult(session, claim.profile, events, [reply])


#: The last filter built (one per runtime), for the test to look at.
built: list[ProfanityFilter] = []


def profanity_filter(context: StageContext) -> ProfanityFilter:
    stage = ProfanityFilter({"darn", "heck"})
    built.append(stage)
    return stage
