"""(g) The desk's call control on the real Asterisk: click-to-call from an agent's phone to a
citizen (a SIPp far end behind the trunk), supervisor listen (ChanSpy) on a queue call, then a
blind transfer of that call to another agent, and to another queue."""
from __future__ import annotations

import asyncio
from typing import Any

from storage.queries import calls as call_q
from tests.integration.harness.lab import Lab, receive_until, until
from tests.integration.harness.pbx import TRUNK
from tests.integration.harness.sip import Answerer, Caller


#: a citizen's call into helpline-hi: Hindi, menu 1, then talks until hung up
TO_THE_QUEUE = [("pause", 1200), ("dtmf", "1"), ("pause", 900), ("dtmf", "1"), ("pause", 60000)]


async def _moved(ws: Any, ws_second: Any, call_id: str, caller: str) -> None:
    """The first desk's pop ends as a transfer while the call goes on; the second desk pops."""
    left = await receive_until(ws, "call.ended", 30)
    assert left["call"]["id"] == call_id and left["call"]["outcome"] == "transferred", left
    seen: list[dict[str, Any]] = []
    popped = await receive_until(ws_second, "call.answered", 30, seen)
    assert popped["call"]["id"] == call_id and popped["call"]["caller"] == caller, popped
    assert [m["type"] for m in seen if m.get("call")][:2] == ["call.ringing", "call.answered"], seen


async def _ended_row(lab: Lab, call_id: str) -> Any:
    async def row() -> Any:
        async with lab.db() as db, db.sessions() as session:
            rows = await call_q.by_linkedid(session, call_id)
            return rows if rows and rows[0].ended_at is not None else None
    [call] = await until(row, 30, "the transferred call's row")
    return call


async def test_click_to_call_rings_the_agent_then_the_citizen(lab: Lab) -> None:
    agent = await lab.user("dagent5", extension="agent1005")
    phone = await lab.phone("agent1005", Answerer(ring_ms=300))
    citizen = await lab.phone(TRUNK, Answerer(ring_ms=500, hangup_after_ms=2500))
    async with lab.observer() as ami:
        async with lab.http() as http:
            r = await http.post("/api/v1/calls/originate", json={"number": "9876500061"}, headers=agent)
        assert r.status_code == 202, r.text
        call_id = r.json()["call_id"]
        dial = await ami.wait(lambda e: e.event == "DialBegin" and e.get("DestChannel", "").startswith("PJSIP/trunk")
                              and e.get("Linkedid") == call_id, 30, "the agent's leg dialling the trunk")
        assert dial.get("DialString") == "9876500061@trunk"
        assert dial.get("Channel", "").startswith("PJSIP/agent1005-")
        await ami.wait(lambda e: e.event == "DialEnd" and e.get("Linkedid") == call_id
                       and e.get("DialStatus") == "ANSWER", 30, "the citizen answering")
        trunk_gone = await ami.wait(lambda e: e.event == "Hangup" and e.get("Linkedid") == call_id
                                    and e.get("Channel", "").startswith("PJSIP/trunk"), 30, "the citizen hanging up")
        assert trunk_gone.get("Cause") == "16"  # the citizen's BYE: normal clearing
        await ami.wait(lambda e: e.event == "Hangup" and e.get("Uniqueid") == call_id, 30, "the end of the call")
        assert [e.get("CallerIDNum") for e in ami.events if e.event == "Newchannel" and e.get("Linkedid") == call_id
                and e.get("Channel", "").startswith("PJSIP/trunk")] != []
    await citizen.stop()
    await phone.stop()

    async def rows() -> Any:
        async with lab.db() as db, db.sessions() as session:
            return await call_q.by_linkedid(session, call_id)
    [row] = await until(rows, 30, "the click-to-call's calls row")
    assert row.direction == "outbound" and row.outcome == "answered"


