"""The main menu (the default flow) and "talk to a person"."""

from __future__ import annotations

from bot.dialogue import (
    Ask,
    Choice,
    Flow,
    Goto,
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
human = Flow("human", triggers=payload("menu:human"), texts=TEXTS, menu="menu.human")


def menu_choices(turn: Turn) -> list[Choice]:
    """The flows declared with ``menu=`` (in the order of ``FLOWS``), then what the core
    answers itself: "menu:link" (continue on another channel, bot/linking) and the
    language switch. A new flow reaches this menu by declaring ``menu=`` alone."""
    other = "en" if turn.locale == "es" else "es"
    return [
        *turn.menu_choices(),
        Choice(payload="menu:link", title=turn.t("menu.link")),
        Choice(payload=f"locale:{other}", title=turn.t("menu.language")),
    ]


@menu.step
async def show(turn: Turn) -> StepResult:
    name = f" {turn.profile.name.split()[0]}" if turn.profile.name else ""
    return Ask("choice", turn.t("menu.prompt", name=name), choices=menu_choices(turn),
               then=route, again=turn.t("menu.again"))


@menu.step
async def route(turn: Turn) -> StepResult:
    # A pressed button starts its flow by itself (its payload is the flow's trigger);
    # this serves a number or a title typed on a text-only channel.
    chosen = turn.menu_flow(turn.slots["choice"])
    return Start(chosen) if chosen else Goto(show)


@human.step
async def ask_for_person(turn: Turn) -> StepResult:
    return Handoff(turn.t("human.reason"))
