"""Prometheus metrics (prometheus-client): what the requests did, counted by each
process, and what the database holds, read when /metrics is scraped.

With several workers (`leadform serve --workers N`) the per-process counters are kept
in PROMETHEUS_MULTIPROC_DIR, which `serve` sets up, and summed over every worker at
scrape time (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

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


@dataclass
class _Pending:
    """Requests of one (route, status) observed since the last flush."""

    responses: int = 0
    seconds: float = 0.0
    buckets: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))


class RequestMetrics:
    """Responses by route and status, and request durations by route, of this process.

    Requests are tallied in plain Python and handed to prometheus-client at most once
    a second (and before every scrape): in multiprocess mode each increment takes a
    lock and writes a memory-mapped file, about 10 µs a request, which is what the
    tally saves. A scrape can miss the last second of another worker's requests.
    """

    FLUSH_SECONDS = 1.0

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
        self._pending: dict[tuple[str, int], _Pending] = {}
        self._flushed_at = time.monotonic()

    def observe(self, route: str, status: int, seconds: float) -> None:
        pending = self._pending.get((route, status))
        if pending is None:
            pending = self._pending[(route, status)] = _Pending()
        pending.responses += 1
        pending.seconds += seconds
        pending.buckets[bisect_left(BUCKETS, seconds)] += 1  # le: a bound counts itself
        if time.monotonic() - self._flushed_at >= self.FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Hand the tallies to prometheus-client (and so, with workers, to the files)."""
        self._flushed_at = time.monotonic()
        pending, self._pending = self._pending, {}
        for (route, status), tally in pending.items():
            self.responses.labels(route, str(status)).inc(tally.responses)
            histogram = self.duration.labels(route)
            # prometheus-client has no "observe n times"; its buckets are per bound
            # (cumulated at exposition), as Histogram.observe fills them.
            histogram._sum.inc(tally.seconds)
            for index, count in enumerate(tally.buckets):
                if count:
                    histogram._buckets[index].inc(count)

    async def flush_periodically(self) -> None:
        """Run in the lifespan: an idle worker's last requests still reach the files."""
        while True:
            await asyncio.sleep(self.FLUSH_SECONDS)
            self.flush()

    def exposition(self) -> bytes:
        """This process's counters, or every worker's in multiprocess mode."""
        self.flush()
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
