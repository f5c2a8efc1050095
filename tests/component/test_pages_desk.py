"""Agent desk and officer inbox pages: register, search, dispose, transfer, escaping, overdue."""
from __future__ import annotations

import re
from datetime import timedelta

import httpx

from grievance import numbers, service
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Who
from storage.db import Database
from tests.fakes.console import csrf_of, form_login, page_csrf
from tests.helpers import login_as, make_user

NASTY = '<script>alert("x")</script> बिजली नहीं है — गाँव अँधेरे में & "quotes"'


def _form(**overrides: str) -> dict[str, str]:
    data = {"phone": "9812345678", "name": "रामेश्वर प्रसाद", "language": "hi", "district": "LKO",
            "department": "ELE", "category": "ELE-SUPPLY", "description": NASTY}
    data.update(overrides)
    return data


async def _register(db: Database, ctx_policy: object, *, days_ago: int = 0, phone: str = "9812345678",
                    category: str = "ELE-SUPPLY", description: str = "No power") -> str:
    async with db.session_scope() as session:
        c = await service.register(session, NewComplaint(
            phone=phone, name="Test Citizen", district="LKO", department="ELE", category=category,
            description=description), Who(Actor.AGENT, "a1"), ctx_policy,  # type: ignore[arg-type]
            now=service.utcnow() - timedelta(days=days_ago))
        return c.number


async def test_agent_desk_registers_and_shows_the_number_large(client: httpx.AsyncClient, db: Database) -> None:
    await make_user(db, "a1", "agent", extension="agent1001")
    await form_login(client, "a1")
    page = await client.get("/agent")
    assert page.status_code == 200
    for marker in ('id="call-card"', 'id="register-form"', 'id="search-form"', 'id="pause-reason"',
                   'id="desk-data"', "/static/agent.js", 'value="ELE"', "ELE-SUPPLY",
                   'id="pbx-banner"', "PBX disconnected", "/static/pbx.js"):
        assert marker in page.text, marker
    r = await client.post("/agent/complaints", data={**_form(), "csrf_token": csrf_of(page.text)})
    assert r.status_code == 201, r.text[:500]
    number = re.search(r'<p class="bignum" id="created-number">(\d{11})</p>', r.text).group(1)
    assert numbers.is_valid(number)
    # a refusal keeps what was typed and says why
    r = await client.post("/agent/complaints", data={**_form(district="XXX"), "csrf_token": csrf_of(page.text)})
    assert r.status_code == 422 and "unknown district" in r.text and "रामेश्वर प्रसाद" in r.text
    # search by number and by phone shows it, with the description escaped and the Hindi intact
    for q in (number, "+91 98123 45678"):
        r = await client.get("/agent", params={"q": q})
        assert number in r.text
        assert "<script>alert" not in r.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; बिजली नहीं है — गाँव अँधेरे में &amp;" in r.text
    r = await client.get("/agent", params={"q": "12345678901"})
    assert r.status_code == 422 and "check digit does not match" in r.text


async def test_desk_data_cannot_break_out_of_its_script_element(client: httpx.AsyncClient, db: Database) -> None:
    await make_user(db, "ad", "admin")
    headers = {"Authorization": "Bearer " + (await client.post(
        "/api/v1/auth/token", json={"username": "ad", "password": "correct-horse-1"})).json()["access_token"]}
    r = await client.put("/api/v1/admin/pause-reasons/XSS", headers=headers,
                         json={"name_en": "</script><script>alert(1)</script>", "name_hi": "चाय"})
    assert r.status_code == 200, r.text
    await make_user(db, "a1", "agent", extension="agent1001")
    await form_login(client, "a1")
    page = (await client.get("/agent")).text
    data = page.split('id="desk-data">', 1)[1].split("</script>", 1)[0]
    assert "\\u003c/script\\u003e" in data and "<" not in data


async def test_disposition_of_an_unknown_call_is_refused_clearly(client: httpx.AsyncClient, db: Database) -> None:
    await make_user(db, "a1", "agent", extension="agent1001")
    await form_login(client, "a1")
    token = await page_csrf(client, "/agent")
    r = await client.post("/api/v1/calls/1700000000.1/disposition", json={"disposition": "information"},
                          headers={"X-CSRF-Token": token})
    assert r.status_code == 404 and "no call" in r.json()["error"]["message"]
    r = await client.post("/api/v1/calls/1700000000.1/disposition", json={"disposition": "made-up"},
                          headers={"X-CSRF-Token": token})
    assert r.status_code == 422


