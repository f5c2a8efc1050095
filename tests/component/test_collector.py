"""The district collector (issue 13): `helpline users create NAME --role collector --district CODE`,
the day page (today's complaints, pending by officer with overdue counts, reopened and escalated,
satisfaction by department, officers ranked by on-time disposal with volume counted), drill-down,
`GET /api/v1/complaints?district=&from=&to=&state=`, and 403 on another district's complaint and lists."""
from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select

from common.context import AppContext
from grievance import service
from grievance.district import wilson_lower
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Who
from storage.db import Database
from storage.models import DataAccess
from tests.fakes.console import form_login
from tests.helpers import PASSWORD, token

AGENT = Who(Actor.AGENT, "a1")


async def _make(db: Database, username: str, role: str, district: str | None = None) -> None:
    from helpline.users import create_user

    async with db.session_scope() as session:
        await create_user(session, username, role, PASSWORD, district=district)


async def _register(db: Database, ctx: AppContext, district: str, department: str, category: str, phone: str,
                    days_ago: float = 0) -> str:
    async with db.session_scope() as session:
        c = await service.register(session, NewComplaint(
            phone=phone, name=f"Citizen {phone[-3:]}", district=district, department=department, category=category,
            description=f"Problem reported from {district}"), AGENT, ctx.policy,
            now=service.utcnow() - timedelta(days=days_ago))
        return c.number


async def test_collector_sees_their_district_only(client: httpx.AsyncClient, db: Database, ctx: AppContext) -> None:
    lko = [await _register(db, ctx, "LKO", "ELE", "ELE-SUPPLY", f"98123450{i:02d}") for i in range(3)]
    old = await _register(db, ctx, "LKO", "ELE", "ELE-SUPPLY", "9812345099", days_ago=5)  # overdue (2-day SLA)
    vns = await _register(db, ctx, "VNS", "ELE", "ELE-SUPPLY", "9812345100")
    await _make(db, "dm.lko", "collector", "LKO")
    await _make(db, "nodal", "state_nodal")
    headers = await token(client, "dm.lko")
    # lists: own district by default, and with the date range and a state
    r = await client.get("/api/v1/complaints", params={"district": "LKO"}, headers=headers)
    assert r.status_code == 200 and {c["number"] for c in r.json()["complaints"]} == {*lko, old}
    today = service.utcnow().astimezone(ctx.tz).date()
    r = await client.get("/api/v1/complaints", params={"from": today.isoformat(), "to": today.isoformat(),
                                                      "state": "at_l1"}, headers=headers)
    assert r.status_code == 200 and {c["number"] for c in r.json()["complaints"]} == set(lko)
    r = await client.get("/api/v1/complaints", params={"district": "VNS"}, headers=headers)
    assert r.status_code == 403 and r.json()["error"]["id"] == "forbidden"
    assert (await client.get(f"/api/v1/complaints/{vns}", headers=headers)).status_code == 403
    assert (await client.get(f"/api/v1/complaints/{lko[0]}", headers=headers)).status_code == 200
    r = await client.get("/api/v1/complaints", params={"from": "2026-05-01", "to": "2026-04-01"}, headers=headers)
    assert r.status_code == 422
    # the state-level variant sees any district
    nodal = await token(client, "nodal")
    r = await client.get("/api/v1/complaints", params={"district": "VNS"}, headers=nodal)
    assert r.status_code == 200 and [c["number"] for c in r.json()["complaints"]] == [vns]
    # an officer may not list a district
    await _make_officer(db)
    officer = await token(client, "o1")
    assert (await client.get("/api/v1/complaints", params={"district": "LKO"}, headers=officer)).status_code == 403

    # pages: the day, drill-down, another district's complaint is refused
    await form_login(client, "dm.lko")
    day = await client.get("/collector")
    assert day.status_code == 200
    for number in lko:
        assert f'data-number="{number}"' in day.text
    assert f'data-number="{vns}"' not in day.text
    assert 'id="tile-overdue"' in day.text
    overdue = await client.get("/collector/complaints", params={"measure": "overdue"})
    assert f'data-number="{old}"' in overdue.text and "1 complaints" in overdue.text
    assert (await client.get("/collector/complaints", params={"district": "VNS"})).status_code == 403
    assert (await client.get(f"/officer/complaints/{vns}")).status_code == 403
    page = await client.get(f"/officer/complaints/{lko[0]}")
    assert page.status_code == 200 and 'id="readonly"' in page.text
    # every page that showed citizens' names is in the data-protection audit
    async with db.sessions() as session:
        audit = [(a.username, a.what) for a in (await session.scalars(select(DataAccess))).all()]
    assert ("dm.lko", "collector_day") in audit and ("dm.lko", "collector_list") in audit
    assert ("dm.lko", "complaint_page") in audit


