"""The WhatsApp webhook: Meta's handshake, the signature over the raw body, one take per message id,
delivery statuses; refusals change nothing and log no secret."""
from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import func, select

from storage.models import ChatMessage, OutboundMessage
from tests.fakes import whatsapp_meta as meta
from tests.fakes.messaging_stack import APP_SECRET, VERIFY_TOKEN, MessagingStack

CITIZEN = "919812345678"


async def _count(stack: MessagingStack, model: type) -> int:
    async with stack.db.session_scope() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_verification_handshake(db_url: str) -> None:
    async with MessagingStack(db_url, run=False) as stack:
        ok = await stack.client.get("/webhooks/whatsapp", params={
            "hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"})
        assert ok.status_code == 200 and ok.text == "1158201444"
        for params in ({"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
                       {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
                       {}):
            refused = await stack.client.get("/webhooks/whatsapp", params=params)
            assert refused.status_code == 403
            assert refused.json()["error"]["id"] == "forbidden"


async def test_bad_signature_refused_and_logged_without_secrets(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    async with MessagingStack(db_url, run=False) as stack:
        payload = meta.text(CITIZEN, "नमस्ते")
        caplog.set_level(logging.INFO)
        forged = meta.post(stack.client, "not-the-secret", payload)
        for response in (await forged, await stack.send(payload, signature=""),
                         await stack.send(payload, signature="sha256=" + "0" * 64),
                         await stack.send(payload, signature="md5=abc")):
            assert response.status_code == 403, response.text
            assert response.json()["error"]["id"] == "bad_signature"
        # a body changed after signing is refused too
        body = json.dumps(payload).encode()
        from messaging.whatsapp.signature import HEADER, sign

        tampered = await stack.client.post("/webhooks/whatsapp", content=body.replace(b"\\u0928", b"\\u0929"),
                                           headers={HEADER: sign(APP_SECRET, body)})
        assert tampered.status_code == 403
        assert await _count(stack, ChatMessage) == 0 and await _count(stack, OutboundMessage) == 0
        logged = caplog.text
        assert "whatsapp webhook refused" in logged
        assert APP_SECRET not in logged and CITIZEN not in logged and "sha256=" not in logged


async def test_malformed_and_oversized_bodies(db_url: str) -> None:
    async with MessagingStack(db_url, run=False) as stack:
        from messaging.whatsapp.signature import HEADER, sign

        for body in (b"not json", b'{"object":"page","entry":[]}', b'{"object":"whatsapp_business_account"}'):
            response = await stack.client.post("/webhooks/whatsapp", content=body, headers={HEADER: sign(APP_SECRET, body)})
            assert response.status_code == 400, body
            assert response.json()["error"]["id"] == "bad_request"
        big = b"x" * 1_000_001
        response = await stack.client.post("/webhooks/whatsapp", content=big, headers={HEADER: sign(APP_SECRET, big)})
        assert response.status_code == 413
        assert await _count(stack, ChatMessage) == 0


async def test_unconfigured_webhook_refuses(db_url: str) -> None:
    async with MessagingStack(db_url, run=False, settings={"whatsapp_app_secret": ""}) as stack:
        response = await stack.send(meta.text(CITIZEN, "hi"))
        assert response.status_code == 503


async def test_same_message_twice_is_taken_once(db_url: str) -> None:
    async with MessagingStack(db_url) as stack:
        payload = meta.text(CITIZEN, "नमस्ते", msg_id="wamid.RETRIED-1")
        first = await stack.send(payload)
        again = await stack.send(payload)
        assert first.json() == {"messages": 1, "duplicates": 0, "statuses": 0}
        assert again.json() == {"messages": 0, "duplicates": 1, "statuses": 0}
        await stack.graph.wait_for(lambda got: len(got) >= 1)
        assert await _count(stack, ChatMessage) == 2  # the message and one reply (language choice)
        assert len(stack.graph.to(CITIZEN)) == 1
        sent = stack.graph.to(CITIZEN)[0]
        assert sent["type"] == "interactive" and sent["interactive"]["type"] == "button"
        assert [b["reply"]["id"] for b in sent["interactive"]["action"]["buttons"]] == ["lang:hi", "lang:en"]


async def test_statuses_are_stored_and_only_move_forward(db_url: str) -> None:
    async with MessagingStack(db_url, run=False) as stack:
        await stack.send(meta.text(CITIZEN, "hello"))
        assert await stack.deliver() == 1
        wamid = stack.graph.received[0]["id"]
        for state in ("delivered", "read", "delivered"):
            response = await stack.send(meta.status(wamid, state, CITIZEN))
            assert response.json()["statuses"] == 1
        unknown = await stack.send(meta.status("wamid.NOT-OURS", "read", CITIZEN))
        assert unknown.json()["statuses"] == 0
        async with stack.db.session_scope() as session:
            row = (await session.scalars(select(OutboundMessage))).one()
        assert row.provider_id == wamid and row.state == "sent" and row.status == "read"


async def test_control_characters_from_a_phone_pass_the_edge_and_are_dropped(db_url: str) -> None:
    async with MessagingStack(db_url, run=False) as stack:
        response = await stack.send(meta.text(CITIZEN, "help\u0007 me\x00 please\nthanks"))
        assert response.status_code == 200 and response.json()["messages"] == 1
        async with stack.db.session_scope() as session:
            stored = (await session.scalars(select(ChatMessage).where(ChatMessage.direction == "in"))).one()
        assert stored.text == "help me please\nthanks"


async def _transcript(stack: MessagingStack, phone: str) -> list[tuple[str, str]]:
    from storage.models import ChatConversation

    async with stack.db.session_scope() as session:
        rows = (await session.execute(
            select(ChatMessage.direction, ChatMessage.text).join(ChatConversation, ChatConversation.id == ChatMessage.conversation_id)
            .where(ChatConversation.phone == phone).order_by(ChatMessage.id))).all()
    return [(d, t) for d, t in rows]


async def test_a_burst_of_webhooks_is_taken_once_each_in_order_per_number(db_url: str) -> None:
    """Many citizens write at once, and Meta resends some webhooks while the first is still being
    taken: every message is taken once, each number's messages and replies keep their order."""
    import asyncio

    citizens = [f"9198100000{n:02d}" for n in range(12)]
    steps = [lambda c, n: meta.text(c, "hi", msg_id=f"wamid.BURST-{c}-{n}"),
             lambda c, n: meta.button_reply(c, "lang:en", msg_id=f"wamid.BURST-{c}-{n}"),
             lambda c, n: meta.list_reply(c, "m:status", msg_id=f"wamid.BURST-{c}-{n}")]
    async with MessagingStack(db_url) as stack:
        answers: list[dict[str, int]] = []

        async def citizen(phone: str) -> None:
            for n, step in enumerate(steps):
                payload = step(phone, n)
                # the first and the resent copy race each other
                first, again = await asyncio.gather(stack.send(payload), stack.send(payload))
                answers.extend([first.json(), again.json()])

        await asyncio.gather(*(citizen(c) for c in citizens))
        assert sum(a["messages"] for a in answers) == 3 * len(citizens)
        assert sum(a["duplicates"] for a in answers) == 3 * len(citizens)
        await stack.graph.wait_for(lambda got: len(got) >= 3 * len(citizens))
        for phone in citizens:
            # delivery sends a pass's rows side by side: the order of arrival at Meta is not the test
            sent = sorted(m["interactive"]["type"] if m["type"] == "interactive" else m["type"]
                          for m in stack.graph.to(phone))
            assert sent == ["button", "list", "text"]  # languages, the menu, "type the number"
            lines = await _transcript(stack, "+" + phone)
            assert [d for d, _ in lines] == ["in", "out"] * 3
            assert lines[0][1] == "hi" and lines[2][1] == "" and lines[4][1] == ""
        assert len(stack.graph.received) == 3 * len(citizens)


async def test_a_message_failing_in_the_bot_goes_to_an_agent_and_the_others_are_answered(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bot error in one message of a burst (taken together) costs the others nothing."""
    import asyncio

    from messaging.chat import intake
    from storage.models import ChatConversation

    unlucky = "919810000099"
    step_menu = intake.STEPS["menu"]

    async def breaks_for_one(chat, inp):  # type: ignore[no-untyped-def]
        if chat.phone == "+" + unlucky:
            raise RuntimeError("a bug in a step")
        await step_menu(chat, inp)

    monkeypatch.setitem(intake.STEPS, "menu", breaks_for_one)
    citizens = [f"9198100000{n:02d}" for n in range(6)] + [unlucky]
    async with MessagingStack(db_url) as stack:
        for step in (lambda c: meta.text(c, "hi"), lambda c: meta.button_reply(c, "lang:en")):
            await asyncio.gather(*(stack.send(step(c)) for c in citizens))
        answers = await asyncio.gather(*(stack.send(meta.text(c, "2")) for c in citizens))
        assert all(a.json()["messages"] == 1 for a in answers)
        await stack.graph.wait_for(lambda got: len(got) >= 3 * len(citizens))
        async with stack.db.session_scope() as session:
            states = {c.phone: c.state for c in (await session.scalars(select(ChatConversation))).all()}
        assert states.pop("+" + unlucky) == "queued"
        assert set(states.values()) == {"bot"}
        assert "Sorry, something went wrong" in [m.get("text", {}).get("body", "")[:27] for m in stack.graph.to(unlucky)]
        assert [d for d, _ in await _transcript(stack, "+" + unlucky)] == ["in", "out"] * 3


@pytest.mark.postgres
async def test_two_processes_taking_a_new_numbers_first_messages_open_one_conversation(pg_url: str) -> None:
    """Meta may deliver a new number's first two messages to two `helpline serve` processes at
    once: both are taken, and the number has one contact and one open conversation."""
    import asyncio

    from grievance.service import utcnow
    from messaging.chat.intake import ChatIntake
    from messaging.whatsapp import webhook
    from storage.db import Database
    from storage.models import ChatConversation, MessageContact

    async with MessagingStack(pg_url, run=False) as stack:
        engines = [Database(pg_url), Database(pg_url)]  # two processes' connection pools
        intakes = [ChatIntake(db, stack.ctx.policy, stack.ctx.tz, utcnow) for db in engines]
        try:
            for round_ in range(5):
                phone = f"91981000{round_:04d}"
                others = [f"91982{round_:02d}{n:05d}" for n in range(4)]

                def inbound(sender: str, text: str) -> webhook.Inbound:
                    return webhook.parse(json.dumps(meta.text(sender, text)).encode()).messages[0]

                results = await asyncio.gather(
                    *(intakes[0].receive(inbound(o, "hi")) for o in others[:2]),
                    intakes[0].receive(inbound(phone, "hi")), intakes[1].receive(inbound(phone, "hello")),
                    *(intakes[1].receive(inbound(o, "hi")) for o in others[2:]))
                assert all(r.new for r in results)
                async with stack.db.session_scope() as session:
                    open_ = (await session.scalars(select(ChatConversation).where(
                        ChatConversation.phone == "+" + phone, ChatConversation.state == "bot"))).all()
                    contacts = (await session.scalars(select(MessageContact).where(
                        MessageContact.phone == "+" + phone))).all()
                assert len(open_) == 1 and len(contacts) == 1
                assert [d for d, _ in await _transcript(stack, "+" + phone)].count("in") == 2
        finally:
            for db in engines:
                await db.dispose()
