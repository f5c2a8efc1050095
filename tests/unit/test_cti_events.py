"""Typed AMI events from the real Asterisk 22 captures (and Asterisk-shaped list items)."""
from __future__ import annotations

import dataclasses
import logging

import pytest

from cti import events as ev
from cti.ami.framing import AmiFramer, AmiMessage
from cti.events import from_ami
from tests.traces import TRACES, ami

CAPTURES = sorted(p.name[:-4] for p in (TRACES / "ami").glob("*.txt")
                  if not p.name.endswith(".actions.txt"))


def messages(name: str) -> list[AmiMessage]:
    return AmiFramer().feed(ami(name))


def typed(name: str) -> list[ev.Event]:
    return [e for e in map(from_ami, messages(name)) if e is not None]


def of(name: str, cls: type) -> list:
    return [e for e in typed(name) if type(e) is cls]


def wire(*lines: str) -> AmiMessage:
    """One message through the real framer, written the way Asterisk writes it."""
    data = ("\r\n".join(lines) + "\r\n\r\n").encode()
    (msg,) = AmiFramer().feed(b"Asterisk Call Manager/11.0.0\r\n" + data)
    return msg


def test_agent_ring_no_answer_ring_time_is_milliseconds() -> None:
    (rna,) = of("agent-ring-no-answer", ev.AgentRingNoAnswer)
    assert rna.ring_time_ms == 15000
    assert rna.interface == "PJSIP/agent1001"
    assert rna.member_name == "Agent 1001"
    assert rna.dest_channel == "PJSIP/agent1001-00000004"
    assert rna.caller == "919811122233"
    assert rna.linkedid == "1795362098.3"


def test_agent_connect_and_complete_times_are_seconds() -> None:
    (connect,) = of("inbound-answered", ev.AgentConnect)
    assert (connect.hold_time_s, connect.ring_time_s) == (1, 1)
    (complete,) = of("inbound-answered", ev.AgentComplete)
    assert (complete.hold_time_s, complete.talk_time_s, complete.reason) == (1, 3, "caller")
    (connect,) = of("agent-ring-no-answer", ev.AgentConnect)
    assert (connect.hold_time_s, connect.ring_time_s) == (18, 1)
    assert connect.interface == "PJSIP/agent1002"


def test_timestamp_is_a_float_from_the_header() -> None:
    (join,) = of("inbound-answered", ev.QueueCallerJoin)
    assert join.ts == pytest.approx(1795362080.474639)
    assert (join.queue, join.position, join.count) == ("helpline-hi", 1, 1)


def test_message_without_timestamp_takes_now() -> None:
    members = [e for e in map(lambda m: from_ami(m, now=123.5), messages("queue-admin"))
               if isinstance(e, ev.QueueMember)]
    assert [m.ts for m in members] == [123.5, 123.5, 123.5]
    assert from_ami(messages("login-ok")[1], now=7.0) == ev.FullyBooted(7.0, 2)


def test_hangup_cause_is_q850_int_with_text() -> None:
    caller, agent = of("inbound-answered", ev.Hangup)
    assert (caller.cause, caller.cause_txt, caller.tech_cause) == (16, "Normal Clearing", None)
    assert caller.channel == "PJSIP/sipp-trunk-00000000"
    (busy,) = of("originate-busy", ev.Hangup)
    assert (busy.cause, busy.cause_txt, busy.tech_cause) == (17, "User busy", 486)
    (abandoned,) = of("inbound-abandoned", ev.Hangup)
    assert (abandoned.cause, abandoned.cause_txt) == (0, "Unknown")


def test_soft_hangup_request_is_its_own_type() -> None:
    (soft,) = of("inbound-abandoned", ev.SoftHangupRequest)
    assert soft.cause == 16  # Asterisk's value, while the Hangup says 0
    (request,) = of("originate-congestion", ev.HangupRequest)
    assert (request.cause, request.tech_cause) == (34, 503)


def test_varset_keeps_helpline_and_status_variables_only() -> None:
    kept = {e.variable for e in of("burst", ev.VarSet)}
    assert kept == {"HELPLINE_LANG", "HELPLINE_CALLER_KNOWN", "HELPLINE_OPEN_COMPLAINTS",
                    "HELPLINE_TRIES", "AGISTATUS", "QUEUESTATUS"}
    raw = [m for m in messages("burst") if m.event == "VarSet"]
    noise = [m for m in raw if m.get("Variable", "").startswith("RTPAUDIOQOS")]
    assert noise and all(from_ami(m) is None for m in noise)
    assert len(raw) == 867


