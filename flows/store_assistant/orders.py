"""Order status: validate the number, ask the shop's order API, answer."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints

from bot.dialogue import Ask, End, Flow, StepResult, Turn, command, keyword, payload
from flows.store_assistant.shop import orders
from flows.store_assistant.texts import TEXTS


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


#: " a1001" is accepted and stored as "A1001" (pydantic checks a pattern before
#: ``to_upper``, so the value is normalised first).
OrderNumber = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^A\d{4}$"),
                        # The pattern again for the JSON schema (a BeforeValidator hides it).
                        Field(description="the order number, an A and four digits (A1001)",
                              json_schema_extra={"pattern": r"^A\d{4}$"})]

order_status = Flow(
    "order_status",
    title={"en": "an order status check", "es": "una consulta de pedido"},
    triggers=[*command("order", "pedido"), *payload("menu:order"),
              *keyword("where is my order", "dónde está mi pedido", "tracking", "seguimiento")],
    slots={"number": OrderNumber},
    texts=TEXTS,
    description={"en": "Tell the customer where their order is (its delivery status)",
                 "es": "Decir al cliente dónde está su pedido (estado del envío)"},
    examples={
        "en": ["where is my order", "has my order shipped yet", "track my package",
               "when will my parcel arrive", "I haven't received my order",
               "what's the status of my order", "is my purchase on its way",
               "check order status", "my delivery is late", "I want to know about my order"],
        "es": ["dónde está mi pedido", "ya han enviado mi pedido", "seguir mi paquete",
               "cuándo llega mi paquete", "no me ha llegado el pedido",
               "cómo va mi pedido", "en qué estado está mi compra", "consultar un pedido",
               "mi envío se está retrasando", "quiero saber de mi pedido"],
    },
    menu="menu.order",
)


@order_status.step
async def ask_number(turn: Turn) -> StepResult:
    return Ask("number", turn.t("order.ask"), then=look_up, error=turn.t("order.bad"))


@order_status.step
async def look_up(turn: Turn) -> StepResult:
    number = turn.slots["number"]
    order = await orders(turn).find(number)
    if order is None:
        turn.say(turn.t("order.unknown", number=number))
        return Ask("number", turn.t("order.ask"), then=look_up, error=turn.t("order.bad"))
    turn.say(turn.t(f"order.status.{order.status}", number=order.number,
                    carrier=order.carrier or "", tracking=order.tracking or "",
                    date=order.delivered_on.isoformat() if order.delivered_on else ""))
    return End()
