"""Personal data and secrets stay out of logs.

- Citizens' phone numbers show only their last four digits (`mask_phone`).
- `mask_text` masks what may hide in any free text (a URL, an error message): phone-like digit
  runs (10 or 12-13 digits, or 11 starting with 0; an 11-digit complaint number is kept, and so
  is an Asterisk Uniqueid such as `1732012345.17`), bearer tokens and signed tokens, `token=`,
  `password=`, `secret=` and session-cookie values, and the password in `scheme://user:pw@host`.
- `RedactingFilter` applies `mask_text` to every log record (message and traceback) on the
  handlers `helpline serve` installs, so a line from any library (uvicorn logs websocket URLs
  with their query string) is masked too.
"""
from __future__ import annotations

import logging
import re

_PHONE_RUN = re.compile(r"(?<![0-9])\+?[0-9]{10,13}(?![0-9]|\.[0-9])")
_SECRETS = [
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1***"),
    (re.compile(r"(?i)((?:access_token|token|password|passwd|secret|csrf_token|helpline_session|helpline_prelogin"
                r"|authorization|cookie)[\"']?\s*[=:]\s*[\"']?)[^\s\"'&;,)]+"), r"\1***"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), "***"),
    (re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@"), r"\1***@"),
]


def mask_phone(number: str | None) -> str:
    """'919812345678' -> 'XXXXXXXX5678'. Short or empty values are fully masked."""
    if not number:
        return ""
    digits = str(number)
    if len(digits) <= 4:
        return "X" * len(digits)
    return "X" * (len(digits) - 4) + digits[-4:]


def _mask_run(match: re.Match[str]) -> str:
    run = match.group()
    if len(run) == 11 and run[0] not in "0+":
        return run  # a complaint number
    return mask_phone(run)


def mask_text(text: str) -> str:
    """`text` with phone numbers, tokens, passwords and URL secrets masked."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return _PHONE_RUN.sub(_mask_run, text)


class RedactingFilter(logging.Filter):
    """Masks every record passing through the handler it is attached to (never drops one)."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler's own error path
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True


def install_redaction(logger: logging.Logger | None = None) -> None:
    """Attach RedactingFilter to every handler of `logger` (the root logger by default)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
