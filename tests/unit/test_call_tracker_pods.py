"""CallTracker and transfers between pods (issue 10): the sending pod's call is left by its agent
(HELPLINE_POD_TRUNK), the receiving pod's call is a new one whose Dial of [helpline-from-pods]
pops the agent it rings (HELPLINE_FROM_POD)."""
from __future__ import annotations

from cti import events as ev
from cti.ami.framing import AmiMessage
from cti.calls import CallChange, CallRecord, CallTracker, handed_to
from tests.unit.test_call_tracker import kinds, replay, typed

CALL = "pod-b-1796442680.9"
LEG = {"Channel": "PJSIP/pod-a-00000007", "Uniqueid": CALL, "Linkedid": CALL, "CallerIDNum": "919812345678"}


def _events(*messages: dict[str, str]) -> list[ev.Event]:
    out = []
    for headers in messages:
        event = ev.from_ami(AmiMessage.build(**headers), 1000.0 + len(out))
        assert event is not None, headers
        out.append(event)
    return out


def _from_pod(dial_status: str, from_pod: str = "pod-a") -> list[ev.Event]:
    dest = {"DestChannel": "PJSIP/agent1002-0000000a", "DestUniqueid": f"{CALL}1", "DestLinkedid": CALL}
    return _events(
        {"Event": "Newchannel", **LEG, "Context": "helpline-from-pods", "Exten": "agent1002", "ChannelState": "4"},
        {"Event": "VarSet", **LEG, "Variable": "HELPLINE_FROM_POD", "Value": from_pod},
        {"Event": "DialBegin", **LEG, **dest, "DialString": "agent1002"},
        {"Event": "DialEnd", **LEG, **dest, "DialStatus": dial_status},
        {"Event": "VarSet", **LEG, "Variable": "DIALSTATUS", "Value": dial_status},
        {"Event": "Hangup", **LEG, "Cause": "16", "Cause-txt": "Normal Clearing"})


def _talking() -> tuple[CallTracker, list[CallChange], CallRecord, dict[str, str]]:
    """The captured answered call replayed up to AgentConnect: its tracker, changes, live record
    and the caller's channel headers."""
    data = typed("inbound-answered")
    talking = next(i for i, e in enumerate(data) if isinstance(e, ev.AgentConnect)) + 1
    tracker, changes = replay(data[:talking])
    (live,) = tracker.live()
    return tracker, changes, live, {"Channel": live.channel, "Uniqueid": live.uniqueid, "Linkedid": live.id}


def _ended(changes: list[CallChange]) -> CallChange:
    (end,) = [c for c in changes if c.kind == "ended"]
    return end


def test_a_call_from_another_pod_rings_and_is_answered_by_the_agent_it_dials() -> None:
    _, changes = replay(_from_pod("ANSWER"))
    assert kinds(changes) == ["ringing", "answered", "ended"]
    assert [c.agent for c in changes] == ["PJSIP/agent1002"] * 3
    call = _ended(changes).call
    assert (call.caller, call.agent, call.queue, call.outcome, call.direction) == (
        "919812345678", "PJSIP/agent1002", None, "answered", "inbound")
    assert handed_to(call) == "PJSIP/agent1002"


def test_a_call_from_another_pod_nobody_answers_ends_by_its_dial_status() -> None:
    for status, outcome in (("NOANSWER", "no_answer"), ("BUSY", "busy"), ("CHANUNAVAIL", "failed"),
                            ("CANCEL", "abandoned")):
        _, changes = replay(_from_pod(status))
        assert kinds(changes) == ["ringing", "ended"], status
        call = _ended(changes).call
        assert (call.agent, call.outcome) == (None, outcome), status
        assert [a.interface for a in call.ring_attempts] == ["PJSIP/agent1002"]


def test_a_dial_of_an_ordinary_call_pops_nobody() -> None:
    """Without HELPLINE_FROM_POD a Dial from the caller's channel (an agent-to-agent call, the
    sending pod's trunk leg) is no pop, as before."""
    _, changes = replay(_from_pod("ANSWER", from_pod=""))
    assert kinds(changes) == ["ended"] and _ended(changes).call.agent is None


