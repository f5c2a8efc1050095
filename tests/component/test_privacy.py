"""Data protection (issue 13): retention masks the name and phone of complaints closed more than N
months ago, and only those (the complaint stays for statistics; a citizen is masked once none of
their complaints is held in full); an export of everything held on one phone number; an audit of
who viewed a citizen's data outside a call."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy import select

from common.context import AppContext
from grievance import service
from grievance.deadlines import DeadlineJob
from grievance.lifecycle import Actor
from grievance.privacy import Retention, months_before
from grievance.service import NewComplaint, Who
from storage.db import Database
from storage.models import Citizen, Complaint, DataAccess
from storage.queries import complaints as complaint_q
from tests.fakes.console import form_login
from tests.helpers import login_as, make_user

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc)
L1 = Who(Actor.OFFICER, "o", "ELE-LKO-L1")
AGENT = Who(Actor.AGENT, "a1")


async def _closed(db: Database, ctx: AppContext, phone: str, name: str, closed_at: datetime) -> str:
    async with db.session_scope() as session:
        c = await service.register(session, NewComplaint(
            phone=phone, name=name, district="LKO", department="ELE", category="ELE-SUPPLY",
            description="No power"), AGENT, ctx.policy, now=closed_at - timedelta(days=3))
        await service.dispose(session, c.number, "Line repaired on site.", L1, ctx.policy,
                              now=closed_at - timedelta(days=1))
        await service.record_feedback(session, c.number, "satisfied", AGENT, ctx.policy, now=closed_at)
        return c.number


async def test_retention_masks_only_what_is_past_its_time(db: Database, ctx: AppContext) -> None:
    old = await _closed(db, ctx, "9812345678", "Old Citizen", NOW - timedelta(days=200))     # > 6 months ago
    edge = await _closed(db, ctx, "9812345679", "Edge Citizen", months_before(NOW, 6, ctx.tz) + timedelta(hours=1))
    recent = await _closed(db, ctx, "9812345670", "Recent Citizen", NOW - timedelta(days=30))
    shared_old = await _closed(db, ctx, "9812345671", "Shared Citizen", NOW - timedelta(days=300))
    async with db.session_scope() as session:  # the same citizen has a complaint still open
        open_one = await service.register(session, NewComplaint(
            phone="9812345671", name="Shared Citizen", district="LKO", department="ELE", category="ELE-BILL",
            description="Bill wrong"), AGENT, ctx.policy, now=NOW - timedelta(days=2))
        open_number = open_one.number
    retention = Retention(6, ctx.tz)
    job = DeadlineJob(db, ctx.policy, clock=lambda: NOW, extra=retention.apply)
    await job.tick()
    async with db.sessions() as session:
        rows = {c.number: c for c in (await session.scalars(select(Complaint))).all()}
        citizens = {c.id: c for c in (await session.scalars(select(Citizen))).all()}
        events = [e.action for e in await complaint_q.events(session, rows[old].id)]
    masked = {n for n, c in rows.items() if c.masked_at is not None}
    assert masked == {old, shared_old}
    assert rows[old].phone == "masked-5678" and rows[old].description == "No power"  # kept for statistics
    assert rows[old].district_code == "LKO" and rows[old].feedback == "satisfied"
    assert rows[edge].phone == "+919812345679" and rows[recent].phone == "+919812345670"
    assert citizens[rows[old].citizen_id].name == "(masked)"
    assert citizens[rows[old].citizen_id].phone == "masked-5678"
    assert citizens[rows[shared_old].citizen_id].name == "Shared Citizen"  # still has an open complaint
    assert rows[open_number].phone == "+919812345671"
    assert events[-1] == "mask"
    async with db.session_scope() as session:
        assert await retention.apply(session, NOW) == []  # idempotent
    async with db.session_scope() as session:
        assert await Retention(0, ctx.tz).apply(session, NOW + timedelta(days=3650)) == []  # off: keeps all


async def test_export_of_one_phone_and_the_access_audit(client: httpx.AsyncClient, db: Database,
                                                         ctx: AppContext) -> None:
    number = await _closed(db, ctx, "9812345678", "रामेश्वर", service.utcnow() - timedelta(days=1))
    await _closed(db, ctx, "9812345679", "Somebody Else", service.utcnow() - timedelta(days=1))
    await make_user(db, "o1", "officer", officer="ELE-LKO-L1")
    await form_login(client, "o1")
    assert (await client.get(f"/officer/complaints/{number}")).status_code == 200
    admin = await login_as(client, db, "root", "admin")
    r = await client.get("/api/v1/privacy/export", params={"phone": "98123 45678"}, headers=admin)
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    data = json.loads(r.content)
    assert data["phone"] == "+919812345678"
    assert [c["number"] for c in data["complaints"]] == [number]
    assert [c["name"] for c in data["citizens"]] == ["रामेश्वर"]
    assert {e["action"] for e in data["events"]} >= {"register", "dispose", "feedback"}
    assert "Somebody Else" not in r.text
    r = await client.get("/api/v1/privacy/export", params={"phone": "12"}, headers=admin)
    assert r.status_code == 422
    officer = await login_as(client, db, "o2", "officer", officer="ELE-LKO-L2")
    assert (await client.get("/api/v1/privacy/export", params={"phone": "9812345678"},
                             headers=officer)).status_code == 403
    async with db.sessions() as session:
        audit = [(a.username, a.what, a.phone) for a in (await session.scalars(select(DataAccess))).all()]
    assert ("o1", "complaint_page", "+919812345678") in audit
    assert ("root", "export", "+919812345678") in audit
    client.cookies.clear()
    await form_login(client, "root")
    page = await client.get("/privacy", params={"phone": "9812345678"})
    assert page.status_code == 200 and "o1" in page.text and "complaint page" in page.text
