"""AgentTracker on the real Asterisk 22 captures, plus the cases they do not show."""
from __future__ import annotations

from collections import Counter

import pytest

from cti import events as ev
from cti.agents import AgentChange, AgentTracker
from cti.ami.framing import AmiFramer
from cti.events import from_ami
from tests.traces import TRACES, ami

CAPTURES = sorted(p.name[:-4] for p in (TRACES / "ami").glob("*.txt")
                  if not p.name.endswith(".actions.txt"))
A1, A2, A3 = "PJSIP/agent1001", "PJSIP/agent1002", "PJSIP/agent1003"
Q = "helpline-hi"


def typed(name: str, now: float = 0.0) -> list[ev.Event]:
    return [e for e in (from_ami(m, now) for m in AmiFramer().feed(ami(name))) if e is not None]


def replay(events: list, tracker: AgentTracker) -> list[AgentChange]:
    out: list[AgentChange] = []
    for event in events:
        out += tracker.apply(event)
    return out


def moves(changes: list[AgentChange], interface: str) -> list[tuple[str, str]]:
    return [(c.old, c.new) for c in changes if c.interface == interface]


def member(cls: type, ts: float, interface: str = A1, queue: str = Q, paused: bool = False,
           reason: str | None = None, status: int = 1, in_call: bool = False,
           last_call: int = 0) -> ev.MemberEvent:
    extra = ("qs-1",) if cls is ev.QueueMember else ()
    return cls(ts, queue, interface, "Agent " + interface[-4:], "dynamic", paused, reason,
               status, in_call, 0, last_call, 0, *extra)


def agent_event(cls: type, ts: float, interface: str, call: str, *extra: object,
                queue: str = Q) -> ev.AgentEvent:
    leg = f"{interface}-{call}"
    return cls(ts, "PJSIP/sipp-trunk-1", call, call, "919800000001", queue, interface,
               "Agent " + interface[-4:], leg, call + ".9", *extra)


def hangup(ts: float, channel: str, linkedid: str) -> ev.Hangup:
    return ev.Hangup(ts, channel, linkedid + ".9", linkedid, "1001", 16, "Normal Clearing", None)


def test_queue_admin_login_pause_unpause_logout() -> None:
    tracker = AgentTracker()
    changes = replay(typed("queue-admin"), tracker)
    assert [(c.interface, c.old, c.new, c.reason) for c in changes] == [
        (A1, "logged_out", "ready", None),
        (A1, "ready", "paused", "lunch"),
        (A1, "paused", "ready", None),
        (A1, "ready", "logged_out", None),
    ]
    assert changes[1].member_name == "Agent 1001"
    assert [c.at for c in changes] == sorted(c.at for c in changes)
    assert tracker.state(A1) == "logged_out"


def test_pause_shows_on_the_snapshot() -> None:
    tracker = AgentTracker()
    events = typed("queue-admin")
    pause = next(i for i, e in enumerate(events) if isinstance(e, ev.QueueMemberPause))
    replay(events[:pause + 1], tracker)
    snap = tracker.snapshot(events[pause].ts + 90)
    assert snap.by_state == {"logged_out": 0, "ready": 0, "paused": 1, "ringing": 0,
                             "on_call": 0, "wrap_up": 0}
    assert snap.paused_by_reason == {"lunch": 1}
    (view,) = snap.agents
    assert (view.interface, view.state, view.reason, view.queues) == (A1, "paused", "lunch", (Q,))
    assert view.in_state_s == pytest.approx(90.0)


def test_burst_ringing_on_call_wrap_up_cycles() -> None:
    tracker = AgentTracker(wrapup_s=5.0, queues={Q})
    events = typed("burst")
    changes = replay(events, tracker)
    assert [c.at for c in changes if c.interface == A1] == sorted(
        c.at for c in changes if c.interface == A1)
    answered = Counter(c.interface for c in changes if c.new == "on_call")
    assert answered == {A1: 4, A2: 4, A3: 4}
    for agent in (A1, A2, A3):
        states = [new for _, new in moves(changes, agent)]
        assert states[0] == "ready"
        for i, state in enumerate(states):
            if state == "on_call":
                assert states[i - 1] == "ringing" and states[i + 1] == "wrap_up"
            if state == "wrap_up" and i + 1 < len(states):
                assert states[i + 1] in ("ringing", "ready")
        assert states[-1] == "wrap_up"
    wrap_ends = [c for c in changes if c.old == "wrap_up" and c.new == "ready"]
    assert wrap_ends  # some agents were called again only after their 5 s
    completes = {(e.interface, e.ts) for e in events if isinstance(e, ev.AgentComplete)}
    for change in wrap_ends:
        assert any(i == change.interface and abs(t + 5.0 - change.at) < 1e-6
                   for i, t in completes)
    ends = tracker.tick(events[-1].ts + 5.0)
    assert {(c.interface, c.new) for c in ends} == {(A1, "ready"), (A2, "ready"), (A3, "ready")}
    snap = tracker.snapshot(events[-1].ts + 6)
    assert snap.by_state["ready"] == 3
    assert {v.interface: v.calls_completed for v in snap.agents} == {A1: 4, A2: 4, A3: 4}


