"""(a) A citizen's call through the IVR into the queue, answered by an agent logged in through
the API: what Asterisk did, what the agent's desk was pushed, what Helpline stored."""
from __future__ import annotations

from typing import Any

from storage.queries import calls as call_q
from tests.integration.harness.lab import Lab, receive_until, until
from tests.integration.harness.sip import Answerer, Caller


async def test_queue_call_rings_and_is_answered_by_the_logged_in_agent(lab: Lab) -> None:
    agent = await lab.user("qagent1", extension="agent1001")
    await lab.phone("agent1001", Answerer(ring_ms=1000))
    login = await lab.login(agent)
    assert "helpline-hi" in login["queues"]
    ws = await lab.socket("/ws/agent", agent)
    pushed: list[dict[str, Any]] = []
    async with lab.observer() as ami:
        caller = await lab.call(Caller(caller="9876500001", steps=[
            ("pause", 1200), ("dtmf", "1"), ("pause", 1500), ("dtmf", "1"), ("pause", 12000)]))
        connect = await ami.wait(lambda e: e.event == "AgentConnect" and e.get("Queue") == "helpline-hi",
                                 60, "AgentConnect on helpline-hi")
        linkedid = connect.get("Linkedid")
        assert connect.get("Interface") == "PJSIP/agent1001" and connect.get("MemberName") == "qagent1"
        ringing = await receive_until(ws, "call.ringing", 30, pushed)
        answered = await receive_until(ws, "call.answered", 30, pushed)
        assert await caller.finished(60) == 0, caller.errors()
        complete = await ami.wait(lambda e: e.event == "AgentComplete" and e.get("Linkedid") == linkedid,
                                  30, "AgentComplete")
        assert complete.get("Reason") == "caller"
        ended = await receive_until(ws, "call.ended", 30, pushed)
    await ws.close()

    for message in (ringing, answered, ended):
        assert message["agent"] == "agent1001"
        assert message["call"]["id"] == linkedid
        assert message["call"]["caller"] == "+919876500001"
        assert message["call"]["queue"] == "helpline-hi"
    assert ringing["call"]["ivr_path"] == "lang:hi>main:1"
    assert ended["call"]["outcome"] == "answered"
    # Asterisk's own record: the menu digits arrived, the queue_log shows the call answered
    dtmf = [line for line in lab.pbx.full_log().splitlines() if "DTMF end '1'" in line or "DTMF end passthrough '1'" in line]
    assert dtmf, "no DTMF '1' in the full log"
    verbs = [row[4] for row in lab.pbx.queue_log() if len(row) > 4 and row[1] == connect.get("Uniqueid")]
    assert verbs[:3] == ["ENTERQUEUE", "CONNECT", "COMPLETECALLER"] or \
        ("CONNECT" in verbs and "COMPLETECALLER" in verbs), verbs

    async def row() -> Any:
        async with lab.db() as db, db.sessions() as session:
            rows = await call_q.by_linkedid(session, linkedid)
        return rows
    rows = await until(row, 30, "calls row")
    assert len(rows) == 1
    call = rows[0]
    assert (call.direction, call.queue, call.agent, call.outcome, call.language) == \
        ("inbound", "helpline-hi", "agent1001", "answered", "hi")
    assert call.caller.endswith("9876500001")
    talk = int(complete.get("TalkTime") or 0)
    assert talk >= 3 and call.talk_s is not None and abs(call.talk_s - talk) <= 1
    assert call.answered_at is not None and call.ended_at is not None


async def _rows(lab: Lab, linkedid: str) -> Any:
    async def row() -> Any:
        async with lab.db() as db, db.sessions() as session:
            return await call_q.by_linkedid(session, linkedid)
    return await until(row, 30, "calls row")


def _to_queue(lab: Lab) -> list[tuple[str, object]]:
    return [("pause", 1200), ("dtmf", "1"), ("pause", 900), ("dtmf", "1"),
            ("pause", lab.prompt_ms("hi", "queue-connecting"))]


async def test_agent_rung_while_the_caller_hangs_up_gets_caller_left(lab: Lab) -> None:
    agent = await lab.user("qagent3", extension="agent1003")
    await lab.phone("agent1003", Answerer(mode="ring"))
    await lab.login(agent)
    ws = await lab.socket("/ws/agent", agent)
    async with lab.observer() as ami:
        caller = await lab.call(Caller(caller="9876500003", steps=[*_to_queue(lab), ("pause", 3000)]))
        called = await ami.wait(lambda e: e.event == "AgentCalled" and e.get("CallerIDNum") == "9876500003",
                                60, "AgentCalled")
        ringing = await receive_until(ws, "call.ringing", 30)
        ended = await receive_until(ws, "call.ended", 30)
        assert await caller.finished(30) == 0, caller.errors()
        abandon = await ami.wait(lambda e: e.event == "QueueCallerAbandon" and e.get("Linkedid") == called.get("Linkedid"),
                                 10, "QueueCallerAbandon")
    await ws.close()
    assert ringing["call"]["id"] == ended["call"]["id"] == called.get("Linkedid")
    assert ended["call"]["outcome"] == "caller_left"
    assert not [e for e in ami.events if e.event == "AgentRingNoAnswer" and e.get("Linkedid") == abandon.get("Linkedid")]
    [call] = await _rows(lab, called.get("Linkedid"))
    assert (call.outcome, call.agent, call.talk_s) == ("abandoned", None, None)


async def test_caller_gone_right_after_the_agent_answers_has_talk_time_zero(lab: Lab) -> None:
    agent = await lab.user("qagent4", extension="agent1004")
    ring_ms = 1000
    await lab.phone("agent1004", Answerer(ring_ms=ring_ms))
    await lab.login(agent)
    async with lab.observer() as ami:
        caller = await lab.call(Caller(caller="9876500004", steps=[*_to_queue(lab), ("pause", ring_ms + 1300)]))
        connect = await ami.wait(lambda e: e.event == "AgentConnect" and e.get("CallerIDNum") == "9876500004",
                                 60, "AgentConnect")
        assert await caller.finished(30) == 0, caller.errors()
        complete = await ami.wait(lambda e: e.event == "AgentComplete" and e.get("Interface") == "PJSIP/agent1004"
                                  and e.get("Linkedid") in (None, connect.get("Linkedid")), 20, "AgentComplete")
    assert complete.get("Reason") == "caller" and int(complete.get("TalkTime") or 0) <= 1
    [call] = await _rows(lab, connect.get("Linkedid"))
    assert (call.outcome, call.agent) == ("answered", "agent1004")
    assert call.talk_s is not None and call.talk_s == int(complete.get("TalkTime") or 0)
