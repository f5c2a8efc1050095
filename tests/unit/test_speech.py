"""Numbers, digits and dates as prompt sequences, checked against the real manifests."""
from __future__ import annotations

import random
from datetime import date

import pytest

from ivr.manifest import load_manifests, prompt_name
from ivr.speech import (
    LANGUAGES,
    date_prompts,
    days_prompts,
    digits_prompts,
    number_prompts,
    prompt_names,
    year_prompts,
)

MANIFESTS = load_manifests()


def said(prompts: list[str], lang: str) -> str:
    """What a caller hears: the manifest texts of the prompts, in order."""
    return " ".join(MANIFESTS[lang][prompt_name(p)] for p in prompts)


def names(prompts: list[str]) -> list[str]:
    assert all(p.startswith("helpline/") for p in prompts)
    return [prompt_name(p) for p in prompts]


NUMBER_CASES = [
    (0, ["num-0"], "शून्य", "zero"),
    (7, ["num-7"], "सात", "seven"),
    (19, ["num-19"], "उन्नीस", "nineteen"),
    (99, ["num-99"], "निन्यानवे", "ninety nine"),
    (100, ["num-1", "hundred"], "एक सौ", "one hundred"),
    (101, ["num-1", "hundred", "num-1"], "एक सौ एक", "one hundred one"),
    (999, ["num-9", "hundred", "num-99"], "नौ सौ निन्यानवे", "nine hundred ninety nine"),
    (1_000, ["num-1", "thousand"], "एक हज़ार", "one thousand"),
    (
        99_999,
        ["num-99", "thousand", "num-9", "hundred", "num-99"],
        "निन्यानवे हज़ार नौ सौ निन्यानवे",
        "ninety nine thousand nine hundred ninety nine",
    ),
    (1_00_000, ["num-1", "lakh"], "एक लाख", "one lakh"),
    (
        12_34_567,
        ["num-12", "lakh", "num-34", "thousand", "num-5", "hundred", "num-67"],
        "बारह लाख चौंतीस हज़ार पाँच सौ सड़सठ",
        "twelve lakh thirty four thousand five hundred sixty seven",
    ),
    (1_00_00_000, ["num-1", "crore"], "एक करोड़", "one crore"),
    (
        1_23_00_00_021,
        ["num-1", "hundred", "num-23", "crore", "num-21"],
        "एक सौ तेईस करोड़ इक्कीस",
        "one hundred twenty three crore twenty one",
    ),
    (20_05, ["num-2", "thousand", "num-5"], "दो हज़ार पाँच", "two thousand five"),
]


@pytest.mark.parametrize(("n", "expected", "hindi", "english"), NUMBER_CASES)
def test_numbers_in_both_languages(n: int, expected: list[str], hindi: str, english: str) -> None:
    hi, en = number_prompts(n, "hi"), number_prompts(n, "en")
    assert names(hi) == expected
    assert names(en) == expected
    assert said(hi, "hi") == hindi
    assert said(en, "en") == english


@pytest.mark.parametrize(
    ("n", "hindi"),
    [
        (21, "इक्कीस"), (34, "चौंतीस"), (44, "चवालीस"), (53, "तिरेपन"), (67, "सड़सठ"),
        (79, "उन्यासी"), (89, "नवासी"), (96, "छियानवे"),
    ],
)
def test_hindi_has_its_own_word_below_hundred(n: int, hindi: str) -> None:
    assert said(number_prompts(n, "hi"), "hi") == hindi


def test_every_hindi_word_below_hundred_is_distinct() -> None:
    words = [MANIFESTS["hi"][f"num-{i}"] for i in range(100)]
    assert len(set(words)) == 100
    assert all(" " not in w for w in words)


def test_complaint_number_digit_by_digit() -> None:
    prompts = digits_prompts("26110000427", "hi")
    assert names(prompts) == [f"num-{d}" for d in "26110000427"]
    assert said(prompts, "hi") == "दो छह एक एक शून्य शून्य शून्य शून्य चार दो सात"
    assert said(digits_prompts("409", "en"), "en") == "four zero nine"


@pytest.mark.parametrize("bad", ["", "12a4", "१२", " 12", "1-2"])
def test_digits_refuse_anything_but_ascii_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        digits_prompts(bad, "hi")


