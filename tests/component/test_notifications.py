"""Notifications from the audit trail: one per lifecycle transition and recipient, whatever
crashes in between; the gateway down → retried, nothing lost, nothing twice; quiet hours;
officers told; a failed feedback call → a WhatsApp feedback request."""
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from agent_console.routes import api_messages
from grievance import service
from grievance.feedback import note_unanswered_call
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Who
from messaging.notify import notifier as notifier_module
from messaging.notify.notifier import Notifier
from storage.models import Officer, OutboundMessage
from tests.fakes import whatsapp_meta as meta
from tests.fakes.messaging_stack import MessagingStack

IST = ZoneInfo("Asia/Kolkata")
AGENT = Who(Actor.AGENT, "agent1")


class Clock:
    def __init__(self, at: datetime) -> None:
        self.now = at

    def __call__(self) -> datetime:
        return self.now


def noon_today() -> datetime:
    return datetime.now(IST).replace(hour=12, minute=0, second=0, microsecond=0).astimezone(timezone.utc)


async def register(stack: MessagingStack, phone: str, now: datetime | None = None) -> str:
    async with stack.db.session_scope() as session:
        complaint = await service.register(session, NewComplaint(
            phone=phone, name="Ram", district="LKO", department="ELE", category="ELE-SUPPLY",
            description="No electricity", language="en"), AGENT, stack.ctx.policy, now)
        return complaint.number


async def dispose(stack: MessagingStack, number: str, now: datetime | None = None) -> None:
    async with stack.db.session_scope() as session:
        complaint = await service.get(session, number)
        await service.dispose(session, number, "Line repaired", Who(Actor.OFFICER, "o", complaint.officer_code),
                              stack.ctx.policy, now)


async def feedback(stack: MessagingStack, number: str, result: str, now: datetime | None = None) -> None:
    async with stack.db.session_scope() as session:
        await service.record_feedback(session, number, result, AGENT, stack.ctx.policy, now)


async def lifecycle(stack: MessagingStack, phone: str) -> str:
    """register → dispose → dissatisfied (reopen) → dispose → dissatisfied (escalate) → dispose → closed."""
    number = await register(stack, phone)
    for result in ("dissatisfied", "dissatisfied", "satisfied"):
        await dispose(stack, number)
        await feedback(stack, number, result)
    return number


EXPECTED = Counter({"registered": 1, "disposed": 3, "reopened": 1, "escalated": 1, "closed": 1})


async def citizen_rows(stack: MessagingStack) -> list[OutboundMessage]:
    async with stack.db.session_scope() as session:
        return list((await session.scalars(select(OutboundMessage).where(OutboundMessage.recipient_kind == "citizen")
                                           .order_by(OutboundMessage.id))).all())


