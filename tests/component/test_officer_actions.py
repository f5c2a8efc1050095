"""What an officer does with a complaint besides a plain disposal (issue 13), through the pages as
an officer would: a meaningful action report and an outcome, an interim reply with a date, L2
returning to L1 with a direction, a transfer request to another district's officer accepted or
refused (by the receiver or a supervisor), and attachments with type and size limits."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import httpx

from common.context import AppContext
from grievance import service
from grievance.attachments import AttachmentStore
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Who
from storage.db import Database
from storage.queries import complaints as complaint_q
from tests.fakes.console import form_login, page_csrf
from tests.helpers import make_user

JPEG = b"\xff\xd8\xff\xe0" + b"\x10JFIF" + bytes(range(256)) * 4
PDF = b"%PDF-1.4\n" + b"0" * 300


async def _register(db: Database, ctx: AppContext, phone: str = "9812345678", category: str = "ELE-SUPPLY") -> str:
    async with db.session_scope() as session:
        c = await service.register(session, NewComplaint(
            phone=phone, name="Test Citizen", district="LKO", department="ELE", category=category,
            description="No power in the village"), Who(Actor.AGENT, "a1"), ctx.policy)
        return c.number


async def _events(db: Database, number: str) -> list[tuple[str, dict]]:
    async with db.sessions() as session:
        c = await complaint_q.by_number(session, number)
        assert c is not None
        return [(e.action, e.detail) for e in await complaint_q.events(session, c.id)]


async def _state(db: Database, number: str):  # type: ignore[no-untyped-def]
    async with db.sessions() as session:
        return await complaint_q.by_number(session, number)


async def test_disposal_needs_a_real_report_and_an_outcome(client: httpx.AsyncClient, db: Database,
                                                            ctx: AppContext) -> None:
    number = await _register(db, ctx)
    await make_user(db, "o1", "officer", officer="ELE-LKO-L1")
    await form_login(client, "o1")
    token = await page_csrf(client, f"/officer/complaints/{number}")
    for report in (".", "done", "ok ok", "..........", "fixed it"):
        r = await client.post(f"/officer/complaints/{number}/dispose", data={"report": report, "csrf_token": token})
        assert r.status_code == 422 and "too short: say what was done" in r.text, report
        assert 'id="form-error"' in r.text
    for kind, message in (("not_our_remit", "transferred, not disposed"), ("field_visit", "send an interim reply"),
                          ("sideways", "kind must be one of")):
        r = await client.post(f"/officer/complaints/{number}/dispose",
                              data={"report": "Visited the site on Monday.", "kind": kind, "csrf_token": token})
        assert r.status_code == 422 and message in r.text, kind
    assert (await _state(db, number)).state == "at_l1"  # nothing changed
    r = await client.post(f"/officer/complaints/{number}/dispose", data={
        "report": "तार जोड़ दिया, आधी गली में आपूर्ति बहाल", "kind": "partially_resolved", "csrf_token": token})
    assert r.status_code == 303
    c = await _state(db, number)
    assert c.state == "disposed" and c.disposal_kind == "partially_resolved"
    assert (await _events(db, number))[-1][1]["kind"] == "partially_resolved"
    page = (await client.get(f"/officer/complaints/{number}")).text
    assert 'id="disposal-kind"' in page and "Partially resolved" in page


async def test_interim_reply_keeps_the_complaint_open_with_a_date(client: httpx.AsyncClient, db: Database,
                                                                   ctx: AppContext) -> None:
    number = await _register(db, ctx)
    await make_user(db, "o1", "officer", officer="ELE-LKO-L1")
    await form_login(client, "o1")
    token = await page_csrf(client, f"/officer/complaints/{number}")
    today = service.utcnow().astimezone(ctx.tz).date()
    for expected, message in (("", "action is expected is required"), ("2020-13-01", "must be a date"),
                              ("2020-01-01", "between today and"),
                              ((today + timedelta(days=400)).isoformat(), "between today and")):
        r = await client.post(f"/officer/complaints/{number}/interim",
                              data={"text": "Lineman sent to the site", "expected_on": expected, "csrf_token": token})
        assert r.status_code == 422 and message in r.text, expected
    when = (today + timedelta(days=3)).isoformat()
    r = await client.post(f"/officer/complaints/{number}/interim",
                          data={"text": "Lineman sent; transformer ordered", "expected_on": when, "csrf_token": token})
    assert r.status_code == 303
    c = await _state(db, number)
    assert c.state == "at_l1" and c.expected_at is not None
    action, detail = (await _events(db, number))[-1]
    assert action == "interim" and detail == {"text": "Lineman sent; transformer ordered", "expected_on": when}
    page = (await client.get(f"/officer/complaints/{number}?done=interim")).text
    assert f"Action expected by {when}" in page and "Interim reply" in page


async def test_l2_returns_to_l1_with_a_direction(client: httpx.AsyncClient, db: Database, ctx: AppContext) -> None:
    number = await _register(db, ctx)
    l1 = Who(Actor.OFFICER, "o1", "ELE-LKO-L1")
    async with db.session_scope() as session:
        for report in ("First repair done.", "Second repair done."):
            await service.dispose(session, number, report, l1, ctx.policy)
            await service.record_feedback(session, number, "dissatisfied", Who(Actor.AGENT, "a1"), ctx.policy)
    assert (await _state(db, number)).state == "at_l2"
    await make_user(db, "o2", "officer", officer="ELE-LKO-L2")
    await form_login(client, "o2")
    token = await page_csrf(client, f"/officer/complaints/{number}")
    r = await client.post(f"/officer/complaints/{number}/return", data={"direction": "redo", "csrf_token": token})
    assert r.status_code == 422 and "direction for the L1 officer" in r.text
    r = await client.post(f"/officer/complaints/{number}/return",
                          data={"direction": "Replace the whole feeder, not the fuse; report with photos.",
                                "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == f"/officer?done=returned&number={number}"
    c = await _state(db, number)
    assert (c.state, c.level, c.officer_code, c.escalated) == ("at_l1", 1, "ELE-LKO-L1", True)
    action, detail = (await _events(db, number))[-1]
    assert action == "return" and detail["direction"].startswith("Replace the whole feeder")
    # L1 cannot "return" (only L2 holds at_l2)
    await make_user(db, "o1", "officer", officer="ELE-LKO-L1")
    await form_login(client, "o1")
    token = await page_csrf(client, f"/officer/complaints/{number}")
    r = await client.post(f"/officer/complaints/{number}/return",
                          data={"direction": "Sending it back up again.", "csrf_token": token})
    assert r.status_code == 409


async def test_transfer_request_to_another_district_accepted_or_refused(client: httpx.AsyncClient, db: Database,
                                                                         ctx: AppContext) -> None:
    one = await _register(db, ctx, "9812345678")
    two = await _register(db, ctx, "9812345679")
    await make_user(db, "o1", "officer", officer="ELE-LKO-L1")
    await make_user(db, "vns", "officer", officer="ELE-VNS-L1")
    await make_user(db, "sup", "supervisor")
    await form_login(client, "o1")
    token = await page_csrf(client, f"/officer/complaints/{one}")
    r = await client.post(f"/officer/complaints/{one}/transfer-request",
                          data={"officer": "ELE-VNS-L2", "reason": "The village is in Varanasi", "csrf_token": token})
    assert r.status_code == 422 and "to an L1 officer" in r.text
    for n in (one, two):
        r = await client.post(f"/officer/complaints/{n}/transfer-request",
                              data={"officer": "ELE-VNS-L1", "reason": "The village is in Varanasi district",
                                    "csrf_token": token})
        assert r.status_code == 303
    r = await client.post(f"/officer/complaints/{one}/transfer-request",
                          data={"officer": "ELE-VNS-L1", "reason": "Asking a second time", "csrf_token": token})
    assert r.status_code == 409 and "already waiting" in r.text
    assert (await _state(db, one)).officer_code == "ELE-LKO-L1"  # stays until accepted
    # the Varanasi officer sees the requests, opens one, accepts it
    await form_login(client, "vns")
    inbox = (await client.get("/officer")).text
    assert 'id="requests"' in inbox and one in inbox and two in inbox
    page = await client.get(f"/officer/complaints/{one}")
    assert page.status_code == 200 and 'id="decide-form"' in page.text
    token = await page_csrf(client, f"/officer/complaints/{one}")
    request_id = int(page.text.split('action="/officer/transfer-requests/')[1].split('"')[0])
    r = await client.post(f"/officer/transfer-requests/{request_id}",
                          data={"number": one, "decision": "refuse", "note": "", "csrf_token": token})
    assert r.status_code == 422 and "say why" in r.text
    r = await client.post(f"/officer/transfer-requests/{request_id}",
                          data={"number": one, "decision": "accept", "note": "", "csrf_token": token})
    assert r.status_code == 303
    c = await _state(db, one)
    assert (c.officer_code, c.district_code, c.state) == ("ELE-VNS-L1", "VNS", "at_l1")
    actions = [a for a, _ in await _events(db, one)]
    assert actions[-2:] == ["request_transfer", "accept_transfer"]
    assert (await _events(db, one))[-1][1]["reason"] == "The village is in Varanasi district"
    r = await client.post(f"/officer/transfer-requests/{request_id}",
                          data={"number": one, "decision": "accept", "csrf_token": token})
    assert r.status_code == 409
    # a supervisor refuses the other one, with a note
    await form_login(client, "sup")
    page = (await client.get(f"/officer/complaints/{two}")).text
    token = await page_csrf(client, f"/officer/complaints/{two}")
    request_id = int(page.split('action="/officer/transfer-requests/')[1].split('"')[0])
    r = await client.post(f"/officer/transfer-requests/{request_id}",
                          data={"number": two, "decision": "refuse", "note": "Lucknow address on the bill",
                                "csrf_token": token})
    assert r.status_code == 303
    assert (await _state(db, two)).officer_code == "ELE-LKO-L1"
    assert (await _events(db, two))[-1] == ("refuse_transfer", {"request": request_id, "to_officer": "ELE-VNS-L1",
                                                                "note": "Lucknow address on the bill"})


async def test_attachments_have_limits_and_stay_with_the_complaint(client: httpx.AsyncClient, db: Database,
                                                                   ctx: AppContext, tmp_path: Path) -> None:
    ctx.attachments = AttachmentStore(tmp_path / "files", max_bytes=20_000)
    number = await _register(db, ctx)
    await make_user(db, "o1", "officer", officer="ELE-LKO-L1")
    await make_user(db, "o9", "officer", officer="ELE-VNS-L1")
    await form_login(client, "o1")
    token = await page_csrf(client, f"/officer/complaints/{number}")

    async def upload(name: str, data: bytes, mime: str) -> httpx.Response:
        return await client.post(f"/officer/complaints/{number}/attachments", data={"csrf_token": token},
                                 files={"file": (name, data, mime)})

    r = await upload("virus.jpg", b"MZ\x90\x00" + b"0" * 100, "image/jpeg")
    assert r.status_code == 422 and "this type of file is not kept" in r.text
    r = await upload("big.jpg", JPEG * 30, "image/jpeg")
    assert r.status_code == 422 and "larger than" in r.text
    r = await upload("", b"", "image/jpeg")
    assert r.status_code in (422, 400)
    assert not any(p.is_file() for p in (tmp_path / "files").rglob("*")) if (tmp_path / "files").exists() else True
    r = await upload("site photo.jpg", JPEG, "image/jpeg")
    assert r.status_code == 303
    r = await upload("../../order copy.pdf", PDF, "application/octet-stream")
    assert r.status_code == 303
    page = (await client.get(f"/officer/complaints/{number}")).text
    assert "Photo: site photo.jpg" in page and "Document: order copy.pdf" in page
    link = page.split('href="/officer/complaints/' + number + '/attachments/')[1].split('"')[0]
    got = await client.get(f"/officer/complaints/{number}/attachments/{link}")
    assert got.status_code == 200 and got.content == JPEG and got.headers["content-type"] == "image/jpeg"
    assert [a for a, _ in await _events(db, number)].count("attach") == 2
    stored = sorted(p.read_bytes() for p in (tmp_path / "files").rglob("*") if p.is_file())
    assert stored == sorted([JPEG, PDF])
    # another officer can neither read nor add
    await form_login(client, "o9")
    assert (await client.get(f"/officer/complaints/{number}/attachments/{link}")).status_code == 403
    token = await page_csrf(client, "/officer")
    r = await client.post(f"/officer/complaints/{number}/attachments", data={"csrf_token": token},
                          files={"file": ("x.jpg", JPEG, "image/jpeg")})
    assert r.status_code == 403


async def test_the_same_actions_over_the_api(client: httpx.AsyncClient, db: Database, ctx: AppContext,
                                             tmp_path: Path) -> None:
    from tests.helpers import login_as

    ctx.attachments = AttachmentStore(tmp_path / "files", max_bytes=20_000)
    number = await _register(db, ctx)
    other = await _register(db, ctx, "9812345679")
    l1 = await login_as(client, db, "o1", "officer", officer="ELE-LKO-L1")
    vns = await login_as(client, db, "vns", "officer", officer="ELE-VNS-L1")
    when = (service.utcnow().astimezone(ctx.tz).date() + timedelta(days=2)).isoformat()
    r = await client.post(f"/api/v1/complaints/{number}/interim", json={"text": "Lineman sent", "expected_on": when},
                          headers=l1)
    assert r.status_code == 200 and r.json()["events"][-1]["action"] == "interim"
    r = await client.post(f"/api/v1/complaints/{number}/dispose", json={"report": "ok", "kind": "resolved"}, headers=l1)
    assert r.status_code == 422 and "too short" in r.json()["error"]["message"]
    r = await client.post(f"/api/v1/complaints/{number}/attachments", headers=l1,
                          files={"file": ("site.jpg", JPEG, "image/jpeg")})
    assert r.status_code == 201 and r.json()["kind"] == "photo"
    listed = (await client.get(f"/api/v1/complaints/{number}/attachments", headers=l1)).json()["attachments"]
    got = await client.get(f"/api/v1/complaints/{number}/attachments/{listed[0]['id']}", headers=l1)
    assert got.content == JPEG
    assert (await client.get(f"/api/v1/complaints/{number}/attachments", headers=vns)).status_code == 403
    r = await client.post(f"/api/v1/complaints/{other}/transfer-requests",
                          json={"officer": "ELE-VNS-L1", "reason": "The village is in Varanasi"}, headers=l1)
    assert r.status_code == 201 and r.json()["state"] == "pending"
    request_id = r.json()["id"]
    r = await client.post(f"/api/v1/transfer-requests/{request_id}/decision", json={"accept": True}, headers=l1)
    assert r.status_code == 403
    r = await client.post(f"/api/v1/transfer-requests/{request_id}/decision", json={"accept": True}, headers=vns)
    assert r.status_code == 200 and r.json()["officer"]["code"] == "ELE-VNS-L1" and r.json()["district"] == "VNS"
    r = await client.post(f"/api/v1/complaints/{number}/dispose",
                          json={"report": "Transformer replaced, supply restored.", "kind": "partially_resolved"},
                          headers=l1)
    assert r.status_code == 200 and r.json()["events"][-1]["detail"]["kind"] == "partially_resolved"