@pytest.mark.parametrize(
    ("day", "lang", "expected", "text"),
    [
        (date(2026, 11, 5), "hi", ["num-5", "month-11", "num-2", "thousand", "num-26"],
         "पाँच नवंबर दो हज़ार छब्बीस"),
        (date(2026, 11, 5), "en", ["num-5", "month-11", "num-2", "thousand", "num-26"],
         "five November two thousand twenty six"),
        (date(2025, 12, 31), "hi", ["num-31", "month-12", "num-2", "thousand", "num-25"],
         "इकतीस दिसंबर दो हज़ार पच्चीस"),
        (date(2025, 12, 31), "en", ["num-31", "month-12", "num-2", "thousand", "num-25"],
         "thirty one December two thousand twenty five"),
        (date(2030, 2, 1), "hi", ["num-1", "month-2", "num-2", "thousand", "num-30"],
         "एक फ़रवरी दो हज़ार तीस"),
    ],
)
def test_dates(day: date, lang: str, expected: list[str], text: str) -> None:
    prompts = date_prompts(day, lang)
    assert names(prompts) == expected
    assert said(prompts, lang) == text


@pytest.mark.parametrize(
    ("year", "hindi", "english"),
    [
        (1998, "उन्नीस सौ अट्ठानवे", "nineteen ninety eight"),
        (1900, "उन्नीस सौ", "nineteen hundred"),
        (1905, "उन्नीस सौ पाँच", "nineteen hundred five"),
        (2000, "दो हज़ार", "two thousand"),
        (2100, "दो हज़ार एक सौ", "two thousand one hundred"),
    ],
)
def test_years(year: int, hindi: str, english: str) -> None:
    assert said(year_prompts(year, "hi"), "hi") == hindi
    assert said(year_prompts(year, "en"), "en") == english


def test_days() -> None:
    assert said(days_prompts(1, "en"), "en") == "one day"
    assert said(days_prompts(15, "en"), "en") == "fifteen days"
    assert said(days_prompts(1, "hi"), "hi") == "एक दिन"
    assert said(days_prompts(15, "hi"), "hi") == "पंद्रह दिन"


@pytest.mark.parametrize(
    "call",
    [
        lambda: number_prompts(-1, "hi"),
        lambda: days_prompts(-3, "en"),
        lambda: year_prompts(-2026, "en"),
        lambda: number_prompts(5, "fr"),
        lambda: digits_prompts("123", "HI"),
        lambda: date_prompts(date(2026, 1, 1), "ta"),
    ],
)
def test_refuses_negative_numbers_and_unknown_languages(call) -> None:
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize("bad", [1.5, "12", True, None])
def test_refuses_non_integers(bad) -> None:
    with pytest.raises(TypeError):
        number_prompts(bad, "hi")


def test_every_prompt_speech_uses_is_in_every_manifest() -> None:
    for lang in LANGUAGES:
        missing = prompt_names() - set(MANIFESTS[lang])
        assert not missing, f"{lang}: {sorted(missing)}"


def _sample_numbers() -> list[int]:
    rng = random.Random(1076)
    edges = {10**k + d for k in range(1, 11) for d in (-1, 0, 1)}
    edges |= {n * 10**k for n in (1, 9, 10, 11, 19, 20, 21, 99) for k in range(0, 9)}
    return sorted(set(range(0, 2_000)) | edges | {rng.randrange(10_000_001) for _ in range(20_000)})


def test_every_produced_prompt_exists_in_both_manifests() -> None:
    seen: set[str] = set()
    for n in _sample_numbers():
        for lang in LANGUAGES:
            prompts = number_prompts(n, lang)
            assert prompts, n
            seen.update(names(prompts))
            if n < 10_000_000:
                assert "crore" not in names(prompts)
    day = date(1990, 1, 1)
    while day.year < 2031:
        for lang in LANGUAGES:
            seen.update(names(date_prompts(day, lang)))
        day = date.fromordinal(day.toordinal() + 3)
    assert seen <= set(MANIFESTS["hi"]) and seen <= set(MANIFESTS["en"])
    assert seen == prompt_names() - {"day", "days"}


def _value(names_: list[str]) -> int:
    """Read a prompt sequence back into a number (Indian grouping)."""
    scale = {"hundred": 100, "thousand": 1_000, "lakh": 1_00_000, "crore": 1_00_00_000}
    total, group = 0, 0
    for name in names_:
        if name.startswith("num-"):
            group += int(name[4:])
        elif name == "crore":
            total = (total + group) * scale[name]
            group = 0
        else:
            total += group * scale[name]
            group = 0
    return total + group


def test_sequences_read_back_to_the_same_number() -> None:
    for n in _sample_numbers():
        assert _value(names(number_prompts(n, "hi"))) == n, n
