"""The chat as a citizen uses it: a whole registration in Hindi (with a photo), status by number,
feedback with buttons driving the lifecycle, hand-over to an agent, STOP."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from grievance import numbers, service
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Who
from storage.models import ChatConversation, ChatMedia, Complaint, ComplaintEvent, MessageContact, OutboundMessage
from tests.fakes import whatsapp_meta as meta
from tests.fakes.messaging_stack import MessagingStack

CITIZEN = "919812345678"
PHONE = "+919812345678"


async def say(stack: MessagingStack, payload: dict[str, Any]) -> dict[str, Any]:
    """Send one citizen message; deliver the bot's replies; return the last one Meta got."""
    before = len(stack.graph.received)
    response = await stack.send(payload)
    assert response.status_code == 200, response.text
    while await stack.deliver():
        pass
    assert len(stack.graph.received) > before, "the bot did not answer"
    return stack.graph.received[-1]["body"]


def text_of(message: dict[str, Any]) -> str:
    if message["type"] == "text":
        return message["text"]["body"]
    if message["type"] == "interactive":
        return message["interactive"]["body"]["text"]
    return str(message.get("template"))


def row_ids(message: dict[str, Any]) -> list[str]:
    action = message["interactive"]["action"]
    if "buttons" in action:
        return [b["reply"]["id"] for b in action["buttons"]]
    return [r["id"] for s in action["sections"] for r in s["rows"]]


async def test_registration_in_hindi_ends_with_complaint_and_notification(db_url: str) -> None:
    async with MessagingStack(db_url, run=False) as stack:
        stack.graph.add_media("media-photo-1", b"\xff\xd8\xff\xe0" + b"\x00" * 200, "image/jpeg")
        first = await say(stack, meta.text(CITIZEN, "नमस्ते"))
        assert row_ids(first) == ["lang:hi", "lang:en"]
        menu = await say(stack, meta.button_reply(CITIZEN, "lang:hi", "हिन्दी"))
        assert "m:register" in row_ids(menu) and "आप क्या करना चाहेंगे" in text_of(menu)
        assert "नाम" in text_of(await say(stack, meta.list_reply(CITIZEN, "m:register")))
        districts = await say(stack, meta.text(CITIZEN, "रामप्रसाद यादव"))
        assert len(row_ids(districts)) == 10 and row_ids(districts)[-1] == "dp:1"  # 75 districts: paged
        page2 = await say(stack, meta.list_reply(CITIZEN, "dp:1"))
        assert row_ids(page2)[0] != row_ids(districts)[0]
        departments = await say(stack, meta.text(CITIZEN, "लखनऊ"))  # typed: found by its Hindi name
        assert "विभाग" in text_of(departments)
        if "dep:ELE" not in row_ids(departments):
            departments = await say(stack, meta.list_reply(CITIZEN, "depp:1"))
        categories = await say(stack, meta.list_reply(CITIZEN, "dep:ELE"))
        assert "cat:ELE-SUPPLY" in row_ids(categories)
        assert "विस्तार" in text_of(await say(stack, meta.list_reply(CITIZEN, "cat:ELE-SUPPLY")))
        media_prompt = await say(stack, meta.text(CITIZEN, "गाँव में तीन दिन से बिजली नहीं है, ट्रांसफ़ॉर्मर जल गया।"))
        assert row_ids(media_prompt) == ["media:done"]
        saved = await say(stack, meta.media(CITIZEN, "image", "media-photo-1", "image/jpeg", caption="ट्रांसफ़ॉर्मर"))
        assert "(1)" in text_of(saved)
        confirm = await say(stack, meta.button_reply(CITIZEN, "media:done"))
        assert "लखनऊ" in text_of(confirm) and "रामप्रसाद यादव" in text_of(confirm)
        assert row_ids(confirm) == ["reg:yes", "reg:no"]
        await stack.send(meta.button_reply(CITIZEN, "reg:yes", "दर्ज करें"))
        while await stack.deliver():
            pass

        async with stack.db.session_scope() as session:
            complaint = (await session.scalars(select(Complaint))).one()
            media = (await session.scalars(select(ChatMedia))).one()
        assert complaint.channel == "whatsapp" and complaint.phone == PHONE
        assert complaint.district_code == "LKO" and complaint.category_code == "ELE-SUPPLY"
        assert complaint.state == "at_l1" and "ट्रांसफ़ॉर्मर" in complaint.description
        assert media.complaint_id == complaint.id and media.state == "due"
        replies = [text_of(m) for m in stack.graph.to(CITIZEN)]
        assert any(complaint.number in r and "दर्ज" in r for r in replies)

        # the notifier reads the audit trail: the registration notice carries the number and due date
        assert await stack.notify() >= 1
        notices = [m for m in stack.graph.to(CITIZEN) if m["type"] == "text" and "विभाग: विद्युत" in m["text"]["body"]]
        assert len(notices) == 1 and complaint.number in notices[0]["text"]["body"]
        async with stack.db.session_scope() as session:
            rows = (await session.scalars(select(OutboundMessage).where(OutboundMessage.purpose == "registered"))).all()
        assert [(r.channel, r.state, r.language) for r in rows] == [("whatsapp", "sent", "hi")]


