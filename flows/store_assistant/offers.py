"""Subscribe to offers with explicit, recorded consent (and leave as easily).

The opt-in is recorded in the consent ledger with the question the customer said yes to
(``bot.consent.ledger.decide``); the consent stage writes the history event. Leaving needs
no flow: "STOP", "BAJA", "unsubscribe" stop marketing on every channel at once, with one
confirmation (the consent stage), whatever flow is running.
"""

from __future__ import annotations

import time

from bot.consent.ledger import MARKETING, decide, decision, withdraw_everywhere
from bot.dialogue import Ask, Choice, End, Flow, StepResult, Turn, command, keyword, payload
from bot.model import Touch
from flows.store_assistant.texts import TEXTS

offers = Flow(
    "offers",
    title={"en": "the offers subscription", "es": "la suscripción a ofertas"},
    triggers=[*command("offers", "ofertas"), *payload("menu:offers"),
              *keyword("offers", "ofertas")],
    texts=TEXTS,
    description={"en": "Subscribe to (or leave) our offers by message",
                 "es": "Suscribirse (o darse de baja) de las ofertas por mensaje"},
    examples={
        "en": ["send me your offers", "I want to hear about discounts",
               "sign me up for promotions", "do you have any deals", "subscribe to offers",
               "I don't want your offers anymore", "tell me about sales",
               "stop the offers"],
        "es": ["mándame vuestras ofertas", "quiero enterarme de los descuentos",
               "apúntame a las promociones", "tenéis alguna oferta", "suscribirme a ofertas",
               "no quiero recibir más ofertas", "avisadme de las rebajas",
               "basta de ofertas"],
    },
    menu="menu.offers",
)


def came_through(turn: Turn) -> Touch | None:
    """The QR entry point the customer scanned within the last hour, if any: a consent
    given now was given through it."""
    touch = turn.profile.last_touch
    return touch if touch is not None and time.time() - touch.at < 3600 else None


def subscribed(turn: Turn) -> bool:
    current = decision(turn.profile.consents, MARKETING, turn.channel)
    return current is not None and current.granted


@offers.step
async def ask(turn: Turn) -> StepResult:
    if subscribed(turn):
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
    was_subscribed = subscribed(turn)
    if turn.slots["answer"] == "yes":
        if not was_subscribed:  # "keep them" changes nothing
            # On this channel, as the question says, with the words agreed to.
            touch = came_through(turn)
            decide(turn.profile, MARKETING, True, channel=turn.channel, scope=turn.channel,
                   source="flow:offers", text=turn.t("offers.ask"),
                   qr=touch.entry if touch else None,
                   campaign=touch.campaign if touch else None)
        turn.say(turn.t("offers.subscribed"))
    elif was_subscribed:
        withdraw_everywhere(turn.profile, MARKETING, channel=turn.channel,
                            source="flow:offers")
        turn.say(turn.t("offers.unsubscribed"))
    else:
        decide(turn.profile, MARKETING, False, channel=turn.channel, scope=turn.channel,
               source="flow:offers", text=turn.t("offers.ask"))
        turn.say(turn.t("offers.declined"))
    return End()
