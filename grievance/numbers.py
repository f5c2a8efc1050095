"""Complaint numbers: 11 digits typed on a phone keypad.

`YYMM` + a six-digit sequence within the month + a Verhoeff check digit, so any single
mistyped digit and any swap of two adjacent digits is caught before a lookup.
"""
from __future__ import annotations

from datetime import datetime

from grievance.phones import ascii_digits

_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)

LENGTH = 11
MAX_SEQUENCE = 999_999


class BadComplaintNumber(ValueError):
    """The typed number is not a complaint number (length, digits or check digit)."""


def check_digit(digits: str) -> str:
    """The Verhoeff check digit to append to `digits`."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[(i + 1) % 8][int(ch)]]
    return str(_INV[c])


def is_valid(number: str) -> bool:
    if len(number) != LENGTH or not (number.isascii() and number.isdigit()):
        return False
    c = 0
    for i, ch in enumerate(reversed(number)):
        c = _D[c][_P[i % 8][int(ch)]]
    return c == 0


def validate(number: str) -> str:
    """Return the number stripped of spaces, or raise BadComplaintNumber saying what is wrong."""
    cleaned = "".join(ascii_digits(number).split())
    if cleaned and not (cleaned.isascii() and cleaned.isdigit()):
        raise BadComplaintNumber("a complaint number has digits only")
    if len(cleaned) != LENGTH:
        raise BadComplaintNumber(f"a complaint number has {LENGTH} digits, got {len(cleaned)}")
    if not is_valid(cleaned):
        raise BadComplaintNumber("the complaint number's check digit does not match: a digit is mistyped")
    return cleaned


def yymm(at: datetime) -> str:
    return at.strftime("%y%m")


def make(month: str, sequence: int) -> str:
    """The complaint number for the `sequence`-th complaint of month `YYMM`."""
    if len(month) != 4 or not (month.isascii() and month.isdigit()):
        raise ValueError(f"month must be YYMM, got {month!r}")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence {sequence} is outside 1..{MAX_SEQUENCE}")
    body = f"{month}{sequence:06d}"
    return body + check_digit(body)
