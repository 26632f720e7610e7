"""Prometheus metrics (prometheus-client): what the requests did, counted by each
process, and what the database holds, read when /metrics is scraped.

With several workers (`leadform serve --workers N`) the per-process counters are kept
in PROMETHEUS_MULTIPROC_DIR, which `serve` sets up, and summed over every worker at
scrape time (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
UNMATCHED = "unmatched"  # a path no route serves: one label, not one per path tried

# Request durations: most pages take a few milliseconds, exports many seconds.
BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class RequestMetrics:
    """Responses by route and status, and request durations by route, of this process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.responses = Counter(
            "leadform_responses",
            "HTTP responses by route template and status",
            ["route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "leadform_request_duration_seconds",
            "Time from request to the end of the response, by route template",
            ["route"],
            buckets=BUCKETS,
            registry=self.registry,
        )

        # The labelled children, looked up once: `labels()` takes a lock and builds
        # keys on every call. Bounded: routes are templates, statuses few.
        self._children: dict[tuple[str, int], tuple[Counter, Histogram]] = {}

    def observe(self, route: str, status: int, seconds: float) -> None:
        children = self._children.get((route, status))
        if children is None:
            children = (self.responses.labels(route, str(status)), self.duration.labels(route))
            self._children[(route, status)] = children
        children[0].inc()
        children[1].observe(seconds)

    def exposition(self) -> bytes:
        """This process's counters, or every worker's in multiprocess mode."""
        if MULTIPROC_DIR not in os.environ:
            return generate_latest(self.registry)
        summed = CollectorRegistry()
        MultiProcessCollector(summed)  # type: ignore[no-untyped-call]
        return generate_latest(summed)


class Snapshot(Collector):
    """Metric families computed before the scrape answers (from the database)."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterator[Metric]:
        return iter(self.families)


def snapshot_exposition(families: Iterable[Metric]) -> bytes:
    registry = CollectorRegistry()
    registry.register(Snapshot(families))
    return generate_latest(registry)


def gauge(name: str, documentation: str, labels: tuple[str, ...] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=list(labels))


@contextmanager
def multiprocess_folder(workers: int | None) -> Iterator[None]:
    """With several workers, a fresh PROMETHEUS_MULTIPROC_DIR that they inherit (unless
    the operator chose one), removed when the service stops."""
    if not workers or workers < 2 or MULTIPROC_DIR in os.environ:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="leadform-metrics-") as folder:
        os.environ[MULTIPROC_DIR] = folder
        try:
            yield
        finally:
            del os.environ[MULTIPROC_DIR]
