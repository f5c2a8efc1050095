"""GET /api/v1/reports/summary counts what happened, by department and district."""
from __future__ import annotations

from datetime import date, timedelta

import httpx

from storage.db import Database
from tests.helpers import complaint_body, login_as


async def test_summary_counts(client: httpx.AsyncClient, db: Database) -> None:
    agent = await login_as(client, db, "agent1", "agent", extension="agent1001")
    l1 = await login_as(client, db, "l1", "officer", officer="ELE-LKO-L1")
    sup = await login_as(client, db, "sup", "supervisor")
    numbers = []
    for i in range(4):
        r = await client.post("/api/v1/complaints", json=complaint_body(citizen={
            "phone": f"98000000{i:02d}", "name": "N", "district": "LKO", "language": "hi"}), headers=agent)
        numbers.append(r.json()["number"])
    r = await client.post("/api/v1/complaints", json=complaint_body(
        citizen={"phone": "9800000099", "name": "M", "district": "VNS", "language": "en"},
        department="POL", category="POL-FIR"), headers=agent)
    assert r.status_code == 201
    for n in numbers[:3]:
        await client.post(f"/api/v1/complaints/{n}/dispose", json={"report": "Site visited, resolved."}, headers=l1)
    await client.post(f"/api/v1/complaints/{numbers[0]}/feedback", json={"result": "satisfied"}, headers=agent)
    await client.post(f"/api/v1/complaints/{numbers[1]}/feedback", json={"result": "dissatisfied"}, headers=agent)
    today = date.today()
    r = await client.get("/api/v1/reports/summary",
                         params={"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()},
                         headers=sup)
    assert r.status_code == 200, r.text
    s = r.json()
    assert (s["received"], s["disposed"], s["closed"], s["pending"], s["reopened"]) == (5, 2, 1, 3, 1)
    assert s["satisfaction_pct"] == 50.0 and s["overdue"] == 0 and s["escalated"] == 0
    by_dept = {row["code"]: row for row in s["by_department"]}
    assert by_dept["ELE"]["received"] == 4 and by_dept["POL"]["received"] == 1
    by_district = {row["code"]: row for row in s["by_district"]}
    assert by_district["VNS"]["pending"] == 1
    r = await client.get("/api/v1/reports/summary", params={"from": "2026-01-02", "to": "2026-01-01"}, headers=sup)
    assert r.status_code == 422
    r = await client.get("/api/v1/reports/summary", params={"from": "2026-01-01", "to": "2026-01-02"}, headers=agent)
    assert r.status_code == 403