async def test_supervisor_listens_then_the_agent_transfers_blind(lab: Lab) -> None:
    first = await lab.user("dagent6", extension="agent1006")
    second = await lab.user("dagent7", extension="agent1007")
    supervisor = await lab.user("dsup1", "supervisor", extension="sup2001")
    await lab.phone("agent1006", Answerer(ring_ms=300))
    await lab.phone("agent1007", Answerer(ring_ms=300))
    await lab.phone("sup2001", Answerer(ring_ms=300))
    await lab.login(first)
    ws = await lab.socket("/ws/agent", first)
    ws_second = await lab.socket("/ws/agent", second)
    async with lab.observer() as ami:
        caller = await lab.call(Caller(caller="9876500062", steps=TO_THE_QUEUE))
        answered = await receive_until(ws, "call.answered", 60)
        call_id = answered["call"]["id"]
        await lab.login(second)  # in the queues too (after the queue gave the call to the first)
        async with lab.http() as http:
            r = await http.post(f"/api/v1/calls/{call_id}/spy", json={"mode": "listen"}, headers=supervisor)
            assert r.status_code == 200, r.text
            spy = await ami.wait(lambda e: e.event == "ChanSpyStart", 30, "ChanSpyStart")
            assert spy.get("SpyerChannel", "").startswith("PJSIP/sup2001-")
            assert spy.get("SpyeeChannel", "").startswith("PJSIP/agent1006-")
            r = await http.post(f"/api/v1/calls/{call_id}/transfer", json={"extension": "agent1007"}, headers=first)
            assert r.status_code == 200, r.text
        bridged = await ami.wait(lambda e: e.event == "BridgeEnter" and e.get("Channel", "").startswith("PJSIP/agent1007-"),
                                 30, "the second agent in a bridge")
        caller_channel = answered and next(e.get("Channel") for e in ami.events if e.event == "Newchannel"
                                           and e.get("CallerIDNum") == "9876500062")
        await ami.wait(lambda e: e.event == "BridgeEnter" and e.get("Channel") == caller_channel
                       and e.get("BridgeUniqueid") == bridged.get("BridgeUniqueid"), 10, "the caller with the second agent")
        redirect = [e for e in ami.events if e.event == "Newexten" and e.get("Channel") == caller_channel
                    and e.get("Context") == "helpline-agents" and e.get("Extension") == "agent1007"]
        assert redirect, "the caller was not redirected to helpline-agents,agent1007"
        await _moved(ws, ws_second, call_id, "+919876500062")
        await ami.send("Hangup", Channel=caller_channel)
        ended = await receive_until(ws_second, "call.ended", 30)
        assert ended["call"]["outcome"] == "answered", ended
        # the agent who took the transferred caller codes the call in wrap-up, as after a queue call
        async with asyncio.timeout(30):
            while (state := await receive_until(ws_second, "agent.state", 30))["state"] != "wrap_up":
                pass
        assert state["wrapup_s"] > 0, state
        assert await caller.finished(30) == 0, caller.errors()
        await ami.wait(lambda e: e.event == "ChanSpyStop", 30, "ChanSpyStop")
    await ws.close()
    await ws_second.close()

    call = await _ended_row(lab, call_id)
    assert (call.agent, call.outcome) == ("agent1007", "answered")


async def test_the_agent_transfers_attended_to_an_agent_by_name(lab: Lab) -> None:
    """AMI Atxfer plays its extension as DTMF, so `agent1007` cannot be named there: the desk puts
    the name on the agent's leg and Atxfer names [helpline-atxfer] extension 1, which rings that
    agent; the agent talks to it first, then leaves, and the caller stays with the second agent."""
    first = await lab.user("dagent6", extension="agent1006")
    second = await lab.user("dagent7", extension="agent1007")
    await lab.phone("agent1006", Answerer(ring_ms=300))
    await lab.phone("agent1007", Answerer(ring_ms=300))
    await lab.login(first)
    ws = await lab.socket("/ws/agent", first)
    async with lab.observer() as ami:
        caller = await lab.call(Caller(caller="9876500063", steps=TO_THE_QUEUE))
        answered = await receive_until(ws, "call.answered", 60)
        call_id = answered["call"]["id"]
        async with lab.http() as http:
            r = await http.post(f"/api/v1/calls/{call_id}/transfers",
                                json={"kind": "agent", "target": "agent1007", "attended": True}, headers=first)
            assert r.status_code == 200, r.text
            assert (await http.post(f"/api/v1/calls/{call_id}/transfers", json={"kind": "agent", "target": "agent1007"},
                                    headers=second)).status_code in (403, 404)  # not the second agent's call
            ringing = await ami.wait(lambda e: e.event == "DialBegin"
                                     and e.get("DestChannel", "").startswith("PJSIP/agent1007-"), 30,
                                     "the attended transfer ringing agent1007")
            assert ringing.get("DialString") == "agent1007" and ringing.get("Context") == "helpline-atxfer"
            await ami.wait(lambda e: e.event == "DialEnd" and e.get("DestChannel", "").startswith("PJSIP/agent1007-")
                           and e.get("DialStatus") == "ANSWER", 30, "agent1007 answering the first agent")
            r = await http.post(f"/api/v1/calls/{call_id}/transfers/complete", headers=first)
            assert r.status_code == 200, r.text
        done = await ami.wait(lambda e: e.event == "AttendedTransfer", 30, "the attended transfer completing")
        assert done.get("Result") == "Success", done
        assert done.get("OrigTransfererChannel", "").startswith("PJSIP/agent1006-")
        caller_channel = next(e.get("Channel") for e in ami.events if e.event == "Newchannel"
                              and e.get("CallerIDNum") == "9876500063")
        second_leg = ringing.get("DestChannel")
        assert not [e for e in ami.events if e.event == "Hangup" and e.get("Channel") in (caller_channel, second_leg)]
        await ami.send("Hangup", Channel=caller_channel)
        # the caller and the second agent were one call: the caller's hang-up ends agent1007's leg
        await ami.wait(lambda e: e.event == "Hangup" and e.get("Channel") == second_leg, 30,
                       "agent1007's leg ending with the caller")
        assert await caller.finished(30) == 0, caller.errors()
    await ws.close()


