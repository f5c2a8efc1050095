"""Log lines as JSON objects (HELPLINE_LOG_FORMAT=json), for log shippers.

One object per line: `ts` (UTC, ISO 8601), `level`, `logger`, `message`, `pid`, and `exc` when
a traceback is attached. The text is what `common.privacy.RedactingFilter` left (phone
numbers, tokens and passwords masked): that filter runs on the handler before this formatter.
"""
from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone

FORMATS = ("text", "json")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                "pid": record.process}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def log_format() -> str:
    """HELPLINE_LOG_FORMAT from the environment (logging starts before the settings are read)."""
    value = os.environ.get("HELPLINE_LOG_FORMAT", "text").strip().lower() or "text"
    if value not in FORMATS:
        raise ValueError(f"HELPLINE_LOG_FORMAT must be text or json, not {value!r}")
    return value
