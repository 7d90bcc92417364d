"""Start a return: several steps with validated slots, a branch, an async API call and a
sub-flow (``contact_email``) that collects an e-mail address when we have none."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from bot.catalogue import Catalogue
from bot.dialogue import (
    Ask,
    Call,
    Choice,
    End,
    Flow,
    Goto,
    StepResult,
    Turn,
    command,
    keyword,
    payload,
)
from flows.store_assistant import shop
from flows.store_assistant.orders import OrderNumber
from flows.store_assistant.texts import TEXTS

Email = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=254,
                                         pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")]

_SHIPPED = shop.shipped_catalogue()
_PRODUCT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _product_id(value: str) -> str:
    # Checked here, not as a schema pattern: the understanding reads a pattern as "any
    # word of this shape", and every word is shaped like a product id.
    if not _PRODUCT_ID.match(value):
        raise ValueError("not one of our products")
    return value


#: A product, by id. The understanding learns the words a sentence names one by ("los
#: vaqueros") from the shipped catalogue, at start-up (a product the ERP adds later is
#: offered among an order's items, but not recognised in a sentence until a restart).
ProductId = Annotated[str, AfterValidator(_product_id),
                      Field(description="the product to return",
                            json_schema_extra={"enum": [p.id for p in _SHIPPED.products],
                                               "x-aliases": {p.id: [*p.aliases,
                                                                    *p.name.values()]
                                                             for p in _SHIPPED.products}})]

returns = Flow(
    "returns",
    title={"en": "a return", "es": "una devolución"},
    step_titles={"ask_order": "Order number", "check_order": "Order check",
                 "ask_item": "Which item", "ask_reason": "Reason", "after_reason": "Details",
                 "ask_refund": "Refund or exchange", "need_email": "E-mail",
                 "confirm": "Confirmation", "finish": "Return opened"},
    triggers=[*command("return", "devolucion"), *payload("menu:return"),
              *keyword("return", "returns", "devolución", "devolucion", "devolver")],
    slots={"order": OrderNumber, "item": ProductId, "details": str},
    texts=TEXTS,
    menu="menu.return",
    description={"en": "Start the return of an item of a delivered order",
                 "es": "Iniciar la devolución de un artículo de un pedido entregado"},
    examples={
        "en": ["I want to return something", "I'd like to send an item back",
               "how do I return a product", "can I get a refund", "return an item",
               "this doesn't fit, I want to give it back", "start a return",
               "I need to return the item I bought", "the product arrived broken",
               "refund my purchase please", "I want to return my order"],
        "es": ["quiero devolver algo", "me gustaría devolver un artículo",
               "cómo hago una devolución", "quiero que me devuelvan el dinero",
               "devolver un producto", "no me queda bien, lo quiero devolver",
               "iniciar una devolución", "necesito devolver lo que compré",
               "el producto llegó roto", "quiero un reembolso",
               "quiero devolver mi pedido"],
    },
)
contact_email = Flow("contact_email", slots={"email": Email}, texts=TEXTS)

REASONS = ("damaged", "size", "changed_mind", "other")
#: "If no answer in a day, remind them": inside WhatsApp's 24-hour window, where a
#: free-form message may still be sent.
REMINDER_HOURS = 23
REFUNDS = ("original", "credit")


@returns.step
async def ask_order(turn: Turn) -> StepResult:
    return Ask("order", turn.t("returns.ask_order"), then=check_order, error=turn.t("order.bad"))


@returns.step
async def check_order(turn: Turn) -> StepResult:
    order = await shop.orders(turn).find(turn.slots["order"])
    if order is None:
        turn.say(turn.t("order.unknown", number=turn.slots["order"]))
        return Goto(ask_order)
    if not shop.returnable(order, date.today()):
        turn.say(_refusal(turn, order))
        return End(outcome="refused")
    if len(order.items) == 1:
        turn.slots["item"] = order.items[0]
        return Goto(ask_reason)
    catalogue = await turn.services.catalogue.current()
    choices = [Choice(payload=item, title=_item_title(catalogue, item, turn.locale))
               for item in order.items]
    return Ask("item", turn.t("returns.ask_item"), choices=choices, then=ask_reason)


@returns.step
async def ask_reason(turn: Turn) -> StepResult:
    choices = [Choice(payload=r, title=turn.t(f"returns.reason.{r}")) for r in REASONS]
    return Ask("reason", turn.t("returns.ask_reason"), choices=choices, then=after_reason)


@returns.step
async def after_reason(turn: Turn) -> StepResult:
    if turn.slots["reason"] == "other":
        return Ask("details", turn.t("returns.ask_details"), then=ask_refund)
    return Goto(ask_refund)


@returns.step
async def ask_refund(turn: Turn) -> StepResult:
    choices = [Choice(payload=r, title=turn.t(f"returns.refund.{r}")) for r in REFUNDS]
    return Ask("refund", turn.t("returns.ask_refund"), choices=choices, then=need_email)


@returns.step
async def need_email(turn: Turn) -> StepResult:
    if turn.profile.email:
        return Goto(confirm)
    return Call("contact_email", then=confirm)


@returns.step
async def confirm(turn: Turn) -> StepResult:
    catalogue = await turn.services.catalogue.current()
    summary = turn.t(
        "returns.confirm", item=_item_title(catalogue, turn.slots["item"], turn.locale),
        number=turn.slots["order"], reason=turn.t(f"returns.reason.{turn.slots['reason']}"),
        refund=turn.t(f"returns.refund.{turn.slots['refund']}").lower())
    # Cancelled by the customer's next message, whatever it is.
    turn.remind_in(hours=REMINDER_HOURS, text_key="returns.reminder",
                   number=turn.slots["order"])
    return Ask("confirm", summary, then=finish, choices=[
        Choice(payload="yes", title=turn.t("returns.yes")),
        Choice(payload="no", title=turn.t("returns.no")),
    ])


@returns.step
async def finish(turn: Turn) -> StepResult:
    if turn.slots["confirm"] != "yes":
        turn.say(turn.t("returns.cancelled"))
        return End(outcome="declined")
    reference = await shop.orders(turn).open_return(turn.slots["order"], turn.slots["item"],
                                              turn.slots["reason"])
    turn.slots["reference"] = reference
    turn.say(turn.t("returns.done", reference=reference, email=turn.profile.email or ""))
    return End(result=reference)


@contact_email.step
async def ask_email(turn: Turn) -> StepResult:
    return Ask("email", turn.t("contact.ask_email"), then=save_email,
               error=turn.t("contact.bad_email"))


@contact_email.step
async def save_email(turn: Turn) -> StepResult:
    turn.profile.email = turn.slots["email"]
    return End(result=turn.slots["email"])


def _refusal(turn: Turn, order: shop.Order) -> str:
    """Why ``order`` cannot be returned, truly: not delivered yet is not "too late"."""
    if order.status != "delivered" or order.delivered_on is None:
        return turn.t("returns.not_delivered", number=order.number, days=shop.RETURN_DAYS)
    return turn.t("returns.too_late", number=order.number, days=shop.RETURN_DAYS,
                  date=order.delivered_on.isoformat())


def _item_title(catalogue: Catalogue, item: str, locale: str) -> str:
    product = catalogue.product(item)
    return product.title(locale) if product else item
