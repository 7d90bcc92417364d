"""Continuity inside the dialogue: greeting a customer recognised on a new channel, and
offering to resume a flow that a merge put aside (the engine's own ``_resume`` flow)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bot.dialogue.answers import match_choice
from bot.messages import Choice, Text
from bot.model import Event, Frame, Question

if TYPE_CHECKING:
    from bot.dialogue.engine import DialogueEngine, _State

#: The engine's own flow that offers to resume a flow put aside by a merge.
RESUME = "_resume"


def say_recognised(engine: DialogueEngine, state: _State) -> None:
    name = f" {state.profile.name.split()[0]}" if state.profile.name else ""
    channel = engine.texts.label(state.locale, state.inbound.identity.channel)
    state.replies.append(Text(text=engine._text(state, "link.recognised", name=name,
                                              channel=channel)))

def offer_resume(engine: DialogueEngine, state: _State) -> None:
    session = state.session
    if session.stack or not session.suspended or state.handoff:
        return
    put_aside = session.suspended[-1]
    flow = engine.flows.get(put_aside.flow)
    title = (flow.title.get(state.locale) if flow else None) or put_aside.flow
    question = Question(slot="resume", kind="choice", then="decide",
                        prompt=engine._text(state, "link.resume_offer", flow=title),
                        choices=[Choice(payload="resume:yes",
                                        title=engine._text(state, "link.resume_yes")),
                                 Choice(payload="resume:no",
                                        title=engine._text(state, "link.resume_no"))])
    session.stack.append(Frame(flow=RESUME, step="offer", question=question))
    state.replies.append(engine._prompt(state, question))

async def answer_resume(engine: DialogueEngine, state: _State, question: Question) -> None:
    choice = match_choice(question, state.inbound)
    if choice is None:
        state.session.stack.pop()
        await engine._route(state)
        return
    state.session.stack.pop()
    frame = state.session.suspended.pop()
    if choice.payload == "resume:yes":
        frame.updated_at = time.time()
        state.session.stack.append(frame)
        if frame.question is not None:
            state.replies.append(engine._prompt(state, frame.question))
        else:
            await engine._advance(state, frame.step)
    else:
        state.events.append(flow_event(state, frame.flow, "abandoned"))
    offer_resume(engine, state)


def flow_event(state: _State, flow: str, what: str,
               slots: dict[str, object] | None = None, outcome: str | None = None) -> Event:
    """The history event of a flow started, completed, abandoned or cancelled."""
    data: dict[str, object] = {"flow": flow, "state": what}
    if slots:
        data["slots"] = slots
    if outcome:
        data["outcome"] = outcome
    return Event(kind="flow", channel=state.inbound.identity.channel, text=f"{flow} {what}",
                 data=data)
