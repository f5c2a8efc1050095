"""Supervisor wallboard and reports (age buckets, officer grouping, CSV, ranking) and admin pages."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import httpx

from grievance import service
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Who
from storage.db import Database
from storage.queries import reference
from tests.fakes.console import csrf_of, form_login
from tests.helpers import make_user, token

AGENT = Who(Actor.AGENT, "a1")


def _cells(row_html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row_html, re.S)]


async def _seed(db: Database, policy: object) -> None:
    """ELE/LKO: one fresh and one 10 days old (pending); REV/LKO: one disposed. AGR: one pending."""
    rows = [("ELE", "ELE-SUPPLY", "LKO", 0), ("ELE", "ELE-BILL", "LKO", 10), ("REV", "REV-LAND", "LKO", 1),
            ("JAL", "JAL-HANDPUMP", "AGR", 20)]
    async with db.session_scope() as session:
        for i, (dept, cat, district, days_ago) in enumerate(rows):
            c = await service.register(session, NewComplaint(
                phone=f"98123456{i:02d}", name="Citizen", district=district, department=dept, category=cat,
                description="x"), AGENT, policy, now=service.utcnow() - timedelta(days=days_ago))  # type: ignore[arg-type]
            if dept == "REV":
                await service.dispose(session, c.number, "Site visited, resolved.", Who(Actor.OFFICER, "o", c.officer_code), policy)  # type: ignore[arg-type]
                await service.record_feedback(session, c.number, "satisfied", AGENT, policy)  # type: ignore[arg-type]


async def test_report_page_counts_buckets_and_exports_csv(client: httpx.AsyncClient, db: Database,
                                                          ctx: object) -> None:
    await _seed(db, ctx.policy)  # type: ignore[attr-defined]
    await make_user(db, "s1", "supervisor")
    await form_login(client, "s1")
    today = date.today()
    params = {"from": (today - timedelta(days=30)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    page = await client.get("/supervisor/reports", params={**params, "by": "department"})
    assert page.status_code == 200
    html = page.text
    ele = html.split('data-code="ELE"', 1)[1].split("</tr>", 1)[0]
    # received 2, disposed 0, pending 2; ages 0-3: 1, 4-7: 0, 8-15: 1, >15: 0; overdue: the 10-day-old bill (10-day SLA)
    cells = _cells(ele)
    assert cells[:7] == ["2", "0", "2", "1", "0", "1", "0"], cells
    total = html.split('id="report-total"', 1)[1].split("</tr>", 1)[0]
    assert _cells(total)[:7] == ["4", "1", "3", "1", "0", "1", "1"]
    assert "100.0" in total  # satisfaction: the one rated complaint was satisfied
    assert 'id="report-chart"' in html and "<rect" in html and 'id="ranking"' in html
    ranking = html.split('id="ranking"', 1)[1]
    assert ranking.index("Lucknow") < ranking.index("Agra")  # LKO disposed 1 of 3; Agra 0 of 1

    r = await client.get("/supervisor/reports.csv", params={**params, "by": "officer"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[0][:6] == ["officer", "name", "received", "disposed", "closed", "pending"]
    assert rows[0][-5:] == ["age_0_3", "age_4_7", "age_8_15", "age_over_15", "satisfaction_pct"]
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["ELE-LKO-L1"][2] == "2" and by_code["TOTAL"][2] == "4"
    async with db.sessions() as session:
        officer = await reference.get_officer(session, "ELE-LKO-L1")
    assert by_code["ELE-LKO-L1"][1] == officer.name_en


async def test_report_refuses_bad_ranges_clearly(client: httpx.AsyncClient, db: Database) -> None:
    await make_user(db, "s1", "supervisor")
    await form_login(client, "s1")
    r = await client.get("/supervisor/reports", params={"from": "2026-05-10", "to": "2026-05-01"})
    assert r.status_code == 422 and "before its &#39;from&#39; date" in r.text
    r = await client.get("/supervisor/reports", params={"from": "yesterday"})
    assert r.status_code == 422 and "dates must look like" in r.text
    r = await client.get("/supervisor/reports.csv", params={"by": "planet"})
    assert r.status_code == 422 and "group by one of" in r.text


async def test_wallboard_page_lists_abandoned_calls_for_call_back(client: httpx.AsyncClient, db: Database) -> None:
    from storage.models import Call

    now = service.utcnow()
    async with db.session_scope() as session:
        session.add_all([
            Call(linkedid="1.1", direction="inbound", caller="+919812340001", queue="helpline-hi", started_at=now,
                 outcome="abandoned", wait_s=40),
            Call(linkedid="1.2", direction="inbound", caller="+919812340002", queue="helpline-hi", started_at=now,
                 outcome="answered", wait_s=5),
            Call(linkedid="1.3", direction="inbound", caller="+919812340003", queue="helpline-hi", started_at=now,
                 outcome="answered", wait_s=50),
        ])
    await make_user(db, "s1", "supervisor")
    await form_login(client, "s1")
    html = (await client.get("/supervisor")).text
    assert "+919812340001" in html and "+919812340002" not in html
    assert '<span class="value some" id="wb-abandoned">1</span>' in html
    assert '<span class="value" id="wb-sl">33.3 %</span>' in html  # 1 of 3 offered answered within 20 s
    assert "/static/supervisor.js" in html
    r = await client.get("/api/v1/calls/abandoned")
    assert r.status_code == 200
    assert [(c["id"], c["caller"], c["waited_s"]) for c in r.json()["calls"]] == [("1.1", "+919812340001", 40)]


async def test_admin_page_and_api_manage_users_and_reference(client: httpx.AsyncClient, db: Database) -> None:
    await make_user(db, "ad", "admin")
    await form_login(client, "ad")
    page = await client.get("/admin")
    assert page.status_code == 200 and 'id="pause_reasons"' in page.text
    tok = csrf_of(page.text)
    r = await client.post("/admin/users", data={"csrf_token": tok, "username": "newagent", "role": "agent",
                                                "password": "long-enough-1", "extension": "agent2001"})
    assert r.status_code == 303 and r.headers["location"] == "/admin?saved=users#users"
    r = await client.post("/admin/users", data={"csrf_token": tok, "username": "newagent", "role": "agent",
                                                "password": "long-enough-1", "extension": "agent2002"})
    assert r.status_code == 409 and "already exists" in r.text
    r = await client.post("/admin/categories", data={"csrf_token": tok, "code": "ELE-SUPPLY", "department": "ELE",
                                                     "name_en": "No power supply", "name_hi": "बिजली आपूर्ति बाधित",
                                                     "sla_days": "abc"})
    assert r.status_code == 422 and "sla_days must be a whole number" in r.text
    r = await client.post("/admin/categories", data={"csrf_token": tok, "code": "ELE-SUPPLY", "department": "ELE",
                                                     "name_en": "No power supply", "name_hi": "बिजली आपूर्ति बाधित",
                                                     "sla_days": "4"})
    assert r.status_code == 303
    async with db.sessions() as session:
        assert (await reference.get_category(session, "ELE-SUPPLY")).sla_days == 4
    r = await client.post("/admin/users/ad", data={"csrf_token": tok, "active": "0"})
    assert r.status_code == 422 and "your own account" in r.text
    # the API, with a bearer token
    headers = await token(client, "ad")
    client.cookies.clear()
    r = await client.put("/api/v1/admin/pause-reasons/TRAINING", headers=headers,
                         json={"name_en": "Training", "name_hi": "प्रशिक्षण"})
    assert r.status_code == 200
    assert any(p["code"] == "TRAINING" for p in (await client.get("/api/v1/reference", headers=headers)).json()["pause_reasons"])
    assert (await client.delete("/api/v1/admin/pause-reasons/TRAINING", headers=headers)).status_code == 204
    assert (await client.delete("/api/v1/admin/pause-reasons/TRAINING", headers=headers)).status_code == 404
    r = await client.patch("/api/v1/admin/users/newagent", headers=headers, json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    r = await client.post("/api/v1/auth/token", json={"username": "newagent", "password": "long-enough-1"})
    assert r.status_code == 401
    r = await client.put("/api/v1/admin/officers/ELE-LKO-L1", headers=headers, json={
        "name_en": "A", "name_hi": "ए", "department": "ELE", "district": "LKO", "level": 1, "active": False})
    assert r.status_code == 200  # holds no open complaint
    r = await client.put("/api/v1/admin/categories/NEW-CAT", headers=headers, json={
        "name_en": "New", "name_hi": "नया", "department": "NOPE", "sla_days": 3})
    assert r.status_code == 422 and "unknown department" in r.json()["error"]["message"]
    users = (await client.get("/api/v1/admin/users", headers=headers)).json()["users"]
    assert {"username": "newagent", "role": "agent", "officer": None, "extension": "agent2001", "active": False,
            "ui_language": "en"} in users
