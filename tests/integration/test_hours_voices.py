"""Issue 14 on the real Asterisk: a call after hours (service hours set so that the application's
clock says closed) hears why and when agents are back and still checks a status; a holiday and a
callback; the emergency message before the menu; an uploaded recording is the file Asterisk plays;
a broadcast to three SIPp numbers (one confirms, one hangs up half-way, one busy: retried)."""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from grievance.lifecycle import Actor
from grievance.phones import normalise_phone
from grievance.service import NewComplaint, Policy, Who, register
from ivr import hours_admin
from ivr.hours import DAY_NAMES
from ivr.speech import year_prompts
from storage.queries import hours as hours_q
from tests.component.test_recorded_voices import tone
from tests.integration.harness.lab import Lab
from tests.integration.harness.sip import Caller

IST = ZoneInfo("Asia/Kolkata")
POLICY = Policy(timezone=IST, feedback_delay=timedelta(minutes=0))


async def _complaint(lab: Lab, phone: str) -> str:
    async with lab.db() as db, db.session_scope() as session:
        complaint = await register(session, NewComplaint(
            phone=normalise_phone(phone, from_pbx=True), name="Sita Devi", district="LKO", department="ELE",
            category="ELE-SUPPLY", description="No electricity in the village for three days."),
            Who(Actor.AGENT, "agent1"), POLICY, now=datetime.now(timezone.utc))
        return complaint.number


async def _closed_until(lab: Lab, day: date) -> None:
    """helpline-hi open only on `day`'s weekday (a later day): closed now."""
    async with lab.db() as db, db.session_scope() as session:
        await hours_admin.set_hours(session, "helpline-hi", [DAY_NAMES[day.weekday()]], "08:00", "20:00", "lab",
                                    datetime.now(timezone.utc))


async def _reset(lab: Lab) -> None:
    async with lab.db() as db, db.session_scope() as session:
        await hours_admin.always_open(session, "helpline-hi")
        for h in await hours_q.holidays(session):
            await hours_q.remove_holiday(session, h.day)


def _names(lab: Lab, channel: str) -> list[str]:
    return [f.rsplit(".", 1)[0] for f, _ in lab.played(channel)]


async def _channel(ami, caller_no: str) -> str:  # type: ignore[no-untyped-def]
    return (await ami.wait(lambda e: e.event == "Newchannel" and e.get("CallerIDNum") == caller_no,
                           10, "the caller's channel")).get("Channel")


async def test_after_hours_caller_hears_why_and_when_then_checks_a_status(lab: Lab) -> None:
    caller_no = "9876500041"
    number = await _complaint(lab, caller_no)
    today = datetime.now(IST).date()
    back = today + timedelta(days=2)
    await _closed_until(lab, back)
    said = ["hours-opens-before", f"num-{back.day}", f"month-{back.month}",
            *[p.split("/", 1)[1] for p in year_prompts(back.year, "hi")], "hours-opens-at", "num-8", "hours-opens-oclock"]
    try:
        async with lab.observer() as ami:
            call = await lab.call(Caller(caller=caller_no, steps=[
                ("pause", 1200), ("dtmf", "1"),                      # Hindi
                ("pause", lab.prompt_ms("hi", "main-open-complaints") + 800), ("dtmf", "0"),  # an agent, please
                ("pause", lab.prompt_ms("hi", "closed-hours", *said) + 1500), ("dtmf", "2"),  # status, after hours
                ("pause", 2500), ("dtmf", number),
                ("pause", 20000)]))
            assert await call.finished(120) == 0, call.errors()
            channel = await _channel(ami, caller_no)
            mine = [e for e in ami.events if e.get("Channel") == channel]
        values = lambda name: [e.get("Value") for e in mine if e.event == "VarSet" and e.get("Variable") == name]  # noqa: E731
        assert "0" in values("HELPLINE_OPEN") and "hours" in values("HELPLINE_CLOSED_REASON")
        names = _names(lab, channel)
        closed = names.index("helpline/closed-hours")
        assert names[closed + 1:closed + 1 + len(said)] == [f"helpline/{n}" for n in said]
        assert "helpline/closed-menu" in names[closed:]
        assert "helpline/queue-connecting" not in names  # nobody put in an empty queue
        assert "found" in values("HELPLINE_STATUS_RESULT") and values("HELPLINE_COMPLAINT_NO")[-1] == number
        assert "helpline/status-your-complaint" in names
        assert any(v.startswith("lang:hi>main:0>closed:in>closed:2") for v in values("HELPLINE_IVR_PATH"))
        assert not any(e.event == "QueueCallerJoin" for e in mine)
    finally:
        await _reset(lab)