def test_burst_snapshot_while_all_agents_talk() -> None:
    tracker = AgentTracker(queues={Q})
    events = typed("burst")
    third = [i for i, e in enumerate(events) if isinstance(e, ev.AgentConnect)][2]
    replay(events[:third + 1], tracker)
    snap = tracker.snapshot(events[third].ts + 1)
    assert snap.by_state["on_call"] == 3


def test_ring_no_answer_goes_back_to_ready_without_wrap_up() -> None:
    tracker = AgentTracker()
    changes = replay(typed("agent-ring-no-answer"), tracker)
    assert moves(changes, A1) == [("logged_out", "ready"), ("ready", "ringing"),
                                  ("ringing", "ready")]
    assert moves(changes, A2) == [("logged_out", "ready"), ("ready", "ringing"),
                                  ("ringing", "on_call"), ("on_call", "wrap_up")]


def test_inbound_answered_wrap_up_then_tick() -> None:
    tracker = AgentTracker(wrapup_s=5.0)
    events = typed("inbound-answered")
    changes = replay(events, tracker)
    assert moves(changes, A1)[-3:] == [("ready", "ringing"), ("ringing", "on_call"),
                                       ("on_call", "wrap_up")]
    (complete,) = [e for e in events if isinstance(e, ev.AgentComplete)]
    assert tracker.tick(complete.ts + 4.9) == []
    (end,) = tracker.tick(complete.ts + 30)
    assert (end.old, end.new, end.at) == ("wrap_up", "ready", pytest.approx(complete.ts + 5.0))
    assert tracker.tick(complete.ts + 60) == []


def test_wrap_up_length_is_configurable() -> None:
    tracker = AgentTracker(wrapup_s=30.0)
    events = typed("inbound-answered")
    replay(events, tracker)
    (complete,) = [e for e in events if isinstance(e, ev.AgentComplete)]
    assert tracker.tick(complete.ts + 29) == []
    assert tracker.snapshot(complete.ts + 29).by_state["wrap_up"] == 1
    assert tracker.snapshot(complete.ts + 31).by_state["ready"] == 1


def test_pause_during_wrap_up_and_unpause() -> None:
    tracker = AgentTracker()
    replay([member(ev.QueueMemberAdded, 1.0),
            agent_event(ev.AgentCalled, 2.0, A1, "100"),
            agent_event(ev.AgentConnect, 3.0, A1, "100", 1, 1)], tracker)
    (wrap,) = tracker.apply(agent_event(ev.AgentComplete, 10.0, A1, "100", 1, 7, "caller"))
    assert wrap.new == "wrap_up"
    (pause,) = tracker.apply(member(ev.QueueMemberPause, 11.0, paused=True, reason="notes"))
    assert (pause.old, pause.new, pause.reason) == ("wrap_up", "paused", "notes")
    (ready,) = tracker.apply(member(ev.QueueMemberPause, 40.0))
    assert (ready.old, ready.new, ready.reason) == ("paused", "ready", None)


def test_the_wake_says_when_a_wrap_up_ends_with_no_event() -> None:
    """The bench's desk: the wrap-up pause (cti.wrapup) lands, the call is coded and Ready asked
    for within the queues' wrapuptime. That Ready changes no state (the wrap-up goes on until its
    end), yet from then on time ends it: the tracker says when, so a timer can end it on time."""
    tracker = AgentTracker(wrapup_s=5.0)
    replay([member(ev.QueueMemberAdded, 1.0),
            agent_event(ev.AgentCalled, 2.0, A1, "100"),
            agent_event(ev.AgentConnect, 3.0, A1, "100", 1, 1)], tracker)
    assert tracker.take_wake() is None
    (wrap,) = tracker.apply(agent_event(ev.AgentComplete, 10.0, A1, "100", 1, 7, "caller"))
    assert wrap.new == "wrap_up" and tracker.take_wake() == 15.0 and tracker.take_wake() is None
    assert tracker.apply(member(ev.QueueMemberPause, 10.2, paused=True, reason="wrap-up")) == []
    assert tracker.take_wake() is None and tracker.next_wrap_end() is None  # held by the pause: an event ends it
    assert tracker.apply(member(ev.QueueMemberPause, 12.0)) == []  # Ready within the 5 s
    assert tracker.take_wake() == 15.0 and tracker.next_wrap_end() == 15.0
    assert tracker.tick(14.99) == []
    (ready,) = tracker.tick(15.0)
    assert (ready.old, ready.new, ready.at) == ("wrap_up", "ready", 15.0)
    assert tracker.next_wrap_end() is None and tracker.take_wake() is None


