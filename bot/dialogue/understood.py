"""What the dialogue engine does with free text it did not otherwise handle: asks the
understanding (``bot.understanding.Understander``) and applies the commands it answers,
deterministically and validated, as the engine's own routing would.

- ``StartFlow``: a known flow (never an engine-internal one), its slots validated through
  the flow's slot types (an invalid value is dropped, so the flow asks for it); the valid
  ones wait in the frame (``Frame.given``) until the flow asks for them.
- ``SetSlots``: the pending question's slot validated as if typed; the others wait.
- ``AnswerFromKnowledge``: the passage's answer with its source, then the pending
  question again, in this channel's form (its shorter ``Ask.again`` line when it has one).
- ``HandOff``, ``Cancel``: as the global intents. ``SwitchLanguage``: only to a
  configured locale, and it counts as the customer's own choice.

Below the threshold nothing is applied: a pending question gets its own error, a
customer with nothing in progress hears that the bot is not sure, and how to reach a
person (then the default flow, as for any text). With nothing understood at all the
engine goes on as it always did. Every consultation is recorded (an ``understood``
event) for the operator's
transcript. See docs/understanding.md.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from bot.dialogue.intents import Intent
from bot.knowledge.answer import answer_message
from bot.messages import Inbound, Text
from bot.model import Event, Frame, JSONValue, Question
from bot.understanding.contract import (
    AnswerFromKnowledge,
    Cancel,
    Command,
    HandOff,
    SetSlots,
    StartFlow,
    SwitchLanguage,
    Understanding,
)
from bot.understanding.describe import confidence_figures, describe_command, intent_of

if TYPE_CHECKING:
    from bot.dialogue.engine import DialogueEngine, _State
    from bot.dialogue.flow import Flow
    from bot.dialogue.steps import Ask

log = logging.getLogger(__name__)


async def free_text(engine: DialogueEngine, state: _State, frame: Frame | None,
                    question: Question | None) -> bool:
    """Consult the understanding about the message; True when what it understood
    answered the turn. ``frame``: the session's current frame (the engine has it at
    hand); ``question``: the pending question the text did not answer."""
    understanding = engine.understanding
    text = state.inbound.text
    if understanding is None or not text:
        return False
    result = await understanding.understand(
        text, locale=state.locale, current_flow=frame.flow if frame else None,
        pending_slot=question.slot if question is not None else None)
    commands = result.commands
    sure = result.confidence >= understanding.threshold if commands else False
    state.events.append(understood_event(state.inbound, result, sure))
    # (Only another language can switch the turn's: most sentences are in the turn's.)
    switched = (result.locale != state.locale
                and follow_language(engine, state, result.locale))
    if switched and not sure and question is not None and frame is not None:
        frame.question = None  # they changed language: ask again in theirs
        await engine._advance(state, frame.step)
        return True
    if not commands:
        return False  # nothing to go on: the default flow, or the question's own error
    if not sure:
        if question is None:  # a guess it is not sure of: say so, and how to get a person
            state.replies.append(Text(text=engine.texts.get(state.locale, "engine.not_sure")))
        return False
    if len(commands) == 1 and not isinstance(commands[0], SwitchLanguage):
        return await _apply(engine, state, commands[0], question)  # the common case
    switches = [c for c in commands if isinstance(c, SwitchLanguage)]
    for switch in switches:
        if switch.locale in engine.locales:
            state.profile.locale_chosen = True
            await engine._global_intent(state, Intent("language", switch.locale))
    acts = [c for c in commands if not isinstance(c, SwitchLanguage)]
    if not acts:
        return bool(switches)
    return await _apply(engine, state, acts[0], question) or bool(switches)


def words_started(engine: DialogueEngine, state: _State, flow: Flow,
                  ) -> dict[str, JSONValue] | None:
    """A message whose words started ``flow`` (a keyword trigger) still tells its
    language and may give some of the flow's slots ("return the jeans from A1001")."""
    understanding = engine.understanding
    text = state.inbound.text
    if understanding is None or not text:
        return None
    if not state.profile.locale_chosen:  # (else their choice stands: no guess to make)
        follow_language(engine, state, understanding.language(text))
    found = understanding.slots_in(flow.name, text)
    return (_valid(flow, found, state.locale) or None) if found else None


