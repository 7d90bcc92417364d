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
    description={"en": "Show the products we sell and their prices",
                 "es": "Enseñar los productos que vendemos y sus precios"},
    examples={
        "en": ["what do you sell", "show me your products", "I'd like to see the catalogue",
               "what items do you have", "how much are your t-shirts", "browse the shop",
               "do you have hoodies", "show me what's available", "I want to buy something",
               "what are your prices", "I'm looking for something to wear",
               "what's for sale"],
        "es": ["qué vendéis", "enséñame vuestros productos", "quiero ver el catálogo",
               "qué artículos tenéis", "cuánto cuestan las camisetas", "ver la tienda",
               "tenéis sudaderas", "qué hay disponible", "quiero comprar algo",
               "qué precios tenéis", "busco algo de ropa", "qué tenéis a la venta"],
    },
    menu="menu.catalogue",
)


@catalogue.step
async def pick(turn: Turn) -> StepResult:
    # The catalogue in force now: a price changed by the ERP shows on the next message.
    products = (await turn.services.catalogue.current()).products
    choices = [
        Choice(payload=f"product:{p.id}",
               title=f"{p.title(turn.locale)} · {shop.price(p.price_cents, turn.locale)}")
        for p in products
    ]
    return Ask("product", turn.t("catalogue.prompt"), choices=choices, then=details)


@catalogue.step
async def details(turn: Turn) -> StepResult:
    catalogue = await turn.services.catalogue.current()
    product = catalogue.product(turn.slots["product"].removeprefix("product:"))
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