async def test_only_the_answering_agent_codes_a_call(client: httpx.AsyncClient, db: Database) -> None:
    from datetime import datetime, timezone

    from storage.models import Call

    async with db.session_scope() as session:
        session.add(Call(linkedid="1795362053.0", direction="inbound", caller="+919812345678", agent="agent1002",
                         started_at=datetime(2026, 11, 22, 10, tzinfo=timezone.utc), outcome="answered"))
    other = await login_as(client, db, "a1", "agent", extension="agent1001")
    r = await client.post("/api/v1/calls/1795362053.0/disposition", json={"disposition": "information"},
                          headers=other)
    assert r.status_code == 404
    owner = await login_as(client, db, "a2", "agent", extension="agent1002")
    r = await client.post("/api/v1/calls/1795362053.0/disposition", json={"disposition": "information"},
                          headers=owner)
    assert r.status_code == 200 and r.json()["disposition"] == "information"
    async with db.sessions() as session:
        assert (await session.get(Call, 1)).disposition == "information"


async def test_officer_inbox_sorted_by_deadline_with_overdue_days(client: httpx.AsyncClient, db: Database,
                                                                  ctx: object) -> None:
    fresh = await _register(db, ctx.policy, category="ELE-BILL")  # type: ignore[attr-defined]  # 10 days
    late = await _register(db, ctx.policy, days_ago=5)  # type: ignore[attr-defined]  # 2-day SLA: 3 days and a bit over
    await make_user(db, "o1", "officer", officer="ELE-LKO-L1")
    await form_login(client, "o1")
    page = (await client.get("/officer")).text
    assert page.index(late) < page.index(fresh)
    row = page.split(f'data-number="{late}"', 1)[1].split("</tr>", 1)[0]
    assert "4 days overdue" in row  # any started day counts (routing.days_overdue)
    assert f'<tr class="overdue" data-number="{late}"' in page
    assert f'<tr class="" data-number="{fresh}"' in page


async def test_officer_disposes_and_transfers_from_the_complaint_page(client: httpx.AsyncClient, db: Database,
                                                                      ctx: object) -> None:
    one = await _register(db, ctx.policy, description=NASTY)  # type: ignore[attr-defined]
    two = await _register(db, ctx.policy)  # type: ignore[attr-defined]
    await make_user(db, "o1", "officer", officer="ELE-LKO-L1")
    await form_login(client, "o1")
    page = await client.get(f"/officer/complaints/{one}")
    assert page.status_code == 200 and 'id="history"' in page.text
    assert "&lt;script&gt;" in page.text and "गाँव अँधेरे में" in page.text and "<script>alert" not in page.text
    token = csrf_of(page.text)
    r = await client.post(f"/officer/complaints/{one}/dispose", data={"report": "  ", "csrf_token": token})
    assert r.status_code == 422 and "action report is required" in r.text
    r = await client.post(f"/officer/complaints/{one}/dispose", data={"report": "Line repaired.", "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == f"/officer/complaints/{one}?done=disposed"
    done = await client.get(r.headers["location"])
    assert "Feedback call queued" in done.text and "Line repaired." in done.text
    assert 'id="readonly"' in done.text and 'id="dispose-form"' not in done.text
    # disposing twice is refused with the reason
    r = await client.post(f"/officer/complaints/{one}/dispose", data={"report": "again", "csrf_token": token})
    assert r.status_code == 409
    r = await client.post(f"/officer/complaints/{two}/transfer",
                          data={"department": "UDV", "reason": "Municipal street light", "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == f"/officer?done=transferred&number={two}"
    inbox = (await client.get(r.headers["location"])).text
    assert f"{two} transferred" in inbox and f'data-number="{two}"' not in inbox
    # no longer theirs: readable (they transferred it, issue 13) but no action is offered
    after = await client.get(f"/officer/complaints/{two}")
    assert after.status_code == 200 and 'id="readonly"' in after.text and 'id="transfer-form"' not in after.text


async def test_l2_sees_the_escalated_complaint_with_the_l1_report(client: httpx.AsyncClient, db: Database,
                                                                 ctx: object) -> None:
    number = await _register(db, ctx.policy)  # type: ignore[attr-defined]
    l1 = Who(Actor.OFFICER, "o1", "ELE-LKO-L1")
    agent = Who(Actor.AGENT, "a1")
    async with db.session_scope() as session:
        for report in ("First repair.", "Second repair."):
            await service.dispose(session, number, report, l1, ctx.policy)  # type: ignore[attr-defined]
            await service.record_feedback(session, number, "dissatisfied", agent, ctx.policy)  # type: ignore[attr-defined]
    await make_user(db, "o2", "officer", officer="ELE-LKO-L2")
    await form_login(client, "o2")
    inbox = (await client.get("/officer")).text
    assert number in inbox and "Escalated" in inbox and "Second repair." in inbox
    page = (await client.get(f"/officer/complaints/{number}")).text
    assert 'id="l1-report"' in page and "Second repair." in page and 'id="dispose-form"' in page
