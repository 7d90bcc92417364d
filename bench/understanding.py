"""What understanding free text costs a turn: client CPU per message through the real
dialogue engine (no store), with and without the built-in provider, measured side by side
in one run (rounds alternate the two engines; the figure is the median of the rounds).
``python -m bench.understanding``.

- The three cases of issue 16's table: a command, a valid answer and one sentence, over
  the demo's flows plus synthetic ones up to 20 flows, no knowledge base.
- The combined figure: the same 20 flows and a knowledge base of 200 entries (the demo's
  24 and 176 synthetic ones in real English and Spanish words, so customers' words reach
  them), every free-text utterance of ``flows/store_assistant/eval.yaml`` in turn. The
  whole-sentence memory of the text folding is emptied before each timed message (a
  customer's sentence is rarely seen twice); the per-word memories (stems, typos) stay
  warm, as in a running bot.

Everything runs as the bot does (``bot.loop.run``: uvloop when installed and the
runtime's garbage collector settings, ``bot.loop.tune_gc``); ``--default-collector``
keeps CPython's own thresholds instead (every figure of this file before session 9 was
taken that way: a turn's allocations then trigger a collection every few messages, each
walking every object alive since start-up).

``--instructions`` counts the machine instructions per message of a sentence and of its
trigger match under valgrind, a figure the machine's load does not change (with
``--against REV``, of both trees).

``--against REV`` runs the combined figure for this tree and for commit REV of the same
repository (its ``bot`` and ``flows`` exported to a temporary folder), alternating A B A
B in separate processes, and prints the figures of each side and their ratios.

This file imports only ``bot`` and ``flows`` (never ``bench``), so that the A/B can run it
against another tree's code.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from bot import loop
from bot.dialogue import DialogueEngine, End, Flow, StepResult, Turn
from bot.knowledge import KnowledgeBase
from bot.messages import Identity, Inbound
from bot.model import Profile, Session
from bot.services.loading import services_of_flows
from bot.services.registry import Services
from bot.understanding import text as folding
from bot.understanding.builtin import BuiltinProvider
from bot.understanding.specs import flow_specs
from bot.understanding.understander import Understander
from flows import store_assistant
from flows.store_assistant import FLOWS

LOCALES = ("en", "es")
#: The knowledge entries of the combined figure (issue 16: "20 flows and 200 entries").
ENTRIES = 200
DEMO = Path(store_assistant.__file__).resolve().parent
TOPICS = ["gift cards", "store hours", "job offers", "loyalty points", "size guide",
          "warranty", "bulk orders", "invoices", "newsletter", "press contact",
          "repairs", "student discount", "wholesale"]
#: Subjects of the synthetic knowledge entries, English and Spanish: 44 of them, each
#: asked plainly and then "online", as many as the demo's entries leave to 200.
SUBJECTS = [
    ("gift vouchers", "vales regalo"), ("store credit", "saldo de tienda"),
    ("loyalty card", "tarjeta de fidelidad"), ("student discount", "descuento de estudiante"),
    ("warranty claims", "reclamaciones de garantía"), ("repairs", "reparaciones"),
    ("invoices", "facturas"), ("receipts", "tiques de compra"), ("newsletter", "boletín"),
    ("wholesale prices", "precios al por mayor"), ("bulk orders", "pedidos grandes"),
    ("press enquiries", "consultas de prensa"), ("job vacancies", "ofertas de empleo"),
    ("franchises", "franquicias"), ("promo codes", "códigos promocionales"),
    ("price matching", "igualar precios"), ("pre-orders", "reservas de productos"),
    ("restocks", "reposiciones"), ("click and collect", "recogida en tienda"),
    ("pickup points", "puntos de recogida"), ("parcel lockers", "taquillas de paquetes"),
    ("customs duties", "aranceles de aduana"), ("tax refunds", "devolución de impuestos"),
    ("gift wrapping", "envolver para regalo"), ("packaging", "embalaje"),
    ("recycling", "reciclaje"), ("sustainability", "sostenibilidad"),
    ("fabric materials", "materiales de los tejidos"), ("washing care", "lavado de prendas"),
    ("alterations", "arreglos de ropa"), ("personal shopper", "asesor de compras"),
    ("appointments", "citas"), ("fitting rooms", "probadores"), ("parking", "aparcamiento"),
    ("accessibility", "accesibilidad"), ("pets in the shop", "mascotas en la tienda"),
    ("wifi", "wifi"), ("events", "eventos"), ("collaborations", "colaboraciones"),
    ("affiliate programme", "programa de afiliados"), ("account deletion", "borrar la cuenta"),
    ("password reset", "cambiar la contraseña"), ("privacy policy", "política de privacidad"),
    ("cookie settings", "ajustes de cookies"),
]
QUESTIONS = {
    "en": ["How does {s} work?", "Do you offer {s}?", "What is your policy on {s}?",
           "Can I ask about {s}?", "Where do I find information on {s}?",
           "Is there a fee for {s}?"],
    "es": ["¿Cómo funciona {s}?", "¿Tenéis {s}?", "¿Cuál es vuestra política de {s}?",
           "¿Puedo preguntar por {s}?", "¿Dónde encuentro información de {s}?",
           "¿Cuesta algo {s}?"],
}


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


def write_knowledge(root: Path, count: int) -> None:
    """``count`` synthetic entries under ``root/en`` and ``root/es``, half each."""
    asked = [(number, online, locale, subject)
             for online in (False, True) for number, pair in enumerate(SUBJECTS)
             for locale, subject in zip(LOCALES, pair, strict=True)]
    for number, online, locale, subject in asked[:count]:
        said = f"{subject} {'online' if locale == 'en' else 'en línea'}" if online else subject
        questions = "\n".join(f"  - {q.format(s=said)}" for q in QUESTIONS[locale])
        folder = root / locale
        folder.mkdir(parents=True, exist_ok=True)
        text = (f"---\ntitle: {said.capitalize()}\nquestions:\n{questions}\n"
                f"tags: [{subject.split()[0]}]\n---\nAll about {said}.\n")
        (folder / f"topic-{number:02d}-{int(online)}.md").write_text(text, "utf-8")


def engine(flows: list[Flow], understanding: bool,
           knowledge: KnowledgeBase | None = None) -> DialogueEngine:
    understander = None
    if understanding:
        specs = flow_specs(flows, LOCALES)
        builtin = BuiltinProvider(specs, LOCALES)
        understander = Understander(builtin, flows=specs, locales=LOCALES, threshold=0.6,
                                    builtin=builtin, knowledge=knowledge)
    # The demo's steps read its catalogue and order book through services, as in a bot.
    services = Services().build(services_of_flows(flows))
    return DialogueEngine(flows, default_flow="menu", locales=LOCALES,
                          understanding=understander, services=services)


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


async def cpu_per_sentence(chosen: DialogueEngine, sentences: list[str]) -> float:
    """Microseconds of process CPU per sentence, each the first message of a new
    customer, the folding's sentence memory emptied before each."""
    identity = Identity(channel="bench", user_id="u")
    spent = 0.0
    for n, text in enumerate(sentences):
        session, profile = Session(), Profile(locale="en")
        inbound = Inbound(identity=identity, message_id=str(n), text=text)
        folding.fold.cache_clear()
        started = time.process_time()
        await chosen.handle(customer_id="c", session=session, profile=profile,
                            inbound=inbound)
        spent += time.process_time() - started
    return spent / len(sentences) * 1e6


