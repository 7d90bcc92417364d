"""What the dialogue engine consults about free text: the configured provider, the
knowledge base, the threshold, and the metrics of each call.

The engine asks only when nothing else handled the message (no intent or trigger
matched, or the answer to the pending question did not validate), so a message a
trigger or a validating answer handles costs nothing here (docs/understanding.md).
A provider that raises is this seam's failure to absorb: counted, logged without the
customer's text, and the turn goes on as if nothing was understood.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.understanding.builtin import BuiltinProvider
from bot.understanding.contract import (
    FlowSpec,
    Knowledge,
    Passage,
    Provider,
    Request,
    Understanding,
)

if TYPE_CHECKING:
    from bot.metrics import Metrics

log = logging.getLogger(__name__)


class Understander:
    """One per engine, shared by all turns."""

    def __init__(self, provider: Provider, *, flows: Sequence[FlowSpec],
                 locales: Sequence[str], threshold: float,
                 knowledge: Knowledge | None = None, metrics: Metrics | None = None,
                 builtin: BuiltinProvider | None = None) -> None:
        self.provider = provider
        self.flows = list(flows)
        self.locales = list(locales)
        self.threshold = threshold
        self.knowledge = knowledge
        self.metrics = metrics
        #: The language guess and the slots of a sentence need no provider round trip:
        #: the built-in provider finds them.
        self._builtin = builtin or BuiltinProvider(self.flows, self.locales)

    @property
    def flow_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.flows)

    def language(self, text: str) -> str | None:
        """The configured locale ``text`` is written in, or None when it does not tell."""
        return self._builtin.language.guess(text)

    def slots_in(self, flow: str, text: str) -> dict[str, str]:
        """The values of ``flow``'s slots in ``text`` that its slot types' schemas let the
        built-in provider find (patterns, enums, aliases), unvalidated."""
        return self._builtin.slots_in(flow, text)

    def passage(self, passage_id: str) -> Passage | None:
        return self.knowledge.get(passage_id) if self.knowledge is not None else None

    async def understand(self, text: str, *, locale: str | None,
                         current_flow: str | None = None,
                         pending_slot: str | None = None) -> Understanding:
        provider = self.provider
        builtin = provider if isinstance(provider, BuiltinProvider) else None
        request = None
        if builtin is None:
            # (The built-in provider searches the knowledge itself, only as far as it must,
            # and is asked without a Request: it has all but the text and the places.)
            passages: tuple[Passage, ...] = ()
            if self.knowledge is not None:
                passages = tuple(self.knowledge.search(text, locale))
            request = Request(text, locale, self.locales, self.flows, current_flow,
                              pending_slot, passages)
        metrics = self.metrics
        # (The clock is read only for the latency metric: without metrics, no reading.)
        started = time.perf_counter() if metrics is not None else 0.0
        name = provider.name
        try:
            if builtin is not None:
                understood = builtin.understand_text(text, locale, self.locales, current_flow,
                                                     pending_slot, (), self.knowledge)
            elif request is not None:
                understood = await provider.understand(request)
        except Exception as exc:  # a provider's failure: this seam's boundary
            return self._failed(name, exc, time.perf_counter() - started)
        if metrics is not None:
            outcome = ("none" if not understood.commands else
                       "unsure" if understood.confidence < self.threshold else "understood")
            self._count(name, outcome, time.perf_counter() - started)
            if understood.provider and understood.provider != name:
                # The primary failed and its fallback answered: both are counted.
                metrics.understanding_fallbacks.labels(name).inc()
                metrics.understanding_errors.labels(name).inc()
            tokens = metrics.understanding_tokens
            if understood.prompt_tokens:
                tokens.labels(understood.provider, "prompt").inc(understood.prompt_tokens)
            if understood.completion_tokens:
                tokens.labels(understood.provider, "completion").inc(
                    understood.completion_tokens)
        return understood

    def _failed(self, name: str, exc: Exception, seconds: float) -> Understanding:
        """Nothing understood: the provider ``name`` raised ``exc`` (counted, logged
        without the customer's text)."""
        log.warning("understanding provider %s failed (%s); nothing understood",
                    name, type(exc).__name__)
        self._count(name, "error", seconds)
        if self.metrics is not None:
            self.metrics.understanding_errors.labels(name).inc()
        return Understanding(provider=name)

    async def close(self) -> None:
        """Close the provider's connection, if it keeps one (an LLM client)."""
        close = getattr(self.provider, "close", None)
        if close is not None:
            await close()

    def _count(self, provider: str, outcome: str, seconds: float) -> None:
        if self.metrics is None:
            return
        self.metrics.understanding_calls.inc((provider, outcome))
        self.metrics.understanding_latency.observe(provider, seconds)
