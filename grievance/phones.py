"""Indian phone numbers: one canonical form, `+91` and ten digits."""
from __future__ import annotations

import re
import unicodedata

from grievance.errors import InvalidInput

_SEPARATORS = re.compile(r"[\s\-().]")
_TEN_DIGITS = re.compile(r"[0-9]{10}")
_FULL_WIDTH_SIGNS = {"\uff0b": "+", "\uff0d": "-"}


def ascii_digits(text: str) -> str:
    """Decimal digits of any script as ASCII: '९८१२' and full-width '９８１２' → '9812'.

    Every number a person types (phones, complaint numbers) goes through here first, so a
    number typed with a Hindi keyboard is the same number as the one typed in ASCII. Only
    decimal digits (Unicode category Nd) are mapped; look-alikes such as '²' or '①' are not
    digits and stay as they are (and are then refused). Full-width '＋' and '－' become '+', '-'.
    """
    if text.isascii():
        return text
    return "".join(_ascii_char(ch) for ch in text)


def _ascii_char(ch: str) -> str:
    if ch.isascii():
        return ch
    value = unicodedata.decimal(ch, None)
    if value is not None:
        return str(value)
    return _FULL_WIDTH_SIGNS.get(ch, ch)


def normalise_phone(raw: str, *, from_pbx: bool = False, mobile_only: bool = False) -> str:
    """'98123 45678', '09812345678', '+91 98123-45678' → '+919812345678'.

    A bare 12-digit `91…` number is accepted only from the PBX (`from_pbx`), where it is how
    the trunk presents caller ids; typed by a person, 12 digits is an error.
    """
    text = _SEPARATORS.sub("", ascii_digits(str(raw or "")))
    if text.startswith("+91"):
        national = text[3:]
    elif from_pbx and len(text) == 12 and text.startswith("91"):
        national = text[2:]
    elif len(text) == 11 and text.startswith("0"):
        national = text[1:]
    else:
        national = text
    if not _TEN_DIGITS.fullmatch(national):
        raise InvalidInput(
            "a phone number has 10 digits (optionally +91 or 0 before them)",
            field="phone",
        )
    if national[0] == "0":
        raise InvalidInput("a phone number cannot start with 0 after the prefix", field="phone")
    if mobile_only and national[0] not in "6789":
        raise InvalidInput("an Indian mobile number starts with 6, 7, 8 or 9", field="phone")
    return "+91" + national


def dial_digits(phone: str) -> str:
    """The national ten digits of a canonical number, as a trunk dial string wants them."""
    return phone[3:] if phone.startswith("+91") else phone
