"""CallTracker and transfers between pods (issue 10): the sending pod's call is left by its agent
(HELPLINE_POD_TRUNK), the receiving pod's call is a new one whose Dial of [helpline-from-pods]
pops the agent it rings (HELPLINE_FROM_POD)."""
from __future__ import annotations

from cti import events as ev
from cti.ami.framing import AmiMessage
from cti.calls import CallChange, CallTracker
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


def test_a_call_from_another_pod_nobody_answers_ends_by_its_dial_status() -> None:
    for status, outcome in (("NOANSWER", "no_answer"), ("BUSY", "busy"), ("CHANUNAVAIL", "failed"),
                            ("CANCEL", "abandoned")):
        _, changes = replay(_from_pod(status))
        assert kinds(changes) == ["ringing", "ended"], status
        call = _ended(changes).call
        assert (call.agent, call.outcome) == (None, outcome), status
        assert [a.interface for a in call.ring_attempts] == ["PJSIP/agent1002"]


def test_a_dial_of_an_ordinary_call_pops_nobody() -> None:
    """Without HELPLINE_FROM_POD a Dial from the caller's channel (an agent-to-agent call, a
    same-pod blind transfer, the sending pod's trunk leg) is no pop, as before."""
    _, changes = replay(_from_pod("ANSWER", from_pod=""))
    assert kinds(changes) == ["ended"] and _ended(changes).call.agent is None


def test_the_desk_moving_a_caller_to_another_pod_marks_the_agent_as_leaving_a_transfer() -> None:
    data = typed("inbound-answered")
    talking = next(i for i, e in enumerate(data) if isinstance(e, ev.AgentConnect)) + 1
    tracker, _ = replay(data[:talking])
    (live,) = tracker.live()
    assert live.complete_reason is None
    leg = {"Channel": live.channel, "Uniqueid": live.uniqueid, "Linkedid": live.id}
    replay(_events({"Event": "VarSet", **leg, "Variable": "HELPLINE_POD_TRUNK", "Value": "pod-b"}), tracker)
    assert tracker.get(live.id).complete_reason == "transfer"  # type: ignore[union-attr]
    # the PBX refused the Redirect: the desk clears the variable, the agent stays on a plain call
    replay(_events({"Event": "VarSet", **leg, "Variable": "HELPLINE_POD_TRUNK", "Value": ""}), tracker)
    assert tracker.get(live.id).complete_reason is None  # type: ignore[union-attr]
