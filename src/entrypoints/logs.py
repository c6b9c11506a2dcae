"""Log lines as one JSON object each (stdlib logging, no extra dependency).

Every value is JSON-encoded with non-ASCII escaped, so a user-controlled string can never
start a line of its own (no log injection), whatever it contains.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# ``extra`` keys a record may carry: the request's id and the event's own fields.
REQUEST_ID = "request_id"
FIELDS = "fields"


class JsonFormatter(logging.Formatter):
    """``{"timestamp", "level", "logger", "message", "request_id", ...event fields}``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, REQUEST_ID, None),
        }
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, dict):
            for key, value in fields.items():
                entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=True, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on standard error for the command line (the app configures its own)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)


def server_log_config() -> dict[str, Any]:
    """Granian's ``log_dictconfig``: its own lines (loggers ``_granian`` and ``granian.access``)
    as JSON on standard error too, in the main process and in every worker.

    Granian's default writes ``[INFO] ...`` text to standard output.
    """
    logger = {"handlers": ["stderr"], "level": "INFO", "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {"_granian": logger, "granian.access": dict(logger)},
    }
