"""Complaint numbers: format and the Verhoeff check digit."""
from __future__ import annotations

import random
from datetime import datetime

import pytest

from grievance import numbers


def test_the_captured_number_is_valid() -> None:
    # ../shared/asterisk-traces README: 2511 + 000427 + check digit 1
    assert numbers.make("2511", 427) == "25110004271"
    assert numbers.validate("2511 0004 271") == "25110004271"


def test_yymm_and_bounds() -> None:
    assert numbers.yymm(datetime(2026, 3, 9)) == "2603"
    with pytest.raises(ValueError):
        numbers.make("2611", 0)
    with pytest.raises(ValueError):
        numbers.make("2611", 1_000_000)
    with pytest.raises(ValueError):
        numbers.make("26a1", 5)


def test_every_single_digit_error_and_adjacent_swap_is_caught() -> None:
    rng = random.Random(1076)
    singles = swaps = 0
    for _ in range(10_000):
        number = numbers.make(f"{rng.randint(0, 99):02d}{rng.randint(1, 12):02d}", rng.randint(1, 999_999))
        assert numbers.is_valid(number)
        for i in range(numbers.LENGTH):
            for d in "0123456789":
                if d != number[i]:
                    assert not numbers.is_valid(number[:i] + d + number[i + 1:])
                    singles += 1
        for i in range(numbers.LENGTH - 1):
            if number[i] != number[i + 1]:
                assert not numbers.is_valid(number[:i] + number[i + 1] + number[i] + number[i + 2:])
                swaps += 1
    assert singles == 10_000 * 11 * 9 and swaps > 80_000


@pytest.mark.parametrize("typed,reason", [
    ("2511000427", "11 digits"),
    ("251100042711", "11 digits"),
    ("2511000427a", "digits only"),
    ("25110004272", "check digit"),
    ("", "11 digits"),
])
def test_validate_explains(typed: str, reason: str) -> None:
    with pytest.raises(numbers.BadComplaintNumber, match=reason):
        numbers.validate(typed)
