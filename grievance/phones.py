"""Indian phone numbers: one canonical form, `+91` and ten digits."""
from __future__ import annotations

import re

from grievance.errors import InvalidInput

_SEPARATORS = re.compile(r"[\s\-().]")


def normalise_phone(raw: str, *, from_pbx: bool = False, mobile_only: bool = False) -> str:
    """'98123 45678', '09812345678', '+91 98123-45678' → '+919812345678'.

    A bare 12-digit `91…` number is accepted only from the PBX (`from_pbx`), where it is how
    the trunk presents caller ids; typed by a person, 12 digits is an error.
    """
    text = _SEPARATORS.sub("", str(raw or ""))
    if text.startswith("+91"):
        national = text[3:]
    elif from_pbx and len(text) == 12 and text.startswith("91"):
        national = text[2:]
    elif len(text) == 11 and text.startswith("0"):
        national = text[1:]
    else:
        national = text
    if not national.isdigit() or len(national) != 10:
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