async def _registered(stack: MessagingStack, **kw: Any) -> Complaint:
    async with stack.db.session_scope() as session:
        return await service.register(session, NewComplaint(
            phone=kw.get("phone", PHONE), name="सीता देवी", district="LKO", department="ELE", category="ELE-SUPPLY",
            description="बिजली नहीं है"), Who(Actor.AGENT, "agent1"), stack.ctx.policy)


async def _dispose(stack: MessagingStack, number: str, report: str = "ट्रांसफ़ॉर्मर बदल दिया गया") -> None:
    async with stack.db.session_scope() as session:
        complaint = await service.get(session, number)
        await service.dispose(session, number, report, Who(Actor.OFFICER, "o", complaint.officer_code), stack.ctx.policy)


async def test_status_by_number_checks_the_digit_first(db_url: str) -> None:
    async with MessagingStack(db_url, run=False) as stack:
        complaint = await _registered(stack)
        await say(stack, meta.text(CITIZEN, "hello"))
        await say(stack, meta.button_reply(CITIZEN, "lang:en"))
        ask = await say(stack, meta.list_reply(CITIZEN, "m:status"))
        assert f"st:{complaint.number}" in row_ids(ask)  # the number's own complaints to pick from
        wrong = complaint.number[:-1] + str((int(complaint.number[-1]) + 1) % 10)
        assert "not right" in text_of(await say(stack, meta.text(CITIZEN, wrong)))
        missing = numbers.make("0101", 999999)
        await say(stack, meta.text(CITIZEN, missing))  # not found, then the menu again
        assert f"No complaint has the number {missing}" in text_of(stack.graph.received[-2]["body"])
        await say(stack, meta.list_reply(CITIZEN, "m:status"))
        await stack.send(meta.text(CITIZEN, complaint.number))
        while await stack.deliver():
            pass
        status = [text_of(m) for m in stack.graph.to(CITIZEN) if complaint.number in text_of(m)][-1]
        assert "With the L1 officer" in status and "Electricity" in status and "Due by" in status


async def test_feedback_buttons_drive_the_lifecycle(db_url: str) -> None:
    async with MessagingStack(db_url, run=False) as stack:
        complaint = await _registered(stack)
        await _dispose(stack, complaint.number)
        await say(stack, meta.text(CITIZEN, "hi"))
        await say(stack, meta.button_reply(CITIZEN, "lang:hi"))
        question = await say(stack, meta.list_reply(CITIZEN, "m:feedback"))
        assert "ट्रांसफ़ॉर्मर बदल दिया गया" in text_of(question)
        assert row_ids(question) == [f"fb:{complaint.number}:satisfied", f"fb:{complaint.number}:dissatisfied"]
        await say(stack, meta.button_reply(CITIZEN, f"fb:{complaint.number}:dissatisfied"))
        async with stack.db.session_scope() as session:
            again = await service.get(session, complaint.number)
            events = (await session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == again.id)
                                            .order_by(ComplaintEvent.id))).all()
        assert again.state == "at_l1" and again.reopen_count == 1  # reopened, exactly like the feedback call
        assert (events[-1].action, events[-1].actor_kind, events[-1].detail["channel"]) == ("reopen", "chat", "whatsapp")
        # a second press of the same (old) button changes nothing
        await say(stack, meta.button_reply(CITIZEN, f"fb:{complaint.number}:satisfied"))
        assert "फ़ीडबैक की प्रतीक्षा में नहीं" in text_of(stack.graph.to(CITIZEN)[-2])
        await _dispose(stack, complaint.number, "बिजली चालू")
        await say(stack, meta.button_reply(CITIZEN, f"fb:{complaint.number}:dissatisfied"))
        async with stack.db.session_scope() as session:
            assert (await service.get(session, complaint.number)).state == "at_l2"


async def test_feedback_only_from_the_registering_number(db_url: str) -> None:
    async with MessagingStack(db_url, run=False) as stack:
        complaint = await _registered(stack, phone="+919811111111")
        await _dispose(stack, complaint.number)
        await say(stack, meta.text(CITIZEN, "hi"))
        await say(stack, meta.button_reply(CITIZEN, "lang:en"))
        await say(stack, meta.button_reply(CITIZEN, f"fb:{complaint.number}:satisfied"))
        assert any("only from the number" in text_of(m) for m in stack.graph.to(CITIZEN))
        async with stack.db.session_scope() as session:
            assert (await service.get(session, complaint.number)).state == "disposed"


