"""Subscribe to offers with explicit, recorded consent (and leave as easily)."""

from __future__ import annotations

import time

from bot.dialogue import Ask, Choice, End, Flow, StepResult, Turn, command, keyword, payload, regex
from bot.model import Consent
from flows.store_assistant.texts import TEXTS

CONSENT = "offers"

offers = Flow(
    "offers",
    title={"en": "the offers subscription", "es": "la suscripción a ofertas"},
    triggers=[*command("offers", "ofertas", "stop", "baja"), *payload("menu:offers"),
              *keyword("offers", "ofertas"),
              # Leaving must always work, even in the middle of another flow.
              *regex(r"^\s*(stop|baja|unsubscribe)\s*[.!]*$", interrupts=True)],
    texts=TEXTS,
)


@offers.step
async def ask(turn: Turn) -> StepResult:
    current = turn.profile.consents.get(CONSENT)
    if current is not None and current.granted:
        return Ask("answer", turn.t("offers.ask_stop"), then=record, choices=[
            Choice(payload="no", title=turn.t("offers.stop")),
            Choice(payload="yes", title=turn.t("offers.keep")),
        ])
    return Ask("answer", turn.t("offers.ask"), then=record, choices=[
        Choice(payload="yes", title=turn.t("offers.yes")),
        Choice(payload="no", title=turn.t("offers.no")),
    ])


@offers.step
async def record(turn: Turn) -> StepResult:
    granted = turn.slots["answer"] == "yes"
    previous = turn.profile.consents.get(CONSENT)
    turn.profile.consents[CONSENT] = Consent(granted=granted, at=time.time(), channel=turn.channel)
    if granted:
        turn.say(turn.t("offers.subscribed"))
    elif previous is not None and previous.granted:
        turn.say(turn.t("offers.unsubscribed"))
    else:
        turn.say(turn.t("offers.declined"))
    return End()