def test_a_wrap_up_ended_by_time_is_not_reopened_by_an_event_read_late() -> None:
    """The timer ended the wrap-up on the PBX's clock; an event stamped before that end, read
    after it (a backlog, a replay at a takeover), changes nothing: the agent stays Ready."""
    tracker = AgentTracker(wrapup_s=5.0)
    replay([member(ev.QueueMemberAdded, 1.0),
            agent_event(ev.AgentCalled, 2.0, A1, "100"),
            agent_event(ev.AgentConnect, 3.0, A1, "100", 1, 1)], tracker)
    (wrap,) = tracker.apply(agent_event(ev.AgentComplete, 10.0, A1, "100", 1, 7, "caller"))
    (ready,) = tracker.tick(20.0)
    assert (ready.new, ready.at) == ("ready", 15.0)
    assert tracker.apply(member(ev.QueueMemberPause, 12.0)) == []
    assert tracker.state(A1) == "ready" and tracker.next_wrap_end() is None


def test_paused_only_when_paused_in_every_queue() -> None:
    tracker = AgentTracker()
    replay([member(ev.QueueMemberAdded, 1.0),
            member(ev.QueueMemberAdded, 1.0, queue="helpline-en")], tracker)
    assert tracker.apply(member(ev.QueueMemberPause, 2.0, paused=True, reason="tea")) == []
    assert tracker.state(A1) == "ready"
    (change,) = tracker.apply(member(ev.QueueMemberPause, 2.1, queue="helpline-en", paused=True,
                                     reason="tea"))
    assert (change.new, change.reason) == ("paused", "tea")
    assert tracker.apply(member(ev.QueueMemberRemoved, 3.0)) == []
    (out,) = tracker.apply(member(ev.QueueMemberRemoved, 4.0, queue="helpline-en"))
    assert out.new == "logged_out"


def test_untracked_queue_is_ignored() -> None:
    tracker = AgentTracker(queues={Q})
    assert tracker.apply(member(ev.QueueMemberAdded, 1.0, queue="support")) == []
    assert tracker.apply(agent_event(ev.AgentCalled, 2.0, A1, "5", queue="support")) == []
    assert len(tracker) == 0
    assert tracker.apply(agent_event(ev.AgentCalled, 3.0, A1, "6"))[0].new == "ringing"


def test_direct_call_from_device_state() -> None:
    tracker = AgentTracker()
    tracker.apply(member(ev.QueueMemberAdded, 1.0))
    (busy,) = tracker.apply(member(ev.QueueMemberStatus, 2.0, status=2))
    assert (busy.new, busy.reason) == ("on_call", "direct")
    (idle,) = tracker.apply(member(ev.QueueMemberStatus, 9.0, status=1))
    assert (idle.old, idle.new) == ("on_call", "ready")


def test_device_in_use_while_ringing_is_the_queue_call() -> None:
    tracker = AgentTracker()
    replay([member(ev.QueueMemberAdded, 1.0), agent_event(ev.AgentCalled, 2.0, A1, "7")], tracker)
    assert tracker.apply(member(ev.QueueMemberStatus, 3.0, status=2)) == []
    (on_call,) = tracker.apply(agent_event(ev.AgentConnect, 3.0, A1, "7", 1, 1))
    assert (on_call.new, on_call.reason) == ("on_call", None)


def test_ringall_other_members_stop_ringing_on_connect() -> None:
    tracker = AgentTracker()
    replay([member(ev.QueueMemberAdded, 1.0), member(ev.QueueMemberAdded, 1.0, A2),
            agent_event(ev.AgentCalled, 2.0, A1, "8"), agent_event(ev.AgentCalled, 2.0, A2, "8")],
           tracker)
    changes = tracker.apply(agent_event(ev.AgentConnect, 4.0, A2, "8", 2, 2))
    assert [(c.interface, c.new) for c in changes] == [(A2, "on_call"), (A1, "ready")]