def utterances() -> list[dict[str, Any]]:
    """The eval file's utterances: what customers write, every intent and none."""
    data = yaml.safe_load((DEMO / "eval.yaml").read_text(encoding="utf-8"))
    return list(data["utterances"])


def free_text() -> list[str]:
    return [u["text"] for u in utterances()]


def trigger_matches(flows: list[Flow]) -> list[str]:
    """For each eval utterance, the command that starts the flow it means (the menu's
    ``/start`` when it means no flow with a command: human, cancel, language, none): the
    "trigger match" issue 16's speed target compares a sentence with."""
    commands = {flow.name: trigger.value for flow in flows for trigger in flow.triggers
                if trigger.kind == "command"}
    return [f"/{commands.get(u['intent'], commands['menu'])}" for u in utterances()]


def combined_setup() -> tuple[list[Flow], KnowledgeBase]:
    """The combined figure's 20 flows and 200 knowledge entries."""
    flows = [*FLOWS, *(synthetic(t) for t in TOPICS)]
    demo = len(KnowledgeBase.from_paths([DEMO / "knowledge"], locales=LOCALES))
    with tempfile.TemporaryDirectory() as folder:
        write_knowledge(Path(folder), ENTRIES - demo)
        knowledge = KnowledgeBase.from_paths([DEMO / "knowledge", Path(folder)],
                                             locales=LOCALES)
    return flows, knowledge


