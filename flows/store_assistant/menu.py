"""The main menu (the default flow) and "talk to a person"."""

from __future__ import annotations

from bot.dialogue import (
    Ask,
    Choice,
    Flow,
    Handoff,
    Start,
    StepResult,
    Turn,
    command,
    keyword,
    payload,
)
from flows.store_assistant.texts import TEXTS

menu = Flow("menu", triggers=[*command("start", "menu"), *keyword("menu", "menú")],
            texts=TEXTS,
            description={"en": "Greet the customer and show what the assistant can do",
                         "es": "Saludar al cliente y enseñar lo que puede hacer el asistente"},
            examples={"en": ["hi", "hello", "good morning", "hey there", "what can you do",
                             "show me the options", "main menu", "start over",
                             "how can you help me"],
                      "es": ["hola", "buenos días", "buenas tardes", "qué puedes hacer",
                             "enséñame las opciones", "menú principal", "empezar de nuevo",
                             "me ayudas"]})
human = Flow("human", triggers=payload("menu:human"), texts=TEXTS)

#: Menu payloads → the flow each starts. Buttons start them directly (their payloads are
#: the flows' triggers); a typed number on a text-only channel comes through ``route``.
#: "menu:link" (continue on another channel) is answered by the core (bot/linking).
ROUTES = {
    "menu:catalogue": "catalogue",
    "menu:order": "order_status",
    "menu:return": "returns",
    "menu:offers": "offers",
    "menu:human": "human",
}



def menu_choices(turn: Turn) -> list[Choice]:
    other = "en" if turn.locale == "es" else "es"
    return [
        Choice(payload="menu:catalogue", title=turn.t("menu.catalogue")),
        Choice(payload="menu:order", title=turn.t("menu.order")),
        Choice(payload="menu:return", title=turn.t("menu.return")),
        Choice(payload="menu:offers", title=turn.t("menu.offers")),
        Choice(payload="menu:human", title=turn.t("menu.human")),
        Choice(payload="menu:link", title=turn.t("menu.link")),
        Choice(payload=f"locale:{other}", title=turn.t("menu.language")),
    ]


@menu.step
async def show(turn: Turn) -> StepResult:
    name = f" {turn.profile.name.split()[0]}" if turn.profile.name else ""
    return Ask("choice", turn.t("menu.prompt", name=name), choices=menu_choices(turn),
               then=route)


@menu.step
async def route(turn: Turn) -> StepResult:
    return Start(ROUTES[turn.slots["choice"]])


@human.step
async def ask_for_person(turn: Turn) -> StepResult:
    return Handoff(turn.t("human.reason"))
