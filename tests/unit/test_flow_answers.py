"""Survey definitions, survey prompt names and callback join times (pure parts of the flows)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dialer.answers import survey_manifest, survey_prompt_name, survey_questions
from grievance.errors import InvalidInput
from ivr.flows.callback_request import queue_joined_at
from ivr.manifest import prompt_path

GOOD = [{"id": "q1", "prompt_hi": "क्या राशन मिला?", "prompt_en": "Did you get ration?",
         "digits": {"1": "yes", "2": " no "}}]
NOW = datetime(2026, 11, 20, 4, 30, tzinfo=timezone.utc)


def test_a_valid_survey() -> None:
    (q,) = survey_questions(GOOD)
    assert (q.id, q.prompt_en, q.digits) == ("q1", "Did you get ration?", {"1": "yes", "2": "no"})
    assert q.meaning("2") == "no"


@pytest.mark.parametrize(("survey", "problem"), [
    ({"id": "q1"}, "list"),
    ([{**GOOD[0], "id": "Q 1"}], "id"),
    ([GOOD[0], GOOD[0]], "twice"),
    ([{**GOOD[0], "prompt_hi": ""}], "prompt_hi"),
    ([{**GOOD[0], "prompt_en": "two\nlines"}], "prompt_en"),
    ([{**GOOD[0], "digits": {}}], "digits"),
    ([{**GOOD[0], "digits": {"#": "yes"}}], "keypad digit"),
    ([{**GOOD[0], "digits": {"12": "yes"}}], "keypad digit"),
    ([{**GOOD[0], "digits": {"1": ""}}], "meaning"),
    ([{**GOOD[0], "id": f"q{i}"} for i in range(21)], "at most"),
])
def test_bad_surveys_are_refused_with_the_reason(survey: object, problem: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        survey_questions(survey)
    assert problem in exc.value.message


def test_survey_prompts_are_valid_prompt_names_per_language() -> None:
    questions = survey_questions(GOOD)
    assert prompt_path(survey_prompt_name(7, "q1")) == "helpline/survey-7-q1"
    assert survey_manifest(7, questions) == {"hi": {"survey-7-q1": "क्या राशन मिला?"},
                                             "en": {"survey-7-q1": "Did you get ration?"}}


def test_queue_join_time_from_the_dialplan_epoch() -> None:
    joined = NOW - timedelta(minutes=9)
    assert queue_joined_at(str(int(joined.timestamp())), NOW) == joined
    assert queue_joined_at(f" {int(joined.timestamp())}\n", NOW) == joined


@pytest.mark.parametrize("raw", ["", "abc", "-5", "1.5", "9" * 13,
                                 str(int((NOW + timedelta(hours=1)).timestamp())),
                                 str(int((NOW - timedelta(days=2)).timestamp()))])
def test_implausible_join_times_are_ignored(raw: str) -> None:
    assert queue_joined_at(raw, NOW) is None
