"""Numbers, digits and dates as sequences of prompts to play, in Hindi and English.

Pure: no I/O. Every function returns prompt paths (`helpline/<name>`) that a flow plays in
order; the texts live in `config/prompts/<lang>/numbers.txt`. Asterisk's own say functions
have no Hindi, so Helpline speaks numbers itself.

Both languages use the Indian system and the same prompt sequence, only the recorded texts
differ:

* 0–99 are one prompt each (`num-0` … `num-99`): Hindi has its own word for every one of
  them, and English reads more naturally as "twenty one" in one breath.
* Larger numbers group as crore (1,00,00,000), lakh (1,00,000), thousand and hundred:
  12,34,567 is `num-12 lakh num-34 thousand num-5 hundred num-67`, "बारह लाख चौंतीस हज़ार
  पाँच सौ सड़सठ" and "twelve lakh thirty four thousand five hundred sixty seven". English
  uses lakh and crore as Indian English does, and no "and" ("one hundred five").
  A count of crores above 99 is itself spoken as a number ("एक सौ तेईस करोड़").
* Dates are the day as a number, the month's name and the year: 5 November 2026 is
  "पाँच नवंबर दो हज़ार छब्बीस" / "five November two thousand twenty six". Years 1100–1999
  are read in hundreds ("उन्नीस सौ अट्ठानवे", "nineteen ninety eight"); other years as
  plain numbers.
* Complaint numbers are read digit by digit (`digits_prompts`).
"""
from __future__ import annotations

from datetime import date

from ivr.manifest import prompt_path

LANGUAGES = ("hi", "en")

CRORE = 10_000_000
LAKH = 100_000
THOUSAND = 1_000
HUNDRED = 100


def number_prompts(n: int, lang: str) -> list[str]:
    """Prompts that say the non-negative integer `n`."""
    _check_lang(lang)
    _check_count(n)
    return [prompt_path(name) for name in _number_names(n)]


def digits_prompts(digits: str, lang: str) -> list[str]:
    """Prompts that say an ASCII digit string one digit at a time (complaint numbers)."""
    _check_lang(lang)
    if not digits or not all("0" <= ch <= "9" for ch in digits):
        raise ValueError(f"expected a non-empty string of digits 0-9, got {digits!r}")
    return [prompt_path(f"num-{ch}") for ch in digits]


def year_prompts(year: int, lang: str) -> list[str]:
    """Prompts that say a calendar year (1100–1999 in hundreds, others as numbers)."""
    _check_lang(lang)
    _check_count(year)
    high, low = divmod(year, 100)
    if not 11 <= high <= 19:
        return [prompt_path(name) for name in _number_names(year)]
    if lang == "en" and low >= 10:
        names = [f"num-{high}", f"num-{low}"]
    else:
        names = [f"num-{high}", "hundred"] + ([f"num-{low}"] if low else [])
    return [prompt_path(name) for name in names]


def date_prompts(d: date, lang: str) -> list[str]:
    """Prompts that say a date: day number, month name, year."""
    _check_lang(lang)
    if not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}")
    return [prompt_path(f"num-{d.day}"), prompt_path(f"month-{d.month}"), *year_prompts(d.year, lang)]


def days_prompts(n: int, lang: str) -> list[str]:
    """Prompts that say "N days" ("one day" in English; Hindi says दिन for both)."""
    _check_lang(lang)
    _check_count(n)
    return [*number_prompts(n, lang), prompt_path("day" if n == 1 else "days")]


def prompt_names() -> frozenset[str]:
    """Every prompt name this module can produce (each must exist in every manifest)."""
    names = {f"num-{i}" for i in range(100)}
    names |= {f"month-{m}" for m in range(1, 13)}
    names |= {"hundred", "thousand", "lakh", "crore", "day", "days"}
    return frozenset(names)


def _number_names(n: int) -> list[str]:
    if n < 100:
        return [f"num-{n}"]
    names: list[str] = []
    crores, rest = divmod(n, CRORE)
    if crores:
        names += [*_number_names(crores), "crore"]
    for unit, word, size in ((LAKH, "lakh", 100), (THOUSAND, "thousand", 100), (HUNDRED, "hundred", 10)):
        count = rest // unit % size
        if count:
            names += [f"num-{count}", word]
    if rest % 100:
        names.append(f"num-{rest % 100}")
    return names


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} (expected one of {', '.join(LANGUAGES)})")


def _check_count(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"expected an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"cannot say a negative number: {n}")
