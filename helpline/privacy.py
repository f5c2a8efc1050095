"""Citizens' phone numbers are personal data: logs show only the last four digits."""
from __future__ import annotations


def mask_phone(number: str | None) -> str:
    """'919812345678' -> 'XXXXXXXX5678'. Short or empty values are fully masked."""
    if not number:
        return ""
    digits = str(number)
    if len(digits) <= 4:
        return "X" * len(digits)
    return "X" * (len(digits) - 4) + digits[-4:]