def follow_language(engine: DialogueEngine, state: _State, recognised: str | None) -> bool:
    """Answer in the language the customer writes in, unless they chose one themselves;
    True when that changed the turn's language."""
    if (recognised is None or recognised == state.locale or state.profile.locale_chosen
            or recognised not in engine.locales):
        return False
    state.profile.locale = state.locale = recognised
    return True


async def _apply(engine: DialogueEngine, state: _State, command: Command,
                 question: Question | None) -> bool:
    if isinstance(command, StartFlow):
        flow = engine.flows.get(command.flow)
        if flow is None or command.flow.startswith("_"):
            log.info("understood a start of unknown flow %r; ignored", command.flow)
            return False
        given = _valid(flow, command.slots, state.locale) if command.slots else None
        await engine._start(state, flow, replace=True, given=given)
        return True
    if isinstance(command, SetSlots):
        return await _set_slots(engine, state, command, question)
    if isinstance(command, AnswerFromKnowledge):
        understanding = engine.understanding
        passage = understanding.passage(command.passage_id) if understanding else None
        if passage is None:
            return False
        cites = [found for found in map(understanding.passage, command.cites)
                 if found is not None] if understanding else []
        state.replies.append(answer_message(passage, state.locale, text=command.text,
                                            cites=cites))
        if question is not None:
            state.replies.append(engine._prompt(state, question, again=True))
        return True
    if isinstance(command, HandOff):
        engine._request_handoff(state, command.reason)
        return True
    if isinstance(command, Cancel):
        await engine._global_intent(state, Intent("cancel"))
        return True
    return False


async def _set_slots(engine: DialogueEngine, state: _State, command: SetSlots,
                     question: Question | None) -> bool:
    frame = state.session.frame
    if frame is None or frame.flow not in engine.flows:
        return False
    flow = engine.flows[frame.flow]
    values = _valid(flow, command.slots, state.locale)
    frame.given.update({k: v for k, v in values.items()
                        if question is None or k != question.slot})
    if question is None or question.slot not in values:
        return False
    answer = _choice_value(question, values[question.slot])
    if answer is None:
        return False
    frame.slots[question.slot] = answer
    frame.question = None
    if state.session.misunderstood:
        state.session.misunderstood = 0
    await engine._advance(state, question.then)
    return True


def take_given(flow: Flow, frame: Frame, ask: Ask) -> bool:
    """When the sentence that started the flow already gave ``ask``'s slot (and it fits
    the question: one of its choices, if it has some), fill it instead of asking."""
    if ask.slot not in frame.given:
        return False
    value = frame.given.pop(ask.slot)
    if ask.choices:
        payloads = {c.payload for c in ask.choices}
        if value not in payloads:
            return False
    frame.slots[ask.slot] = value
    return True


def _choice_value(question: Question, value: JSONValue) -> JSONValue | None:
    if question.kind != "choice":
        return value
    if any(c.payload == value for c in question.choices):
        return value
    return None


def _valid(flow: Flow, slots: dict[str, Any] | Any, locale: str) -> dict[str, JSONValue]:
    """The values that validate through the flow's slot types, read in the customer's
    ``locale`` ("mañana" is a date in Spanish); the others are dropped (the flow then
    asks for them)."""
    valid: dict[str, JSONValue] = {}
    if not slots:
        return valid  # most sentences give none
    for name, value in dict(slots).items():
        try:
            valid[name] = flow.validate(name, value, locale=locale)
        except ValidationError:
            log.info("understood an invalid value for slot %r of %s; dropped", name,
                     flow.name)
    return valid


def understood_event(inbound: Inbound, result: Understanding, applied: bool) -> Event:
    """The transcript's note of what was understood: the intent and commands, how sure,
    by whom; ``applied``: whether it was sure enough to act on."""
    intent = intent_of(result)
    commands, provider = result.commands, result.provider
    thousandths, percent = confidence_figures(result.confidence)
    data: dict[str, JSONValue] = {
        "intent": intent, "confidence": thousandths, "provider": provider,
        "applied": applied,
        # Nearly always one command: no map and list built around it.
        "commands": [describe_command(commands[0])] if len(commands) == 1
        else list(map(describe_command, commands)),
    }
    if result.locale:
        data["locale"] = result.locale
    identity = inbound.identity
    return Event(kind="understood", channel=identity.channel, identity=identity.key,
                 text=(f"{intent} · {percent} sure · {provider or 'no provider'}"
                       f"{'' if applied else ' · not applied'}"), data=data)