async def calls_per_message() -> dict[str, float]:
    """Function calls per message (``sys.setprofile``'s count: the same on every run,
    whatever the machine's load), of the combined figure's sentences and of their
    trigger matches, through the engine with the built-in provider: Python functions
    (a coroutine's every resumption counts) and all calls (C functions too)."""
    flows, knowledge = combined_setup()
    with_ = engine(flows, True, knowledge)
    found: dict[str, float] = {}
    for name, texts in (("sentence", free_text()), ("trigger", trigger_matches(flows))):
        await cpu_per_sentence(with_, texts)  # warm: the per-word memories fill
        counted = {"call": 0, "c_call": 0}

        def count(frame: object, event: str, arg: object, counted: dict[str, int] = counted,
                  ) -> None:
            if event in counted:
                counted[event] += 1

        sys.setprofile(count)
        try:
            await cpu_per_sentence(with_, texts)
        finally:
            sys.setprofile(None)
        found[f"{name}_python_calls"] = counted["call"] / len(texts)
        found[f"{name}_calls"] = (counted["call"] + counted["c_call"]) / len(texts)
    return found


async def replay(mode: str, passes: int) -> None:
    """The combined setup, warmed, then the eval's sentences (``mode`` ``sentence``) or
    their trigger matches (``trigger``) ``passes`` times, or nothing (``none``): what
    ``--instructions`` counts under valgrind."""
    flows, knowledge = combined_setup()
    with_ = engine(flows, True, knowledge)
    texts = {"sentence": free_text(), "trigger": trigger_matches(flows), "none": []}
    await cpu_per_sentence(with_, texts["sentence"])  # warm: the per-word memories fill
    await cpu_per_sentence(with_, texts["trigger"])
    gc.collect()  # the warm-up's garbage gone and the survivors frozen: the counts stay
    gc.freeze()  # the same run to run (a collection's timing moved them by ~1%)
    for _ in range(passes if texts[mode] else 0):
        await cpu_per_sentence(with_, texts[mode])


def instructions(tree: str, passes: int) -> dict[str, float]:
    """Machine instructions per message of a sentence and of its trigger match, counted
    by valgrind (``cachegrind``, no cache simulation): the same on every run, whatever
    the machine's load. Three runs of ``replay`` (nothing, the sentences, the trigger
    matches) and the differences over the messages sent; PYTHONHASHSEED=0."""
    counted: dict[str, int] = {}
    for mode in ("none", "sentence", "trigger"):
        run = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no",
             "--cachegrind-out-file=/dev/null", sys.executable, __file__, "--replay", mode,
             "--passes", str(passes)], cwd=tree, check=True, capture_output=True, text=True,
            env={**os.environ, "PYTHONPATH": tree, "PYTHONHASHSEED": "0"})
        found = re.search(r"I\s+refs:\s+([\d,]+)", run.stderr)
        if found is None:
            raise RuntimeError(f"valgrind printed no instruction count:\n{run.stderr}")
        counted[mode] = int(found.group(1).replace(",", ""))
    sent = passes * len(free_text())
    sentence = (counted["sentence"] - counted["none"]) / sent
    trigger = (counted["trigger"] - counted["none"]) / sent
    return {"sentence": sentence, "trigger": trigger, "over": sentence - trigger}


