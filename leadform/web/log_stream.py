"""A log handler that writes lines in batches instead of one write per line.

At thousands of requests a second, one flushed write per request line costs about
as much as serving the request. Lines are collected and written together every
`interval` seconds (by a daemon thread) or every `capacity` lines; a warning or
worse is written at once, with everything before it. A process killed outright
(SIGKILL) can lose the last `interval` of info lines; a normal exit loses none.
"""

from __future__ import annotations

import logging
import threading
from typing import TextIO


class BatchingStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    def __init__(
        self, stream: TextIO | None = None, interval: float = 0.2, capacity: int = 256
    ) -> None:
        super().__init__(stream)
        self.interval = interval
        self.capacity = capacity
        self._lines: list[str] = []
        self._stopping = threading.Event()
        self._flusher = threading.Thread(
            target=self._flush_periodically, name="leadform-log-flush", daemon=True
        )
        self._flusher.start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + self.terminator
        except Exception:  # logging's contract: a bad record never breaks the caller
            self.handleError(record)
            return
        with self.lock:  # type: ignore[union-attr]
            self._lines.append(line)
            if len(self._lines) >= self.capacity or record.levelno >= logging.WARNING:
                self._write()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write()

    def close(self) -> None:
        self._stopping.set()
        self.flush()
        super().close()

    def _write(self) -> None:
        if self._lines:
            text = "".join(self._lines)
            self._lines.clear()
            self.stream.write(text)
        if self.stream and hasattr(self.stream, "flush"):
            self.stream.flush()

    def _flush_periodically(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.flush()
            except (OSError, ValueError):  # the stream went away at exit
                return


def flush_logs(logger: logging.Logger) -> None:
    """Write out whatever `logger`'s handlers (and its parents') still hold."""
    current: logging.Logger | None = logger
    while current is not None:
        for handler in current.handlers:
            handler.flush()
        current = current.parent if current.propagate else None
