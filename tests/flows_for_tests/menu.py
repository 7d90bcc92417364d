"""The greeting menu (the default flow), the shelf, and "talk to a person"."""

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
from tests.flows_for_tests.data import NAMES, SHELF
from tests.flows_for_tests.texts import TEXTS

menu = Flow("menu", triggers=[*command("start", "menu"), *keyword("menu")], texts=TEXTS)
shelf = Flow("shelf", title={"en": "browsing the shelf"},
             triggers=[*command("shelf"), *payload("menu:shelf"), *keyword("shelf")],
             texts=TEXTS)
human = Flow("human", triggers=payload("menu:human"), texts=TEXTS)

#: Menu payloads → the flow each starts (a number typed on a text-only channel comes
#: through ``route``; "menu:link" is answered by the core's linking).
ROUTES = {"menu:shelf": "shelf", "menu:ticket": "ticket", "menu:report": "report",
          "menu:human": "human"}


@menu.step
async def show(turn: Turn) -> StepResult:
    name = f" {turn.profile.name.split()[0]}" if turn.profile.name else ""
    other = "en" if turn.locale == "es" else "es"
    return Ask("choice", turn.t("menu.prompt", name=name), then=route, choices=[
        Choice(payload="menu:shelf", title=turn.t("menu.shelf")),
        Choice(payload="menu:ticket", title=turn.t("menu.ticket")),
        Choice(payload="menu:report", title=turn.t("menu.report")),
        Choice(payload="menu:human", title=turn.t("menu.human")),
        Choice(payload="menu:link", title=turn.t("menu.link")),
        Choice(payload=f"locale:{other}", title=turn.t("menu.language")),
    ])


@menu.step
async def route(turn: Turn) -> StepResult:
    return Start(ROUTES[turn.slots["choice"]])


@shelf.step
async def pick(turn: Turn) -> StepResult:
    choices = [Choice(payload=f"item:{item}", title=NAMES[item]) for item in SHELF]
    return Ask("item", turn.t("shelf.prompt"), choices=choices, then=details)


@shelf.step
async def details(turn: Turn) -> StepResult:
    turn.say(turn.t("shelf.item", name=NAMES[turn.slots["item"].removeprefix("item:")]))
    return Ask("next", turn.t("shelf.next"), then=after, choices=[
        Choice(payload="shelf:again", title=turn.t("shelf.another")),
        Choice(payload="shelf:menu", title=turn.t("shelf.done")),
    ])


@shelf.step
async def after(turn: Turn) -> StepResult:
    return Start("shelf" if turn.slots["next"] == "shelf:again" else "menu")


@human.step
async def ask_for_person(turn: Turn) -> StepResult:
    return Handoff(turn.t("human.reason"))
