"""What understanding free text costs a turn: client CPU per message through the real
dialogue engine (no store), with and without the built-in provider, for a command, a
valid answer and a free-text sentence, with the demo's flows plus synthetic ones up to
20 flows. ``python -m bench.understanding``."""

from __future__ import annotations

import asyncio
import time

from bot.dialogue import DialogueEngine, End, Flow, StepResult, Turn
from bot.messages import Identity, Inbound
from bot.model import Profile, Session
from bot.understanding.builtin import BuiltinProvider
from bot.understanding.specs import flow_specs
from bot.understanding.understander import Understander
from flows.store_assistant import FLOWS

LOCALES = ("en", "es")
TOPICS = ["gift cards", "store hours", "job offers", "loyalty points", "size guide",
          "warranty", "bulk orders", "invoices", "newsletter", "press contact",
          "repairs", "student discount", "wholesale"]


def synthetic(topic: str) -> Flow:
    flow = Flow(topic.replace(" ", "_"), examples={
        "en": [f"tell me about {topic}", f"I have a question on {topic}",
               f"info on {topic} please", f"how do {topic} work"],
        "es": [f"información sobre {topic}", f"tengo una pregunta de {topic}"]})

    @flow.step
    async def answer(turn: Turn) -> StepResult:
        turn.say(topic)
        return End()

    return flow


def engine(flows: list[Flow], understanding: bool) -> DialogueEngine:
    understander = None
    if understanding:
        specs = flow_specs(flows, LOCALES)
        builtin = BuiltinProvider(specs, LOCALES)
        understander = Understander(builtin, flows=specs, locales=LOCALES, threshold=0.6,
                                    builtin=builtin)
    return DialogueEngine(flows, default_flow="menu", locales=LOCALES,
                          understanding=understander)


async def cpu_per_message(chosen: DialogueEngine, texts: list[str], rounds: int) -> float:
    """Microseconds of process CPU per message; each round is a new customer sending
    ``texts`` in order, only the last one timed."""
    identity = Identity(channel="bench", user_id="u")
    spent = 0.0
    for n in range(rounds):
        session, profile = Session(), Profile(locale="en")
        for i, text in enumerate(texts):
            inbound = Inbound(identity=identity, message_id=f"{n}-{i}", text=text)
            started = time.process_time()
            await chosen.handle(customer_id="c", session=session, profile=profile,
                                inbound=inbound)
            if i == len(texts) - 1:
                spent += time.process_time() - started
    return spent / rounds * 1e6


async def main(rounds: int = 3000) -> None:
    flows = [*FLOWS, *(synthetic(t) for t in TOPICS)]
    cases = {"a command (/order)": ["/order"],
             "a valid answer (A1002)": ["/order", "A1002"],
             "free text (a sentence)": ["could you tell me where my package is"]}
    without, with_ = engine(flows, False), engine(flows, True)
    print(f"{len(flows)} flows, {rounds} messages each, CPU per message:")
    for label, texts in cases.items():
        base = await cpu_per_message(without, texts, rounds)
        understood = await cpu_per_message(with_, texts, rounds)
        print(f"  {label:26} without {base:7.1f} us  with {understood:7.1f} us  "
              f"({understood - base:+.1f} us)")


if __name__ == "__main__":
    asyncio.run(main())