def test_the_desk_moving_a_caller_to_another_pod_marks_the_agent_as_leaving_a_transfer() -> None:
    tracker, _, live, leg = _talking()
    assert live.complete_reason is None
    replay(_events({"Event": "VarSet", **leg, "Variable": "HELPLINE_POD_TRUNK", "Value": "pod-b"}), tracker)
    assert tracker.get(live.id).complete_reason == "transfer"  # type: ignore[union-attr]
    # the PBX refused the Redirect: the desk clears the variable, the agent stays on a plain call
    replay(_events({"Event": "VarSet", **leg, "Variable": "HELPLINE_POD_TRUNK", "Value": ""}), tracker)
    assert tracker.get(live.id).complete_reason is None  # type: ignore[union-attr]


def _moved_within_the_pod(dial_status: str) -> tuple[CallTracker, list[CallChange], str]:
    """The captured answered call, then the desk's blind transfer to agent1002 on the same pod
    (HELPLINE_TRANSFER_TO, Redirect into [helpline-agents]) and the caller's Dial of agent1002."""
    tracker, changes, live, leg = _talking()
    dest = {"DestChannel": "PJSIP/agent1002-0000000b", "DestUniqueid": f"{live.id}9", "DestLinkedid": live.id}
    more = [{"Event": "VarSet", **leg, "Variable": "HELPLINE_TRANSFER_TO", "Value": "agent1002"},
            {"Event": "DialBegin", **leg, **dest, "DialString": "agent1002"},
            {"Event": "DialEnd", **leg, **dest, "DialStatus": dial_status}]
    if dial_status != "ANSWER":  # [helpline-transfer-back]
        more.append({"Event": "VarSet", **leg, "Variable": "HELPLINE_TRANSFER_TO", "Value": ""})
    _, after = replay(_events(*more), tracker)
    return tracker, changes + after, live.id


def test_a_blind_transfer_within_the_pod_pops_the_agent_it_names() -> None:
    tracker, changes, call_id = _moved_within_the_pod("ANSWER")
    first = changes[[c.kind for c in changes].index("answered")].agent
    assert first is not None and first != "PJSIP/agent1002"
    moved = [(c.kind, c.agent) for c in changes if c.agent == "PJSIP/agent1002"]
    assert moved == [("ringing", "PJSIP/agent1002"), ("answered", "PJSIP/agent1002")]
    call = tracker.get(call_id)
    assert call is not None and call.agent == "PJSIP/agent1002" and call.complete_reason is None
    answered = [c for c in changes if c.kind == "answered"]
    assert answered[0].call.answered_at == answered[1].call.answered_at  # the call's first answer kept
    _, ended = replay(_events({"Event": "Hangup", "Channel": call.channel, "Uniqueid": call.uniqueid,
                               "Linkedid": call_id, "Cause": "16", "Cause-txt": "Normal Clearing"}), tracker)
    assert _ended(ended).call.outcome == "answered" and _ended(ended).call.agent == "PJSIP/agent1002"
    # no AgentComplete comes for agent1002 (its leg was a Dial): its wrap-up follows the call's end
    assert handed_to(_ended(ended).call) == "PJSIP/agent1002"
    assert handed_to(answered[0].call) is None  # the queue's agent, before the transfer


def test_a_blind_transfer_nobody_answers_leaves_the_call_to_the_queue_again() -> None:
    tracker, changes, call_id = _moved_within_the_pod("NOANSWER")
    assert [(c.kind, c.agent) for c in changes if c.agent == "PJSIP/agent1002"] == [("ringing", "PJSIP/agent1002")]
    call = tracker.get(call_id)
    # the moving agent has left (its leg's end, whenever it is seen, ends its pop as a transfer)
    assert call is not None and call.agent is None and call.complete_reason == "transfer"
    assert [a.interface for a in call.ring_attempts][-1] == "PJSIP/agent1002"


