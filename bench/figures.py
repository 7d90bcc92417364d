"""Turn raw run results into the per-message figures the report shows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.ours import RunResult
from bench.stats import median, pct

#: Commands the benchmark itself sends to read or reset the server's counters.
BENCH_COMMANDS = {"info", "config|resetstat", "flushdb"}


def per_run(r: RunResult) -> dict[str, float]:
    n = max(r.messages, 1)
    calls = {k: v for k, v in r.server.commands.items() if k not in BENCH_COMMANDS}
    return {
        "messages": r.messages,
        "customers": r.customers,
        "passes": r.passes,
        "completed_customers": r.summaries,
        "wall_s": r.wall,
        "msgs_per_s": r.rate,
        "latency_p50_ms": pct(r.latencies_ms, 50),
        "latency_p99_ms": pct(r.latencies_ms, 99),
        "client_cpu_ms_per_msg": r.cpu / n * 1000,
        "server_cpu_ms_per_msg": r.server.cpu / n * 1000,
        "round_trips_per_msg": r.round_trips / n,
        "commands_per_msg": sum(calls.values()) / n,
        "evalsha_per_msg": calls.get("evalsha", 0) / n,
        "server_total_commands_processed_per_msg": r.server.total_processed / n,
        "memory_bytes_per_customer": r.server.used_memory / max(r.customers, 1),
        **r.extra,
    }


def summarise(runs: Sequence[RunResult]) -> dict[str, Any]:
    """Medians over rounds of each per-run figure, plus the rounds themselves."""
    rows = [per_run(r) for r in runs]
    keys = rows[0].keys() if rows else []
    return {"median": {k: median([row[k] for row in rows]) for k in keys},
            "commands_per_msg_by_name": commands_by_name(runs), "rounds": rows}


def commands_by_name(runs: Sequence[RunResult]) -> dict[str, float]:
    """Each command's calls per message (inside scripts too), median over the runs, most
    frequent first: which commands the server executes for one message."""
    names = {n for r in runs for n in r.server.commands if n not in BENCH_COMMANDS}
    per_name = {n: median([r.server.commands.get(n, 0) / max(r.messages, 1) for r in runs])
                for n in names}
    return dict(sorted(((n, v) for n, v in per_name.items() if v > 0),
                       key=lambda item: -item[1]))
