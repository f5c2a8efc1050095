"""The whole lifecycle through the HTTP API, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime

import httpx

from grievance import numbers
from storage.db import Database
from tests.helpers import complaint_body, login_as


async def test_register_reopen_escalate_close(client: httpx.AsyncClient, db: Database) -> None:
    agent = await login_as(client, db, "agent1", "agent", extension="agent1001")
    l1 = await login_as(client, db, "l1", "officer", officer="ELE-LKO-L1")
    l2 = await login_as(client, db, "l2", "officer", officer="ELE-LKO-L2")

    r = await client.post("/api/v1/complaints", json=complaint_body(), headers=agent)
    assert r.status_code == 201, r.text
    created = r.json()
    number = created["number"]
    assert numbers.is_valid(number) and len(number) == 11
    assert created["state"] == "at_l1" and created["level"] == 1
    assert created["officer"] == {"code": "ELE-LKO-L1", "name": created["officer"]["name"],
                                  "name_hi": created["officer"]["name_hi"], "level": 1}
    due = datetime.fromisoformat(created["due_at"])
    assert due.utcoffset() is not None and due.utcoffset().total_seconds() == 5.5 * 3600

    r = await client.post(f"/api/v1/complaints/{number}/dispose", json={"report": "Line repaired."}, headers=l1)
    assert r.status_code == 200 and r.json()["state"] == "disposed"
    r = await client.post(f"/api/v1/complaints/{number}/feedback", json={"result": "dissatisfied"}, headers=agent)
    assert r.status_code == 200 and r.json()["state"] == "at_l1" and r.json()["reopen_count"] == 1
    r = await client.post(f"/api/v1/complaints/{number}/dispose", json={"report": "Repaired again."}, headers=l1)
    assert r.json()["state"] == "disposed"
    r = await client.post(f"/api/v1/complaints/{number}/feedback", json={"result": "dissatisfied"}, headers=agent)
    body = r.json()
    assert body["state"] == "at_l2" and body["level"] == 2 and body["escalated"] is True
    assert body["officer"]["code"] == "ELE-LKO-L2"
    # L1 can no longer act on it; L2 sees it with the L1 report.
    r = await client.post(f"/api/v1/complaints/{number}/dispose", json={"report": "x"}, headers=l1)
    assert r.status_code == 403 and r.json()["error"]["id"] == "forbidden"
    r = await client.get(f"/api/v1/complaints/{number}", headers=l2)
    assert r.status_code == 200 and r.json()["l1_report"] == "Repaired again."
    r = await client.post(f"/api/v1/complaints/{number}/dispose", json={"report": "Feeder replaced."}, headers=l2)
    assert r.json()["state"] == "disposed_l2"
    r = await client.post(f"/api/v1/complaints/{number}/feedback", json={"result": "dissatisfied"}, headers=agent)
    final = r.json()
    assert final["state"] == "closed" and final["feedback"] == "dissatisfied"
    actions = [e["action"] for e in final["events"]]
    assert actions == ["register", "assign", "dispose", "reopen", "dispose", "escalate", "dispose", "feedback"]
    assert [e["to"] for e in final["events"]][-1] == "closed"
    # closed is final: more feedback is refused and changes nothing
    r = await client.post(f"/api/v1/complaints/{number}/feedback", json={"result": "satisfied"}, headers=agent)
    assert r.status_code == 409 and r.json()["error"]["id"] == "transition_refused"
    r = await client.get(f"/api/v1/complaints/{number}", headers=agent)
    assert r.json()["feedback"] == "dissatisfied" and len(r.json()["events"]) == 8


async def test_transfer_restarts_deadline_at_other_department(client: httpx.AsyncClient, db: Database) -> None:
    agent = await login_as(client, db, "agent1", "agent", extension="agent1001")
    l1 = await login_as(client, db, "l1", "officer", officer="ELE-LKO-L1")
    number = (await client.post("/api/v1/complaints", json=complaint_body(), headers=agent)).json()["number"]
    r = await client.post(f"/api/v1/complaints/{number}/transfer",
                          json={"department": "UDV", "reason": "Street light: municipal work"}, headers=l1)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"] == "at_l1" and body["department"] == "UDV" and body["officer"]["code"] == "UDV-LKO-L1"
    assert body["events"][-1]["action"] == "transfer"
    # the old officer no longer holds it
    r = await client.post(f"/api/v1/complaints/{number}/dispose", json={"report": "x"}, headers=l1)
    assert r.status_code == 403


async def test_search_by_phone_and_state(client: httpx.AsyncClient, db: Database) -> None:
    agent = await login_as(client, db, "agent1", "agent", extension="agent1001")
    for _ in range(2):
        assert (await client.post("/api/v1/complaints", json=complaint_body(), headers=agent)).status_code == 201
    r = await client.get("/api/v1/complaints", params={"phone": "+91 98123 45678"}, headers=agent)
    assert r.status_code == 200 and len(r.json()["complaints"]) == 2
    r = await client.get("/api/v1/complaints", params={"state": "closed"}, headers=agent)
    assert r.json()["complaints"] == []
    r = await client.get("/api/v1/complaints", params={"state": "lost"}, headers=agent)
    assert r.status_code == 422 and r.json()["error"]["id"] == "invalid_input"


async def test_search_box_takes_numbers_and_phones(client: httpx.AsyncClient, db: Database) -> None:
    agent = await login_as(client, db, "agent1", "agent", extension="agent1001")
    number = (await client.post("/api/v1/complaints", json=complaint_body(), headers=agent)).json()["number"]
    for q in (number, "09812345678", "98123 45678", "+919812345678"):
        r = await client.get("/api/v1/complaints", params={"q": q}, headers=agent)
        assert r.status_code == 200, (q, r.text)
        assert [c["number"] for c in r.json()["complaints"]] == [number]
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    r = await client.get("/api/v1/complaints", params={"q": wrong}, headers=agent)
    assert r.status_code == 422 and "check digit" in r.json()["error"]["message"]
