"""Changing a campaign's rules after creation (PATCH /campaigns/{id}, the CLI), the standing
feedback campaign's included, each change in the audit log with who, before and after."""
from __future__ import annotations

import httpx

from grievance.feedback import feedback_campaign
from grievance.service import utcnow
from storage.db import Database
from tests.component.test_campaign_api import BODY
from tests.helpers import login_as


async def test_supervisor_edits_a_campaign_and_each_change_is_logged(client: httpx.AsyncClient, db: Database) -> None:
    sup = await login_as(client, db, "sup", "supervisor")
    agent = await login_as(client, db, "a1", "agent", extension="agent1001")
    cid = (await client.post("/api/v1/campaigns", json=BODY, headers=sup)).json()["id"]

    r = await client.patch(f"/api/v1/campaigns/{cid}", json={"window": "09:30-20:00", "max_attempts": 4,
                                                             "days": ["mon", "sat"], "retry_minutes": {"busy": 45}},
                           headers=sup)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["window"] == "09:30-20:00" and body["max_attempts"] == 4 and body["days"] == ["mon", "sat"]
    assert body["retry_minutes"] == {"no_answer": 120, "busy": 45, "congestion": 15, "failed": 60}
    change = body["change"]
    assert change["by"] == "sup"
    assert change["before"] == {"window": "10:00-18:00", "days": ["mon", "tue", "wed"], "max_attempts": 2,
                                "retry_minutes": {"no_answer": 120, "busy": 20, "congestion": 15, "failed": 60}}
    assert change["after"]["window"] == "09:30-20:00" and change["after"]["days"] == ["mon", "sat"]

    # the same values again: nothing to log
    r = await client.patch(f"/api/v1/campaigns/{cid}", json={"window": "09:30-20:00"}, headers=sup)
    assert r.status_code == 200 and r.json()["change"] is None
    # bad values change nothing
    for bad, field in (({"window": "20:00-09:00"}, "window"), ({"max_channels": 0}, "max_channels"),
                       ({"days": []}, "days"), ({"retry_minutes": {"rain": 5}}, "retry_minutes")):
        r = await client.patch(f"/api/v1/campaigns/{cid}", json=bad, headers=sup)
        assert r.status_code == 422 and r.json()["error"]["details"]["field"] == field, (bad, r.text)
    assert (await client.patch(f"/api/v1/campaigns/{cid}", json={"state": "running"}, headers=sup)).status_code == 422
    assert (await client.patch(f"/api/v1/campaigns/{cid}", json={}, headers=sup)).status_code == 422
    assert (await client.patch(f"/api/v1/campaigns/{cid}", json={"max_attempts": 3}, headers=agent)).status_code == 403
    assert (await client.patch("/api/v1/campaigns/999999", json={"max_attempts": 3}, headers=sup)).status_code == 404

    log = (await client.get(f"/api/v1/campaigns/{cid}/changes", headers=sup)).json()["changes"]
    assert len(log) == 1 and log[0]["after"]["max_attempts"] == 4
    got = (await client.get(f"/api/v1/campaigns/{cid}", headers=sup)).json()
    assert got["window"] == "09:30-20:00" and got["max_attempts"] == 4

    assert (await client.post(f"/api/v1/campaigns/{cid}/cancel", headers=sup)).status_code == 200
    r = await client.patch(f"/api/v1/campaigns/{cid}", json={"max_attempts": 5}, headers=sup)
    assert r.status_code == 409 and "cancelled" in r.json()["error"]["message"]


async def test_the_standing_feedback_campaign_follows_its_new_rules(client: httpx.AsyncClient, db: Database) -> None:
    sup = await login_as(client, db, "sup", "supervisor")
    async with db.session_scope() as session:
        fid = (await feedback_campaign(session, utcnow())).id
    r = await client.patch(f"/api/v1/campaigns/{fid}", json={"window": "10:00-19:00", "max_attempts": 5}, headers=sup)
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "feedback" and r.json()["window"] == "10:00-19:00" and r.json()["max_attempts"] == 5
    async with db.session_scope() as session:  # the next disposal finds the campaign with its new rules
        again = await feedback_campaign(session, utcnow())
    assert again.id == fid and (again.window_start, again.window_end, again.max_attempts) == ("10:00", "19:00", 5)
    r = await client.patch(f"/api/v1/campaigns/{fid}", json={"scheduled_at": "2027-01-01T09:00:00+05:30"}, headers=sup)
    assert r.status_code == 422