async def test_on_a_holiday_the_caller_asks_for_a_callback(lab: Lab) -> None:
    caller_no = "9876500042"
    today = datetime.now(IST).date()
    async with lab.db() as db, db.session_scope() as session:
        await hours_admin.set_hours(session, "helpline-hi", list(DAY_NAMES), "00:00", "00:00", "lab",
                                    datetime.now(timezone.utc))
        await hours_admin.add_holiday(session, today.isoformat(), "Lab holiday", "अवकाश", "lab")
    try:
        async with lab.observer() as ami:
            call = await lab.call(Caller(caller=caller_no, steps=[
                ("pause", 1200), ("dtmf", "1"), ("pause", 1500), ("dtmf", "0"),
                ("pause", lab.prompt_ms("hi", "closed-holiday", "hours-opens-before") + 6000), ("dtmf", "1"),
                ("pause", 12000)], wait_bye=True, max_wait_ms=30000))
            assert await call.finished(90) == 0, call.errors()
            channel = await _channel(ami, caller_no)
            mine = [e for e in ami.events if e.get("Channel") == channel]
        values = [e.get("Value") for e in mine if e.event == "VarSet" and e.get("Variable") == "HELPLINE_CLOSED_REASON"]
        assert "holiday" in values
        names = _names(lab, channel)
        assert "helpline/closed-holiday" in names and "helpline/closed-hours" not in names
        assert names[-1] == "helpline/callback-confirmed"
        callbacks = [e.get("Value") for e in mine if e.event == "VarSet" and e.get("Variable") == "HELPLINE_CALLBACK"]
        assert any(v for v in callbacks)
    finally:
        await _reset(lab)


async def test_the_emergency_message_plays_before_the_menu(lab: Lab) -> None:
    sup = await lab.user("emgsup", "supervisor")
    async with lab.http() as http:
        r = await http.put("/api/v1/emergency", headers=sup, json={
            "active": True, "text_hi": "बाढ़ के कारण कई ज़िलों में बिजली कटौती है।",
            "text_en": "Because of floods, power is cut in several districts."})
        assert r.status_code == 200, r.text
    try:
        async with lab.observer() as ami:
            call = await lab.call(Caller(caller="9876500043", steps=[("pause", 1200), ("dtmf", "1"), ("pause", 9000)]))
            assert await call.finished(60) == 0, call.errors()
            channel = await _channel(ami, "9876500043")
        played = lab.played(channel)
        names = [f.rsplit(".", 1)[0] for f, _ in played]
        emergency = names.index("helpline/emergency")
        assert played[emergency][1] == "hi"
        assert names.index("helpline/language-menu") < emergency < names.index("helpline/main-register")
        assert names.count("helpline/emergency") == 1
    finally:
        async with lab.http() as http:
            assert (await http.put("/api/v1/emergency", headers=sup, json={"active": False})).status_code == 200


async def test_an_uploaded_recording_is_what_asterisk_plays(lab: Lab) -> None:
    admin = await lab.user("voiceadmin", "admin")
    async with lab.http() as http:
        r = await http.put("/api/v1/admin/prompts/language-menu/hi", content=tone(seconds=2.0), headers=admin)
        assert r.status_code == 200, r.text
        digest = r.json()["sha256"]
    installed = lab.pbx.prompts / "hi" / "helpline" / "language-menu.wav"
    assert hashlib.sha256(installed.read_bytes()).hexdigest() == digest
    try:
        async with lab.observer() as ami:
            call = await lab.call(Caller(caller="9876500044", steps=[("pause", 2500), ("dtmf", "2"), ("pause", 2000)]))
            assert await call.finished(60) == 0, call.errors()
            channel = await _channel(ami, "9876500044")
        assert lab.played(channel)[0][0].rsplit(".", 1)[0] == "helpline/language-menu"
        assert lab.played(channel)[0][1] == "hi"
        # the full log names the file; the file Asterisk opened is the upload, byte for byte
        assert hashlib.sha256(installed.read_bytes()).hexdigest() == digest
    finally:
        async with lab.http() as http:
            assert (await http.delete("/api/v1/admin/prompts/language-menu/hi", headers=admin)).status_code == 200
    assert hashlib.sha256(installed.read_bytes()).hexdigest() != digest


async def _attempts_of(lab: Lab, campaign_id: int, phone: str) -> list:  # type: ignore[type-arg]
    from sqlalchemy import select

    from storage.models import CallAttempt

    async with lab.db() as db, db.sessions() as session:
        return list((await session.execute(select(CallAttempt).where(
            CallAttempt.campaign_id == campaign_id, CallAttempt.number.like(f"%{phone[-10:]}"))
            .order_by(CallAttempt.id))).scalars())


async def _settled(lab: Lab, campaign_id: int, phone: str) -> list | None:  # type: ignore[type-arg]
    attempts = await _attempts_of(lab, campaign_id, phone)
    return attempts if attempts and all(a.outcome for a in attempts) else None


