"""The flows' prompts exist in every language, and what a status call says is right."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config.reference import load_reference
from grievance.lifecycle import State
from ivr.flows import common
from ivr.flows.complaint_status import department_prompt, state_prompt, status_prompts
from ivr.manifest import load_manifests
from ivr.speech import date_prompts
from storage.queries.ivr_lookup import ComplaintStatus

FLOWS = Path(common.__file__).parent
TZ = ZoneInfo("Asia/Kolkata")
NOW = datetime(2026, 11, 20, 4, 30, tzinfo=timezone.utc)
NUMBER = "25110004271"


def static_prompt_names() -> set[str]:
    names: set[str] = set()
    for path in FLOWS.glob("*.py"):
        names |= set(re.findall(r'\bp\("([a-z0-9-]+)"\)', path.read_text(encoding="utf-8")))
        names |= set(re.findall(r'_retry\("([a-z0-9-]+)"', path.read_text(encoding="utf-8")))
    return names


def every_prompt_name() -> set[str]:
    names = static_prompt_names()
    names |= {state_prompt(s.value) for s in State}
    names |= {department_prompt(d.code) for d in load_reference().departments}
    names |= {"level-1", "level-2", "input-try-again"}
    names |= {common.feedback_prompt(r, b, a) for r in ("satisfied", "dissatisfied")
              for b in ("disposed", "disposed_l2") for a in ("closed", "at_l1", "at_l2")}
    return names


def test_the_source_scan_finds_the_flows_prompts() -> None:
    assert {"status-enter-number", "feedback-ask", "survey-intro", "complaint-not-found",
            "input-none", "complaint-number-invalid"} <= static_prompt_names()


@pytest.mark.parametrize("lang", ["hi", "en"])
def test_every_prompt_the_flows_play_is_in_the_manifest(lang: str) -> None:
    manifest = load_manifests()[lang]
    missing = sorted(every_prompt_name() - manifest.keys())
    assert missing == []


def test_hindi_flow_prompts_are_in_devanagari() -> None:
    text = (FLOWS.parents[1] / "config" / "prompts" / "hi" / "flows.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, said = line.partition(":")
            assert re.search(r"[\u0900-\u097F]", said), name


def status(state: str = "at_l1", **changes: object) -> ComplaintStatus:
    values: dict[str, object] = dict(
        number=NUMBER, phone="+919812345678", state=state, level=1, department_code="ELE",
        due_at=NOW + timedelta(days=2), disposed_at=None, closed_at=None,
    )
    values.update(changes)
    return ComplaintStatus(**values)  # type: ignore[arg-type]


def test_status_of_an_open_complaint() -> None:
    said = status_prompts(status(), "hi", TZ, NOW)
    assert said[0] == "helpline/status-your-complaint"
    assert said[1:12] == [f"helpline/num-{d}" for d in NUMBER]
    assert said[12:16] == ["helpline/state-at-l1", "helpline/status-department", "helpline/dept-ele",
                           "helpline/level-1"]
    assert said[16:] == ["helpline/status-due-date", *date_prompts(date(2026, 11, 22), "hi")]


def test_due_date_is_the_local_date() -> None:
    # 20:00 UTC on 21 Nov is 01:30 IST on 22 Nov
    said = status_prompts(status(due_at=datetime(2026, 11, 21, 20, 0, tzinfo=timezone.utc)), "en", TZ, NOW)
    assert said[-5:-3] == ["helpline/num-22", "helpline/month-11"]


def test_overdue_is_said_only_when_past_due() -> None:
    assert "helpline/status-overdue" not in status_prompts(status(), "en", TZ, NOW)
    late = NOW + timedelta(days=3)
    assert status_prompts(status(state="at_l2", level=2), "en", TZ, late)[-1] == "helpline/status-overdue"
    assert "helpline/level-2" in status_prompts(status(state="at_l2", level=2), "en", TZ, late)


def test_disposed_and_closed_say_their_dates() -> None:
    disposed = status("disposed", disposed_at=NOW)
    on = date_prompts(date(2026, 11, 20), "en")
    assert status_prompts(disposed, "en", TZ, NOW)[-len(on) - 1:] == ["helpline/status-disposed-on", *on]
    closed = status("closed", disposed_at=NOW, closed_at=NOW + timedelta(days=40))
    said = status_prompts(closed, "en", TZ, NOW)
    on = date_prompts(date(2026, 12, 30), "en")
    assert said[-len(on) - 1:] == ["helpline/status-closed-on", *on]
    assert "helpline/status-due-date" not in said and "helpline/state-closed" in said


def test_state_and_department_prompt_names() -> None:
    assert state_prompt("disposed_l2") == "state-disposed-l2"
    assert department_prompt("JAL") == "dept-jal"


@pytest.mark.parametrize(("result", "before", "after", "prompt"), [
    ("satisfied", "disposed", "closed", "feedback-closed"),
    ("dissatisfied", "disposed", "at_l1", "feedback-reopened"),
    ("dissatisfied", "disposed", "at_l2", "feedback-escalated"),
    ("dissatisfied", "disposed_l2", "closed", "feedback-final"),
    ("satisfied", "disposed_l2", "closed", "feedback-closed"),
])
def test_feedback_outcome_prompt(result: str, before: str, after: str, prompt: str) -> None:
    assert common.feedback_prompt(result, before, after) == prompt