async def _make_officer(db: Database) -> None:
    from tests.helpers import make_user

    await make_user(db, "o1", "officer", officer="ELE-LKO-L1")


async def test_day_page_counts_and_ranks(client: httpx.AsyncClient, db: Database, ctx: AppContext) -> None:
    l1 = Who(Actor.OFFICER, "o", "ELE-LKO-L1")
    fcs = Who(Actor.OFFICER, "f", "FCS-LKO-L1")
    numbers = []
    for i in range(4):  # ELE: 4 disposed on time, 3 satisfied, 1 dissatisfied (reopened)
        n = await _register(db, ctx, "LKO", "ELE", "ELE-BILL", f"98100000{i:02d}", days_ago=1)
        numbers.append(n)
        async with db.session_scope() as session:
            await service.dispose(session, n, "Bill corrected at the office.", l1, ctx.policy)
            await service.record_feedback(session, n, "dissatisfied" if i == 0 else "satisfied", AGENT, ctx.policy)
    n = await _register(db, ctx, "LKO", "FCS", "FCS-RATION", "9810000099", days_ago=1)
    async with db.session_scope() as session:
        await service.dispose(session, n, "Ration card updated today.", fcs, ctx.policy)
    await _make(db, "dm.lko", "collector", "LKO")
    await form_login(client, "dm.lko")
    page = (await client.get("/collector")).text
    assert 'id="tile-reopened"' in page
    ele = page.split('<tr data-code="ELE">')[1].split("</tr>")[0]
    assert ">4<" in ele and ">3<" in ele and ">75.0<" in ele  # received, satisfied, satisfaction %
    ranking = page.split('id="ranking"')[1].split("</table>")[0]
    assert ranking.index('data-officer="ELE-LKO-L1"') < ranking.index('data-officer="FCS-LKO-L1"')  # 4 of 4 beats 1 of 1
    pending = page.split('id="pending"')[1].split("</table>")[0]
    assert 'data-officer="ELE-LKO-L1"' in pending  # the reopened one is pending with L1
    # Hindi page: role and designations in Hindi
    token_ = page.split('name="csrf-token" content="')[1].split('"')[0]
    await client.post("/lang", data={"lang": "hi", "back": "/collector", "csrf_token": token_})
    hindi = (await client.get("/collector")).text
    assert "ज़िलाधिकारी" in hindi and "ज़िला अधिकारी, विद्युत, लखनऊ" in hindi


def test_volume_counts_in_the_ranking() -> None:
    assert wilson_lower(1, 1) < wilson_lower(90, 100) < wilson_lower(100, 100)
    assert wilson_lower(9, 10) < wilson_lower(90, 100)
    assert wilson_lower(0, 0) == 0.0


async def test_users_create_collector_needs_a_district(db: Database) -> None:
    from grievance.errors import InvalidInput

    for role, district, message in (("collector", None, "needs a district"), ("collector", "XXX", "unknown district"),
                                    ("agent", "LKO", "only collector users")):
        try:
            await _make(db, f"u.{role}", role, district)
        except InvalidInput as exc:
            assert message in exc.message
        else:
            raise AssertionError((role, district))
    await _make(db, "dm.vns", "collector", "vns")  # codes are case-insensitive


async def test_start_up_runs_the_day_page_statements_and_keeps_nothing(db: Database, ctx: AppContext) -> None:
    from agent_console.app import warm_statements

    await _register(db, ctx, "LKO", "ELE", "ELE-SUPPLY", "9812345001")
    await warm_statements(ctx)  # what the app's start-up runs (it compiles and prepares; it must not write)
    async with db.sessions() as session:
        assert (await session.scalars(select(DataAccess))).all() == []
