"""A small simulated helpline day (bench/helpline_day.py at 1 % scale): every call the fake
Asterisk sent has its `calls` row with the outcome of its captured frames, every complaint ends
in the state its plan says, and every disposal got its feedback call."""
from __future__ import annotations

from bench.helpline_day import simulate
from tests.fakes.day import plan_for

SCALE = 0.01  # 350 calls, 45 complaints


async def test_a_small_day_loses_nothing(db_url: str) -> None:
    report = await simulate(db_url, SCALE, step_timeout=20.0)

    assert report.problems == [], "\n".join(report.lines())
    assert report.calls_inbound == 350 and report.complaints == 45
    assert report.call_rows == report.calls_inbound + report.calls_outbound
    assert report.calls_outbound >= report.attempts.get("answered", 0) > 0
    assert {k: v for k, v in report.rows_by_outcome.items() if ":" not in k} == \
        {"answered": 260, "abandoned": 66, "timeout": 24}
    assert report.by_state == report.expected_state == {"closed": 40, "at_l1": 5}
    assert report.wrong_complaints == []
    # every kind of feedback call happened: answered, busy, no answer, congestion, unregistered
    assert set(report.attempts) == {"answered", "busy", "no_answer", "congestion", "failed"}
    assert report.contacts == report.expected_contacts
    assert report.contacts["failed"] > 0 and report.contacts["completed"] > report.contacts["failed"]
    assert report.disposals == sum(plan_for(i).disposals for i in range(45)) == 50  # L1, again, then L2
    assert report.agi_checked > 0 and report.agi_wrong == 0