def test_caller_gone_while_ringing_hangs_up_the_agent_leg() -> None:
    tracker = AgentTracker()
    replay([member(ev.QueueMemberAdded, 1.0), agent_event(ev.AgentCalled, 2.0, A1, "9")], tracker)
    (change,) = tracker.apply(hangup(6.0, f"{A1}-9", "9"))
    assert (change.old, change.new) == ("ringing", "ready")
    assert tracker.apply(hangup(6.1, f"{A1}-9", "9")) == []


def test_shutdown_logs_everyone_out() -> None:
    tracker = AgentTracker(queues={Q})
    events = typed("burst")
    replay(events[: len(events) // 2], tracker)
    changes = tracker.apply(ev.Shutdown(events[len(events) // 2].ts, "Cleanly", True))
    assert {c.interface for c in changes} == {A1, A2, A3}
    assert all(c.new == "logged_out" for c in changes)
    assert tracker.snapshot(events[-1].ts).by_state["logged_out"] == 3


def test_reconcile_from_queue_status() -> None:
    tracker = AgentTracker(queues={Q, "helpline-en"})
    replay([member(ev.QueueMemberAdded, 1.0), member(ev.QueueMemberAdded, 1.0, A2),
            agent_event(ev.AgentCalled, 2.0, A1, "3"),
            agent_event(ev.AgentConnect, 3.0, A1, "3", 1, 1)], tracker)
    # After a reconnect: agent1001's call ended meanwhile and it paused; agent1002 is gone;
    # agent1003 was added by another process and is talking.
    listing = [member(ev.QueueMember, 100.0, A1, paused=True, reason="break", last_call=60),
               member(ev.QueueMember, 100.0, A3, status=2, in_call=True),
               member(ev.QueueMember, 100.0, A3, queue="support")]
    changes = tracker.reconcile(listing)
    assert {(c.interface, c.old, c.new, c.reason) for c in changes} == {
        (A1, "on_call", "paused", "break"), (A2, "ready", "logged_out", None),
        (A3, "logged_out", "on_call", None)}
    (wrap,) = tracker.apply(agent_event(ev.AgentComplete, 120.0, A3, "77", 5, 20, "agent"))
    assert (wrap.interface, wrap.new) == (A3, "wrap_up")
    # Wrap-up ran out at 125, before the next QueueStatus: the change is dated 125.
    assert tracker.reconcile(listing[:1] + [member(ev.QueueMember, 130.0, A3)]) == [
        AgentChange(A3, "wrap_up", "ready", None, 125.0, "Agent 1003")]


def test_reconcile_with_the_captured_queue_status() -> None:
    tracker = AgentTracker()
    events = typed("queue-admin", now=1795362052.2)
    status = next(i for i, e in enumerate(events) if isinstance(e, ev.QueueMember))
    replay(events[:status], tracker)
    members = [e for e in events
               if isinstance(e, ev.QueueMember) and e.action_id == "queue-admin-5"]
    assert len(members) == 1 and tracker.reconcile(members) == []
    unpause = [e for e in events[:status] if isinstance(e, ev.QueueMemberPause)][-1]
    (change,) = tracker.reconcile([])  # no time given: the last one the tracker knows
    assert (change.new, change.at) == ("logged_out", unpause.ts)


@pytest.mark.parametrize("name", CAPTURES)
def test_every_capture_one_event_at_a_time(name: str) -> None:
    tracker = AgentTracker()
    changes = replay(typed(name), tracker)
    for interface in {c.interface for c in changes}:
        chain = moves(changes, interface)
        assert all(old != new for old, new in chain)
        assert all(chain[i][1] == chain[i + 1][0] for i in range(len(chain) - 1))


def test_agent_complete_without_linkedid_ends_the_interfaces_call() -> None:
    tracker = AgentTracker()
    replay([member(ev.QueueMemberAdded, 1.0),
            agent_event(ev.AgentCalled, 2.0, A1, "100"),
            agent_event(ev.AgentConnect, 3.0, A1, "100", 1, 1)], tracker)
    bare = ev.AgentComplete(3.4, "", "", "", None, Q, A1, "Agent 1001", None, None, 1, 0, "caller")
    (wrap,) = tracker.apply(bare)
    assert (wrap.old, wrap.new) == ("on_call", "wrap_up")
