"""Structured logging: one JSON object per line, secrets redacted."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is logged as a field.
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """``{"ts": ..., "level": ..., "logger": ..., "event": ..., **extra}`` on one line, each secret replaced."""

    def __init__(self, secrets: Sequence[str] = ()) -> None:
        super().__init__()
        # The finished line is searched, so a secret is caught wherever it hides: the message, its arguments, an
        # extra field (however nested), an exception's text or its traceback. A secret inside a JSON string may
        # come out escaped, so that spelling is searched too.
        spellings = {spelling for secret in secrets if secret for spelling in (secret, json.dumps(secret)[1:-1])}
        self._secrets = sorted(spellings, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        line = json.dumps(entry, ensure_ascii=False, default=str)
        for secret in self._secrets:
            line = line.replace(secret, "[redacted]")
        return line


def configure_logging(
    level: int = logging.INFO, secrets: list[str] | None = None, stream: TextIO | None = None
) -> None:
    """Route every logger (ours and discord.py's) through one JSON handler on stderr."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(secrets or []))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # discord.py's gateway chatter at INFO is one line per heartbeat/resume; keep the useful part.
    logging.getLogger("discord").setLevel(logging.INFO)
    logging.getLogger("discord.gateway").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