async def test_free_text_and_talk_to_a_person_go_to_the_agent_queue(db_url: str) -> None:
    async with MessagingStack(db_url, run=False) as stack:
        await say(stack, meta.text(CITIZEN, "hello"))
        await say(stack, meta.button_reply(CITIZEN, "lang:en"))
        handed = await say(stack, meta.text(CITIZEN, "my pension has not come for 3 months"))
        assert "passed to a person" in text_of(handed)
        # while queued the bot stays quiet; the agent reads everything
        before = len(stack.graph.received)
        await stack.send(meta.text(CITIZEN, "please help"))
        assert await stack.deliver() == 0 and len(stack.graph.received) == before
        async with stack.db.session_scope() as session:
            conversation = (await session.scalars(select(ChatConversation))).one()
        assert conversation.state == "queued" and conversation.queued_at is not None


async def test_stop_is_kept_as_consent(db_url: str) -> None:
    async with MessagingStack(db_url, run=False) as stack:
        await say(stack, meta.text(CITIZEN, "hi"))
        await say(stack, meta.button_reply(CITIZEN, "lang:en"))
        assert "no more messages" in text_of(await say(stack, meta.text(CITIZEN, "STOP")))
        complaint = await _registered(stack)
        await stack.notify()
        async with stack.db.session_scope() as session:
            contact = await session.get(MessageContact, PHONE)
            rows = (await session.scalars(select(OutboundMessage).where(OutboundMessage.complaint_id == complaint.id))).all()
        assert contact.stopped
        assert [(r.purpose, r.state) for r in rows] == [("registered", "skipped")]
        assert not [m for m in stack.graph.to(CITIZEN) if complaint.number in text_of(m)]
        assert not stack.sms.messages
        await say(stack, meta.text(CITIZEN, "START"))
        async with stack.db.session_scope() as session:
            assert not (await session.get(MessageContact, PHONE)).stopped


async def test_photos_are_fetched_for_the_complaint_and_idle_chats_close(db_url: str) -> None:
    from datetime import datetime, timedelta, timezone

    from messaging.chat.upkeep import Upkeep

    async with MessagingStack(db_url, run=False) as stack:
        photo = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4
        stack.graph.add_media("media-photo-9", photo, "image/jpeg")
        await say(stack, meta.text(CITIZEN, "hi"))
        await say(stack, meta.button_reply(CITIZEN, "lang:en"))
        await say(stack, meta.list_reply(CITIZEN, "m:register"))
        await say(stack, meta.text(CITIZEN, "Ram Prasad"))
        await say(stack, meta.text(CITIZEN, "Lucknow"))
        await say(stack, meta.list_reply(CITIZEN, "dep:ELE"))
        await say(stack, meta.list_reply(CITIZEN, "cat:ELE-SUPPLY"))
        await say(stack, meta.text(CITIZEN, "The transformer burnt three days ago."))
        await say(stack, meta.media(CITIZEN, "image", "media-photo-9", "image/jpeg"))
        await say(stack, meta.button_reply(CITIZEN, "media:done"))
        await say(stack, meta.button_reply(CITIZEN, "reg:yes"))
        kept: list[tuple[int, bytes, str]] = []

        async def keep(session, complaint_id, data, mime, name, now):  # type: ignore[no-untyped-def]
            kept.append((complaint_id, data, mime))
            return 7

        clock = datetime.now(timezone.utc)
        upkeep = Upkeep(stack.db, lambda: clock, graph=stack.parts["channels"].whatsapp, keep=keep)
        stack.graph.fail(1, status=500, code=1)  # the Graph API hiccups once: retried by the client
        assert await upkeep.fetch_media() == 1
        async with stack.db.session_scope() as session:
            complaint = (await session.scalars(select(Complaint))).one()
            media = (await session.scalars(select(ChatMedia))).one()
        assert kept == [(complaint.id, photo, "image/jpeg")] and (media.state, media.attachment_id) == ("kept", 7)
        assert await upkeep.fetch_media() == 0  # kept once

        clock += timedelta(hours=23)
        assert (await upkeep.tick())[0] == 0
        clock += timedelta(hours=2)  # 25 h without a word from the citizen: closed
        assert (await upkeep.tick())[0] == 1
        async with stack.db.session_scope() as session:
            conversation = (await session.scalars(select(ChatConversation))).one()
        assert (conversation.state, conversation.close_reason) == ("closed", "idle")
        await say(stack, meta.text(CITIZEN, "hello again"))  # a new conversation, language remembered
        assert "m:register" in row_ids(stack.graph.received[-1]["body"])


