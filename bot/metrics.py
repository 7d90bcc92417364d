"""Prometheus metrics for engineers, served at /metrics.

One ``Metrics`` object per runtime, with its own registry, handed to the components that
count (no module-level globals). Labels carry channels, operations and error types only:
never a customer, a phone number or a text.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.lockfree import LockFreeCounter, LockFreeHistogram

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
WAIT_BUCKETS = (5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        # Counted on every message: lock-free (see bot/lockfree.py).
        self.received = LockFreeCounter("omnicanal_messages_received",
                                        "Customer messages recorded", ["channel"], registry=r)
        self.sent = LockFreeCounter("omnicanal_messages_sent", "Messages the platforms "
                                    "accepted", ["channel", "origin"], registry=r)
        self.duplicates = LockFreeCounter("omnicanal_duplicates", "Redelivered platform "
                                          "messages that had no second effect", ["channel"],
                                          registry=r)
        self.turns = LockFreeHistogram("omnicanal_turn_duration_seconds", "Time to run and "
                                       "commit one turn", "kind", buckets=LATENCY_BUCKETS,
                                       registry=r)
        self.store = LockFreeHistogram("omnicanal_store_duration_seconds", "Store round trips "
                                       "on the message path", "operation",
                                       buckets=LATENCY_BUCKETS, registry=r)
        self.send_errors = Counter("omnicanal_send_errors", "Failed or deferred sends",
                                   ["channel", "error"], registry=r)
        self.stale = Counter("omnicanal_stale_writes", "Commits refused because another turn "
                             "owns the customer now", registry=r)
        self.handoff_queue = Gauge("omnicanal_handoff_queue_length", "Conversations waiting "
                                   "for a person", registry=r)
        self.handoff_wait = Histogram("omnicanal_handoff_wait_seconds", "Time from asking for "
                                      "a person to an operator taking over",
                                      buckets=WAIT_BUCKETS, registry=r)
        self.conversations = Gauge("omnicanal_conversations", "Conversations with a person "
                                   "or waiting for one", ["mode"], registry=r)
        self.links = Counter("omnicanal_links", "Identities linked to a customer", ["method"],
                             registry=r)
        self.merges = Counter("omnicanal_merges", "Customers merged into one", registry=r)
        # Understanding free text (bot/understanding): only messages nothing else handled.
        # Counted on every free-text message: lock-free too.
        self.understanding_calls = LockFreeCounter("omnicanal_understanding_calls",
                                                   "Sentences a provider was asked about, "
                                                   "by outcome (understood, unsure, none, "
                                                   "error)", ["provider", "outcome"],
                                                   registry=r)
        self.understanding_latency = LockFreeHistogram(
            "omnicanal_understanding_duration_seconds", "Time a provider took to understand "
            "a sentence", "provider", buckets=LATENCY_BUCKETS, registry=r)
        self.understanding_fallbacks = Counter("omnicanal_understanding_fallbacks",
                                               "Sentences the built-in provider answered "
                                               "because the configured one failed",
                                               ["provider"], registry=r)
        self.understanding_errors = Counter("omnicanal_understanding_errors", "Provider "
                                            "calls that failed", ["provider"], registry=r)
        self.understanding_tokens = Counter("omnicanal_understanding_tokens", "Tokens the "
                                            "providers used, by kind (prompt, completion)",
                                            ["provider", "kind"], registry=r)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
