"""The agents' WhatsApp API: one agent at a time (also with two engines, as two processes would be),
only the holder replies or closes, no free reply after WhatsApp's 24 h, a complaint registered
from the chat gets the chat's photos and its number is sent to the citizen."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from grievance.service import utcnow
from messaging.chat import agents
from storage.db import Database
from storage.models import ChatConversation, ChatMedia, OutboundMessage, User
from tests.fakes import whatsapp_meta as meta
from tests.fakes.messaging_stack import MessagingStack
from tests.helpers import make_user, token

CITIZEN = "919812345678"


async def queued_conversation(stack: MessagingStack) -> int:
    await stack.send(meta.text(CITIZEN, "hi"))
    await stack.send(meta.button_reply(CITIZEN, "lang:en"))
    await stack.send(meta.list_reply(CITIZEN, "m:agent"))
    await stack.send(meta.media(CITIZEN, "image", "photo-77", "image/jpeg"))
    async with stack.db.session_scope() as session:
        conversation = (await session.scalars(select(ChatConversation))).one()
    assert conversation.state == "queued"
    return conversation.id


async def test_take_reply_register_close_rules(db_url: str) -> None:
    async with MessagingStack(db_url, run=False) as stack:
        cid = await queued_conversation(stack)
        await make_user(stack.db, "a1", "agent", extension="agent1001")
        await make_user(stack.db, "a2", "agent", extension="agent1002")
        await make_user(stack.db, "off", "officer", officer="ELE-LKO-L1")
        a1, a2 = await token(stack.client, "a1"), await token(stack.client, "a2")
        listed = (await stack.client.get("/api/v1/whatsapp/conversations", headers=a1)).json()["conversations"]
        assert [(c["id"], c["state"], c["phone"]) for c in listed] == [(cid, "queued", "+" + CITIZEN)]
        officer = await stack.client.get("/api/v1/whatsapp/conversations", headers=await token(stack.client, "off"))
        assert officer.status_code == 403
        early = await stack.client.post(f"/api/v1/whatsapp/conversations/{cid}/reply", json={"text": "hello"}, headers=a1)
        assert early.status_code == 403 and early.json()["error"]["id"] == "forbidden"
        assert (await stack.client.post(f"/api/v1/whatsapp/conversations/{cid}/take", headers=a1)).status_code == 200
        assert (await stack.client.post(f"/api/v1/whatsapp/conversations/{cid}/take", headers=a1)).status_code == 200
        taken = await stack.client.post(f"/api/v1/whatsapp/conversations/{cid}/take", headers=a2)
        assert taken.status_code == 409 and taken.json()["error"]["details"]["agent"] == "a1"
        assert (await stack.client.post(f"/api/v1/whatsapp/conversations/{cid}/reply", json={"text": "x"},
                                        headers=a2)).status_code == 403
        for bad in ({"text": ""}, {"text": "x" * 4001}, {"text": "ok", "extra": 1}, {}):
            response = await stack.client.post(f"/api/v1/whatsapp/conversations/{cid}/reply", json=bad, headers=a1)
            assert response.status_code == 422, bad
        detail = (await stack.client.get(f"/api/v1/whatsapp/conversations/{cid}", headers=a1)).json()
        assert [m["direction"] for m in detail["messages"]][:2] == ["in", "out"] and len(detail["media"]) == 1
        created = await stack.client.post(f"/api/v1/whatsapp/conversations/{cid}/complaints", headers=a1, json={
            "name": "Ram Prasad", "district": "LKO", "department": "ELE", "category": "ELE-SUPPLY",
            "description": "Transformer burnt"})
        assert created.status_code == 201, created.text
        number = created.json()["number"]
        assert created.json()["media_attached"] == 1
        bad = await stack.client.post(f"/api/v1/whatsapp/conversations/{cid}/complaints", headers=a1, json={
            "name": "Ram", "district": "NOPE", "department": "ELE", "category": "ELE-SUPPLY", "description": "x"})
        assert bad.status_code == 422
        while await stack.deliver():
            pass
        assert any(number in str(m) for m in stack.graph.to(CITIZEN))
        async with stack.db.session_scope() as session:
            media = (await session.scalars(select(ChatMedia))).one()
            await session.execute(update(ChatConversation).values(last_inbound_at=utcnow() - timedelta(hours=25)))
        assert media.complaint_id is not None and media.state == "due"
        late = await stack.client.post(f"/api/v1/whatsapp/conversations/{cid}/reply", json={"text": "sorry"}, headers=a1)
        assert late.status_code == 409 and "24 hours" in late.json()["error"]["message"]
        closed = await stack.client.post(f"/api/v1/whatsapp/conversations/{cid}/close", headers=a1)
        assert closed.status_code == 200 and closed.json()["state"] == "closed"
        assert (await stack.client.post(f"/api/v1/whatsapp/conversations/{cid}/close", headers=a1)).status_code == 403
        assert (await stack.client.get("/api/v1/whatsapp/conversations/999", headers=a1)).status_code == 404


@pytest.mark.postgres
async def test_two_processes_take_one_conversation_once(pg_url: str) -> None:
    async with MessagingStack(pg_url, run=False) as stack:
        cid = await queued_conversation(stack)
        await make_user(stack.db, "a1", "agent", extension="agent1001")
        await make_user(stack.db, "a2", "agent", extension="agent1002")
        engines = [Database(pg_url), Database(pg_url)]  # two processes' connection pools

        async def grab(db: Database, user_id: int, name: str) -> bool:
            try:
                async with db.session_scope() as session:
                    await agents.take(session, cid, user_id, name, utcnow())
                return True
            except Exception:  # noqa: BLE001 - the loser gets Conflict
                return False

        try:
            async with stack.db.session_scope() as session:
                ids = [u.id for u in (await session.scalars(select(User).order_by(User.id))).all()]
            results = await asyncio.gather(*(grab(engines[i % 2], ids[i % 2], f"a{i % 2 + 1}") for i in range(10)))
        finally:
            for db in engines:
                await db.dispose()
        async with stack.db.session_scope() as session:
            conversation = await session.get(ChatConversation, cid)
        winner = ids.index(conversation.agent_user_id)
        assert all(r for i, r in enumerate(results) if i % 2 == winner)  # the holder may take again
        assert not any(r for i, r in enumerate(results) if i % 2 != winner)
        async with stack.db.session_scope() as session:
            assert not (await session.scalars(select(OutboundMessage).where(OutboundMessage.purpose != "chat"))).all()