def print_instructions(revision: str | None, passes: int) -> None:
    with tempfile.TemporaryDirectory() as other:
        here = str(Path(__file__).resolve().parent.parent)
        sides = _other_tree(revision, other) if revision else {"this tree": here}
        for side, tree in sides.items():
            found = instructions(tree, passes)
            print(f"{side:>12}: a sentence {found['sentence']:,.0f} instructions, its "
                  f"trigger match {found['trigger']:,.0f}: {found['over']:+,.0f} per message")


def print_calls(found: dict[str, float]) -> None:
    for name in ("sentence", "trigger"):
        print(f"  {name:8} {found[f'{name}_python_calls']:6.1f} Python calls, "
              f"{found[f'{name}_calls']:6.1f} calls in all, per message")
    print(f"  a sentence over its trigger match: "
          f"{found['sentence_python_calls'] - found['trigger_python_calls']:+.1f} Python "
          f"calls, {found['sentence_calls'] - found['trigger_calls']:+.1f} in all")


async def combined(rounds: int, passes: int) -> dict[str, Any]:
    """The combined figure: 20 flows, 200 knowledge entries, the eval's sentences."""
    flows, knowledge = combined_setup()
    demo = len(KnowledgeBase.from_paths([DEMO / "knowledge"], locales=LOCALES))
    without, with_ = engine(flows, False), engine(flows, True, knowledge)
    sentences, triggers = free_text() * passes, trigger_matches(flows) * passes
    await cpu_per_sentence(with_, sentences[:200])  # warm: the per-word memories fill
    await cpu_per_sentence(without, sentences[:200])
    bases, withs, matched = [], [], []
    for _ in range(rounds):
        bases.append(await cpu_per_sentence(without, sentences))
        withs.append(await cpu_per_sentence(with_, sentences))
        matched.append(await cpu_per_sentence(with_, triggers))
    added = [w - b for b, w in zip(bases, withs, strict=True)]
    over = [w - t for t, w in zip(matched, withs, strict=True)]
    return {"flows": len(flows), "entries": len(knowledge),
            "synthetic_entries": len(knowledge) - demo, "sentences": len(free_text()),
            "without_us": statistics.median(bases), "with_us": statistics.median(withs),
            "added_us": statistics.median(added),
            "ratio": statistics.median(w / b for b, w in zip(bases, withs, strict=True)),
            "added_rounds": [round(a, 1) for a in added],
            "trigger_us": statistics.median(matched),
            "over_trigger_us": statistics.median(over),
            "over_trigger_rounds": [round(a, 1) for a in over]}


async def cases(rounds: int) -> None:
    flows = [*FLOWS, *(synthetic(t) for t in TOPICS)]
    texts = {"a command (/order)": ["/order"],
             "a valid answer (A1002)": ["/order", "A1002"],
             "free text (a sentence)": ["could you tell me where my package is"]}
    without, with_ = engine(flows, False), engine(flows, True)
    print(f"{len(flows)} flows, no knowledge base, {rounds} messages each, CPU per message:")
    for label, said in texts.items():
        base = await cpu_per_message(without, said, rounds)
        understood = await cpu_per_message(with_, said, rounds)
        print(f"  {label:26} without {base:7.1f} us  with {understood:7.1f} us  "
              f"({understood - base:+.1f} us)")


def print_combined(found: dict[str, Any]) -> None:
    print(f"{found['flows']} flows, {found['entries']} knowledge entries "
          f"({found['synthetic_entries']} synthetic), {found['sentences']} free-text "
          f"sentences, CPU per message (medians of {len(found['added_rounds'])} rounds):")
    print(f"  without understanding {found['without_us']:7.1f} us  with {found['with_us']:7.1f}"
          f" us  added {found['added_us']:+.1f} us  ratio {found['ratio']:.2f}  "
          f"(rounds: {', '.join(f'{a:+.0f}' for a in found['added_rounds'])})")
    print(f"  a trigger match (the command of the flow meant) {found['trigger_us']:7.1f} us; "
          f"a sentence costs {found['over_trigger_us']:+.1f} us more "
          f"(rounds: {', '.join(f'{a:+.0f}' for a in found['over_trigger_rounds'])})")


