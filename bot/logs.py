"""How `serve` logs: plain text by default, or `LOG_FORMAT=json`, one JSON object a line.

A line carries the time, level, logger, message and the id of the HTTP request it came from
(when there was one); never the request's parameters (the access log is off), and an
exception as one escaped string field. What a message says is the code's business, and the
code never logs secrets, user ids or call-out contents (docs/privacy.md).
"""

from __future__ import annotations

import contextvars
import json
import logging
import secrets
from datetime import UTC, datetime
from typing import Final

TEXT_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "compact_request_id", default=None
)


def new_request_id() -> str:
    """A fresh id for an HTTP request, set for its handling (and the work it starts)."""
    value = secrets.token_hex(6)
    request_id.set(value)
    return value


class JsonFormatter(logging.Formatter):
    """One JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = request_id.get()
        if current is not None:
            line["request_id"] = current
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """Log to stderr at `level`, as plain text or ("json") one JSON object a line."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
