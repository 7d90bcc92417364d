"""Tickets: a look-up with a validated slot, and a fault report (a form with choices, a
branch and a sub-flow)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, StringConstraints

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
from tests.flows_for_tests import data
from tests.flows_for_tests.texts import TEXTS


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


#: " t100" is accepted and stored as "T100".
TicketNumber = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^T\d{3}$")]
Email = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True,
                                         pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")]
PROBLEMS = ("broken", "missing", "noisy", "other")
FIXES = ("repair", "replace")

ticket = Flow("ticket", title={"en": "a ticket check"},
              triggers=[*command("ticket"), *payload("menu:ticket"), *keyword("my ticket")],
              slots={"number": TicketNumber}, texts=TEXTS)
report = Flow("report", title={"en": "a fault report"},
              step_titles={"ask_ticket": "Ticket number", "check": "Ticket check"},
              triggers=[*command("report"), *payload("menu:report"), *keyword("report")],
              slots={"ticket": TicketNumber, "details": str}, texts=TEXTS)
contact = Flow("contact", slots={"email": Email}, texts=TEXTS)


@ticket.step
async def ask_number(turn: Turn) -> StepResult:
    return Ask("number", turn.t("ticket.ask"), then=look_up, error=turn.t("ticket.bad"))


@ticket.step
async def look_up(turn: Turn) -> StepResult:
    found = await data.find(turn.slots["number"])
    if found is None:
        turn.say(turn.t("ticket.unknown", number=turn.slots["number"]))
        return Goto(ask_number)
    turn.say(turn.t(f"ticket.status.{found.status}", number=found.number,
                    supplier=found.supplier or ""))
    return End()


@report.step
async def ask_ticket(turn: Turn) -> StepResult:
    return Ask("ticket", turn.t("report.ask_ticket"), then=check, error=turn.t("ticket.bad"))


@report.step
async def check(turn: Turn) -> StepResult:
    found = await data.find(turn.slots["ticket"])
    if found is None:
        turn.say(turn.t("ticket.unknown", number=turn.slots["ticket"]))
        return Goto(ask_ticket)
    if found.status == "closed":
        turn.say(turn.t("report.closed", number=found.number))
        return End(outcome="closed")
    if len(found.parts) == 1:
        turn.slots["part"] = found.parts[0]
        return Goto(ask_problem)
    choices = [Choice(payload=part, title=data.NAMES[part]) for part in found.parts]
    return Ask("part", turn.t("report.ask_part"), choices=choices, then=ask_problem)


@report.step
async def ask_problem(turn: Turn) -> StepResult:
    choices = [Choice(payload=p, title=turn.t(f"report.problem.{p}")) for p in PROBLEMS]
    return Ask("problem", turn.t("report.ask_problem"), choices=choices, then=after_problem)


@report.step
async def after_problem(turn: Turn) -> StepResult:
    if turn.slots["problem"] == "other":
        return Ask("details", turn.t("report.ask_details"), then=ask_fix)
    return Goto(ask_fix)


@report.step
async def ask_fix(turn: Turn) -> StepResult:
    choices = [Choice(payload=f, title=turn.t(f"report.fix.{f}")) for f in FIXES]
    return Ask("fix", turn.t("report.ask_fix"), choices=choices, then=need_email)


@report.step
async def need_email(turn: Turn) -> StepResult:
    if turn.profile.email:
        return Goto(confirm)
    return Call("contact", then=confirm)


@report.step
async def confirm(turn: Turn) -> StepResult:
    summary = turn.t("report.confirm", part=data.NAMES[turn.slots["part"]],
                     number=turn.slots["ticket"],
                     problem=turn.t(f"report.problem.{turn.slots['problem']}"),
                     fix=turn.t(f"report.fix.{turn.slots['fix']}").lower())
    return Ask("confirm", summary, then=finish, choices=[
        Choice(payload="yes", title=turn.t("report.yes")),
        Choice(payload="no", title=turn.t("report.no")),
    ])


@report.step
async def finish(turn: Turn) -> StepResult:
    if turn.slots["confirm"] != "yes":
        turn.say(turn.t("report.cancelled"))
        return End()
    reference = await data.file_report(turn.slots["ticket"], turn.slots["part"])
    turn.slots["reference"] = reference
    turn.say(turn.t("report.done", reference=reference, email=turn.profile.email or ""))
    return End(result=reference)


@contact.step
async def ask_email(turn: Turn) -> StepResult:
    return Ask("email", turn.t("contact.ask_email"), then=save_email,
               error=turn.t("contact.bad_email"))


@contact.step
async def save_email(turn: Turn) -> StepResult:
    turn.profile.email = turn.slots["email"]
    return End(result=turn.slots["email"])
