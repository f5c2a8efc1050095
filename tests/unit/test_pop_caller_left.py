"""An agent rung while the caller leaves gets `caller_left`, not `missed` (issue 9: found on the
real Asterisk under load; the desk showed it as a call the agent had missed)."""
from __future__ import annotations

from dataclasses import replace

from cti import agents as ag
from cti import calls as cl
from cti import events as ev
from cti import screen_pop as sp
from cti.ami.framing import AmiFramer
from cti.events import from_ami
from tests.traces import ami


def _ringing() -> tuple[cl.CallChange, cl.CallTracker]:
    tracker = cl.CallTracker()
    for event in (e for e in map(from_ami, AmiFramer().feed(ami("inbound-answered"))) if e is not None):
        if isinstance(event, ev.AgentConnect):
            break
        for change in tracker.apply(event):
            if change.kind == cl.RINGING:
                ringing = change
    return ringing, tracker


def _ring_ended(planner: sp.PopPlanner, at: float, live) -> list[sp.Pop]:  # type: ignore[no-untyped-def]
    change = ag.AgentChange("PJSIP/agent1001", ag.RINGING, ag.READY, None, at)
    return [p for p in planner.agent_change(change, live) if p.kind == sp.ENDED]


def test_ring_cut_by_the_caller_leaving_is_caller_left() -> None:
    ringing, tracker = _ringing()
    planner = sp.PopPlanner()
    [pop] = planner.call_change(ringing)
    assert (pop.kind, pop.agent) == (sp.RINGING, "agent1001")
    left = replace(tracker.get(ringing.call.id), in_queue=False)  # QueueCallerAbandon seen
    [ended] = _ring_ended(planner, ringing.at + 2, lambda call_id: left)
    assert (ended.agent, ended.outcome) == ("agent1001", sp.CALLER_LEFT)


def test_ring_ended_after_the_call_is_gone_is_caller_left() -> None:
    ringing, _ = _ringing()
    planner = sp.PopPlanner()
    planner.call_change(ringing)
    [ended] = _ring_ended(planner, ringing.at + 2, lambda call_id: None)
    assert ended.outcome == sp.CALLER_LEFT


def test_ring_not_answered_while_the_caller_waits_is_missed() -> None:
    ringing, tracker = _ringing()
    planner = sp.PopPlanner()
    planner.call_change(ringing)
    no_answer = cl.RingAttempt("PJSIP/agent1001", "Agent 1001", ringing.at + 15, 15000, "no_answer")
    waiting = replace(tracker.get(ringing.call.id), in_queue=True, ring_attempts=(no_answer,))
    [ended] = _ring_ended(planner, ringing.at + 15, lambda call_id: waiting)
    assert ended.outcome == sp.MISSED


def _undecided(planner: sp.PopPlanner, ringing: cl.CallChange, tracker: cl.CallTracker) -> cl.CallRecord:
    """The ring ended (device state) before AgentRingNoAnswer or the caller's leaving is known."""
    waiting = replace(tracker.get(ringing.call.id), in_queue=True)
    assert _ring_ended(planner, ringing.at + 1, lambda call_id: waiting) == []
    return waiting


def test_undecided_ring_then_the_caller_leaves_is_caller_left() -> None:
    ringing, tracker = _ringing()
    planner = sp.PopPlanner()
    planner.call_change(ringing)
    waiting = _undecided(planner, ringing, tracker)
    gone = replace(waiting, in_queue=False, ended_at=ringing.at + 1.2, outcome="abandoned")
    [ended] = planner.call_change(cl.CallChange(cl.ENDED, gone, ringing.at + 1.2))
    assert (ended.agent, ended.outcome) == ("agent1001", sp.CALLER_LEFT)


def test_undecided_ring_then_the_queue_rings_again_is_missed() -> None:
    ringing, tracker = _ringing()
    planner = sp.PopPlanner()
    planner.call_change(ringing)
    _undecided(planner, ringing, tracker)
    again = replace(ringing, at=ringing.at + 17)
    ended, ring = planner.call_change(again)
    assert (ended.kind, ended.outcome, ring.kind) == (sp.ENDED, sp.MISSED, sp.RINGING)


def test_call_ending_while_an_agent_rings_tells_that_agent_caller_left() -> None:
    ringing, tracker = _ringing()
    planner = sp.PopPlanner()
    planner.call_change(ringing)
    gone = replace(tracker.get(ringing.call.id), in_queue=False, ended_at=ringing.at + 1, outcome="abandoned")
    [ended] = planner.call_change(cl.CallChange(cl.ENDED, gone, ringing.at + 1))
    assert (ended.kind, ended.outcome) == (sp.ENDED, sp.CALLER_LEFT)
