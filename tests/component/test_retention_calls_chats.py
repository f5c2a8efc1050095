"""Data protection (issue 13): the retention job also masks call rows' numbers and WhatsApp
transcripts past their time — and only those — while every count the reports need stays."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from common.context import AppContext
from cti import reports as cc_reports
from grievance.deadlines import DeadlineJob
from grievance.privacy import Retention, months_before
from storage.db import Database
from storage.models import Call, ChatConversation, ChatMessage, OutboundMessage

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc)
OLD = NOW - timedelta(days=200)
RECENT = NOW - timedelta(days=30)


def _call(linkedid: str, at: datetime, caller: str, *, direction: str = "inbound", dialed: str = "1076",
          outcome: str = "answered") -> Call:
    answered = outcome == "answered"
    return Call(linkedid=linkedid, server="pbx1", direction=direction, caller=caller, dialed=dialed,
                queue="helpline-hi", agent="1001" if answered else None, ivr_path="menu>1", language="hi",
                started_at=at, answered_at=at + timedelta(seconds=20) if answered else None,
                ended_at=at + timedelta(seconds=200), wait_s=20, talk_s=180 if answered else None,
                outcome=outcome)


async def _chat(db: Database, phone: str, closed_at: datetime | None, text: str) -> int:
    async with db.session_scope() as session:
        sent = OutboundMessage(dedupe_key=f"chat:{phone}:{closed_at}", channel="whatsapp", recipient=phone,
                               recipient_kind="citizen", purpose="chat", body={"text": "Your name please?"},
                               state="sent", next_attempt_at=(closed_at or NOW) - timedelta(hours=2),
                               created_at=(closed_at or NOW) - timedelta(hours=2))
        session.add(sent)
        conversation = ChatConversation(
            phone=phone, profile_name="Ram Prasad", state="closed" if closed_at else "agent", step="describe",
            data={"name": "Ram Prasad", "description": text}, language="hi",
            opened_at=(closed_at or NOW) - timedelta(hours=3), last_inbound_at=(closed_at or NOW) - timedelta(hours=1),
            closed_at=closed_at, close_reason="idle" if closed_at else None)
        session.add(conversation)
        await session.flush()
        session.add_all([
            ChatMessage(conversation_id=conversation.id, direction="in", wa_id=f"wamid.{phone}.1", kind="text",
                        text=text, author="citizen", at=(closed_at or NOW) - timedelta(hours=3)),
            ChatMessage(conversation_id=conversation.id, direction="out", kind="text", text="Your name please?",
                        author="bot", outbound_id=sent.id, at=(closed_at or NOW) - timedelta(hours=2)),
            ChatMessage(conversation_id=conversation.id, direction="in", wa_id=f"wamid.{phone}.2", kind="image",
                        text="photo of the pole", media={"id": "m1", "kind": "photo", "mime": "image/jpeg"},
                        author="citizen", at=(closed_at or NOW) - timedelta(hours=1)),
        ])
        return conversation.id


async def test_retention_masks_old_calls_and_whatsapp_transcripts_as_the_job_runs(db: Database,
                                                                                    ctx: AppContext) -> None:
    async with db.session_scope() as session:
        session.add_all([
            _call("old-in", OLD, "+919812345678"),
            _call("old-lost", OLD + timedelta(minutes=5), "+919812345677", outcome="abandoned"),
            _call("old-out", OLD + timedelta(minutes=9), "1076", direction="outbound", dialed="+919812340001"),
            _call("edge-in", months_before(NOW, 6, ctx.tz) + timedelta(hours=1), "+919812345676"),
            _call("new-in", RECENT, "+919812345675"),
        ])
    old_chat = await _chat(db, "+919811111111", OLD, "Transformer burnt near my house at 12 Civil Lines")
    new_chat = await _chat(db, "+919822222222", RECENT, "No water since Monday")
    open_chat = await _chat(db, "+919833333333", None, "Road broken")  # still open: never masked
    day = OLD.astimezone(ctx.tz).date()
    async with db.sessions() as session:
        before = await cc_reports.report(session, day, day, ctx.tz, now=NOW)

    retention = Retention(6, ctx.tz)
    job = DeadlineJob(db, ctx.policy, clock=lambda: NOW, extra=retention.apply)
    await job.tick()

    async with db.sessions() as session:
        calls = {c.linkedid: c for c in (await session.scalars(select(Call))).all()}
        chats = {c.id: c for c in (await session.scalars(select(ChatConversation))).all()}
        messages = (await session.scalars(select(ChatMessage).order_by(ChatMessage.id))).all()
        sent = {o.recipient: o for o in (await session.scalars(select(OutboundMessage))).all()}
        after = await cc_reports.report(session, day, day, ctx.tz, now=NOW)
    # calls: the numbers past their time are masked, the rest of the row stays
    assert calls["old-in"].caller == "masked-5678" and calls["old-in"].masked_at is not None
    assert calls["old-in"].talk_s == 180 and calls["old-in"].outcome == "answered" and calls["old-in"].dialed == "1076"
    assert calls["old-lost"].caller == "masked-5677"
    assert calls["old-out"].dialed == "masked-0001" and calls["old-out"].caller == "masked-1076"
    for kept, phone in (("edge-in", "+919812345676"), ("new-in", "+919812345675")):
        assert calls[kept].caller == phone and calls[kept].masked_at is None
    # the call-centre report of that day counts exactly as before
    assert after["total"] == before["total"] and after["by_hour"] == before["by_hour"]
    assert before["total"]["offered"] >= 2
    # WhatsApp: number, profile name, step data and transcript of the old conversation are gone
    old = chats[old_chat]
    assert old.phone == "masked-1111" and old.profile_name == "" and old.data == {} and old.masked_at is not None
    old_messages = [m for m in messages if m.conversation_id == old_chat]
    assert [(m.direction, m.kind, m.author) for m in old_messages] == [
        ("in", "text", "citizen"), ("out", "text", "bot"), ("in", "image", "citizen")]  # counts stay
    assert all(m.text == "" and m.media is None for m in old_messages)
    assert "masked-1111" in sent and sent["masked-1111"].body == {} and sent["masked-1111"].state == "sent"
    # recent and open conversations are untouched
    for kept, phone in ((new_chat, "+919822222222"), (open_chat, "+919833333333")):
        assert chats[kept].phone == phone and chats[kept].masked_at is None and chats[kept].profile_name == "Ram Prasad"
        assert all(m.text for m in messages if m.conversation_id == kept)
        assert sent[phone].body == {"text": "Your name please?"}

    # the next pass finds nothing more to do; months later the recent ones go too
    stamp = calls["old-in"].masked_at
    await job.tick()
    later = DeadlineJob(db, ctx.policy, clock=lambda: NOW + timedelta(days=200), extra=retention.apply)
    await later.tick()
    async with db.sessions() as session:
        calls = {c.linkedid: c for c in (await session.scalars(select(Call))).all()}
        chats = {c.id: c for c in (await session.scalars(select(ChatConversation))).all()}
        count = await session.scalar(select(func.count()).select_from(ChatMessage))
    assert calls["old-in"].masked_at == stamp
    assert calls["new-in"].caller == "masked-5675"
    assert chats[new_chat].phone == "masked-2222" and chats[open_chat].phone == "+919833333333"
    assert count == 9


async def test_retention_off_keeps_calls_and_chats(db: Database, ctx: AppContext) -> None:
    async with db.session_scope() as session:
        session.add(_call("old-in", OLD, "+919812345678"))
    await _chat(db, "+919811111111", OLD, "Transformer burnt")
    async with db.session_scope() as session:
        await Retention(0, ctx.tz).apply(session, NOW + timedelta(days=3650))
    async with db.sessions() as session:
        assert (await session.scalars(select(Call))).one().caller == "+919812345678"
        assert (await session.scalars(select(ChatConversation))).one().phone == "+919811111111"