async def test_media_kept_through_the_attachments_service_of_the_context(db_url: str) -> None:
    """messaging.run.keeper hands each fetched photo to `ctx.attachments.add` (channel whatsapp)."""
    from datetime import datetime, timezone

    from grievance.errors import InvalidInput
    from messaging.chat.upkeep import Upkeep
    from messaging.run import keeper

    class Attachments:
        def __init__(self) -> None:
            self.added: list[tuple[str, bytes, dict]] = []

        async def add(self, session, complaint, data, **kw):  # type: ignore[no-untyped-def]
            if data.startswith(b"MZ"):
                raise InvalidInput("this type of file is not kept", field="file")
            self.added.append((complaint.number, data, kw))
            return type("Row", (), {"id": len(self.added)})()

    async with MessagingStack(db_url, run=False) as stack:
        stack.ctx.attachments = None  # type: ignore[attr-defined]
        assert keeper(stack.ctx) is None  # no attachments service: nothing to keep with
        stack.ctx.attachments = Attachments()  # type: ignore[attr-defined]
        complaint = await _registered(stack)
        from storage.queries import chat as chat_q
        async with stack.db.session_scope() as session:
            conversation = await chat_q.add_conversation(session, ChatConversation(
                phone=PHONE, state="bot", step="menu", data={}, language="hi", opened_at=complaint.registered_at,
                last_inbound_at=complaint.registered_at))
            for media_id in ("ok-photo", "exe-file"):
                await chat_q.add_media(session, ChatMedia(conversation_id=conversation.id, media_id=media_id,
                                                          kind="image", mime="image/jpeg", state="waiting",
                                                          received_at=complaint.registered_at))
            await chat_q.attach_media(session, conversation.id, complaint.id, complaint.registered_at)
        stack.graph.add_media("ok-photo", b"\xff\xd8\xff" + b"1" * 50, "image/jpeg")
        stack.graph.add_media("exe-file", b"MZ" + b"0" * 50, "image/jpeg")
        upkeep = Upkeep(stack.db, lambda: datetime.now(timezone.utc), graph=stack.parts["channels"].whatsapp,
                        keep=keeper(stack.ctx))
        assert await upkeep.fetch_media() == 1
        number, data, kw = stack.ctx.attachments.added[0]  # type: ignore[attr-defined]
        assert number == complaint.number and data.startswith(b"\xff\xd8\xff")
        assert kw["channel"] == "whatsapp" and kw["actor_kind"] == "chat"
        async with stack.db.session_scope() as session:
            states = {m.media_id: (m.state, m.last_error) for m in (await session.scalars(select(ChatMedia))).all()}
        assert states["ok-photo"] == ("kept", None)
        assert states["exe-file"][0] == "failed" and "not kept" in states["exe-file"][1]


async def test_chat_photos_and_voice_notes_become_attachments_of_the_complaint(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Photos and voice notes sent while registering are fetched and kept through the attachments
    service (files in HELPLINE_ATTACHMENTS_DIR, rows, an `attach` event), visible to the officer."""
    from storage.queries import attachments as attachment_q

    async with MessagingStack(db_url, run=False, settings={"attachments_dir": str(tmp_path / "files")}) as stack:
        photo = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
        voice = b"OggS" + b"\x00" * 500
        stack.graph.add_media("wa-photo", photo, "image/jpeg")
        stack.graph.add_media("wa-voice", voice, "audio/ogg")
        for payload in (meta.text(CITIZEN, "hi"), meta.button_reply(CITIZEN, "lang:hi"),
                        meta.list_reply(CITIZEN, "m:register"), meta.text(CITIZEN, "राम प्रसाद"),
                        meta.text(CITIZEN, "लखनऊ"), meta.list_reply(CITIZEN, "dep:ELE"),
                        meta.list_reply(CITIZEN, "cat:ELE-SUPPLY"),
                        meta.media(CITIZEN, "audio", "wa-voice", "audio/ogg; codecs=opus", voice=True),
                        meta.media(CITIZEN, "image", "wa-photo", "image/jpeg"),
                        meta.button_reply(CITIZEN, "media:done"), meta.button_reply(CITIZEN, "reg:yes")):
            await say(stack, payload)
        assert await stack.parts["upkeep"].fetch_media() == 2
        async with stack.db.session_scope() as session:
            complaint = (await session.scalars(select(Complaint))).one()
            kept = await attachment_q.for_complaint(session, complaint.id)
            events = (await session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id,
                                                                         ComplaintEvent.action == "attach"))).all()
        assert complaint.description == "शिकायत वॉइस नोट में है (संलग्न)।"
        assert sorted((a.kind, a.mime, a.channel, a.size) for a in kept) == [
            ("photo", "image/jpeg", "whatsapp", len(photo)), ("voice", "audio/ogg", "whatsapp", len(voice))]
        assert len(events) == 2 and {e.actor_kind for e in events} == {"chat"}
        stored = {p.read_bytes() for p in (tmp_path / "files").rglob("*") if p.is_file()}
        assert stored == {photo, voice}
