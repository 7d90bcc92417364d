"""Browse the catalogue: the same products and prices on every channel."""

from __future__ import annotations

from bot.dialogue import Ask, Choice, Flow, Start, StepResult, Turn, command, keyword, payload
from flows.store_assistant import shop
from flows.store_assistant.texts import TEXTS

catalogue = Flow(
    "catalogue",
    title={"en": "browsing the catalogue", "es": "ver el catálogo"},
    triggers=[*command("catalogue", "catalogo"), *payload("menu:catalogue"),
              *keyword("catalogue", "catálogo", "catalogo", "products", "productos")],
    texts=TEXTS,
)


@catalogue.step
async def pick(turn: Turn) -> StepResult:
    choices = [
        Choice(payload=f"product:{p.id}",
               title=f"{p.title(turn.locale)} · {shop.price(p.price_cents, turn.locale)}")
        for p in shop.products()
    ]
    return Ask("product", turn.t("catalogue.prompt"), choices=choices, then=details)


@catalogue.step
async def details(turn: Turn) -> StepResult:
    product = shop.product(turn.slots["product"].removeprefix("product:"))
    if product is not None:
        turn.say(turn.t("catalogue.item", name=product.title(turn.locale),
                        price=shop.price(product.price_cents, turn.locale),
                        blurb=product.blurb(turn.locale)))
    return Ask("next", turn.t("catalogue.next"), then=after, choices=[
        Choice(payload="catalogue:again", title=turn.t("catalogue.another")),
        Choice(payload="catalogue:menu", title=turn.t("catalogue.done")),
    ])


@catalogue.step
async def after(turn: Turn) -> StepResult:
    return Start("catalogue" if turn.slots["next"] == "catalogue:again" else "menu")
