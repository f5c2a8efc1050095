"""CallTracker on the real Asterisk 22 captures, one event at a time."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from cti import events as ev
from cti.ami.framing import AmiFramer
from cti.calls import CallChange, CallRecord, CallTracker
from cti.events import from_ami
from tests.traces import TRACES, ami

CAPTURES = sorted(p.name[:-4] for p in (TRACES / "ami").glob("*.txt")
                  if not p.name.endswith(".actions.txt"))


def typed(name: str) -> list[ev.Event]:
    return [e for e in map(from_ami, AmiFramer().feed(ami(name))) if e is not None]


def replay(events: list[ev.Event], tracker: CallTracker | None = None
           ) -> tuple[CallTracker, list[CallChange]]:
    tracker = tracker if tracker is not None else CallTracker()
    changes: list[CallChange] = []
    for event in events:
        changes += tracker.apply(event)
    return tracker, changes


def kinds(changes: list[CallChange]) -> list[str]:
    return [c.kind for c in changes]


def ended(changes: list[CallChange]) -> list[CallRecord]:
    return [c.call for c in changes if c.kind == "ended"]


def test_inbound_answered() -> None:
    tracker, changes = replay(typed("inbound-answered"))
    assert kinds(changes) == ["queued", "ringing", "answered", "ended"]
    assert len(tracker) == 0
    (call,) = ended(changes)
    assert call.id == "1795362053.0"
    assert (call.direction, call.caller, call.dialed, call.language) == (
        "inbound", "919812345678", "1076", "hi")
    assert call.menu_digits == ("1", "2", "0")
    assert call.agi_scripts == ("caller-lookup", "complaint-status")
    assert call.ivr_path == "1 > 2 (complaint-status) > 0"
    assert call.complaint_no == "25110004271"
    assert call.variables["HELPLINE_CALLER_KNOWN"] == "1"
    assert (call.queue, call.position) == ("helpline-hi", 1)
    assert (call.agent, call.member_name) == ("PJSIP/agent1001", "Agent 1001")
    assert (call.outcome, call.wait_s, call.talk_s, call.complete_reason) == (
        "answered", 1, 3, "caller")
    assert call.ended_at - call.answered_at == pytest.approx(2.8, abs=0.1)
    assert (call.hangup_cause, call.hangup_cause_txt) == (16, "Normal Clearing")
    assert call.ring_attempts == ()
    assert call.ended_at - call.started_at == pytest.approx(30.3, abs=0.1)


def test_ringing_change_carries_the_screen_pop() -> None:
    _, changes = replay(typed("inbound-answered"))
    ringing = changes[1]
    assert (ringing.kind, ringing.agent, ringing.member_name) == (
        "ringing", "PJSIP/agent1001", "Agent 1001")
    assert ringing.at == pytest.approx(1795362080.475866)
    assert ringing.waited_s == 0
    pop = ringing.call
    assert (pop.caller, pop.language, pop.queue) == ("919812345678", "hi", "helpline-hi")
    assert pop.ivr_path == "1 > 2 (complaint-status) > 0"
    assert pop.ringing_agent == "PJSIP/agent1001"
    assert pop.agent is None and pop.outcome is None


def test_inbound_abandoned() -> None:
    tracker, changes = replay(typed("inbound-abandoned"))
    assert kinds(changes) == ["queued", "ended"]
    (call,) = ended(changes)
    assert (call.caller, call.outcome, call.wait_s, call.hangup_cause) == (
        "919876543211", "abandoned", 5, 0)
    assert call.agent is None and call.ringing_agent is None and call.talk_s is None
    assert call.variables["HELPLINE_CALLER_KNOWN"] == "0"
    assert len(tracker) == 0


def test_ring_no_answer_then_next_agent_answers() -> None:
    _, changes = replay(typed("agent-ring-no-answer"))
    assert kinds(changes) == ["queued", "ringing", "ringing", "answered", "ended"]
    assert [c.agent for c in changes if c.kind == "ringing"] == [
        "PJSIP/agent1001", "PJSIP/agent1002"]
    assert changes[2].waited_s == 17
    (call,) = ended(changes)
    (attempt,) = call.ring_attempts
    assert (attempt.interface, attempt.ring_time_ms, attempt.result) == (
        "PJSIP/agent1001", 15000, "no_answer")
    assert (call.agent, call.outcome, call.wait_s, call.talk_s, call.hangup_cause) == (
        "PJSIP/agent1002", "answered", 18, 3, 16)


def test_burst_every_call_accounted_for() -> None:
    tracker = CallTracker()
    changes: list[CallChange] = []
    most_live = 0
    for event in typed("burst"):
        changes += tracker.apply(event)
        most_live = max(most_live, len(tracker))
    assert most_live == 20
    assert len(tracker) == 0
    calls = ended(changes)
    assert len(calls) == len({c.id for c in calls}) == 20
    assert Counter(kinds(changes)) == {"queued": 20, "ringing": 12, "answered": 12, "ended": 20}
    by_outcome: dict[str, set[str]] = {}
    for call in calls:
        by_outcome.setdefault(call.outcome or "", set()).add(call.caller or "")
    assert by_outcome["answered"] == {f"9198000000{n:02d}" for n in range(1, 13)}
    assert by_outcome["abandoned"] == {f"9197000000{n:02d}" for n in range(1, 6)}
    assert by_outcome["timeout"] == {"919800000013", "919800000014", "919800000015"}
    assert set(by_outcome) == {"answered", "abandoned", "timeout"}
    for call in calls:
        if call.outcome == "timeout":
            assert (call.wait_s, call.queue_status, call.hangup_cause) == (60, "TIMEOUT", 16)
        elif call.outcome == "abandoned":
            assert (call.wait_s, call.hangup_cause) == (11, 0)
        else:
            assert (call.talk_s, call.complete_reason, call.hangup_cause) == (10, "agent", 16)
    agents = Counter(c.agent for c in calls if c.outcome == "answered")
    assert agents == {"PJSIP/agent1001": 4, "PJSIP/agent1002": 4, "PJSIP/agent1003": 4}


@pytest.mark.parametrize(("name", "outcome", "cause", "dial_status"), [
    ("originate-answered", "answered", 16, "ANSWER"),
    ("originate-busy", "busy", 17, "BUSY"),
    ("originate-busy-channelid", "busy", 17, "BUSY"),
    ("originate-no-answer", "no_answer", 19, None),
    ("originate-congestion", "congestion", 34, "CONGESTION"),
    ("originate-unreachable", "no_answer", 19, None),
])
def test_originated_calls(name: str, outcome: str, cause: int, dial_status: str | None) -> None:
    tracker, changes = replay(typed(name))
    assert kinds(changes) == ["ended"]
    (call,) = ended(changes)
    assert (call.direction, call.attempt, call.complaint_no) == ("outbound", "42", "25110004271")
    assert (call.outcome, call.hangup_cause, call.dial_status) == (outcome, cause, dial_status)
    assert (call.caller, call.dialed) == ("1076", "sipp-uas")
    assert len(tracker) == 0


def test_originate_answered_keeps_the_feedback_digit() -> None:
    (call,) = ended(replay(typed("originate-answered"))[1])
    assert call.variables["HELPLINE_FEEDBACK"] == "2"
    assert call.originate_action_id == "dialer-answered-42"
    assert call.menu_digits == ()  # typed into the feedback AGI, not a menu


def test_originate_channelid_is_the_call_id() -> None:
    (call,) = ended(replay(typed("originate-busy-channelid"))[1])
    assert call.id == "helpline-dialer-42-0001"
    assert call.originate_action_id == "dialer-busy-channelid-42"


def test_originate_unregistered_makes_no_call() -> None:
    tracker, changes = replay(typed("originate-unregistered"))
    assert changes == [] and len(tracker) == 0


def test_caller_hangs_up_in_the_ivr() -> None:
    (call,) = ended(replay(typed("agi-hangup-during-get-data"))[1])
    assert (call.outcome, call.hangup_cause, call.queue) == ("ivr_only", 0, None)
    assert call.ivr_path == "1 > 2 (complaint-status)"
    (call,) = ended(replay(typed("agi-errors"))[1])
    assert (call.outcome, call.hangup_cause, call.dialed) == ("ivr_only", 16, "1079")


def test_ivr_path_variable_wins_over_digits() -> None:
    events = typed("inbound-abandoned")
    join = next(i for i, e in enumerate(events) if isinstance(e, ev.QueueCallerJoin))
    first = events[join]
    assert isinstance(first, ev.QueueCallerJoin)
    path = ev.VarSet(first.ts, first.channel, first.uniqueid, first.linkedid, first.caller,
                     "HELPLINE_IVR_PATH", "hi>agent")
    (call,) = ended(replay([*events[:join], path, *events[join:]])[1])
    assert call.ivr_path == "hi>agent"
    assert call.menu_digits == ("1", "0")


@pytest.mark.parametrize(("status", "outcome"), [
    ("FULL", "full"), ("JOINEMPTY", "joinempty"), ("LEAVEEMPTY", "leaveempty")])
def test_queue_refused_without_join(status: str, outcome: str) -> None:
    events = typed("inbound-abandoned")
    join = next(i for i, e in enumerate(events) if isinstance(e, ev.QueueCallerJoin))
    base = events[join]
    assert isinstance(base, ev.QueueCallerJoin)
    chan = (base.channel, base.uniqueid, base.linkedid, base.caller)
    tail = [ev.VarSet(base.ts + 0.001, *chan, "QUEUESTATUS", status),
            ev.Hangup(base.ts + 2.0, *chan, 16, "Normal Clearing", None)]
    tracker, changes = replay(events[:join] + tail)
    assert kinds(changes) == ["ended"]
    (call,) = ended(changes)
    assert (call.outcome, call.queue, call.joined_at, call.hangup_cause) == (
        outcome, "helpline-hi", None, 16)
    assert len(tracker) == 0


def test_shutdown_ends_every_live_call() -> None:
    events = typed("burst")
    cut = len(events) // 2
    tracker, changes = replay(events[:cut])
    live = len(tracker)
    assert live > 5
    before = len(ended(changes))
    changes = tracker.apply(ev.Shutdown(events[cut - 1].ts + 0.5, "Cleanly", True))
    assert len(changes) == live and all(c.call.outcome == "shutdown" for c in changes)
    assert before + live == 20
    assert len(tracker) == 0
    assert replay(events[cut:], tracker)[1] == []  # the rest belongs to forgotten calls


def test_expire_sweeps_calls_whose_events_stopped() -> None:
    events = typed("inbound-answered")
    no_hangup = [e for e in events if not isinstance(e, ev.Hangup)]
    tracker, changes = replay(no_hangup)
    assert len(tracker) == 1 and "ended" not in kinds(changes)
    last = no_hangup[-1].ts
    assert tracker.expire(last + 60, max_age=3600) == []
    (change,) = tracker.expire(last + 7200, max_age=3600)
    assert (change.kind, change.call.outcome, change.call.hangup_cause) == (
        "ended", "answered", None)
    assert len(tracker) == 0

    in_ivr = events[:20]
    tracker, _ = replay(in_ivr)
    (change,) = tracker.expire(in_ivr[-1].ts + 7200, max_age=3600)
    assert change.call.outcome == "lost"


def test_unknown_objects_are_ignored() -> None:
    tracker = CallTracker()
    assert tracker.apply(object()) == []
    assert tracker.apply(ev.FullyBooted(1.0, 5)) == []


@pytest.mark.parametrize("name", CAPTURES)
def test_every_capture_one_event_at_a_time(name: str) -> None:
    data = ami(name)
    framer, tracker = AmiFramer(), CallTracker()
    starts = ends = 0
    for i in range(0, len(data), 977):  # odd-sized reads, as a socket gives them
        for msg in framer.feed(data[i:i + 977]):
            event = from_ami(msg)
            if event is None:
                continue
            if isinstance(event, ev.Newchannel) and event.uniqueid == event.linkedid:
                starts += 1
            ends += len(ended(tracker.apply(event)))
    assert len(tracker) == 0
    assert ends == starts


# ---------------------------------------------------------------- resync after a reconnect

class _Pbx:
    """Live channels as Asterisk would list them in CoreShowChannels, from the events."""

    def __init__(self) -> None:
        self.channels: dict[str, dict[str, str]] = {}
        self.entries: dict[str, tuple[str, float]] = {}  # channel -> (queue, joined)

    def apply(self, e: ev.Event) -> None:
        if isinstance(e, ev.Newchannel):
            self.channels[e.channel] = {
                "Channel": e.channel, "ChannelState": str(e.state),
                "CallerIDNum": e.caller or "<unknown>", "Language": "hi",
                "Context": e.context, "Exten": e.exten, "Uniqueid": e.uniqueid,
                "Linkedid": e.linkedid, "BridgeId": "", "Application": "",
                "created": str(e.ts)}
        elif isinstance(e, ev.Hangup):
            self.channels.pop(e.channel, None)
        elif isinstance(e, ev.Newexten) and e.channel in self.channels:
            self.channels[e.channel]["Application"] = e.application
        elif isinstance(e, ev.AgentCalled) and e.dest_channel in self.channels:
            self.channels[e.dest_channel]["Application"] = "AppQueue"
        elif isinstance(e, (ev.BridgeEnter, ev.BridgeLeave)) and e.channel in self.channels:
            self.channels[e.channel]["BridgeId"] = (
                e.bridge_id if isinstance(e, ev.BridgeEnter) else "")
        elif isinstance(e, ev.QueueCallerJoin):
            self.entries[e.channel] = (e.queue, e.ts)
        elif isinstance(e, (ev.QueueCallerLeave, ev.QueueCallerAbandon)):
            self.entries.pop(e.channel, None)

    def lists(self, now: float) -> tuple[list[ev.Event], list[ev.Event]]:
        framer = AmiFramer()
        out = []
        for chan in self.channels.values():
            secs = int(now - float(chan["created"]))
            lines = ["Event: CoreShowChannel", "ActionID: resync-1"]
            lines += [f"{k}: {v}" for k, v in chan.items() if k != "created"]
            lines.append(f"Duration: {secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}")
            out.append(("\r\n".join(lines) + "\r\n\r\n").encode())
        waiting = sorted(self.entries.items(), key=lambda kv: kv[1][1])
        for pos, (channel, (queue, joined)) in enumerate(waiting, 1):
            chan = self.channels[channel]
            out.append(("\r\n".join([
                "Event: QueueEntry", f"Queue: {queue}", f"Position: {pos}",
                f"Channel: {channel}", f"Uniqueid: {chan['Uniqueid']}",
                f"CallerIDNum: {chan['CallerIDNum']}", f"Wait: {int(now - joined)}",
                "Priority: 0", "ActionID: resync-2"]) + "\r\n\r\n").encode())
        items = [from_ami(m, now) for m in framer.feed(b"".join(out))]
        return ([i for i in items if isinstance(i, ev.CoreShowChannel)],
                [i for i in items if isinstance(i, ev.QueueEntry)])


@pytest.mark.parametrize("cut_at", [0.3, 0.5, 0.75])
def test_resync_after_reconnect_gives_the_same_outcomes(cut_at: float) -> None:
    events = typed("burst")
    cut = int(len(events) * cut_at)
    reference = CallTracker()
    ending_later: dict[str, str | None] = {}
    for i, event in enumerate(events):
        for change in reference.apply(event):
            if change.kind == "ended" and i >= cut:
                ending_later[change.call.id] = change.call.outcome

    pbx = _Pbx()
    for event in events[:cut]:
        pbx.apply(event)
    now = events[cut].ts
    channels, entries = pbx.lists(now)
    fresh = CallTracker()
    changes = fresh.resync(channels, entries, now=now)
    assert kinds(changes) == ["resynced"] * len(changes)
    assert len(fresh) == len(changes) == len({c["Linkedid"] for c in pbx.channels.values()})
    waiting = fresh.waiting()
    assert [c.position for c in waiting] == list(range(1, len(pbx.entries) + 1))
    assert all(c.queue == "helpline-hi" and c.in_queue for c in waiting)
    for record in fresh.live():
        assert record.caller and record.caller.startswith("919")
        assert record.language == "hi"

    changes = replay(events[cut:], fresh)[1]
    assert len(fresh) == 0
    assert {c.id: c.outcome for c in ended(changes)} == ending_later


@pytest.mark.parametrize(("lost_from", "back_at"), [(0.3, 0.5), (0.5, 0.75), (0.45, 0.55)])
def test_resync_learns_what_happened_while_disconnected(lost_from: float, back_at: float) -> None:
    events = typed("burst")
    cut1, cut2 = int(len(events) * lost_from), int(len(events) * back_at)
    reference = CallTracker()
    ending_later: dict[str, str | None] = {}
    for i, event in enumerate(events):
        for change in reference.apply(event):
            if change.kind == "ended" and i >= cut2:
                ending_later[change.call.id] = change.call.outcome
    tracker, _ = replay(events[:cut1])
    pbx = _Pbx()
    for event in events[:cut2]:  # Asterisk went on while the AMI link was down
        pbx.apply(event)
    channels, entries = pbx.lists(events[cut2].ts)
    answered_before = {r.id for r in tracker.live() if r.agent}
    tracker.resync(channels, entries)
    live = {r.id: r for r in tracker.live()}
    assert set(live) == set(ending_later) - {
        e.linkedid for e in events[cut2:]
        if isinstance(e, ev.Newchannel) and e.uniqueid == e.linkedid}
    bridged = {c["Linkedid"] for c in pbx.channels.values()
               if c["Application"] == "AppQueue" and c["BridgeId"]}
    assert {i for i, r in live.items() if r.agent} == bridged | (answered_before & set(live))
    assert {i for i, r in live.items() if r.in_queue} == {
        pbx.channels[ch]["Linkedid"] for ch in pbx.entries}
    changes = replay(events[cut2:], tracker)[1]
    assert len(tracker) == 0
    assert {c.id: c.outcome for c in ended(changes)} == ending_later


def test_resync_ends_calls_that_are_gone() -> None:
    events = typed("burst")
    tracker, _ = replay(events[: len(events) // 2])
    live = {r.id: r for r in tracker.live()}
    changes = tracker.resync([], [], now=events[len(events) // 2].ts)
    assert {c.call.id for c in changes} == set(live)
    for change in changes:
        before = live[change.call.id]
        assert change.call.outcome == ("answered" if before.agent else "lost")
    assert len(tracker) == 0


def test_resync_keeps_known_calls_and_updates_their_place() -> None:
    events = typed("burst")
    cut = len(events) // 3
    pbx = _Pbx()
    tracker, _ = replay(events[:cut])
    for event in events[:cut]:
        pbx.apply(event)
    before = {r.id: r for r in tracker.live()}
    channels, entries = pbx.lists(events[cut].ts)
    assert entries
    assert tracker.resync(channels, entries) == []
    after = {r.id: r for r in tracker.live()}
    assert set(after) == set(before)
    for call_id, record in after.items():  # what only the events knew is kept
        assert replace(record, position=before[call_id].position) == before[call_id]


def test_callback_request_in_queue_is_not_an_abandon() -> None:
    """inbound-abandoned, but the caller pressed 1 for a callback before hanging up."""
    events = typed("inbound-abandoned")
    cut = next(i for i, e in enumerate(events) if isinstance(e, ev.QueueCallerAbandon))
    join = next(e for e in events if isinstance(e, ev.QueueCallerJoin))
    callback = ev.VarSet(**{**{f: getattr(join, f) for f in ev.ChannelEvent.__dataclass_fields__},
                            "variable": "HELPLINE_CALLBACK", "value": "17"})
    _, changes = replay(events[:cut] + [callback] + events[cut:])
    (call,) = ended(changes)
    assert call.outcome == "callback"


def test_second_queue_after_timeout_counts_its_own_exit() -> None:
    """A timeout in the first Queue() does not stick to a caller who then waits again and hangs up."""
    events = typed("inbound-abandoned")
    join = next(e for e in events if isinstance(e, ev.QueueCallerJoin))
    base = {f: getattr(join, f) for f in ev.ChannelEvent.__dataclass_fields__}
    timeout = ev.VarSet(**{**base, "variable": "QUEUESTATUS", "value": "TIMEOUT"})
    at = events.index(join)
    _, changes = replay(events[:at + 1] + [timeout] + events[at:])
    (call,) = ended(changes)
    assert call.outcome == "abandoned"


def _stripped_agent_complete(name: str) -> list[ev.Event]:
    """The capture with its AgentComplete as Asterisk sends it when the caller hangs up within a
    second of AgentConnect: only Queue, Interface, MemberName, HoldTime, TalkTime 0, Reason caller."""
    from cti.ami.framing import AmiMessage

    out: list[ev.Event] = []
    for msg in AmiFramer().feed(ami(name)):
        if msg.event == "AgentComplete":
            keep = {"Event", "Privilege", "Timestamp", "Queue", "Interface", "MemberName", "HoldTime", "Reason"}
            items = [(k, v) for k, v in msg.items if k in keep] + [("TalkTime", "0")]
            msg = AmiMessage(items)
        event = from_ami(msg)
        if event is not None:
            out.append(event)
    return out


def test_agent_complete_without_channel_falls_back_on_the_interface() -> None:
    events = _stripped_agent_complete("inbound-answered")
    (complete,) = [e for e in events if isinstance(e, ev.AgentComplete)]
    assert (complete.channel, complete.linkedid, complete.interface, complete.talk_time_s) == (
        "", "", "PJSIP/agent1001", 0)
    _, changes = replay(events)
    (call,) = ended(changes)
    assert (call.agent, call.outcome, call.talk_s, call.complete_reason) == (
        "PJSIP/agent1001", "answered", 0, "caller")


def test_answered_call_without_agent_complete_gets_talk_time_from_the_connect() -> None:
    events = [e for e in typed("inbound-answered") if not isinstance(e, ev.AgentComplete)]
    _, changes = replay(events)
    (call,) = ended(changes)
    assert call.talk_s == int(call.ended_at - call.answered_at) == 2
