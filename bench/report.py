"""The machine description and the human table in bench/README.md."""

from __future__ import annotations

import argparse
import json
import os
import platform
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from bot import loop


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version()}


_ROWS = [
    ("messages/s", "msgs_per_s", "{:.0f}"),
    ("latency p50 (ms)", "latency_p50_ms", "{:.2f}"),
    ("latency p99 (ms)", "latency_p99_ms", "{:.2f}"),
    ("client CPU per message (ms)", "client_cpu_ms_per_msg", "{:.3f}"),
    ("server CPU per message (ms)", "server_cpu_ms_per_msg", "{:.3f}"),
    ("Redis round trips per message", "round_trips_per_msg", "{:.2f}"),
    ("Redis commands per message (incl. inside scripts)", "commands_per_msg", "{:.1f}"),
    ("EVALSHA per message", "evalsha_per_msg", "{:.2f}"),
    ("Redis memory per customer (bytes)", "memory_bytes_per_customer", "{:.0f}"),
]


def _table(section: dict[str, Any], names: list[str]) -> list[str]:
    lines = ["| figure | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for label, key, fmt in _ROWS:
        cells = [fmt.format(section[n]["median"][key]) for n in names]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def _passes(doc: dict[str, Any], names: list[str]) -> str:
    seconds = doc["settings"].get("min_seconds", 0)
    if not seconds:
        return ""
    counts = ", ".join(f"{n} {doc['load'][n]['median'].get('passes', 1):.0f}" for n in names)
    return (f"; each measured run repeats that with new customers until it lasts "
            f"{seconds:g} s or more (passes per run: {counts})")


def results_markdown(doc: dict[str, Any]) -> str:
    m, s = doc["machine"], doc["settings"]
    names = list(doc["load"])
    out = [
        f"Run on {doc['date']} with `{doc['command']}` ({doc['duration_s']} s).",
        f"Machine: {m['nproc']} cores, {m['cpu']}, Python {m['python']}, "
        f"Valkey {m['valkey']} ({doc['valkey_persistence']}).",
        "",
        f"**Load**: {s['customers']} customers x 4 messages, at most {s['inflight']} "
        f"customers in flight{_passes(doc, names)}; medians of {s['rounds']} interleaved "
        f"rounds. Latency is per message, at {s['inflight']} in flight.",
        "",
        *_table(doc["load"], names),
        "",
        f"**Service time** (one customer at a time, {s['service_customers']} customers, "
        "sequential):",
        "",
        "| | " + " | ".join(names) + " |",
        "|---" * (len(names) + 1) + "|",
        "| p50 (ms) | " + " | ".join(
            f"{doc['service_time'][n]['median']['latency_p50_ms']:.2f}" for n in names) + " |",
        "| p99 (ms) | " + " | ".join(
            f"{doc['service_time'][n]['median']['latency_p99_ms']:.2f}" for n in names) + " |",
        "",
    ]
    if "ratio_ours_over_aiogram" in doc:
        ratio = doc["ratio_ours_over_aiogram"]
        rounds = ", ".join(f"{r:.2f}" for r in ratio["per_round"])
        out += [f"**Ours / aiogram (RedisStorage)**, messages/s, median of per-round ratios: "
                f"**{ratio['msgs_per_s_median']:.2f}** (rounds: {rounds}); ours / "
                f"aiogram with RedisEventIsolation: "
                f"**{doc['ratio_ours_over_aiogram_isolation']['msgs_per_s_median']:.2f}**.", ""]
    if "ratio_events_on_over_off" in doc:
        on_off = doc["ratio_events_on_over_off"]
        rounds = ", ".join(f"{r:.2f}" for r in on_off["per_round"])
        line = (f"**Event webhooks** (one subscription, a fast local endpoint in a process of "
                f"its own unless `--events-endpoint inline`), messages/s events on / off, "
                f"median of per-round ratios: "
                f"**{on_off['msgs_per_s_median']:.2f}** (rounds: {rounds})")
        if "ratio_ours_events_over_aiogram" in doc:
            line += (f"; ours with events / aiogram: "
                     f"**{doc['ratio_ours_events_over_aiogram']['msgs_per_s_median']:.2f}**")
        out += [line + ".", ""]
    if "ratio_ours_over_reference" in doc:
        ref = doc["ratio_ours_over_reference"]
        rounds = ", ".join(f"{r:.2f}" for r in ref["per_round"])
        line = (f"**Ours / the no-framework reference** (`bench/reference.py`: parse, one "
                f"read, one step, one write, over one pipelined connection), messages/s, "
                f"median of per-round ratios: **{ref['msgs_per_s_median']:.2f}** "
                f"(rounds: {rounds}; target ≥ 0.5)")
        if "ratio_ours_events_over_reference" in doc:
            line += (f"; with event webhooks on: "
                     f"**{doc['ratio_ours_events_over_reference']['msgs_per_s_median']:.2f}**")
        out += [line + ".", ""]
    if "http" in doc:
        h = doc["http"]
        rates = h["requests_per_s_median"]
        out += [f"**Over HTTP** ({h['requests_per_round']} signed WhatsApp webhooks per round, "
                f"{h['concurrency']} concurrent): bare aiohttp + HMAC "
                f"{rates['bare_aiohttp']:.0f} req/s. One process doing everything (recording, "
                f"turns, sending) {rates['omnicanal_runtime']:.0f} req/s, ratio "
                f"**{h['ratio_median']:.2f}**; a `--role web` process (ingestion proper: "
                f"record, ring a worker, answer) "
                f"{rates.get('omnicanal_web_role', 0):.0f} req/s, ratio "
                f"**{h.get('web_role_ratio_median', 0):.2f}** (target ≥ {h['target_ratio']}).",
                ""]
    if "scaling" in doc:
        sc = doc["scaling"]
        r = sc["msgs_per_s_median"]
        out += [f"**Scaling** (same server): 1 process {r['1_process']:.0f} msg/s, 2 processes "
                f"{r['2_processes']:.0f} msg/s, speed-up **{sc['speedup']:.2f}x**.", ""]
    return "\n".join(out)


MARK_BEGIN, MARK_END = "<!-- results:begin -->", "<!-- results:end -->"


def write_readme(path: Path, doc: dict[str, Any]) -> None:
    """Replace the results section between the markers (the rest is hand-written)."""
    text = path.read_text(encoding="utf-8") if path.exists() else f"{MARK_BEGIN}\n{MARK_END}\n"
    head, _, rest = text.partition(MARK_BEGIN)
    _, _, tail = rest.partition(MARK_END)
    path.write_text(f"{head}{MARK_BEGIN}\n{results_markdown(doc)}\n{MARK_END}{tail}",
                    encoding="utf-8")


def load_arguments(parser: argparse.ArgumentParser, *, rounds: int, output: Path) -> None:
    """The options every side bench shares: customers in flight, rounds, where to write."""
    parser.add_argument("--inflight", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--output", type=Path, default=output)


def run_side_bench(main: Callable[[argparse.Namespace], Coroutine[Any, Any, Any]],
                   args: argparse.Namespace) -> Any:
    """Run a side bench's ``main`` on the event loop, write its document to ``--output``."""
    document = loop.run(main(args))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return document
