"""The lock-free metrics read exactly like prometheus_client's on /metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from bot.lockfree import LockFreeCounter, LockFreeHistogram
from bot.metrics import LATENCY_BUCKETS


def exposed(registry: CollectorRegistry) -> list[str]:
    # prometheus_client also writes when each series was created; ours have no such line.
    return [line for line in generate_latest(registry).decode().splitlines()
            if "_created" not in line]


def test_lock_free_metrics_expose_what_prometheus_client_would() -> None:
    theirs, ours = CollectorRegistry(), CollectorRegistry()
    histogram = Histogram("op_seconds", "Time", ["op"], buckets=LATENCY_BUCKETS,
                          registry=theirs)
    counter = Counter("sent", "Sent", ["channel", "origin"], registry=theirs)
    fast_histogram = LockFreeHistogram("op_seconds", "Time", "op", buckets=LATENCY_BUCKETS,
                                       registry=ours)
    fast_counter = LockFreeCounter("sent", "Sent", ["channel", "origin"], registry=ours)
    for op, seconds in [("commit", 0.0001), ("commit", 0.0005), ("ingest", 0.0007),
                        ("commit", 0.003), ("commit", 1.0), ("ingest", 10.0)]:
        histogram.labels(op).observe(seconds)
        fast_histogram.observe(op, seconds)
    for labels, amount in [(("telegram", "bot"), 1), (("webchat", "operator"), 2),
                           (("telegram", "bot"), 3)]:
        counter.labels(*labels).inc(amount)
        fast_counter.inc(labels, amount)
    assert exposed(ours) == exposed(theirs)
    assert 'op_seconds_bucket{le="0.0005",op="commit"} 2.0' in exposed(ours)