def test_a_blind_transfer_that_dials_nothing_leaves_the_call_to_the_next_agent() -> None:
    """An agent with no phone on line: Dial gives CHANUNAVAIL with no DialBegin or DialEnd, only
    DIALSTATUS; back in the queue, the next AgentConnect makes that agent the call's."""
    tracker, _, live, leg = _talking()
    _, changes = replay(_events(
        {"Event": "VarSet", **leg, "Variable": "HELPLINE_TRANSFER_TO", "Value": "agent1008"},
        {"Event": "VarSet", **leg, "Variable": "DIALSTATUS", "Value": "CHANUNAVAIL"},
        {"Event": "VarSet", **leg, "Variable": "HELPLINE_TRANSFER_TO", "Value": ""}), tracker)
    call = tracker.get(live.id)
    assert changes == [] and call is not None and (call.agent, call.complete_reason) == (None, "transfer")
    _, changes = replay(_events({"Event": "AgentConnect", **leg, "Queue": "helpline-hi", "Interface": "PJSIP/agent1003",
                                 "MemberName": "agent1003", "DestChannel": "PJSIP/agent1003-0000000d",
                                 "HoldTime": "4", "RingTime": "1"}), tracker)
    assert [(c.kind, c.agent) for c in changes] == [("answered", "PJSIP/agent1003")]
    assert tracker.get(live.id).complete_reason is None  # type: ignore[union-attr]


def test_a_dial_of_another_endpoint_during_a_transfer_pops_nobody() -> None:
    """HELPLINE_TRANSFER_TO names the agent: a Dial of the trunk (a transfer to an officer's phone)
    is no agent's pop."""
    tracker, _, live, leg = _talking()
    dest = {"DestChannel": "PJSIP/trunk-0000000c", "DestUniqueid": f"{live.id}8", "DestLinkedid": live.id}
    _, changes = replay(_events(
        {"Event": "VarSet", **leg, "Variable": "HELPLINE_TRANSFER_TO", "Value": "9450000001"},
        {"Event": "DialBegin", **leg, **dest, "DialString": "9450000001@trunk"},
        {"Event": "DialEnd", **leg, **dest, "DialStatus": "ANSWER"}), tracker)
    assert changes == []
    assert tracker.get(live.id).complete_reason == "transfer"  # type: ignore[union-attr]


def test_a_blind_transfer_to_a_queue_gives_the_call_to_the_agent_that_queue_connects() -> None:
    """The desk marks the caller (HELPLINE_TRANSFER_TO = the queue) and redirects it into
    [helpline-transfer-queue]: the moving agent's leg ends with no AgentComplete, the caller joins
    helpline-en, whose agent is rung and connected: that agent is the call's agent now (the
    first answer and wait kept), and it is no handed-over call (its AgentComplete will come)."""
    tracker, changes, live, leg = _talking()
    dest = {"DestChannel": "PJSIP/agent1007-00000002", "DestUniqueid": f"{live.id}7", "Interface": "PJSIP/agent1007",
            "MemberName": "agent1007", "Queue": "helpline-en"}
    _, after = replay(_events(
        {"Event": "VarSet", **leg, "Variable": "HELPLINE_TRANSFER_TO", "Value": "helpline-en"},
        {"Event": "QueueCallerJoin", **leg, "Queue": "helpline-en", "Position": "1", "Count": "1"},
        {"Event": "AgentCalled", **leg, **dest},
        {"Event": "QueueCallerLeave", **leg, "Queue": "helpline-en", "Position": "1", "Count": "0"},
        {"Event": "AgentConnect", **leg, **dest, "HoldTime": "3", "RingTime": "1"}), tracker)
    assert [(c.kind, c.agent) for c in after if c.kind in ("ringing", "answered")] == [
        ("ringing", "PJSIP/agent1007"), ("answered", "PJSIP/agent1007")]
    call = tracker.get(live.id)
    assert call is not None and (call.agent, call.queue, call.complete_reason) == ("PJSIP/agent1007", "helpline-en", None)
    first = next(c for c in changes if c.kind == "answered").call
    assert (call.answered_at, call.wait_s) == (first.answered_at, first.wait_s)
    _, ended = replay(_events({"Event": "Hangup", **leg, "Cause": "16", "Cause-txt": "Normal Clearing"}), tracker)
    assert _ended(ended).call.agent == "PJSIP/agent1007" and handed_to(_ended(ended).call) is None
