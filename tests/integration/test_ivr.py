"""(b) The IVR in Hindi and English and (c) status by number, on the real dialplan: menus,
invalid and missing input, three failures to an agent, the open-complaints prompt a caller
may interrupt with 2, a wrong check digit asked again, then the status spoken."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from grievance.lifecycle import Actor
from grievance.phones import normalise_phone
from grievance.service import NewComplaint, Policy, Who, register
from tests.integration.harness.lab import Lab
from tests.integration.harness.sip import Caller

POLICY = Policy(timezone=ZoneInfo("Asia/Kolkata"), feedback_delay=timedelta(minutes=0))


def _path_of(ami, channel_prefix: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.get("Value") for e in ami.named("VarSet", Variable="HELPLINE_IVR_PATH")
            if e.get("Channel", "").startswith(channel_prefix)]


async def _complaint(lab: Lab, phone: str) -> str:
    async with lab.db() as db, db.session_scope() as session:
        complaint = await register(session, NewComplaint(
            phone=normalise_phone(phone, from_pbx=True), name="Sita Devi", district="LKO", department="ELE",
            category="ELE-SUPPLY", description="No electricity in the village for three days."),
            Who(Actor.AGENT, "agent1"), POLICY, now=datetime.now(timezone.utc))
        return complaint.number


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


async def test_hindi_caller_interrupts_the_open_complaints_prompt_and_hears_a_status(lab: Lab) -> None:
    caller_no = "9876500011"
    number = await _complaint(lab, caller_no)
    async with lab.observer() as ami:
        call = await lab.call(Caller(caller=caller_no, steps=[
            ("pause", 1200), ("dtmf", "1"),              # Hindi
            ("pause", 900), ("dtmf", "2"),               # during "you have open complaints ... press 2"
            ("pause", 2500), ("dtmf", _wrong_check_digit(number)),
            ("pause", lab.prompt_ms("hi", "complaint-number-invalid", "input-try-again") + 1200),
            ("dtmf", number),
            ("pause", 22000)]))
        assert await call.finished(90) == 0, call.errors()
        channel = (await ami.wait(lambda e: e.event == "Newchannel" and e.get("CallerIDNum") == caller_no,
                                  5, "the caller's channel")).get("Channel")
        mine = [e for e in ami.events if e.get("Channel") == channel]
    # Asterisk: the main menu's digit 2 came during the open-complaints prompt, before the menu
    exts = [(e.get("Context"), e.get("Extension"), e.get("Application")) for e in mine if e.event == "Newexten"]
    bg = exts.index(("helpline-main", "s", "BackGround"))
    assert "helpline/main-open-complaints" in next(
        e.get("AppData") for e in mine if e.event == "Newexten" and e.get("Application") == "BackGround"
        and e.get("Context") == "helpline-main")
    assert exts[bg + 1][:2] == ("helpline-main", "2")
    played = [f for f, lang in lab.played(channel)]
    assert all(lang == "hi" for _, lang in lab.played(channel))
    assert "helpline/main-register.slin" not in played[:played.index("helpline/main-open-complaints.slin") + 2]
    # the wrong check digit: asked again; then the status spoken, file by file
    def values(name: str) -> list[str]:
        return [e.get("Value") for e in mine if e.event == "VarSet" and e.get("Variable") == name]
    assert "found" in values("HELPLINE_STATUS_RESULT")
    assert values("HELPLINE_COMPLAINT_NO")[-1] == number
    names = [f.rsplit(".", 1)[0] for f in played]
    first = names.index("helpline/status-enter-number")
    invalid = names.index("helpline/complaint-number-invalid")
    assert first < invalid < names.index("helpline/status-enter-number", invalid)
    spoken = names[names.index("helpline/status-your-complaint"):]
    assert spoken[1:12] == [f"helpline/num-{d}" for d in number], spoken
    assert "helpline/state-registered" in spoken or "helpline/state-at-l1" in spoken, spoken
    assert "helpline/dept-ele" in spoken and "helpline/status-due-date" in spoken
    assert _path_of(ami, channel)[-1].startswith("lang:hi>main:2")


async def test_english_caller_invalid_twice_then_silent_goes_to_an_agent(lab: Lab) -> None:
    caller_no = "9876500012"
    async with lab.observer() as ami:
        call = await lab.call(Caller(caller=caller_no, steps=[
            ("pause", 1200), ("dtmf", "2"),               # English
            ("pause", 1500), ("dtmf", "7"),               # invalid
            ("pause", lab.prompt_ms("en", "invalid-choice") + 1000), ("dtmf", "8"),  # invalid again
            ("pause", 40000)], wait_bye=False))           # then nothing: no input -> third failure
        await ami.wait(lambda e: e.event == "Newexten" and e.get("Context") == "helpline-agent"
                       and e.get("CallerIDNum") == caller_no, 60, "the caller sent to an agent")
        await ami.wait(lambda e: e.event == "VarSet" and e.get("Variable") == "QUEUESTATUS"
                       and e.get("CallerIDNum") == caller_no, 30, "QUEUESTATUS")
        channel = (await ami.wait(lambda e: e.event == "Newchannel" and e.get("CallerIDNum") == caller_no,
                                  5, "the caller's channel")).get("Channel")
        await ami.send("Hangup", Channel=channel)
        assert await call.finished(30) == 0, call.errors()
        mine = [e for e in ami.events if e.get("Channel") == channel]
    keys = [e.get("Extension") for e in mine if e.event == "Newexten" and e.get("Context") == "helpline-main"
            and e.get("Priority") == "1" and e.get("Extension") != "s"]
    assert keys == ["i", "i", "t"]
    assert _path_of(ami, channel)[-1] == "lang:en>main:i>main:i>main:t"
    played = lab.played(channel)
    assert played[0] == ("helpline/language-menu.slin", "hi")  # Hindi first, until the caller chooses
    assert {lang for _, lang in played[1:]} == {"en"}
    names = [f.rsplit(".", 1)[0] for f, _ in played]
    assert names.count("helpline/invalid-choice") == 2
    assert "helpline/queue-connecting" in names
    queue_status = [e.get("Value") for e in mine if e.event == "VarSet" and e.get("Variable") == "QUEUESTATUS"]
    assert queue_status[0] == "JOINEMPTY"  # nobody logged in to helpline-en: straight to the callback offer
    assert [e.get("Value") for e in mine if e.event == "VarSet" and e.get("Variable") == "HELPLINE_QUEUE"][-1] \
        == "helpline-en"