def test_varset_value_keeps_utf8() -> None:
    values = {e.variable: e.value for e in of("agi-errors", ev.VarSet)}
    assert values["HELPLINE_TEXT_HI"] == "शिकायत की स्थिति: लंबित"
    assert values["HELPLINE_NOTE"] == "value with spaces  and two spaces"


def test_newexten_only_for_agi_and_queue() -> None:
    exts = of("inbound-answered", ev.Newexten)
    assert [(e.application, e.agi_script) for e in exts] == [
        ("AGI", "caller-lookup"), ("AGI", "complaint-status"), ("Queue", None)]
    assert exts[2].app_data == "helpline-hi,,,,60"
    assert exts[1].exten == "2" and exts[1].context == "helpline-main"


def test_dtmf_digits() -> None:
    digits = "".join(e.digit for e in of("inbound-answered", ev.DTMFEnd))
    assert digits == "1" + "2" + "25110004271" + "0"
    first = of("inbound-answered", ev.DTMFEnd)[0]
    assert (first.duration_ms, first.direction) == (200, "Received")


def test_originate_response_failed_has_no_uniqueid() -> None:
    (resp,) = of("originate-busy", ev.OriginateResponse)
    assert (resp.response, resp.success, resp.reason) == ("Failure", False, 0)
    assert resp.uniqueid is None
    assert resp.channel == "PJSIP/sipp-uas"
    assert resp.action_id == "dialer-busy-42"
    (resp,) = of("originate-busy-channelid", ev.OriginateResponse)
    assert resp.uniqueid == "helpline-dialer-42-0001"
    (resp,) = of("originate-answered", ev.OriginateResponse)
    assert (resp.success, resp.reason, resp.uniqueid) == (True, 4, "1795362165.9")
    assert resp.context == "helpline-feedback"


def test_originate_dial_has_no_calling_channel() -> None:
    (begin,) = of("originate-busy", ev.DialBegin)
    assert begin.channel is None and begin.uniqueid is None
    assert begin.linkedid == begin.dest_uniqueid == "1795362172.10"
    assert begin.dial_string == "sipp-uas"
    (end,) = of("originate-busy", ev.DialEnd)
    assert end.dial_status == "BUSY"


def test_two_dial_ends_after_ring_no_answer() -> None:
    ends = of("agent-ring-no-answer", ev.DialEnd)
    assert [(e.dest_channel, e.dial_status) for e in ends] == [
        ("PJSIP/agent1001-00000004", "NOANSWER"), ("PJSIP/agent1001-00000004", "CANCEL"),
        ("PJSIP/agent1002-00000005", "ANSWER")]


def test_unknown_caller_number_is_none() -> None:
    (new,) = of("originate-answered", ev.Newchannel)
    assert new.caller is None
    assert (new.context, new.exten, new.state) == ("lab-test", "s", 0)
    (cid,) = of("originate-answered", ev.NewCallerid)
    assert (cid.caller, cid.caller_name) == ("1076", "Helpline 1076")


def test_queue_member_events() -> None:
    added, pause, unpause, removed = (
        e for e in typed("queue-admin")
        if isinstance(e, (ev.QueueMemberAdded, ev.QueueMemberPause, ev.QueueMemberRemoved)))
    assert isinstance(added, ev.QueueMemberAdded) and isinstance(removed, ev.QueueMemberRemoved)
    assert (added.queue, added.interface, added.member_name) == (
        "helpline-hi", "PJSIP/agent1001", "Agent 1001")
    assert (added.paused, added.paused_reason, added.status, added.membership) == (
        False, None, 1, "dynamic")
    assert (pause.paused, pause.paused_reason) == (True, "lunch")
    assert (unpause.paused, unpause.paused_reason) == (False, None)


def test_queue_status_list_items() -> None:
    items = [e for e in typed("queue-admin") if isinstance(e, (ev.QueueMember, ev.QueueParams))]
    member = items[1]
    assert isinstance(member, ev.QueueMember)
    assert (member.queue, member.interface, member.member_name) == (
        "helpline-hi", "PJSIP/agent1001", "Agent 1001")  # from Location / Name
    assert (member.status, member.in_call, member.action_id) == (1, False, "queue-admin-5")
    params = items[0]
    assert isinstance(params, ev.QueueParams)
    assert (params.queue, params.strategy, params.calls, params.action_id) == (
        "helpline-hi", "rrmemory", 0, "queue-admin-5")


