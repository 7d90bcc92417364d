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


async def arrive(engine: DialogueEngine, state: _State) -> None:
    """Route a customer's message, greeting them first when they are recognised on a new
    identity; a button pressed on an identity the conversation has moved away from is
    answered as stale (``answer_stale``) instead."""
    if state.switched and await answer_stale(engine, state):
        return
    if state.recognised:
        say_recognised(engine, state)
    await engine._route(state)


def say_recognised(engine: DialogueEngine, state: _State) -> None:
    name = f" {state.profile.name.split()[0]}" if state.profile.name else ""
    channel = state.inbound.identity.channel
    if state.previous is not None and state.previous.channel == channel:
        # Both devices are on one channel: "continuing here on the web chat" says nothing.
        text = engine._text(state, "link.recognised_device", name=name)
    else:
        text = engine._text(state, "link.recognised", name=name,
                            channel=engine.texts.label(state.locale, channel))
    state.replies.append(Text(text=text))


async def answer_stale(engine: DialogueEngine, state: _State) -> bool:
    """A button from before the conversation went on elsewhere (another channel, another
    device) that nothing expects now: say so and show where it stands, instead of taking
    it as a new start. False when the button still means something (the question waiting
    offers it, or it starts a flow, or it is a global intent)."""
    inbound = state.inbound
    if inbound.payload is None or engine._intents.match(inbound) is not None:
        return False
    if any(trigger.matches(inbound)
           for trigger, _ in (*engine._interrupting, *engine._keywords)):
        return False
    frame = state.session.frame
    question = frame.question if frame is not None else None
    if question is not None and match_choice(question, inbound) is not None:
        return False
    if frame is not None and question is None:
        return False  # a flow mid-way without a question: it goes on
    previous = state.previous
    if previous is not None and previous.channel == inbound.identity.channel:
        text = engine._text(state, "link.moved_on_device")
    else:
        channel = previous.channel if previous is not None else inbound.identity.channel
        text = engine._text(state, "link.moved_on",
                            channel=engine.texts.label(state.locale, channel))
    state.replies.append(Text(text=text))
    if question is not None:
        state.replies.append(engine._prompt(state, question))
    else:  # nothing open: what they can do, the main menu
        await engine._start(state, engine.flows[engine.default_flow], replace=False)
    return True

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