def _other_tree(revision: str, into: str) -> dict[str, str]:
    """``revision``'s ``bot`` and ``flows`` exported into the folder ``into``; the two
    sides' trees."""
    here = Path(__file__).resolve().parent.parent
    archive = subprocess.run(["git", "-C", str(here), "archive", revision, "bot", "flows"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", into], input=archive, check=True)
    return {"this tree": str(here), revision: into}


def calls_against(revision: str) -> None:
    """The function calls per message of this tree's code and of ``revision``'s."""
    with tempfile.TemporaryDirectory() as other:
        for side, tree in _other_tree(revision, other).items():
            out = subprocess.run([sys.executable, __file__, "--calls"], cwd=tree,
                                 env={**os.environ, "PYTHONPATH": tree}, check=True,
                                 capture_output=True, text=True).stdout
            print(f"{side}:\n{out}", end="")


def against(revision: str, runs: int, rounds: int, passes: int, extra: list[str]) -> None:
    """A B A B: this tree's code and ``revision``'s, each run in its own process."""
    with tempfile.TemporaryDirectory() as other:
        sides = _other_tree(revision, other)
        found: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
        for _ in range(runs):
            for side, tree in sides.items():
                env = {**os.environ, "PYTHONPATH": tree}
                out = subprocess.run(
                    [sys.executable, __file__, "--json", "--rounds", str(rounds),
                     "--passes", str(passes), *extra], cwd=tree, env=env, check=True,
                    capture_output=True, text=True).stdout
                found[side].append(json.loads(out))
    for figure, said in (("added_us", "added"), ("over_trigger_us", "over a trigger match")):
        for side, results in found.items():
            added = [r[figure] for r in results if figure in r]
            if added:
                print(f"{side:>12}: {said} {statistics.median(added):6.1f} us per free-text "
                      f"message (runs {', '.join(f'{a:.1f}' for a in added)})")
        ours, theirs = found["this tree"], found[revision]
        ratios = [a[figure] / b[figure] for a, b in zip(ours, theirs, strict=True)
                  if figure in a and figure in b]
        if ratios:
            print(f"{said}, this tree / {revision}: median {statistics.median(ratios):.2f} "
                  f"(runs {', '.join(f'{r:.2f}' for r in ratios)})")
    for side, results in found.items():
        print(f"{side:>12}: without understanding "
              f"{statistics.median(r['without_us'] for r in results):.1f} us, a trigger "
              f"match {statistics.median(r.get('trigger_us', 0.0) for r in results):.1f} us")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.understanding",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=3000,
                        help="messages per case in the no-knowledge table")
    parser.add_argument("--rounds", type=int, default=5,
                        help="alternating rounds of the combined figure")
    parser.add_argument("--passes", type=int, default=4,
                        help="times each eval sentence is sent in one round")
    parser.add_argument("--against", metavar="REV", help="A/B against commit REV")
    parser.add_argument("--runs", type=int, default=4, help="A/B processes per side")
    parser.add_argument("--json", action="store_true", help="only the combined figure, as JSON")
    parser.add_argument("--default-collector", action="store_true",
                        help="CPython's own garbage collector thresholds, not the runtime's")
    parser.add_argument("--calls", action="store_true",
                        help="only the function calls per message of the combined figure "
                             "(with --against: of both trees)")
    parser.add_argument("--instructions", action="store_true",
                        help="machine instructions per message under valgrind (with "
                             "--against: of both trees; --passes sets the messages)")
    parser.add_argument("--replay", choices=("none", "sentence", "trigger"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    run = asyncio.run if args.default_collector else loop.run
    if args.replay:
        run(replay(args.replay, args.passes))
    elif args.instructions:
        print_instructions(args.against, args.passes)
    elif args.calls and args.against:
        calls_against(args.against)
    elif args.calls:
        print_calls(run(calls_per_message()))
    elif args.against:
        against(args.against, args.runs, args.rounds, args.passes,
                ["--default-collector"] if args.default_collector else [])
    elif args.json:
        print(json.dumps(run(combined(args.rounds, args.passes))))
    else:
        run(cases(args.messages))
        print_combined(run(combined(args.rounds, args.passes)))


if __name__ == "__main__":
    main()