def test_queue_entry_list_item() -> None:
    msg = wire("Event: QueueEntry", "Queue: helpline-hi", "Position: 2",
               "Channel: PJSIP/sipp-trunk-00000013", "Uniqueid: 1795362199.19",
               "CallerIDNum: 919700000001", "CallerIDName: <unknown>",
               "ConnectedLineNum: <unknown>", "ConnectedLineName: <unknown>", "Wait: 7",
               "Priority: 0", "ActionID: resync-2")
    entry = from_ami(msg, now=50.0)
    assert entry == ev.QueueEntry(50.0, "helpline-hi", 2, "PJSIP/sipp-trunk-00000013",
                                  "1795362199.19", "919700000001", 7, "resync-2")


def test_core_show_channel_list_item() -> None:
    msg = wire("Event: CoreShowChannel", "ActionID: resync-1",
               "Channel: PJSIP/sipp-trunk-00000013", "ChannelState: 6", "ChannelStateDesc: Up",
               "CallerIDNum: 919700000001", "CallerIDName: <unknown>",
               "ConnectedLineNum: <unknown>", "ConnectedLineName: <unknown>", "Language: hi",
               "AccountCode: ", "Context: helpline-main", "Exten: 0", "Priority: 2",
               "Uniqueid: 1795362199.19", "Linkedid: 1795362199.19", "BridgeId: ",
               "Application: Queue", "ApplicationData: helpline-hi,,,,60",
               "Duration: 01:02:05")
    chan = from_ami(msg, now=9.0)
    assert isinstance(chan, ev.CoreShowChannel)
    assert (chan.ts, chan.linkedid, chan.caller, chan.application) == (
        9.0, "1795362199.19", "919700000001", "Queue")
    assert (chan.duration_s, chan.bridge_id, chan.language, chan.state) == (3725, None, "hi", 6)


def test_shutdown_restart_flag() -> None:
    restart = from_ami(wire("Event: Shutdown", "Privilege: system,all",
                            "Timestamp: 1795362300.000100", "Shutdown: Cleanly", "Restart: True"))
    assert restart == ev.Shutdown(1795362300.0001, "Cleanly", True)
    stop = from_ami(wire("Event: Shutdown", "Shutdown: Uncleanly", "Restart: False"))
    assert isinstance(stop, ev.Shutdown) and stop.restart is False


def test_unknown_events_and_responses_are_none() -> None:
    for name in ("RTCPSent", "DeviceStateChange", "SuccessfulAuth", "MusicOnHoldStart",
                 "AGIExecStart", "NewConnectedLine", "QueueStatusComplete"):
        assert from_ami(wire(f"Event: {name}", "Privilege: call,all")) is None
    login, *_ = messages("login-ok")
    assert login.response == "Success" and from_ami(login) is None
    assert from_ami(AmiMessage([])) is None


def test_bad_number_skips_the_event_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    (good,) = [m for m in messages("inbound-answered") if m.event == "AgentConnect"]
    bad = AmiMessage([(k, "soon" if k == "HoldTime" else v) for k, v in good.items])
    with caplog.at_level(logging.WARNING, logger="cti.events"):
        assert from_ami(bad) is None
    assert "AgentConnect" in caplog.text
    missing = AmiMessage([(k, v) for k, v in good.items if k != "Interface"])
    assert from_ami(missing) is None


def test_events_are_frozen() -> None:
    (hangup, _) = of("inbound-answered", ev.Hangup)
    with pytest.raises(dataclasses.FrozenInstanceError):
        hangup.cause = 17  # type: ignore[misc]
    assert not hasattr(hangup, "__dict__")


@pytest.mark.parametrize("name", CAPTURES)
def test_every_capture_converts_without_error(name: str) -> None:
    msgs = messages(name)
    out = [from_ami(m) for m in msgs]
    known = [m for m in msgs if m.event in ev.EVENT_NAMES and m.event not in ("VarSet", "Newexten")]
    assert sum(1 for e in out if e is not None and not isinstance(e, (ev.VarSet, ev.Newexten))) \
        == len(known)