async def test_each_transition_once_even_when_the_notifier_dies_mid_pass(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async with MessagingStack(db_url, run=False, whatsapp=False) as stack:
        phones = [f"+9198100000{i:02d}" for i in range(6)]
        numbers = [await lifecycle(stack, p) for p in phones]

        # a notifier "killed" half-way through its pass: nothing it decided is kept
        real_put, calls = notifier_module.put, {"n": 0}

        async def dying_put(*args, **kwargs):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == 9:
                raise asyncio.CancelledError("killed")
            return await real_put(*args, **kwargs)

        monkeypatch.setattr(notifier_module, "put", dying_put)
        with pytest.raises(asyncio.CancelledError):
            await stack.parts["notifier"].pass_once()
        assert await citizen_rows(stack) == []
        monkeypatch.setattr(notifier_module, "put", real_put)

        # restarted notifiers (new processes) read from the cursor; more transitions happen while
        # each of them dies at another point of its pass (after 1, 3, 5, 7 decisions) or not at all
        more = [f"+9198200000{i:02d}" for i in range(4)]
        for index, phone in enumerate(more):
            numbers.append(await lifecycle(stack, phone))
            fresh = Notifier(stack.db, stack.parts["notifier"].available, tz=stack.ctx.tz,
                             clock=lambda: datetime.now(timezone.utc), batch=4)
            calls["n"], die_at = 0, 2 * index + 1

            async def dying_at(*args, **kwargs):  # type: ignore[no-untyped-def]
                calls["n"] += 1
                if calls["n"] == die_at:
                    raise asyncio.CancelledError("killed")
                return await real_put(*args, **kwargs)

            monkeypatch.setattr(notifier_module, "put", dying_at)
            with pytest.raises(asyncio.CancelledError):
                while await fresh.pass_once():
                    pass
            monkeypatch.setattr(notifier_module, "put", real_put)
            assert await fresh.pass_once() >= 0  # a pass that completes moves the cursor on

        assert await stack.notify() > 0
        rows = await citizen_rows(stack)
        for phone in phones + more:
            got = Counter(r.purpose for r in rows if r.recipient == phone)
            assert got == EXPECTED, (phone, got)
        assert {r.state for r in rows} == {"sent"} and {r.channel for r in rows} == {"sms"}
        # exactly one SMS per notification at the gateway, none twice
        references = Counter(m["reference"] for m in stack.sms.messages)
        assert len(references) == len(rows) and max(references.values()) == 1
        for number in numbers:
            assert sum(number in m["text"] for m in stack.sms.messages) == sum(EXPECTED.values())


@pytest.mark.postgres
async def test_two_notifiers_at_once_decide_each_event_once(pg_url: str) -> None:
    async with MessagingStack(pg_url, run=False, whatsapp=False) as stack:
        phones = [f"+9198300000{i:02d}" for i in range(8)]
        for phone in phones:
            await lifecycle(stack, phone)
        available = stack.parts["notifier"].available
        clock = lambda: datetime.now(timezone.utc)  # noqa: E731
        workers = [Notifier(stack.db, available, tz=stack.ctx.tz, clock=clock, batch=5) for _ in range(3)]

        async def drain(worker: Notifier) -> None:
            for _ in range(200):
                await worker.pass_once()

        await asyncio.gather(*(drain(w) for w in workers))
        rows = await citizen_rows(stack)
        assert len(rows) == len(phones) * sum(EXPECTED.values())
        assert sum(w.decided for w in workers) >= len(rows)
        assert len({r.dedupe_key for r in rows}) == len(rows)


async def test_gateway_down_retried_nothing_lost_nothing_twice(db_url: str) -> None:
    clock = Clock(noon_today())
    async with MessagingStack(db_url, run=False, whatsapp=False, clock=clock) as stack:
        stack.sms.down = True
        numbers = [await register(stack, f"+9198400000{i:02d}", clock.now) for i in range(5)]
        while await stack.parts["notifier"].pass_once():
            pass
        assert await stack.deliver() == 5
        assert stack.sms.refused == 5 and stack.sms.messages == []
        rows = await citizen_rows(stack)
        assert {(r.state, r.attempts) for r in rows} == {("pending", 1)}
        assert all(r.next_attempt_at > clock.now for r in rows) and "503" in rows[0].last_error
        assert await stack.deliver() == 0  # not due yet: backoff
        clock.now += timedelta(seconds=31)
        assert await stack.deliver() == 5  # still down: attempt 2
        stack.sms.down = False
        clock.now += timedelta(minutes=2)
        assert await stack.deliver() == 5
        clock.now += timedelta(hours=2)
        assert await stack.deliver() == 0
        texts = [m["text"] for m in stack.sms.messages]
        assert len(texts) == 5 and all(sum(n in t for t in texts) == 1 for n in numbers)
        rows = await citizen_rows(stack)
        assert {(r.state, r.attempts) for r in rows} == {("sent", 3)}
        sms = stack.sms.messages[0]
        assert sms["sender"] == "UPHELP" and sms["dlt_template_id"] == "1107000000000001"
        assert sms["dlt_entity_id"] == "1101000000000001" and sms["unicode"] is False


async def test_hindi_sms_goes_as_unicode_and_gives_up_after_max_attempts(db_url: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(noon_today())
    # The supervisor's retry is due "now" on the helpline's clock: the test's, not the wall clock
    # (after noon on the wall clock, a retry stamped with it was not yet due for the worker).
    monkeypatch.setattr(api_messages, "utcnow", lambda: clock.now)
    async with MessagingStack(db_url, run=False, whatsapp=False, clock=clock,
                              delivery={"max_attempts": 2}) as stack:
        async with stack.db.session_scope() as session:
            await service.register(session, NewComplaint(
                phone="+919850000001", name="सीता", district="LKO", department="ELE", category="ELE-SUPPLY",
                description="बिजली नहीं", language="hi"), AGENT, stack.ctx.policy, clock.now)
        stack.sms.down = True
        while await stack.parts["notifier"].pass_once():
            pass
        await stack.deliver()
        clock.now += timedelta(minutes=5)
        await stack.deliver()
        rows = await citizen_rows(stack)
        assert [(r.state, r.attempts) for r in rows] == [("failed", 2)]
        backlog = (await stack.client.get("/api/v1/messages/backlog", headers=await _supervisor(stack))).json()
        assert backlog["failed"] == 1 and backlog["failures"][0]["to"].endswith("0001")
        assert "9850000001" not in str(backlog)
        stack.sms.down = False
        retried = await stack.client.post(f"/api/v1/messages/{rows[0].id}/retry", headers=await _supervisor(stack))
        assert retried.status_code == 202
        await stack.deliver()
        sms = stack.sms.messages[-1]
        assert sms["unicode"] is True and "शिकायत संख्या" in sms["text"] and sms["parts"] >= 2
        again = await stack.client.post(f"/api/v1/messages/{rows[0].id}/retry", headers=await _supervisor(stack))
        assert again.status_code == 404 and again.json()["error"]["id"] == "not_found"  # sent: nothing to retry


async def _supervisor(stack: MessagingStack) -> dict[str, str]:
    from storage.queries import users as user_q
    from tests.helpers import make_user, token

    async with stack.db.session_scope() as session:
        exists = await user_q.by_username(session, "super")
    if exists is None:
        await make_user(stack.db, "super", "supervisor")
    return await token(stack.client, "super")


async def test_quiet_hours_hold_notifications_not_chat_replies(db_url: str) -> None:
    late = datetime.now(IST).replace(hour=22, minute=30, second=0, microsecond=0).astimezone(timezone.utc)
    clock = Clock(late)
    async with MessagingStack(db_url, run=False, clock=clock, settings={"quiet_hours": "21:00-08:00"}) as stack:
        await stack.send(meta.text("919860000001", "hello"))  # the citizen writes at night: the bot answers
        assert await stack.deliver() == 1 and len(stack.graph.received) == 1
        await register(stack, "+919860000002", clock.now)
        while await stack.parts["notifier"].pass_once():
            pass
        assert await stack.deliver() == 0 or not stack.sms.messages
        rows = [r for r in await citizen_rows(stack) if r.purpose == "registered"]
        morning = datetime.combine(late.astimezone(IST).date() + timedelta(days=1), datetime.min.time(), IST) \
            .replace(hour=8)
        assert rows[0].state == "pending" and rows[0].next_attempt_at == morning.astimezone(timezone.utc)
        assert rows[0].attempts == 0
        clock.now = morning.astimezone(timezone.utc) + timedelta(minutes=1)
        assert await stack.deliver() == 1 and len(stack.sms.messages) == 1


async def test_whatsapp_for_those_who_wrote_else_sms_and_template_outside_the_window(db_url: str) -> None:
    clock = Clock(noon_today())
    async with MessagingStack(db_url, run=False, clock=clock) as stack:
        await stack.send(meta.text("919870000001", "hi"))
        await stack.deliver()
        on_whatsapp = await register(stack, "+919870000001", clock.now)
        by_sms = await register(stack, "+919870000002", clock.now)
        await stack.notify()
        assert any(on_whatsapp in m.get("text", {}).get("body", "") for m in stack.graph.to("919870000001"))
        assert [m for m in stack.sms.messages if by_sms in m["text"]] and not stack.graph.to("919870000002")
        clock.now += timedelta(days=2)  # the 24 h window has closed: an approved template
        await dispose(stack, on_whatsapp, clock.now)
        await stack.notify()
        template = stack.graph.to("919870000001")[-1]
        assert template["type"] == "template" and template["template"]["name"] == "helpline_disposed"
        params = [p["text"] for p in template["template"]["components"][0]["parameters"]]
        assert params == [on_whatsapp, "Line repaired"]


async def test_whatsapp_refusal_falls_back_to_sms(db_url: str) -> None:
    clock = Clock(noon_today())
    async with MessagingStack(db_url, run=False, clock=clock) as stack:
        await stack.send(meta.text("919880000001", "hi"))
        await stack.deliver()
        stack.graph.fail(1, status=400, code=131026)  # message undeliverable: not a WhatsApp user now
        number = await register(stack, "+919880000001", clock.now)
        await stack.notify()
        assert [m for m in stack.sms.messages if number in m["text"]]
        rows = [r for r in await citizen_rows(stack) if r.purpose == "registered"]
        assert [(r.channel, r.state) for r in rows] == [("sms", "sent")] and "131026" in rows[0].last_error


async def test_officers_told_of_assignments_and_reminded(db_url: str) -> None:
    clock = Clock(noon_today())
    async with MessagingStack(db_url, run=False, whatsapp=False, clock=clock,
                              settings={"officer_digest_at": "08:00"}) as stack:
        async with stack.db.session_scope() as session:
            await session.execute(update(Officer).where(Officer.code == "ELE-LKO-L1").values(phone="+919890000001"))
        number = await register(stack, "+919890000009", clock.now)
        await stack.notify()
        officer_sms = [m for m in stack.sms.messages if m["to"] == "919890000001"]
        assert len(officer_sms) == 1 and number in officer_sms[0]["text"] and "सौंपी" in officer_sms[0]["text"]
        # ELE-SUPPLY has 2 days: due the day after tomorrow; move to tomorrow morning → due "tomorrow"
        clock.now = clock.now + timedelta(days=1)
        reminders = stack.parts["reminders"]
        assert await reminders.tick() == 1
        assert await reminders.tick() == 0  # once a day, whatever the number of ticks or processes
        await stack.deliver()
        due = [m for m in stack.sms.messages if m["to"] == "919890000001"][-1]
        assert "कल तक" in due["text"] and number in due["text"]
        clock.now = clock.now + timedelta(days=2)  # now overdue: the morning digest lists it
        assert await reminders.tick() == 1
        await stack.deliver()
        digest = [m for m in stack.sms.messages if m["to"] == "919890000001"][-1]
        assert "समय-सीमा पार" in digest["text"] and number in digest["text"]


async def test_failed_feedback_call_brings_a_whatsapp_feedback_request(db_url: str) -> None:
    clock = Clock(noon_today())
    async with MessagingStack(db_url, run=False, clock=clock) as stack:
        await stack.send(meta.text("919891000001", "hi"))
        await stack.send(meta.button_reply("919891000001", "lang:hi"))
        number = await register(stack, "+919891000001", clock.now)
        await dispose(stack, number, clock.now)
        async with stack.db.session_scope() as session:
            complaint = await service.get(session, number)
            await note_unanswered_call(session, complaint, clock.now, {"attempt": 1, "outcome": "no_answer"})
        await stack.notify()
        request = stack.graph.to("919891000001")[-1]
        assert request["type"] == "interactive" and "कॉल किया" in request["interactive"]["body"]["text"]
        buttons = [b["reply"]["id"] for b in request["interactive"]["action"]["buttons"]]
        assert buttons == [f"fb:{number}:satisfied", f"fb:{number}:dissatisfied"]
        await stack.send(meta.button_reply("919891000001", buttons[0]))
        async with stack.db.session_scope() as session:
            assert (await service.get(session, number)).state == "closed"
        # nobody is asked by SMS (buttons need WhatsApp)
        assert not [m for m in stack.sms.messages if "कॉल किया" in m["text"]]


async def test_officer_reminder_by_email_when_configured(db_url: str) -> None:
    from tests.fakes.smtp_server import FakeSmtpServer

    clock = Clock(noon_today())
    async with FakeSmtpServer() as smtp:
        async with MessagingStack(db_url, run=False, whatsapp=False, sms=False, clock=clock,
                                  settings={"smtp_url": smtp.url, "mail_from": "helpline@up.gov.in"}) as stack:
            async with stack.db.session_scope() as session:
                await session.execute(update(Officer).where(Officer.code == "ELE-LKO-L1")
                                      .values(email="ee.lucknow@example.in"))
            number = await register(stack, "+919892000001", clock.now)
            await stack.notify()
        assert len(smtp.messages) == 1
        sender, recipients, mail = smtp.messages[0]
        assert (sender, recipients) == ("helpline@up.gov.in", ["ee.lucknow@example.in"])
        assert number in mail["Subject"] and number in mail.get_content()


async def test_two_processes_deliver_each_message_once(db_url: str) -> None:
    from messaging.channels import Channels
    from messaging.delivery import Delivery
    from messaging.sms.gateway import SmsConfig, SmsGateway
    from storage.db import Database

    async with MessagingStack(db_url, run=False, whatsapp=False) as stack:
        numbers = [await register(stack, f"+9198930000{i:02d}") for i in range(24)]
        while await stack.parts["notifier"].pass_once():
            pass
        engines = [Database(db_url), Database(db_url)]  # two `helpline serve` processes
        gateways = [SmsGateway(SmsConfig(url=stack.sms.send_url, api_key=stack.sms.api_key)) for _ in engines]
        workers = [Delivery(db, Channels(sms=gw), tz=stack.ctx.tz, quiet=None,
                            clock=lambda: datetime.now(timezone.utc), batch=5) for db, gw in zip(engines, gateways)]
        try:
            async def drain(worker: Delivery) -> None:
                while await worker.pass_once():
                    pass

            await asyncio.gather(*(drain(w) for w in workers))
        finally:
            for gateway in gateways:
                await gateway.aclose()
            for db in engines:
                await db.dispose()
        assert sum(w.sent for w in workers) == 24
        references = Counter(m["reference"] for m in stack.sms.messages)
        assert len(references) == 24 and set(references.values()) == {1}
        assert all(sum(n in m["text"] for m in stack.sms.messages) == 1 for n in numbers)


async def test_admin_sets_an_officers_phone_and_email_for_reminders(db_url: str) -> None:
    from tests.fakes.console import form_login, page_csrf
    from tests.helpers import make_user

    async with MessagingStack(db_url, run=False) as stack:
        await make_user(stack.db, "root", "admin")
        assert (await form_login(stack.client, "root")).status_code in (302, 303)
        csrf = await page_csrf(stack.client, "/admin")
        saved = await stack.client.post("/admin/officers/ELE-LKO-L1/phone", data={
            "csrf_token": csrf, "phone": "98900 00001", "email": "ee.lucknow@example.in"})
        assert saved.status_code < 400, saved.text[:300]
        refused = await stack.client.post("/admin/officers/ELE-LKO-L1/phone", data={
            "csrf_token": csrf, "phone": "98900 00001", "email": "not an address"})
        assert refused.status_code == 422 and "name@example.in" in refused.text
        async with stack.db.session_scope() as session:
            officer = await session.get(Officer, "ELE-LKO-L1")
        assert (officer.phone, officer.email) == ("+919890000001", "ee.lucknow@example.in")
        page = await stack.client.get("/admin")
        assert 'value="ee.lucknow@example.in"' in page.text
