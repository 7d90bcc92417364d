"""Runs one turn of dialogue: from a session and an inbound message to a new session,
history events and replies. Pure apart from the flows' own awaits: no store, no network.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pydantic import ValidationError

from bot.dialogue import continuity, understood
from bot.dialogue.answers import CapabilitiesOf, match_choice, phone_answer, pick_one_key
from bot.dialogue.continuity import RESUME, flow_event
from bot.dialogue.flow import Flow
from bot.dialogue.intents import Intent, IntentMatcher
from bot.dialogue.locales import choose_locale
from bot.dialogue.parsing.explain import explain
from bot.dialogue.prompts import asking, prompt_for
from bot.dialogue.state import TurnState
from bot.dialogue.steps import Ask, Call, End, Goto, Handoff, Start, step_name
from bot.dialogue.texts import ENGINE_TEXTS, Texts
from bot.dialogue.triggers import TriggerTable
from bot.errors import FlowError
from bot.history import inbound_event, outbound_event
from bot.messages import (
    Identity,
    Inbound,
    Outbound,
    Text,
)
from bot.model import Event, Frame, JSONValue, Profile, Question, Reminder, Session
from bot.services.registry import Services

if TYPE_CHECKING:
    from bot.understanding.understander import Understander

log = logging.getLogger(__name__)


@dataclass
class TurnResult:
    """What a turn came to. The store writes ``profile`` only if it differs from what it
    loaded, so nobody needs to track whether a flow changed it."""

    session: Session
    profile: Profile
    events: list[Event] = field(default_factory=list)
    replies: list[Outbound] = field(default_factory=list)
    #: Set when the customer or a flow asked for a human, with the reason.
    handoff: str | None = None
    #: Who speaks in ``replies``: the bot, an operator, or the system (e.g. a timeout).
    origin: Literal["bot", "operator", "system"] = "bot"
    #: (flow, step) of every step this turn entered, for funnels (not stored in history).
    steps: list[tuple[str, str]] = field(default_factory=list)
    #: Follow-ups the flows scheduled (``Turn.remind_in``; ``bot/reaching/reminders.py``).
    reminders: list[Reminder] = field(default_factory=list)


#: The turn's state, by the name the modules that route it use (continuity, understood).
_State = TurnState


class DialogueEngine:
    """Routes each message: global intents, flow triggers, the pending question, or the
    default flow. Build it once at start-up; it is shared by all turns."""

    def __init__(
        self,
        flows: Sequence[Flow],
        *,
        default_flow: str | None = None,
        locales: Sequence[str] = ("en",),
        default_locale: str = "en",
        max_attempts: int = 3,
        texts: Texts = ENGINE_TEXTS,
        max_transitions: int = 50,
        announce_handoff: bool = True,
        understanding: Understander | None = None,
        capabilities_of: CapabilitiesOf | None = None,
        services: Services | None = None,
    ) -> None:
        self.flows: dict[str, Flow] = {}
        for flow in flows:
            flow.check()
            if flow.name in self.flows:
                raise FlowError(f"two flows are named {flow.name!r}; rename one")
            self.flows[flow.name] = flow
        if default_flow is None:
            if not self.flows:
                raise FlowError("no flows to run: list the modules that define them under "
                                "flows.modules")
            default_flow = next(iter(self.flows))  # the first flow of the first module
        if default_flow not in self.flows:
            raise FlowError(f"the default flow {default_flow!r} is not among the loaded flows: "
                            f"{', '.join(sorted(self.flows)) or 'none'}")
        if default_locale not in locales:
            raise FlowError(f"default locale {default_locale!r} is not in locales {list(locales)}")
        self.default_flow = default_flow
        self.locales = list(locales)
        self.default_locale = default_locale
        self.max_attempts = max_attempts
        self.max_transitions = max_transitions
        #: Whether the engine itself tells the customer a person was asked for; off when
        #: the handoff desk (bot/handoff) answers with the queue position instead.
        self.announce_handoff = announce_handoff
        self.capabilities_of = capabilities_of
        #: What steps reach business systems through (``turn.services``), built once.
        self.services = services if services is not None else Services()
        self.texts = texts
        #: Consulted about free text nothing else handles (``bot/dialogue/understood.py``).
        self.understanding = understanding
        self._flow_texts = {
            name: texts.merged(f.texts) if f.texts else texts for name, f in self.flows.items()
        }
        self._menu = [(f, self._flow_texts[f.name]) for f in self.flows.values() if f.menu]
        self._intents = IntentMatcher(texts, self.locales)
        self._interrupting = [(t, f) for f in self.flows.values() for t in f.triggers
                              if t.interrupts]
        self._keywords = [(t, f) for f in self.flows.values() for t in f.triggers
                          if not t.interrupts]
        self._first_interrupting = TriggerTable(self._interrupting)
        self._first_keyword = TriggerTable(self._keywords)

    # -- the turn -------------------------------------------------------------------------

    async def handle(
        self, *, customer_id: str, session: Session, profile: Profile, inbound: Inbound,
        saved: bytes | str | None = None,
    ) -> TurnResult:
        """Run one turn. ``session`` and ``profile`` belong to the turn (freshly loaded)
        and are changed in place; the result carries them.

        If a flow step raises, the customer gets an apology and the session is as it was
        before the turn, but for the address (the apology goes where they wrote).
        ``saved`` is that session as JSON when the caller has it already (the store
        does: what it loaded); without it the engine serialises its own snapshot."""
        if session.mode == "bot" and saved is None:
            saved = session.model_dump_json()
        identity = inbound.identity
        key = identity.key
        events = [inbound_event(inbound)]
        previous = session.address
        recognised = switched = False
        # Identities are equal when their keys are (a cheaper test than the models'); the
        # address is replaced only when it changes (a model's setattr is not free).
        if previous is None or previous.key != key:
            session.address = identity
            # An alias is the same sender, renamed by the platform: no channel switch.
            if previous is not None and previous not in inbound.aliases:
                switched = True
                events.append(Event(kind="channel_switch", channel=identity.channel,
                                    identity=key, data={"from": previous.key, "to": key}))
                if key not in session.greeted_on:
                    session.greeted_on.append(key)
                    recognised = True
        self._absorb_sender(profile, inbound)
        state = _State(customer_id, inbound, session, profile, self._locale(profile, inbound),
                       events, switched=switched, recognised=recognised,
                       previous=previous if switched else None)
        if session.mode == "bot":
            try:
                # Nearly every message comes on the identity of the last one, with nothing
                # put aside: routed straight, without continuity's two calls.
                if switched:
                    await continuity.arrive(self, state)
                else:
                    await self._route(state)
                if state.session.suspended:
                    continuity.offer_resume(self, state)
            except Exception:  # a bug in a flow: this turn's boundary
                log.exception("flow failed; the turn is answered with an apology")
                state.session = Session.model_validate_json(saved) if saved else Session()
                state.session.version = session.version
                state.session.address = inbound.identity
                state.replies = [Text(text=self.texts.get(state.locale, "engine.error"))]
                state.reminders.clear()  # scheduled by the failed steps
                state.events.append(Event(kind="error", channel=inbound.identity.channel,
                                          text="flow step raised; see the logs"))
        return self._finish(state)

    async def close(self) -> None:
        """Let go of what the turns used: the services' connections, the understanding's."""
        await self.services.close()
        if self.understanding is not None:
            await self.understanding.close()

    async def start_flow(self, *, customer_id: str, session: Session, profile: Profile,
                         flow: str, identity: Identity) -> TurnResult:
        """Start ``flow`` outside a customer message (an operator hands back into it)."""
        if flow not in self.flows:
            raise FlowError(f"no flow named {flow!r}; known: {', '.join(sorted(self.flows))}")
        inbound = Inbound(identity=identity, message_id=f"start:{flow}")
        state = _State(customer_id, inbound, session, profile,
                       self._locale(profile, inbound), [])
        await self._start(state, self.flows[flow], replace=True)
        return self._finish(state)

    def _finish(self, state: _State) -> TurnResult:
        to = state.inbound.identity
        events = state.events
        for reply in state.replies:
            events.append(outbound_event(reply, to))
        return TurnResult(state.session, state.profile, state.events, state.replies,
                          state.handoff, steps=state.steps, reminders=state.reminders)

    async def _route(self, state: _State) -> None:
        inbound = state.inbound
        intent = self._intents.match(inbound)
        if intent is not None:
            await self._global_intent(state, intent)
            return
        flow = self._first_interrupting.first(inbound)
        if flow is not None:
            await self._start(state, flow, replace=True)
            return
        frame = state.session.frame
        if frame is not None and frame.question is not None:
            await self._answer(state, frame, frame.question)
            return
        flow = self._first_keyword.first(inbound)
        if flow is not None:
            await self._start(state, flow, replace=True,
                              given=understood.words_started(self, state, flow))
            return
        if frame is None:
            if await understood.free_text(self, state, None, None):
                return
            state.session.misunderstood += 1
            await self._start(state, self.flows[self.default_flow], replace=True)
            return
        # An active flow that asked nothing (it ended its turn without a question):
        # continue at its current step.
        await self._advance(state, frame.step)

    async def _global_intent(self, state: _State, intent: Intent) -> None:
        say = state.replies.append
        if intent.name == "cancel":
            stack, suspended = state.session.stack, state.session.suspended
            # The main menu alone is nothing in progress: it is what follows a cancel.
            had_flow = bool(stack) and (bool(suspended) or any(
                f.flow != self.default_flow for f in stack))
            for cancelled in state.session.stack:
                state.events.append(flow_event(state, cancelled.flow, "cancelled"))
            state.session.stack.clear()
            key = "engine.cancelled" if had_flow else "engine.nothing_to_cancel"
            say(Text(text=self._text(state, key)))
            if not suspended:  # else offer_resume asks about the flow put aside
                # Say what they can do next: the default flow (the main menu).
                await self._start(state, self.flows[self.default_flow], replace=False)
        elif intent.name == "help":
            current = state.session.frame
            if current is not None and current.question is not None:
                say(Text(text=self._text(state, "engine.help")))
                say(self._prompt(state, current.question))
            else:
                say(Text(text=self._text(state, "engine.help_idle")))
        elif intent.name == "human":
            self._request_handoff(state, "customer asked for a person")
        elif intent.name == "language" and intent.locale in self.locales:
            state.profile.locale = state.locale = intent.locale
            state.profile.locale_chosen = True
            say(Text(text=self._text(state, "engine.language_set")))
            pending = state.session.frame
            if pending is not None and pending.question is not None:
                # Ask again in the new language: the asking step builds its prompt anew.
                pending.question = None
                await self._advance(state, pending.step)

    def _request_handoff(self, state: _State, reason: str) -> None:
        state.handoff = reason
        state.events.append(Event(kind="handoff", channel=state.inbound.identity.channel,
                                  text=reason, data={"state": "requested"}))
        if self.announce_handoff:
            state.replies.append(Text(text=self._text(state, "engine.handoff_requested")))

    async def _start(self, state: _State, flow: Flow, *, replace: bool,
                     given: dict[str, JSONValue] | None = None) -> None:
        if replace:
            for frame in state.session.stack:
                # Choosing one of a menu's own options moves on; anything else leaves it.
                chose = _chose_offered(frame, state.inbound)
                state.events.append(flow_event(state, frame.flow,
                                                "completed" if chose else "abandoned",
                                                outcome="chose" if chose else None))
            state.session.stack.clear()
        state.session.stack.append(Frame(flow=flow.name, step=flow.first_step,
                                         given=given or {}))
        state.events.append(flow_event(state, flow.name, "started"))
        await self._advance(state, flow.first_step)

    async def _answer(self, state: _State, frame: Frame, question: Question) -> None:
        if frame.flow == RESUME:
            await continuity.answer_resume(self, state, question)
            return
        flow = self.flows[frame.flow]
        error: str | None = None
        value: object = None
        if question.kind == "choice":
            choice = match_choice(question, state.inbound)
            if choice is None:
                error = self._pick_one(state, flow, question)
            else:
                value = choice.payload
        elif question.kind == "phone":
            found = phone_answer(state.inbound, assume_international=True)
            if found is None:
                error = self._text(state, "engine.bad_phone")
            else:
                value, verified = found
                state.profile.phone = str(value)
                state.profile.phone_verified = verified
        else:
            value = state.inbound.text or ""
        if error is None:
            try:
                value = flow.validate(question.slot, value, locale=state.locale)
            except ValidationError as exc:
                error = question.error or self._invalid(state, flow, question.slot, exc)
        if error is not None and state.switched:
            # Not an answer, but the customer just came over from another channel: show
            # where we were, in this channel's form, rather than an error.
            state.replies.append(Text(text=self._text(state, "link.we_were_here")))
            state.replies.append(self._prompt(state, question))
            return
        if error is not None and await understood.free_text(self, state, frame, question):
            return
        if error is not None:
            question = frame.question = question.model_copy(  # shared: a copy of its own
                update={"attempts": question.attempts + 1})
            state.session.misunderstood += 1
            state.replies.append(Text(text=error))
            if question.attempts >= self.max_attempts:
                state.replies.append(Text(text=self._text(state, "engine.stuck")))
            state.replies.append(self._prompt(state, question))
            return
        if state.session.misunderstood:
            state.session.misunderstood = 0
        frame.slots[question.slot] = value
        frame.question = None
        await self._advance(state, question.then)

    def _pick_one(self, state: _State, flow: Flow, question: Question) -> str:
        """The retry text in the form this channel shows the choices (buttons, numbers)."""
        channel = state.inbound.identity.channel
        caps = self.capabilities_of(channel) if self.capabilities_of is not None else None
        key = pick_one_key(caps, len(question.choices))
        return self._flow_texts[flow.name].get(state.locale, key)

    def _invalid(self, state: _State, flow: Flow, slot: str, error: ValidationError) -> str:
        """What was wrong with an answer, in the customer's words, never pydantic's."""
        key, values = explain(error, flow.slot_types.kinds.get(slot), state.locale)
        return self._flow_texts[flow.name].get(state.locale, key, **values)

    async def _advance(self, state: _State, step: str) -> None:
        for _ in range(self.max_transitions):
            frame = state.session.frame
            assert frame is not None
            flow = self.flows[frame.flow]
            frame.enter(step)
            state.steps.append((flow.name, step))
            turn = state.turn_in(frame, flow, texts=self._flow_texts[flow.name],
                                 menu=self._menu, services=self.services)
            result = await flow.get_step(step)(turn)
            state.locale = turn.locale
            if isinstance(result, Goto):
                step = step_name(result.step)
            elif frame.given and isinstance(result, Ask) and understood.take_given(
                    flow, frame, result):
                step = step_name(result.then)  # the sentence that started it said it
            elif isinstance(result, Ask):
                question, prompt = asking(result)
                frame.question = question
                state.replies.append(prompt if prompt is not None
                                     else self._prompt(state, question))
                return
            elif isinstance(result, (Call, Start)):
                sub = self._flow(flow, result.flow)
                if isinstance(result, Start):
                    replaced = state.session.stack.pop()
                    state.events.append(flow_event(state, replaced.flow, "completed"))
                    return_to = replaced.return_to
                else:
                    return_to = step_name(result.then)
                state.session.stack.append(Frame(flow=sub.name, step=sub.first_step,
                                                 return_to=return_to))
                state.events.append(flow_event(state, sub.name, "started"))
                step = sub.first_step
            elif isinstance(result, Handoff):
                self._request_handoff(state, result.reason)
                return
            else:
                ended = state.session.stack.pop()
                # "completed" is a success; "ended": the flow ended it, with its outcome.
                how = result if isinstance(result, End) else End()
                state.events.append(flow_event(state, ended.flow,
                                                "completed" if how.succeeded else "ended",
                                                slots=ended.slots, outcome=how.outcome))
                if not state.session.stack or ended.return_to is None:
                    return
                state.session.stack[-1].slots[ended.flow] = (
                    result.result if isinstance(result, End) else None)
                step = ended.return_to
        raise FlowError(f"more than {self.max_transitions} steps in one turn: a loop of Goto?")

    # -- helpers --------------------------------------------------------------------------

    def _flow(self, caller: Flow, name: str) -> Flow:
        flow = self.flows.get(name)
        if flow is None:
            raise FlowError(f"flow {caller.name!r} refers to unknown flow {name!r}")
        return flow

    def _prompt(self, state: _State, question: Question, *, again: bool = False) -> Outbound:
        return prompt_for(question, self._phone_button(question, state.locale), again=again)

    def reprompt(self, session: Session, locale: str | None) -> Outbound | None:
        """The pending question, to ask again (e.g. on the channel the customer moved to)."""
        frame = session.frame
        if frame is None or frame.question is None:
            return None
        return prompt_for(frame.question, self._phone_button(frame.question, locale))

    def _phone_button(self, question: Question, locale: str | None) -> str:
        """The share-my-number button's label, looked up only for questions that show it."""
        if question.kind != "phone":
            return ""
        return self.texts.get(locale, "engine.share_phone_button")

    def _text(self, state: _State, key: str, /, **values: object) -> str:
        return self.texts.get(state.locale, key, **values)

    def locale_of(self, profile: Profile, inbound: Inbound | None = None) -> str:
        """The locale to answer this customer in (``bot.dialogue.locales``); ``inbound``
        adds the language their app reports, for a customer who has none yet."""
        reported = inbound.sender.locale if inbound is not None else None
        return choose_locale(profile.locale, reported, locales=self.locales,
                             default=self.default_locale)

    def _locale(self, profile: Profile, inbound: Inbound) -> str:
        """The turn's locale, remembered in the profile so later turns (and the parts
        that answer without a message, like an operator's hand-back) keep it."""
        if profile.locale in self.locales:
            return profile.locale
        profile.locale = self.locale_of(profile, inbound)
        return profile.locale

    @staticmethod
    def _absorb_sender(profile: Profile, inbound: Inbound) -> None:
        sender = inbound.sender
        if sender.name and not profile.name:
            profile.name = sender.name
        if sender.verified_phone and (not profile.phone_verified or not profile.phone):
            profile.phone = sender.verified_phone
            profile.phone_verified = True
        if sender.username and profile.username != sender.username:
            profile.username = sender.username  # handles change; the latest is shown


def _chose_offered(frame: Frame, inbound: Inbound) -> bool:
    """The customer picked one of the choices the flow was asking with."""
    return frame.question is not None and bool(frame.question.choices) \
        and match_choice(frame.question, inbound) is not None
