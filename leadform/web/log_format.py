"""One log format for the service: leadform's lines and uvicorn's alike.

Every line has a timestamp, the level, the worker's pid and the logger's name; with
LEADFORM_LOG_FORMAT=json each line is one JSON object (python-json-logger) for log
shippers. The configuration is a dictConfig mapping handed to uvicorn, so each worker
process (started fresh, not forked) sets it up the same way.
"""

from __future__ import annotations

from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(process)d %(name)s %(message)s"
# ISO 8601 with the offset, so lines from several hosts sort and compare.
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def formatter(log_format: str) -> dict[str, Any]:
    if log_format == "json":
        return {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "datefmt": DATE_FORMAT,
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "process": "pid",
                "name": "logger",
            },
        }
    return {"format": TEXT_FORMAT, "datefmt": DATE_FORMAT}


def log_config(log_format: str = "text", level: str = "INFO") -> dict[str, Any]:
    """A logging.config.dictConfig mapping: one format for all. leadform's lines go
    through the batching handler (one per request); uvicorn's few are written at once,
    as its last ones come after the app's shutdown, when no batch is flushed any more."""
    stderr = "ext://sys.stderr"
    handlers = {
        "leadform": {
            "formatter": "leadform",
            "()": "leadform.web.log_stream.BatchingStreamHandler",  # one write per batch
            "stream": stderr,
        },
        "uvicorn": {"formatter": "leadform", "class": "logging.StreamHandler", "stream": stderr},
    }
    server = {"handlers": ["uvicorn"], "level": level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"leadform": formatter(log_format)},
        "handlers": handlers,
        "loggers": {
            "leadform": {"handlers": ["leadform"], "level": level, "propagate": False},
            "uvicorn": server,
            "uvicorn.error": {"level": level},  # passes its lines on to "uvicorn"
            "uvicorn.access": server,
        },
    }
