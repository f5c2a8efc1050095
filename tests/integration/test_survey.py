"""(f) A scheme-survey campaign of two questions, created and started through the API, dialled by
the project's dialer to two SIPp numbers that answer with their digits: the answers are stored."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dialer.answers import survey_prompt_name
from storage.models import CallAttempt, SurveyAnswer
from tests.integration.harness.lab import Lab, until
from tests.integration.harness.pbx import TRUNK
from tests.integration.harness.serve import build_prompts
from tests.integration.harness.sip import Answerer

SURVEY = [
    {"id": "q1", "prompt_hi": "क्या आपको योजना का लाभ मिला?", "prompt_en": "Did you receive the benefit?",
     "digits": {"1": "yes", "2": "no"}},
    {"id": "q2", "prompt_hi": "क्या आप संतुष्ट हैं?", "prompt_en": "Are you satisfied?",
     "digits": {"1": "satisfied", "2": "not satisfied", "3": "no opinion"}},
]
NUMBERS = ("9876500081", "9876500082")


async def test_survey_campaign_of_two_questions_stores_both_answers(lab: Lab) -> None:
    supervisor = await lab.user("ssup1", "supervisor")
    async with lab.http() as http:
        r = await http.post("/api/v1/campaigns", headers=supervisor, json={
            "name": "PM Awas check", "survey": SURVEY, "window": "00:00-23:59",
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "max_channels": 2})
        assert r.status_code == 201, r.text
        campaign = r.json()["id"]
        csv = "name,phone\n" + "".join(f"Citizen {n[-2:]},{n}\n" for n in NUMBERS)
        r = await http.post(f"/api/v1/campaigns/{campaign}/contacts", content=csv.encode(),
                            headers={**supervisor, "Content-Type": "text/csv"})
        assert r.status_code == 200 and r.json()["imported"] == 2, r.text
        # the administrator renders the campaign's questions, as `prompts build` says after a new campaign
        build_prompts(lab.pbx.prompts, lab.database_url, lab.root)
        q1 = survey_prompt_name(campaign, "q1")
        assert (lab.pbx.prompts / "hi" / "helpline" / f"{q1}.wav").is_file()
        before_q1 = lab.prompt_ms("hi", "survey-intro")
        await lab.phone(TRUNK, Answerer(ring_ms=300, steps=[
            ("pause", before_q1 + 1200), ("dtmf", "1"), ("pause", 1500), ("dtmf", "2")]))
        r = await http.post(f"/api/v1/campaigns/{campaign}/start", headers=supervisor)
        assert r.status_code == 200, r.text

    async def answers() -> Any:
        async with lab.db() as db, db.sessions() as session:
            rows = list((await session.execute(select(SurveyAnswer).order_by(SurveyAnswer.id))).scalars())
            attempts = {a.id: a for a in (await session.execute(
                select(CallAttempt).where(CallAttempt.campaign_id == campaign))).scalars()}
        mine = [a for a in rows if a.attempt_id in attempts]
        done = [a for a in attempts.values() if a.result]
        return (mine, attempts) if len(mine) == 4 and len(done) == 2 else None
    stored, attempts = await until(answers, 90, "both citizens' two answers")
    by_number: dict[str, list[tuple[str, str, str]]] = {}
    for answer in stored:
        by_number.setdefault(attempts[answer.attempt_id].number[-10:], []).append(
            (answer.question, answer.digit, answer.meaning))
    assert by_number == {n: [("q1", "1", "yes"), ("q2", "2", "not satisfied")] for n in NUMBERS}
    assert {a.result for a in attempts.values()} == {"completed"}
    log = lab.pbx.full_log()
    assert f"helpline/{q1}" in log and "DTMF end '2' received on PJSIP/trunk" in log
