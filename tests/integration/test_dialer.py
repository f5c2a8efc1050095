"""(e) Disposal through the API, then the project's own dialer calls the citizen (a SIPp far end
behind the trunk): digit 2 reopens the complaint, digit 1 (another complaint) closes it; a busy
and a no-answer far end are retried after the delays the campaign is configured with."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from grievance.feedback import feedback_campaign
from grievance.lifecycle import Actor
from grievance.phones import normalise_phone
from grievance.service import NewComplaint, Policy, Who, register
from ivr.speech import date_prompts, digits_prompts
from storage.models import CallAttempt, CampaignContact, Complaint
from tests.integration.harness.lab import Lab, until
from tests.integration.harness.pbx import TRUNK
from tests.integration.harness.sip import Answerer

TZ = ZoneInfo("Asia/Kolkata")
POLICY = Policy(timezone=TZ, feedback_delay=timedelta(minutes=0))


async def _disposed(lab: Lab, phone: str, officer_user: str) -> Complaint:
    """A complaint registered for `phone`, disposed by its officer through the API."""
    async with lab.db() as db, db.session_scope() as session:
        complaint = await register(session, NewComplaint(
            phone=normalise_phone(phone, from_pbx=True), name="Mohan Lal", district="LKO", department="ELE",
            category="ELE-SUPPLY", description="Transformer burnt, no power for a week."),
            Who(Actor.AGENT, "agent1"), POLICY, now=datetime.now(timezone.utc))
        number, officer = complaint.number, complaint.officer_code
    headers = await lab.user(officer_user, "officer", officer=officer)
    async with lab.http() as http:
        r = await http.post(f"/api/v1/complaints/{number}/dispose", json={"report": "Transformer replaced."},
                            headers=headers)
    assert r.status_code == 200, r.text
    return await _complaint(lab, number)


async def _complaint(lab: Lab, number: str) -> Complaint:
    async with lab.db() as db, db.sessions() as session:
        return (await session.execute(select(Complaint).where(Complaint.number == number))).scalar_one()


async def _attempts(lab: Lab, phone: str) -> list[CallAttempt]:
    async with lab.db() as db, db.sessions() as session:
        return list((await session.execute(select(CallAttempt).where(
            CallAttempt.number.like(f"%{phone[-10:]}")).order_by(CallAttempt.id))).scalars())


def _intro_ms(lab: Lab, complaint: Complaint) -> int:
    """How long the feedback call speaks before it asks (the far end presses its digit then)."""
    names = ["feedback-call-intro", *[p.split("/")[1] for p in digits_prompts(complaint.number, "hi")],
             "feedback-call-disposed-on",
             *[p.split("/")[1] for p in date_prompts(complaint.disposed_at.astimezone(TZ).date(), "hi")]]
    return lab.prompt_ms("hi", *names)


async def _feedback_call(lab: Lab, phone: str, officer_user: str, digit: str) -> tuple[Complaint, Any, Any]:
    complaint = await _disposed(lab, phone, officer_user)
    assert complaint.state == "disposed"
    far_end = await lab.phone(TRUNK, Answerer(ring_ms=500, steps=[
        ("pause", _intro_ms(lab, complaint) + 1500), ("dtmf", digit)]))
    async with lab.observer() as ami:
        response = await ami.wait(lambda e: e.event == "OriginateResponse", 60, "the dialer's Originate")
        hangup = await ami.wait(lambda e: e.event == "Hangup" and e.get("Uniqueid") == response.get("Uniqueid"),
                                90, "the end of the feedback call")
        dtmf = [e for e in ami.events if e.event == "DTMFEnd" and e.get("Uniqueid") == response.get("Uniqueid")]
    await far_end.stop()
    # The far end hangs up right after its digit: the FastAGI session may still be writing the
    # answer when Asterisk reports the Hangup, so wait for the attempt's result (written with it).
    await until(lambda: _answered(lab, phone), 30, "the feedback answer stored")
    return await _complaint(lab, complaint.number), response, (hangup, dtmf)


async def test_feedback_call_digit_2_reopens_and_digit_1_closes(lab: Lab) -> None:
    reopened, response, (hangup, dtmf) = await _feedback_call(lab, "9876500051", "officer51", "2")
    assert response.get("Response") == "Success"
    assert response.get("Context") == "helpline-feedback" or response.get("Channel", "").startswith("PJSIP/trunk")
    assert [e.get("Digit") for e in dtmf] == ["2"]
    assert reopened.state in ("at_l1", "at_l2", "reopened"), reopened.state
    [attempt] = await until(lambda: _finished(lab, "9876500051"), 30, "the attempt's outcome")  # written as the call ends
    assert (attempt.outcome, attempt.result) == ("answered", "dissatisfied")
    assert attempt.channel_id == response.get("Uniqueid")
    log = lab.pbx.full_log()
    assert f"AGI Script agi://127.0.0.1:{lab.server.agi_port}/feedback-call completed" in log
    assert f"AGI(\"PJSIP/trunk-" in log and f"/feedback-call,{attempt.id}\")" in log
    assert "DTMF end '2' received on PJSIP/trunk" in log

    closed, _, (_, dtmf) = await _feedback_call(lab, "9876500052", "officer52", "1")
    assert [e.get("Digit") for e in dtmf] == ["1"]
    assert closed.state == "closed"
    [attempt] = await until(lambda: _finished(lab, "9876500052"), 30, "the attempt's outcome")  # written as the call ends
    assert (attempt.outcome, attempt.result) == ("answered", "satisfied")


async def test_busy_and_no_answer_far_ends_are_retried_as_configured(lab: Lab) -> None:
    async with lab.db() as db, db.session_scope() as session:  # the supervisor's retry delays
        campaign = await feedback_campaign(session, datetime.now(timezone.utc))
        campaign.retry_minutes = {"busy": 7, "no_answer": 11, "congestion": 15, "failed": 60}
    for phone, scenario, outcome, minutes in (
            ("9876500053", Answerer(mode="busy"), "busy", 7),
            ("9876500054", Answerer(mode="reject", code=480, ring_ms=1500), "no_answer", 11)):
        far_end = await lab.phone(TRUNK, scenario)
        complaint = await _disposed(lab, phone, f"officer{phone[-2:]}")
        attempts = await until(lambda p=phone: _finished(lab, p), 60, f"the {outcome} attempt")
        assert [a.outcome for a in attempts] == [outcome]
        async with lab.db() as db, db.sessions() as session:
            contact = (await session.execute(select(CampaignContact).where(
                CampaignContact.complaint_id == complaint.id))).scalar_one()
        assert (contact.state, contact.attempts, contact.last_outcome) == ("queued", 1, outcome)
        delay = contact.next_attempt_at - attempts[0].ended_at
        assert timedelta(minutes=minutes) - timedelta(seconds=5) <= delay <= timedelta(minutes=minutes, seconds=5)
        assert (await _complaint(lab, complaint.number)).state == "disposed"  # still waits for feedback
        await far_end.stop()


async def _answered(lab: Lab, phone: str) -> list[CallAttempt] | None:
    attempts = await _attempts(lab, phone)
    return attempts if attempts and all(a.result for a in attempts) else None


async def _finished(lab: Lab, phone: str) -> list[CallAttempt] | None:
    attempts = await _attempts(lab, phone)
    return attempts if attempts and all(a.outcome for a in attempts) else None
