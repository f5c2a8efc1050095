"""Desk round pages and rules without a PBX: reassignment and handover, the call-centre report's
limits, Hindi error text, language switch keeping the query, desk settings refused clearly,
the district ranking weighted by volume, the IVR feedback question with a number from the desk."""
from __future__ import annotations

import re

import httpx

from grievance import service
from grievance.report_pages import disposal_score, ranking
from storage.db import Database
from tests.fakes.console import csrf_of, form_login
from tests.fakes.flow_world import flow_world
from tests.helpers import complaint_body, login_as, make_user


async def _complaint(client: httpx.AsyncClient, headers: dict[str, str], **overrides: object) -> str:
    r = await client.post("/api/v1/complaints", json=complaint_body(**overrides), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["number"]


async def test_reassign_and_handover_rules(client: httpx.AsyncClient, db: Database) -> None:
    agent = await login_as(client, db, "a1", "agent", extension="agent1001")
    sup = await login_as(client, db, "sup", "supervisor")
    admin = await login_as(client, db, "adm", "admin")
    one = await _complaint(client, agent)
    two = await _complaint(client, agent, description="Second one.")
    r = await client.post(f"/api/v1/complaints/{one}/reassign", json={"officer": "ELE-UP-L1", "reason": "leave"},
                          headers=agent)
    assert r.status_code == 403
    r = await client.post(f"/api/v1/complaints/{one}/reassign", json={"officer": "FCS-LKO-L1", "reason": "x"},
                          headers=sup)
    assert r.status_code == 422 and "transfer the complaint" in r.json()["error"]["message"]
    r = await client.post(f"/api/v1/complaints/{one}/reassign", json={"officer": "ELE-LKO-L2", "reason": "x"},
                          headers=sup)
    assert r.status_code == 422 and "L2" in r.json()["error"]["message"]
    r = await client.post(f"/api/v1/complaints/{one}/reassign", json={"officer": "ELE-UP-L1", "reason": "  "},
                          headers=sup)
    assert r.status_code == 422
    before = (await client.get(f"/api/v1/complaints/{one}", headers=sup)).json()["due_at"]
    r = await client.post(f"/api/v1/complaints/{one}/reassign", json={"officer": "ELE-UP-L1", "reason": "on leave"},
                          headers=sup)
    assert r.status_code == 200 and r.json()["officer"]["code"] == "ELE-UP-L1"
    assert r.json()["due_at"] == before  # the citizen's deadline does not restart
    assert r.json()["events"][-1]["action"] == "reassign" and r.json()["events"][-1]["detail"]["from_officer"] == "ELE-LKO-L1"
    r = await client.post("/api/v1/admin/officers/ELE-LKO-L1/handover", json={"to": "ELE-UP-L1", "reason": "retired"},
                          headers=sup)
    assert r.status_code == 403
    r = await client.post("/api/v1/admin/officers/ELE-LKO-L1/handover", json={"to": "ELE-UP-L1", "reason": "retired"},
                          headers=admin)
    assert r.status_code == 200 and r.json()["complaints"] == [two]
    async with db.sessions() as session:
        moved = await service.get(session, two)
    assert moved.officer_code == "ELE-UP-L1"
    # the officer can now be marked inactive: nothing open is left with them
    r = await client.put("/api/v1/admin/officers/ELE-LKO-L1", headers=admin, json={
        "name_en": "Left", "name_hi": "गए", "department": "ELE", "district": "LKO", "level": 1, "active": False})
    assert r.status_code == 200, r.text


async def test_call_centre_report_limits_and_empty_day(client: httpx.AsyncClient, db: Database) -> None:
    sup = await login_as(client, db, "sup", "supervisor")
    agent = await login_as(client, db, "a1", "agent", extension="agent1001")
    r = await client.get("/api/v1/reports/calls?from=2026-01-01&to=2026-01-01", headers=sup)
    assert r.status_code == 200
    body = r.json()
    assert body["total"]["offered"] == 0 and body["total"]["service_level_pct"] is None
    assert len(body["by_hour"]) == 24 and body["agents"] == []
    assert (await client.get("/api/v1/reports/calls?from=2026-01-01&to=2026-03-01", headers=sup)).status_code == 422
    assert (await client.get("/api/v1/reports/calls?from=2026-01-02&to=2026-01-01", headers=sup)).status_code == 422
    assert (await client.get("/api/v1/reports/calls?from=yesterday", headers=sup)).status_code == 422
    assert (await client.get("/api/v1/reports/calls", headers=agent)).status_code == 403
    await form_login(client, "sup")
    page = await client.get("/supervisor/calls?from=2026-01-01&to=2026-01-01")
    assert page.status_code == 200 and 'id="cc-offered">0<' in page.text
    csv = await client.get("/supervisor/calls.csv?from=2026-01-01&to=2026-01-01")
    assert csv.status_code == 200 and "TOTAL,0,0,0,0,0,0,,,,,0" in csv.text


async def test_desk_settings_refused_clearly(client: httpx.AsyncClient, db: Database) -> None:
    admin = await login_as(client, db, "adm", "admin")
    r = await client.put("/api/v1/admin/queues/helpline-xx", json={"wrapup_s": 10}, headers=admin)
    assert r.status_code == 422 and "helpline-hi" in r.json()["error"]["message"]
    r = await client.put("/api/v1/admin/queues/helpline-en", json={"wrapup_s": 601}, headers=admin)
    assert r.status_code == 422
    r = await client.put("/api/v1/admin/queues/helpline-en", json={"wrapup_s": 30}, headers=admin)
    assert r.status_code == 200 and r.json() == {"queue": "helpline-en", "wrapup_s": 30, "record": False}
    r = await client.put("/api/v1/admin/dispositions/bad code!", json={"name_en": "x", "name_hi": "य"}, headers=admin)
    assert r.status_code == 422
    r = await client.put("/api/v1/admin/dispositions/scheme_query", json={"name_en": "Scheme query", "name_hi": "योजना"},
                         headers=admin)
    assert r.status_code == 200
    codes = [d["code"] for d in (await client.get("/api/v1/dispositions", headers=admin)).json()["dispositions"]]
    assert codes[-1] == "scheme_query" and "complaint_registered" in codes
    for code in codes:
        r = await client.put(f"/api/v1/admin/dispositions/{code}", json={"name_en": code, "name_hi": "य", "active": False},
                             headers=admin)
    assert r.status_code == 422 and "at least one" in r.json()["error"]["message"]


async def test_hindi_desk_shows_errors_in_hindi_and_keeps_the_search(client: httpx.AsyncClient, db: Database) -> None:
    await make_user(db, "a1", "agent", extension="agent1001")
    await form_login(client, "a1")
    page = await client.get("/agent?q=9812345678")
    assert 'name="back" value="/agent?q=9812345678"' in page.text  # the language switch comes back here
    r = await client.post("/lang", data={"lang": "hi", "back": "/agent?q=9812345678", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 303 and r.headers["location"] == "/agent?q=9812345678"
    page = await client.get("/agent")
    r = await client.post("/agent/complaints", data={
        "phone": "9812345678", "name": "राम", "language": "hi", "district": "XXX", "department": "ELE",
        "category": "ELE-SUPPLY", "description": "बिजली", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 422
    assert "कृपया भरी गई जानकारी जाँचें" in r.text and "unknown district" in r.text


async def test_pages_of_the_round_answer_each_role(client: httpx.AsyncClient, db: Database) -> None:
    agent = await login_as(client, db, "a1", "agent", extension="agent1001")
    number = await _complaint(client, agent)
    await form_login(client, "a1")
    page = await client.get(f"/complaints/{number}")  # agents open complaints now (a status call)
    assert page.status_code == 200 and 'id="history"' in page.text and 'id="reassign-form"' not in page.text
    assert (await client.get("/supervisor/complaints")).status_code == 403
    assert (await client.get("/complaints/12345678901")).status_code == 422
    await make_user(db, "sup", "supervisor")
    await form_login(client, "sup")
    page = await client.get(f"/complaints/{number}")
    assert 'id="reassign-form"' in page.text and 'value="ELE-UP-L1"' in page.text
    found = await client.get("/supervisor/complaints", params={"q": number[:6]})
    assert f'data-number="{number}"' in found.text
    drill = await client.get("/supervisor/complaints", params={"by": "department", "code": "ELE", "measure": "pending",
                                                              "from": "2020-01-01", "to": "2020-01-02"})
    assert drill.status_code == 200 and 'id="sc-none"' in drill.text
    bad = await client.get("/supervisor/complaints", params={"by": "planet", "code": "X", "from": "2020-01-01"})
    assert bad.status_code == 422 and 'id="sc-error"' in bad.text


def test_ranking_weighs_the_volume() -> None:
    assert disposal_score(1, 1) < 25 < 80 < disposal_score(279, 310)
    rows = [{"name": "Tiny", "received": 1, "disposed": 1, "overdue": 0, "satisfaction_pct": None},
            {"name": "Big", "received": 310, "disposed": 279, "overdue": 3, "satisfaction_pct": 70.0}]
    assert [r["name"] for r in ranking(rows)] == ["Big", "Tiny"]
    assert disposal_score(0, 0) == 0.0


async def test_feedback_question_with_the_number_from_the_desk(db_url: str) -> None:
    async with flow_world(db_url) as world:
        number = await world.complaint("disposed")
        call = await world.peer.call("feedback", caller="919812345678", args=[number], digits=["2"])
        wrong = await world.peer.call("feedback", caller="919812345678", args=["12345"], digits=[number, "1"])
        state = await world.state_of(number)
    assert "GET DATA helpline/feedback-enter-number 6000 11" not in call.commands  # not asked to type it
    assert call.variables["HELPLINE_FEEDBACK_RESULT"] == "dissatisfied"
    assert state.state == "at_l1" and state.reopen_count == 1
    assert any(c.startswith("GET DATA helpline/feedback-enter-number") for c in wrong.commands)  # bad arg: asked
    assert re.fullmatch(r"\d{11}", number)
