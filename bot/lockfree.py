"""Counters and histograms for the message path, counted without locks.

prometheus_client's metrics take a lock and half a dozen calls per increment, so that
threads may share them: a few microseconds per message on the path (measured with
bench/). The runtime counts from its event loop's thread only, so these count with a
dict update (a counter) or a list increment (a histogram), and are exposed through the
same registry, in the same text format, by ``collect``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.utils import INF


class LockFreeCounter:
    """A counter labelled by ``labelnames``; ``inc(("telegram",))``."""

    def __init__(self, name: str, documentation: str, labelnames: Sequence[str], *,
                 registry: CollectorRegistry) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = list(labelnames)
        self.values: dict[tuple[str, ...], float] = {}
        registry.register(self)

    def inc(self, labels: tuple[str, ...], amount: float = 1) -> None:
        values = self.values
        values[labels] = values.get(labels, 0) + amount

    def collect(self) -> Iterable[Metric]:
        family = CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for labels, value in list(self.values.items()):
            family.add_metric(list(labels), value)
        yield family


class LockFreeHistogram:
    """A histogram with one label; ``observe("commit", seconds)``."""

    def __init__(self, name: str, documentation: str, labelname: str, *,
                 buckets: Sequence[float], registry: CollectorRegistry) -> None:
        self.name = name
        self.documentation = documentation
        self.labelname = labelname
        self.bounds = [*buckets, INF]
        #: The ``le`` labels, as prometheus_client writes them ("0.5", "1.0", "+Inf").
        self.le = [repr(float(b)) if b != INF else "+Inf" for b in self.bounds]
        #: Per label value: the count in each bucket (not cumulative), then the sum.
        self.series: dict[str, list[float]] = {}
        registry.register(self)

    def observe(self, label: str, value: float) -> None:
        series = self.series.get(label)
        if series is None:
            series = self.series[label] = [0.0] * (len(self.bounds) + 1)
        series[bisect_left(self.bounds, value)] += 1  # the first bucket whose bound >= value
        series[-1] += value

    def collect(self) -> Iterable[Metric]:
        family = HistogramMetricFamily(self.name, self.documentation, labels=[self.labelname])
        for label, series in list(self.series.items()):
            buckets, total = [], 0.0
            for le, count in zip(self.le, series, strict=False):
                total += count
                buckets.append((le, total))
            family.add_metric([label], buckets, sum_value=series[-1])
        yield family
