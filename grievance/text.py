"""Text hygiene shared by every way data comes in and goes out.

- Control characters are refused where people's text enters (API, forms, CSV imports): NUL
  breaks PostgreSQL text columns, the others are never typed on purpose and garble pages,
  logs and exports. Tab, LF and CR are allowed in multi-line text (descriptions, reports).
  Lone surrogates (`"\\ud800"` in JSON) cannot be stored as UTF-8 and count as control here.
- Cells of exported spreadsheets (CSV) never start a formula: a cell beginning with `=`, `+`,
  `-`, `@`, tab or CR is prefixed with `'` (OWASP's advice), unless it is a plain number such
  as `+919812345678` or `-3`.
"""
from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_CONTROL_OR_BREAK = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?\Z")


def has_control(text: str, *, multiline: bool = True) -> bool:
    """Whether `text` holds a character people never type (tab and line breaks allowed if `multiline`)."""
    return (_CONTROL if multiline else _CONTROL_OR_BREAK).search(text) is not None


def spreadsheet_safe(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text