async def test_a_broadcast_to_three_numbers(lab: Lab) -> None:
    """One presses 1 to confirm, one hangs up half-way, one is busy: the last two are retried."""
    from storage.models import CampaignContact
    from tests.integration.harness.lab import until
    from tests.integration.harness.pbx import TRUNK
    from tests.integration.harness.sip import Answerer

    sup = await lab.user("bcastsup", "supervisor")
    message = {"hi": "कल सुबह दस बजे से पंचायत भवन में टीकाकरण शिविर लगेगा। सभी आशा कार्यकर्ता समय से पहुँचें।",
               "en": "The vaccination camp opens at the panchayat hall at ten tomorrow. All ASHA workers, please be on time."}
    async with lab.http() as http:
        r = await http.post("/api/v1/campaigns", headers=sup, json={
            "name": "ASHA: vaccination camp", "kind": "announcement", "message": message,
            "confirm": {"prompt_hi": "निर्देश मिल गए हों तो 1 दबाएँ।", "prompt_en": "Press 1 if you have received the instructions.",
                        "digits": {"1": "received"}},
            "window": "00:00-23:59", "max_channels": 1, "calls_per_second": 1, "max_attempts": 3,
            "retry_minutes": {"busy": 7, "no_answer": 11}})
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
    message_ms = lab.prompt_ms("hi", f"announce-{cid}")
    numbers = {"confirms": "9876500061", "hangs_up": "9876500062", "busy": "9876500063"}
    far_ends = {
        # no key after the message ("press 1 to hear it again" times out in 5 s), then 1 during the
        # confirmation question (a window of its prompt plus 5 s, wide enough for a loaded machine)
        "confirms": Answerer(ring_ms=300, steps=[
            ("pause", message_ms + lab.prompt_ms("hi", "announce-again") + 5000 + 2000), ("dtmf", "1")]),
        "hangs_up": Answerer(ring_ms=300, hangup_after_ms=message_ms // 2),
        "busy": Answerer(mode="busy"),
    }
    started = False
    for who in ("confirms", "hangs_up", "busy"):  # one at a time: each number meets its own far end
        far_end = await lab.phone(TRUNK, far_ends[who])
        async with lab.http() as http:
            r = await http.post(f"/api/v1/campaigns/{cid}/contacts", headers={**sup, "content-type": "text/csv"},
                                content=f"name,phone\n{who},{numbers[who]}\n".encode())
            assert r.status_code == 200 and r.json()["imported"] == 1, r.text
            if not started:
                assert (await http.post(f"/api/v1/campaigns/{cid}/start", headers=sup)).status_code == 200
                started = True
        await until(lambda n=numbers[who]: _settled(lab, cid, n), 90, f"the call to the one who {who}")
        await far_end.stop()
        await lab.unregister(TRUNK)  # the next far end is the trunk's only contact
    async with lab.http() as http:
        assert (await http.post(f"/api/v1/campaigns/{cid}/pause", headers=sup)).status_code == 200
        progress = (await http.get(f"/api/v1/campaigns/{cid}", headers=sup)).json()["progress"]
        csv_text = (await http.get(f"/api/v1/campaigns/{cid}/results.csv", headers=sup)).text

    [confirmed] = await _attempts_of(lab, cid, numbers["confirms"])
    assert (confirmed.outcome, confirmed.result) == ("answered", "confirmed")
    [halfway] = await _attempts_of(lab, cid, numbers["hangs_up"])
    assert (halfway.outcome, halfway.result) == ("answered", "hangup")
    [busy] = await _attempts_of(lab, cid, numbers["busy"])
    assert busy.outcome == "busy" and busy.answered_at is None
    async with lab.db() as db, db.sessions() as session:
        from sqlalchemy import select
        contacts = {c.phone[-10:]: c for c in (await session.execute(select(CampaignContact).where(
            CampaignContact.campaign_id == cid))).scalars()}
    assert contacts[numbers["confirms"]].state == "completed"
    for who, minutes in (("hangs_up", 11), ("busy", 7)):  # retried after the campaign's delays
        contact = contacts[numbers[who]]
        assert (contact.state, contact.attempts) == ("queued", 1)
        ended = (halfway if who == "hangs_up" else busy).ended_at
        assert timedelta(minutes=minutes) - timedelta(seconds=5) <= contact.next_attempt_at - ended \
            <= timedelta(minutes=minutes, seconds=5)
    assert progress["announcement"] == {"answered": 2, "heard": 1, "confirmed": 1}
    rows = {line.split(",")[2][-10:]: line for line in csv_text.splitlines()[1:]}
    assert rows[numbers["confirms"]].split(",")[10:14] == ["confirmed", "yes", "yes", "yes"]
    assert rows[numbers["hangs_up"]].split(",")[10:14] == ["hangup", "yes", "no", "no"]
    assert rows[numbers["busy"]].split(",")[11:14] == ["no", "no", "no"]
    log = lab.pbx.full_log()
    assert f"helpline/announce-{cid}" in log and "DTMF end '1' received on PJSIP/trunk" in log
