"""Every page and API call checks the role: forbidden access for each role, and anonymous access."""
from __future__ import annotations

import httpx
import pytest

from grievance import service
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Who
from storage.db import Database
from tests.fakes.console import form_login
from tests.helpers import complaint_body, login_as, make_user

PAGES = ["/agent", "/officer", "/supervisor", "/supervisor/reports", "/supervisor/reports.csv",
         "/supervisor/campaigns", "/admin",
         "/officer/complaints/26110000019"]
FORM_POSTS = ["/agent/complaints", "/officer/complaints/26110000019/dispose",
              "/officer/complaints/26110000019/transfer", "/admin/users", "/admin/officers", "/admin/departments",
              "/admin/categories", "/admin/pause_reasons", "/admin/pause_reasons/X/delete", "/admin/users/x",
              "/lang", "/logout"]
API = [("GET", "/api/v1/reference"), ("GET", "/api/v1/complaints?phone=9812345678"),
       ("GET", "/api/v1/complaints/26110000019"), ("POST", "/api/v1/complaints"),
       ("GET", "/api/v1/reports/summary?from=2026-01-01&to=2026-01-31"), ("GET", "/api/v1/admin/users"),
       ("POST", "/api/v1/admin/users"), ("PUT", "/api/v1/admin/departments/X"),
       ("DELETE", "/api/v1/admin/pause-reasons/X"), ("POST", "/api/v1/calls/1.1/disposition"),
       ("POST", "/api/v1/agents/me/ready"), ("POST", "/api/v1/calls/originate"), ("GET", "/api/v1/wallboard"),
       ("GET", "/api/v1/calls/abandoned")]
CAMPAIGNS = [("POST", "/api/v1/campaigns"), ("GET", "/api/v1/campaigns/1"), ("POST", "/api/v1/campaigns/1/start"),
             ("POST", "/api/v1/campaigns/1/pause"), ("POST", "/api/v1/campaigns/1/contacts")]


async def _complaint(db: Database, policy: object) -> str:
    async with db.session_scope() as session:
        c = await service.register(session, NewComplaint(
            phone="9812345678", name="Ram", district="LKO", department="ELE", category="ELE-SUPPLY",
            description="x"), Who(Actor.AGENT, "a1"), policy)  # type: ignore[arg-type]
        return c.number


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_anonymous_gets_nothing(client: httpx.AsyncClient) -> None:
    for path in PAGES:
        r = await client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
    for path in FORM_POSTS:
        r = await client.post(path, data={"csrf_token": "x"})
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    for method, path in API:
        r = await client.request(method, path, json={})
        assert r.status_code == 401, (method, path, r.status_code)
        assert r.json()["error"]["id"] == "unauthorized"
    assert (await client.get("/api/v1/health")).status_code == 200  # the one open endpoint
    assert (await client.get("/docs")).status_code == 200


async def test_agent_cannot_reach_officer_supervisor_or_admin(client: httpx.AsyncClient,
                                                                        db: Database) -> None:
    await make_user(db, "a1", "agent", extension="agent1001")
    await form_login(client, "a1")
    for path in ("/officer", "/officer/complaints/26110000019", "/supervisor", "/supervisor/reports",
                 "/supervisor/reports.csv", "/supervisor/campaigns", "/admin"):
        r = await client.get(path)
        assert r.status_code == 403, path
        assert "you are logged in as agent" in r.text and 'href="/agent"' in r.text
    client.cookies.clear()
    headers = await login_as(client, db, "a2", "agent", extension="agent1002")
    for method, path in [("GET", "/api/v1/admin/users"), ("PUT", "/api/v1/admin/departments/X"),
                         ("GET", "/api/v1/reports/summary?from=2026-01-01&to=2026-01-31"),
                         ("GET", "/api/v1/wallboard"), ("GET", "/api/v1/calls/abandoned")]:
        r = await client.request(method, path, headers=headers, json={})
        assert r.status_code == 403, (method, path, r.status_code, r.text[:200])
        assert r.json()["error"]["id"] == "forbidden" and "you are agent" in r.json()["error"]["message"]


async def test_agent_and_anonymous_cannot_reach_campaigns(client: httpx.AsyncClient, db: Database) -> None:
    for method, path in CAMPAIGNS:
        r = await client.request(method, path, json={})
        assert r.status_code == 401, (method, path, r.status_code)
    headers = await login_as(client, db, "a1", "agent", extension="agent1001")
    for method, path in CAMPAIGNS:
        r = await client.request(method, path, headers=headers, json={})
        assert r.status_code == 403, (method, path, r.status_code, r.text[:200])
        assert r.json()["error"]["id"] == "forbidden"


async def test_officer_sees_only_own_complaints_and_no_desk(client: httpx.AsyncClient, db: Database,
                                                             ctx: object) -> None:
    number = await _complaint(db, ctx.policy)  # type: ignore[attr-defined]  # held by ELE-LKO-L1
    await make_user(db, "rev", "officer", officer="REV-LKO-L1")
    await form_login(client, "rev")
    r = await client.get(f"/officer/complaints/{number}")
    assert r.status_code == 403 and "assigned to another officer" in r.text
    page = await client.get("/officer")
    token = page.text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    r = await client.post(f"/officer/complaints/{number}/dispose", data={"report": "not mine", "csrf_token": token})
    assert r.status_code == 403 and "assigned to another officer" in r.text
    r = await client.post(f"/officer/complaints/{number}/transfer",
                          data={"department": "UDV", "reason": "x", "csrf_token": token})
    assert r.status_code == 403
    for path in ("/agent", "/supervisor", "/admin"):
        assert (await client.get(path)).status_code == 403, path
    client.cookies.clear()
    headers = await login_as(client, db, "rev2", "officer", officer="REV-LKO-L1")
    assert (await client.get(f"/api/v1/complaints/{number}", headers=headers)).status_code == 403
    assert (await client.post(f"/api/v1/complaints/{number}/dispose", json={"report": "x"},
                              headers=headers)).status_code == 403
    assert (await client.post("/api/v1/complaints", json=complaint_body(), headers=headers)).status_code == 403
    # the complaint is unchanged
    holder = await login_as(client, db, "ele", "officer", officer="ELE-LKO-L1")
    assert (await client.get(f"/api/v1/complaints/{number}", headers=holder)).json()["state"] == "at_l1"


async def test_supervisor_and_admin_boundaries(client: httpx.AsyncClient, db: Database, ctx: object) -> None:
    number = await _complaint(db, ctx.policy)  # type: ignore[attr-defined]
    await make_user(db, "s1", "supervisor")
    await form_login(client, "s1")
    assert (await client.get("/admin")).status_code == 403
    assert (await client.get("/officer")).status_code == 403
    assert (await client.get(f"/officer/complaints/{number}")).status_code == 200  # read-only view
    page = (await client.get(f"/officer/complaints/{number}")).text
    assert 'id="dispose-form"' not in page and 'id="readonly"' in page
    client.cookies.clear()
    await make_user(db, "ad", "admin")
    await form_login(client, "ad")
    for path in ("/admin", "/supervisor", "/supervisor/reports"):
        assert (await client.get(path)).status_code == 200, path
    assert (await client.get("/officer")).status_code == 403
