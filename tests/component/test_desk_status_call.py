"""An agent on a status call (issue 13): the complaint as the desk reads it (the API) and the
complaint page show the officer's interim reply (what was started, expected by when) and a transfer
still waiting for a decision; both go once they no longer hold. A WhatsApp conversation an agent has
taken registers its complaint with channel whatsapp."""
from __future__ import annotations

import html
from datetime import timedelta

import httpx
from sqlalchemy import select

from common.context import AppContext
from grievance import officer_actions, service
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Who
from storage.db import Database
from storage.models import ChatConversation, Complaint, User
from tests.fakes.console import form_login
from tests.helpers import login_as

L1 = Who(Actor.OFFICER, "o.lko", "ELE-LKO-L1")
KNP = Who(Actor.OFFICER, "o.knp", "ELE-KNP-L1")
AGENT = Who(Actor.AGENT, "a1")


async def _register(db: Database, ctx: AppContext) -> str:
    async with db.session_scope() as session:
        c = await service.register(session, NewComplaint(
            phone="9812345678", name="Sita Devi", district="LKO", department="ELE", category="ELE-SUPPLY",
            description="No power in the village for three days"), AGENT, ctx.policy)
        return c.number


async def test_status_call_sees_the_interim_reply_and_the_pending_transfer(client: httpx.AsyncClient, db: Database,
                                                                          ctx: AppContext) -> None:
    number = await _register(db, ctx)
    today = service.utcnow().astimezone(ctx.tz).date()
    expected = (today + timedelta(days=4)).isoformat()
    headers = await login_as(client, db, "agent1", "agent", extension="agent1001")

    desk = (await client.get(f"/api/v1/complaints/{number}", headers=headers)).json()
    assert desk["interim"] is None and desk["transfer_request"] is None and desk["expected_at"] is None

    async with db.session_scope() as session:
        await officer_actions.interim(session, number, "Lineman sent; transformer ordered from the store",
                                      expected, L1, ctx.policy)
        await officer_actions.request_transfer(session, number, "ELE-KNP-L1",
                                               "The village is across the district line, in Kanpur", L1)
    desk = (await client.get(f"/api/v1/complaints/{number}", headers=headers)).json()
    assert desk["interim"]["text"] == "Lineman sent; transformer ordered from the store"
    assert desk["interim"]["expected_on"] == expected and desk["interim"]["by"] == "o.lko"
    assert desk["expected_at"].startswith(expected)
    request = desk["transfer_request"]
    assert request["to_officer"] == "ELE-KNP-L1" and request["to_district"] == "KNP"
    assert request["to_officer_ref"]["level"] == 1 and request["requested_by"] == "o.lko"
    assert request["reason"] == "The village is across the district line, in Kanpur"
    assert [e["action"] for e in desk["events"]][-2:] == ["interim", "request_transfer"]

    # the complaint page an agent opens from the desk says the same
    await form_login(client, "agent1")
    page = html.unescape((await client.get(f"/complaints/{number}")).text)
    assert 'id="interim"' in page and "Lineman sent; transformer ordered from the store" in page
    assert f"Action expected by {expected}" in page
    assert 'id="transfer-request"' in page and "Transfer waiting for a decision" in page
    assert "(ELE-KNP-L1)" in page and "The village is across the district line, in Kanpur" in page

    # refused: no transfer waits any more; the interim reply still holds
    async with db.session_scope() as session:
        pending = (await client.get(f"/api/v1/complaints/{number}", headers=headers)).json()["transfer_request"]
        await officer_actions.decide_transfer(session, pending["id"], False, "Not our area either", KNP, ctx.policy)
    desk = (await client.get(f"/api/v1/complaints/{number}", headers=headers)).json()
    assert desk["transfer_request"] is None and desk["interim"]["expected_on"] == expected
    page = (await client.get(f"/complaints/{number}")).text
    assert 'id="transfer-request"' not in page and 'id="interim"' in page

    # disposed: the interim reply is history, not the status any more
    async with db.session_scope() as session:
        await service.dispose(session, number, "Transformer replaced, supply restored.", L1, ctx.policy)
    desk = (await client.get(f"/api/v1/complaints/{number}", headers=headers)).json()
    assert desk["interim"] is None and desk["state"] == "disposed"
    assert "interim" in [e["action"] for e in desk["events"]]


async def test_a_whatsapp_conversation_taken_by_an_agent_registers_with_channel_whatsapp(
        client: httpx.AsyncClient, db: Database, ctx: AppContext) -> None:
    headers = await login_as(client, db, "agent1", "agent", extension="agent1001")
    now = service.utcnow()
    async with db.session_scope() as session:
        agent = (await session.scalars(select(User).where(User.username == "agent1"))).one()
        conversation = ChatConversation(phone="+919811111111", profile_name="Ram", state="agent", step="agent",
                                        data={}, language="hi", agent_user_id=agent.id, agent_name="agent1",
                                        opened_at=now - timedelta(minutes=5), queued_at=now - timedelta(minutes=4),
                                        taken_at=now - timedelta(minutes=3), last_inbound_at=now)
        session.add(conversation)
        await session.flush()
        conversation_id = conversation.id
    # the desk finds the conversation the agent holds for the number typed
    held = (await client.get("/api/v1/whatsapp/conversations", headers=headers)).json()["conversations"]
    assert [(c["id"], c["state"], c["agent"]) for c in held] == [(conversation_id, "agent", "agent1")]
    r = await client.post(f"/api/v1/whatsapp/conversations/{conversation_id}/complaints", headers=headers, json={
        "name": "Ram Prasad", "district": "LKO", "department": "ELE", "category": "ELE-SUPPLY",
        "description": "Pole fell on the road near the school"})
    assert r.status_code == 201, r.text
    async with db.sessions() as session:
        complaint = (await session.scalars(select(Complaint).where(Complaint.number == r.json()["number"]))).one()
    assert complaint.channel == "whatsapp" and complaint.phone == "+919811111111"
    # the desk page carries the place where it says so
    await form_login(client, "agent1")
    assert 'id="f-channel"' in (await client.get("/agent")).text


