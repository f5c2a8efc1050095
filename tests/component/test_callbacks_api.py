"""Callbacks served (DESIGN §9 second round): GET /callbacks in join-time order with the caller's
history, POST /callbacks/{id}/take one agent at a time (atomic across processes), POST
/callbacks/{id}/result; abandoned calls become requests, one per number."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import httpx

from agent_console.app import create_app
from common.context import AppContext
from cti import callbacks
from ivr.flows.callback_request import request_callback
from storage.db import Database
from storage.models import CallbackRequest
from storage.queries import callbacks as callback_q
from tests.conftest import make_settings
from tests.helpers import complaint_body, login_as

NOW = datetime.now(timezone.utc)


async def _request(db: Database, phone: str, joined_minutes_ago: int) -> int:
    async with db.session_scope() as session:
        result = await request_callback(session, phone, "hi", "helpline-hi", None,
                                        NOW - timedelta(minutes=joined_minutes_ago), NOW)
        return result.request.id


def _call(phone: str, outcome: str, minutes_ago: int, linkedid: str) -> dict:
    start = NOW - timedelta(minutes=minutes_ago)
    return {"linkedid": linkedid, "direction": "inbound", "caller": phone, "queue": "helpline-en",
            "language": "en", "outcome": outcome, "started_at": start, "answered_at": start if outcome == "answered" else None,
            "ended_at": start + timedelta(seconds=40), "wait_s": 30}


async def test_list_take_result_contract(client: httpx.AsyncClient, db: Database) -> None:
    one = await login_as(client, db, "agent1", "agent", extension="agent1001")
    two = await login_as(client, db, "agent2", "agent", extension="agent1002")
    sup = await login_as(client, db, "sup", "supervisor")
    officer = await login_as(client, db, "o1", "officer", officer="ELE-LKO-L1")
    r = await client.post("/api/v1/complaints", json=complaint_body(), headers=one)  # history for +919812345678
    number = r.json()["number"]
    late = await _request(db, "+919800000001", 5)
    early = await _request(db, "+919812345678", 30)

    r = await client.get("/api/v1/callbacks", headers=one)
    assert r.status_code == 200
    listed = r.json()["callbacks"]
    assert [c["id"] for c in listed] == [early, late]  # the caller who joined the queue first, first
    first = listed[0]
    assert first["kind"] == "request" and first["attempts"] == 0 and first["taken_by"] is None
    assert [c["number"] for c in first["complaints"]] == [number] and first["citizens"][0]["name"] == "Ram Prasad"
    assert (await client.get("/api/v1/callbacks", headers=officer)).status_code == 403
    assert (await client.get("/api/v1/callbacks?state=nope", headers=one)).status_code == 422

    r = await client.post(f"/api/v1/callbacks/{early}/take", headers=one)
    assert r.status_code == 200 and r.json()["taken_by"] == "agent1001"
    r = await client.post(f"/api/v1/callbacks/{early}/take", headers=two)
    assert r.status_code == 409 and r.json()["error"]["id"] == "callback_taken"
    assert r.json()["error"]["details"]["taken_by"] == "agent1001"
    assert (await client.post(f"/api/v1/callbacks/{early}/take", headers=one)).status_code == 200  # again: still mine
    r = await client.post(f"/api/v1/callbacks/{early}/result", json={"outcome": "reached"}, headers=two)
    assert r.status_code == 409  # only the holder records
    r = await client.post(f"/api/v1/callbacks/{early}/result", json={"outcome": "maybe"}, headers=one)
    assert r.status_code == 422
    r = await client.post(f"/api/v1/callbacks/{early}/result", json={"outcome": "reached", "note": "ok"}, headers=one)
    assert r.status_code == 200 and r.json()["state"] == "done" and r.json()["handled_by"] == "agent1001"
    assert (await client.post(f"/api/v1/callbacks/{early}/take", headers=two)).status_code == 409  # closed
    assert (await client.post("/api/v1/callbacks/999999/take", headers=two)).status_code == 404

    for i, outcome in enumerate(("no_answer", "busy", "failed"), start=1):
        assert (await client.post(f"/api/v1/callbacks/{late}/take", headers=two)).status_code == 200
        r = await client.post(f"/api/v1/callbacks/{late}/result", json={"outcome": outcome}, headers=two)
        assert r.json()["attempts"] == i
    assert r.json()["state"] == "failed" and [t["outcome"] for t in r.json()["tries"]] == ["no_answer", "busy", "failed"]
    assert (await client.get("/api/v1/callbacks", headers=one)).json()["callbacks"] == []
    failed = (await client.get("/api/v1/callbacks?state=failed", headers=sup)).json()["callbacks"]
    assert [c["id"] for c in failed] == [late]


async def test_take_is_atomic_across_processes(db_url: str) -> None:
    """Two app processes (own engines) on one database: of many simultaneous takes, one wins."""
    dbs = [Database(db_url) for _ in range(2)]
    apps = [create_app(AppContext.build(make_settings(db_url), d)) for d in dbs]
    try:
        clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://helpline.test") for a in apps]
        async with clients[0], clients[1]:
            headers = [await login_as(clients[0], dbs[0], f"agent{i}", "agent", extension=f"agent10{i:02d}")
                       for i in range(1, 7)]
            request_id = await _request(dbs[0], "+919812345678", 10)
            results = await asyncio.gather(*(clients[i % 2].post(f"/api/v1/callbacks/{request_id}/take", headers=h)
                                             for i, h in enumerate(headers)))
            statuses = sorted(r.status_code for r in results)
            assert statuses == [200] + [409] * 5, [r.text for r in results]
    finally:
        for d in dbs:
            await d.dispose()


async def test_abandoned_calls_become_one_request_per_number(db: Database) -> None:
    rows = [_call("+919800000002", "abandoned", 50, "a.1"), _call("+919800000002", "timeout", 40, "a.2"),
            _call("+919800000003", "abandoned", 30, "b.1"), _call("+919800000004", "callback", 20, "c.1"),
            {**_call("1076", "abandoned", 20, "d.1"), "caller": "anonymous"}]
    async with db.session_scope() as session:
        await callbacks.note_call_rows(session, rows)
    async with db.session_scope() as session:
        await callbacks.note_call_rows(session, [_call("+919800000002", "abandoned", 10, "a.3")])  # rings again
    async with db.sessions() as session:
        open_ = await callback_q.listing(session)
    assert [(r.phone, r.kind) for r in open_] == [("+919800000002", "abandoned"), ("+919800000003", "abandoned")]
    assert open_[0].linkedid == "a.1"
    # the caller of b.1 presses 1 on a later call: the same request, now asked for
    async with db.session_scope() as session:
        merged = await request_callback(session, "+919800000003", "hi", "helpline-hi", "b.2", None, NOW)
    assert merged.created is False and merged.request.kind == "request"
    # +919800000002 rings again and an agent answers: nobody needs to call back
    async with db.session_scope() as session:
        await callbacks.note_call_rows(session, [_call("+919800000002", "answered", 1, "a.4")])
    async with db.sessions() as session:
        left = await callback_q.listing(session)
        closed = await session.get(CallbackRequest, open_[0].id)
    assert [r.phone for r in left] == ["+919800000003"]
    assert (closed.state, closed.last_outcome) == ("done", "called_again")


async def test_abandoned_list_is_one_line_per_number_with_its_callback(client: httpx.AsyncClient, db: Database) -> None:
    sup = await login_as(client, db, "sup", "supervisor")
    async with db.session_scope() as session:
        from storage.queries import calls as call_q
        rows = [_call("+919800000002", "abandoned", 3, "a.1"), _call("+919800000002", "timeout", 2, "a.2"),
                _call("+919800000003", "abandoned", 1, "b.1")]
        await call_q.add_many(session, rows)
        await callbacks.note_call_rows(session, rows)
    r = await client.get("/api/v1/calls/abandoned?days=1", headers=sup)  # today and yesterday: any time of day
    lines = r.json()["calls"]
    assert [(c["caller"], c["calls"], c["callback"]) for c in lines] == [
        ("+919800000003", 1, "open"), ("+919800000002", 2, "open")]
    assert (await client.get("/api/v1/calls/abandoned?days=31", headers=sup)).status_code == 422
