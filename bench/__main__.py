"""``python -m bench``: run issue 8's benchmark and write bench/results/latest.json and the
table in bench/README.md. ``--quick`` is the CI-sized run (under a minute)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench.aiogram_form import AiogramBench
from bench.drive import calibrated_passes
from bench.figures import summarise
from bench.http_bench import run_http
from bench.ours import OursBench, RunResult
from bench.reference import ReferenceBench
from bench.report import machine, write_readme
from bench.scaling import run_processes
from bench.server import BenchServer, server_version
from bench.stats import median
from bot import loop

HERE = Path(__file__).resolve().parent


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--customers", type=int, default=1000)
    p.add_argument("--inflight", type=int, default=100)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--min-seconds", type=float, default=2.5,
                   help="each measured load run repeats the workload (new customers each "
                        "pass) until it lasts about this long")
    p.add_argument("--service-customers", type=int, default=50,
                   help="customers run one at a time for the service-time figure")
    p.add_argument("--http-requests", type=int, default=4000)
    p.add_argument("--http-concurrency", type=int, default=50)
    p.add_argument("--aof", action="store_true",
                   help="run Valkey with appendonly yes, appendfsync everysec")
    p.add_argument("--skip", default="",
                   help="comma list of: http,scaling,cross,aiogram,events,reference")
    p.add_argument("--events-endpoint", choices=("process", "inline", "both"),
                   default="process",
                   help="where ours_events' receiving endpoint runs: its own process "
                        "(its CPU measured apart), the bench's (counted as ours, as "
                        "until session 9), or both side by side (ours_events_inline)")
    p.add_argument("--events-batch", type=int, default=0,
                   help="also run ours_events_batched: the subscription posts up to N "
                        "events per request (the opt-in 'batch' setting)")
    p.add_argument("--quick", action="store_true", help="CI size: 200 customers, 1 round")
    p.add_argument("--output", type=Path, default=HERE / "results" / "latest.json")
    p.add_argument("--no-readme", action="store_true")
    args = p.parse_args(argv)
    if args.quick:
        args.customers, args.rounds, args.min_seconds = min(args.customers, 200), 1, 0.0
        args.service_customers, args.http_requests = 20, 600
    return args


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    skip = set(filter(None, args.skip.split(",")))
    server = BenchServer(aof=args.aof)
    server.start()
    try:
        ours = OursBench(server.url(0))
        version = await server_version(ours.admin)
        benches: dict[str, Any] = {"ours": ours}
        if "aiogram" not in skip:
            benches["aiogram"] = AiogramBench(server.url(1), isolation=False)
            benches["aiogram_isolation"] = AiogramBench(server.url(1), isolation=True)
        if "events" not in skip:  # event webhooks on, one subscription, a fast endpoint
            if args.events_endpoint != "inline":
                benches["ours_events"] = OursBench(server.url(3), prefix="e", events=True)
            if args.events_endpoint != "process":
                name = "ours_events" if args.events_endpoint == "inline" else \
                    "ours_events_inline"
                benches[name] = OursBench(server.url(7), prefix="i", events=True,
                                          events_endpoint="inline")
            if args.events_batch > 1:
                benches["ours_events_batched"] = OursBench(
                    server.url(8), prefix="b", events=True, events_batch=args.events_batch)
        if "reference" not in skip:  # the no-framework ceiling (issue 22)
            benches["reference"] = ReferenceBench(server.url(5))
        if "cross" not in skip:
            benches["ours_cross_channel"] = OursBench(server.url(2), cross_channel=True,
                                                      prefix="x")
        passes: dict[str, int] = {}
        for name, bench in benches.items():
            # Warm-up (connections, scripts, imports), one whole pass of the workload: its
            # time sets how many passes make a measured run last --min-seconds.
            warm = await bench.run(range(args.customers), args.inflight)
            passes[name] = calibrated_passes(warm.wall, args.min_seconds)
        log("passes per measured run: " + ", ".join(f"{n} {p}" for n, p in passes.items()))
        service: dict[str, list[RunResult]] = {n: [] for n in benches}
        load: dict[str, list[RunResult]] = {n: [] for n in benches}
        for round_no in range(args.rounds):  # interleaved: A B A B ...
            for name, bench in benches.items():
                service[name].append(await bench.run(range(args.service_customers), 1))
                load[name].append(await bench.run(range(args.customers), args.inflight,
                                                  passes=passes[name]))
                log(f"round {round_no + 1} {name}: {load[name][-1].rate:.0f} msg/s")
        for bench in benches.values():
            await bench.close()
        result: dict[str, Any] = {
            "service_time": {n: summarise(rs) for n, rs in service.items()},
            "load": {n: summarise(rs) for n, rs in load.items()},
        }
        if "aiogram" in load:
            result["ratio_ours_over_aiogram"] = _ratios(load, "aiogram")
            result["ratio_ours_over_aiogram_isolation"] = _ratios(load, "aiogram_isolation")
        if "reference" in load:
            result["ratio_ours_over_reference"] = _ratios(load, "reference")
            if "ours_events" in load:
                result["ratio_ours_events_over_reference"] = _ratios(load, "reference",
                                                                     ours="ours_events")
        if "ours_events" in load:
            result["ratio_events_on_over_off"] = _ratios(load, "ours", ours="ours_events")
            if "aiogram" in load:
                result["ratio_ours_events_over_aiogram"] = _ratios(load, "aiogram",
                                                                   ours="ours_events")
        if "http" not in skip:
            result["http"] = await _http(server, args)
        if "scaling" not in skip:
            result["scaling"] = await _scaling(server, args)
        result["valkey_version"] = version
        return result
    finally:
        server.stop()


def _ratios(load: dict[str, list[RunResult]], other: str,
            ours: str = "ours") -> dict[str, float]:
    """Per-round ratios (ours/other, measured side by side), then their median."""
    rates = [a.rate / b.rate for a, b in zip(load[ours], load[other], strict=True)]
    return {"msgs_per_s_median": median(rates), "per_round": rates}


async def _http(server: BenchServer, args: argparse.Namespace) -> dict[str, Any]:
    rates: dict[str, list[float]] = {"omnicanal_runtime": [], "omnicanal_web_role": [],
                                     "bare_aiohttp": []}
    cpu: dict[str, list[float]] = {name: [] for name in rates}
    ratios, web_ratios = [], []
    for round_no in range(args.rounds):
        salt = f"r{round_no}"
        omni = await run_http("omni", server.url(3), requests=args.http_requests,
                              concurrency=args.http_concurrency, salt=salt)
        web = await run_http("web", server.url(3), requests=args.http_requests,
                             concurrency=args.http_concurrency, salt=f"{salt}w")
        bare = await run_http("bare", server.url(3), requests=args.http_requests,
                              concurrency=args.http_concurrency, salt=salt)
        for name, result in (("omnicanal_runtime", omni), ("omnicanal_web_role", web),
                             ("bare_aiohttp", bare)):
            rates[name].append(result.rate)
            if result.cpu_us_per_request is not None:
                cpu[name].append(result.cpu_us_per_request)
        ratios.append(omni.rate / bare.rate)
        web_ratios.append(web.rate / bare.rate)
        log(f"http round {round_no + 1}: runtime {omni.rate:.0f} req/s, web role "
            f"{web.rate:.0f} req/s, bare {bare.rate:.0f} req/s ({omni.ok}/{omni.requests} ok);"
            f" server CPU per request: " + ", ".join(
                f"{name} {v[-1]:.0f} us" for name, v in cpu.items() if v))
    return {"requests_per_round": args.http_requests, "concurrency": args.http_concurrency,
            "requests_per_s_median": {k: median(v) for k, v in rates.items()},
            # Robust where the rates are not: other load on the machine takes the CPU away,
            # it hardly changes how much each request needs.
            "server_cpu_us_per_request_median": {k: median(v) for k, v in cpu.items() if v},
            "rounds": rates, "ratio_median": median(ratios), "ratio_per_round": ratios,
            "web_role_ratio_median": median(web_ratios), "target_ratio": 0.8}  # issue 22, target 3


async def _scaling(server: BenchServer, args: argparse.Namespace) -> dict[str, Any]:
    rates: dict[str, list[float]] = {"1_process": [], "2_processes": []}
    for round_no in range(args.rounds):
        rates["1_process"].append(await run_processes(server.url(4), args.customers,
                                                      args.inflight, 1))
        rates["2_processes"].append(await run_processes(server.url(4), args.customers,
                                                        args.inflight, 2))
        log(f"scaling round {round_no + 1}: 1p {rates['1_process'][-1]:.0f}, "
            f"2p {rates['2_processes'][-1]:.0f} msg/s")
    one, two = median(rates["1_process"]), median(rates["2_processes"])
    return {"msgs_per_s_median": {"1_process": one, "2_processes": two},
            "speedup": two / one if one else 0.0, "rounds": rates}


def run(argv: list[str]) -> None:
    args = parse(argv)
    started = time.perf_counter()
    when = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    result = loop.run(main(args))
    command = ".venv/bin/python -m bench " + " ".join(argv)
    document = {
        "date": when, "command": command.strip(),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "valkey_persistence": "appendonly everysec" if args.aof else "appendonly no, save ''",
        "machine": {**machine(), "valkey": result.pop("valkey_version")},
        "duration_s": round(time.perf_counter() - started, 1),
        **result,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    if not args.no_readme:
        write_readme(HERE / "README.md", document)
    log(f"done in {document['duration_s']} s: {args.output}")


if __name__ == "__main__":
    run(sys.argv[1:])