async def test_a_blind_transfer_nobody_answers_goes_back_to_the_queue(lab: Lab) -> None:
    """The agent a caller is moved to has no phone on line (CHANUNAVAIL): the caller is not cut
    off but taken back to its queue ([helpline-transfer-back]), and the first desk's pop has ended."""
    first = await lab.user("dagent6", extension="agent1006")
    await lab.user("ragent8", extension="agent1008")  # its phone is not registered
    await lab.phone("agent1006", Answerer(ring_ms=300))
    await lab.login(first)
    ws = await lab.socket("/ws/agent", first)
    async with lab.observer() as ami:
        caller = await lab.call(Caller(caller="9876500064", steps=TO_THE_QUEUE))
        answered = await receive_until(ws, "call.answered", 60)
        call_id = answered["call"]["id"]
        async with lab.http() as http:
            r = await http.post(f"/api/v1/calls/{call_id}/transfer", json={"extension": "agent1008"}, headers=first)
            assert r.status_code == 200, r.text
        left = await receive_until(ws, "call.ended", 30)
        assert left["call"]["id"] == call_id and left["call"]["outcome"] == "transferred", left
        caller_channel = next(e.get("Channel") for e in ami.events if e.event == "Newchannel"
                              and e.get("CallerIDNum") == "9876500064")
        await ami.wait(lambda e: e.event == "Newexten" and e.get("Channel") == caller_channel
                       and e.get("Context") == "helpline-transfer-back", 30, "the caller taken back")
        rejoined = await ami.wait(lambda e: e.event == "QueueCallerJoin" and e.get("Channel") == caller_channel
                                  and e.get("Queue") == "helpline-hi" and any(
                                      x.event == "Newexten" and x.get("Context") == "helpline-transfer-back"
                                      for x in ami.events), 30, "the caller back in helpline-hi")
        assert rejoined.get("Linkedid") == call_id
        assert not [e for e in ami.events if e.event == "Hangup" and e.get("Channel") == caller_channel]
        await ami.send("Hangup", Channel=caller_channel)
        assert await caller.finished(30) == 0, caller.errors()
    await ws.close()


async def test_a_blind_transfer_to_a_queue_pops_the_agent_who_answers_there(lab: Lab) -> None:
    """The agent moves the caller to the English queue ([helpline-transfer-queue]): its pop ends
    as transferred, the agent that queue rings is popped ringing then answered, and the call's row
    names that agent."""
    first = await lab.user("dagent6", extension="agent1006")
    second = await lab.user("dagent7", extension="agent1007")
    await lab.phone("agent1006", Answerer(ring_ms=300))
    await lab.phone("agent1007", Answerer(ring_ms=300))
    await lab.login(first)
    ws = await lab.socket("/ws/agent", first)
    ws_second = await lab.socket("/ws/agent", second)
    async with lab.observer() as ami:
        caller = await lab.call(Caller(caller="9876500065", steps=TO_THE_QUEUE))
        answered = await receive_until(ws, "call.answered", 60)
        call_id = answered["call"]["id"]
        assert answered["call"]["queue"] == "helpline-hi", answered
        await lab.login(second)
        async with lab.http() as http:
            r = await http.post(f"/api/v1/calls/{call_id}/transfers", json={"kind": "queue", "target": "helpline-en"},
                                headers=first)
            assert r.status_code == 200, r.text
        await _moved(ws, ws_second, call_id, "+919876500065")
        caller_channel = next(e.get("Channel") for e in ami.events if e.event == "Newchannel"
                              and e.get("CallerIDNum") == "9876500065")
        assert [e for e in ami.events if e.event == "QueueCallerJoin" and e.get("Channel") == caller_channel
                and e.get("Queue") == "helpline-en"]
        await ami.send("Hangup", Channel=caller_channel)
        ended = await receive_until(ws_second, "call.ended", 30)
        assert ended["call"]["outcome"] == "answered", ended
        assert await caller.finished(30) == 0, caller.errors()
    await ws.close()
    await ws_second.close()

    call = await _ended_row(lab, call_id)
    assert (call.agent, call.outcome) == ("agent1007", "answered")
