"""Driving simulated customers through a framework: the same loop for every variant.

A run is ``passes`` passes of the workload (N customers, at most ``inflight`` active, each
sending its next message when the reply to the previous arrived). Every pass has new
customers (the indices continue), so each is the same workload from first contact on.
Several passes let a fast variant be measured over as long a span as a slow one: on a
shared, noisy machine a burst of load then weighs on both alike, where a 0.5 s run could
fall entirely inside one (see ``calibrated_passes``).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

RUN_TIMEOUT = 600.0

#: One customer's conversation: (customer index, latencies to append to).
Customer = Callable[[int, list[float]], Awaitable[None]]


def everyone(customers: range, passes: int) -> range:
    """The customers of all passes: ``customers`` then as many new ones per further pass."""
    return range(customers.start, customers.start + len(customers) * passes)


@dataclass
class Driven:
    latencies_ms: list[float]
    wall: float
    cpu: float


async def drive(customer: Customer, customers: range, inflight: int,
                passes: int = 1) -> Driven:
    """Run the passes back to back, timed as one (wall clock and this process's CPU)."""
    latencies: list[float] = []
    n = len(customers)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    for done in range(passes):
        first = customers.start + done * n
        pending = iter(range(first, first + n))  # shared: each customer taken once
        workers = [asyncio.create_task(_work(customer, pending, latencies))
                   for _ in range(min(inflight, n))]
        await asyncio.wait_for(asyncio.gather(*workers), RUN_TIMEOUT)
    return Driven(latencies, time.perf_counter() - t0, time.process_time() - cpu0)


async def _work(customer: Customer, pending: Iterator[int], latencies: list[float]) -> None:
    for index in pending:
        await customer(index, latencies)


def calibrated_passes(one_pass_seconds: float, min_seconds: float) -> int:
    """Passes for a run to last at least ``min_seconds``, from a pass's measured time."""
    if min_seconds <= 0 or one_pass_seconds <= 0:
        return 1
    return max(1, math.ceil(min_seconds / one_pass_seconds))
