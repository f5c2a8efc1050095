"""(issue 10) Scale-out on real Asterisk: two pods (two throwaway Asterisks, distinct SIP, AMI,
HTTP and RTP ports) and two `helpline serve` processes on one scratch PostgreSQL database and
Redis, each process connected to both pods (harness/pods.py). An agent's phone registers on
one pod; its desk may be on either process.

- a call through each pod's queue is one `calls` row (server = that pod) and its pops reach
  that pod's agent only, through Redis when the desk is on the process that does not own it;
- queue login and click-to-call go only to the pod where the agent's phone is registered
  (each Asterisk's AMI events and full log);
- across pods, listen-in and an attended transfer are refused with the reason (409); a blind
  transfer to the other pod's agent goes over the inter-pod trunk (pjsip_helpline.conf.sample
  [helpline-pod]): the caller talks to agent1002 on pod B, whose desk pops with the caller's
  number; on pod B that leg is a call of its own (a second row, server = pod B);
- SIGKILL of the process owning a pod's event stream mid-call: the other process owns it within
  10 s, the call still ends as one `answered` row and the agent's `call.ended` pop arrives; started
  again, it sends a login only to the pod where that phone registered while it was down.
"""
from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from storage.models import Call
from storage.queries import calls as call_q
from tests import dbs
from tests.conftest import ASTERISK_DIR
from tests.integration.conftest import SERVE_ENV, require_lab_parts
from tests.integration.harness.lab import Lab, Observer, receive_until, until
from tests.integration.harness.pbx import TRUNK
from tests.integration.harness.pods import Pods, PodsUnavailable
from tests.integration.harness.sip import Answerer, Caller

TAKEOVER_LIMIT_S = 10.0
# the caller picks Hindi, then "talk to an agent", then stays until the test hangs up
TO_AGENT = [("pause", 1200), ("dtmf", "1"), ("pause", 1500), ("dtmf", "1"), ("pause", 90000)]


@pytest.fixture(scope="module")
def pods_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pods]:
    require_lab_parts()
    env = {k: v for k, v in SERVE_ENV.items() if k != "HELPLINE_REDIS_URL"}
    try:
        pods = Pods.start(tmp_path_factory.mktemp("two-pods"), ASTERISK_DIR, **env)
    except PodsUnavailable as exc:
        if dbs.IN_CI:
            pytest.fail(f"the two-pod test needs PostgreSQL and Redis: {exc}", pytrace=False)
        pytest.skip(f"the two-pod test needs PostgreSQL and Redis: {exc}")
    try:
        yield pods
    finally:
        pods.stop()


@pytest.fixture
async def pods(pods_session: Pods) -> AsyncIterator[Pods]:
    yield pods_session
    for lab in pods_session.labs:
        if lab.server.proc is None or lab.server.proc.poll() is not None:
            lab.logged_in.clear()  # its serve was killed: only the phones to undo
        await lab.cleanup()


async def _login(lab: Lab, headers: dict[str, str]) -> dict[str, Any]:
    """Log in through `lab`'s serve once that process has seen the phone's registration (the
    ContactStatus event follows the REGISTER by a moment)."""
    async def attempt() -> dict[str, Any] | None:
        async with lab.http() as http:
            r = await http.post("/api/v1/agents/me/login", headers=headers)
        if r.status_code == 503 and "not registered" in r.text:
            return None
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]
    body = await until(attempt, 15, "a login accepted once the phone is registered", interval=0.2)
    lab.logged_in.append(headers)
    return body  # type: ignore[no-any-return]


async def _rows(lab: Lab, linkedid: str) -> list[Call]:
    async with lab.db() as db, db.sessions() as session:
        return list(await call_q.by_linkedid(session, linkedid))


async def _ended_row(lab: Lab, linkedid: str) -> Call:
    rows = await until(lambda: _rows(lab, linkedid), 30, f"the calls row of {linkedid}")
    assert len(rows) == 1, [(r.server, r.outcome) for r in rows]
    return rows[0]


def _caller_channel(ami: Observer, number: str) -> str:
    return next(e.get("Channel") for e in ami.events if e.event == "Newchannel" and e.get("CallerIDNum") == number)


def _members(lab: Lab, queue: str = "helpline-hi") -> str:
    return lab.pbx.rx(f"queue show {queue}")


async def test_a_call_on_each_pod_is_one_row_and_pops_on_that_pods_agent(pods: Pods) -> None:
    a, b = pods.labs
    agent_a = await a.user("podagent1", extension="agent1001")
    agent_b = await b.user("podagent2", extension="agent1002")
    supervisor = await b.user("podsup1", "supervisor", extension="sup2001")
    await a.phone("agent1001", Answerer(ring_ms=300))
    await b.phone("agent1002", Answerer(ring_ms=300))
    await b.phone("sup2001", Answerer(ring_ms=300))
    # each agent logs in through the *other* pod's process: QueueAdd still goes to its own pod
    await _login(b, agent_a)
    await _login(a, agent_b)
    assert "agent1001" in _members(a) and "agent1001" not in _members(b)
    assert "agent1002" in _members(b) and "agent1002" not in _members(a)
    ws_a = await b.socket("/ws/agent", agent_a)  # agent1001's desk on serve 2
    ws_b = await a.socket("/ws/agent", agent_b)  # agent1002's desk on serve 1
    seen_a: list[dict[str, Any]] = []
    seen_b: list[dict[str, Any]] = []
    async with a.observer() as ami_a, b.observer() as ami_b:
        await a.call(Caller(caller="9876500101", steps=TO_AGENT))
        await b.call(Caller(caller="9876500102", steps=TO_AGENT))
        answered_a = await receive_until(ws_a, "call.answered", 60, seen_a)
        answered_b = await receive_until(ws_b, "call.answered", 60, seen_b)
        call_a, call_b = answered_a["call"]["id"], answered_b["call"]["id"]
        connect_a = await ami_a.wait(lambda e: e.event == "AgentConnect" and e.get("Linkedid") == call_a, 10,
                                     "AgentConnect on pod A")
        connect_b = await ami_b.wait(lambda e: e.event == "AgentConnect" and e.get("Linkedid") == call_b, 10,
                                     "AgentConnect on pod B")
        assert connect_a.get("Interface") == "PJSIP/agent1001" and connect_b.get("Interface") == "PJSIP/agent1002"
        assert answered_a["call"]["caller"] == "+919876500101" and answered_b["call"]["caller"] == "+919876500102"

        # across pods: the supervisor's phone (pod B) cannot listen to pod A's call; on its own pod
        # the supervisor listens
        async with a.http() as http:
            r = await http.post(f"/api/v1/calls/{call_a}/spy", json={"mode": "listen"}, headers=supervisor)
            assert r.status_code == 409 and "not registered on the Asterisk server that holds this call" in r.text, r.text
            r = await http.post(f"/api/v1/calls/{call_b}/spy", json={"mode": "listen"}, headers=supervisor)
            assert r.status_code == 200, r.text
        spy = await ami_b.wait(lambda e: e.event == "ChanSpyStart", 30, "ChanSpyStart on pod B")
        assert spy.get("SpyeeChannel", "").startswith("PJSIP/agent1002-")
        assert not ami_a.named("ChanSpyStart") and not ami_a.named("OriginateResponse")
        caller_a, caller_b = _caller_channel(ami_a, "9876500101"), _caller_channel(ami_b, "9876500102")
        await ami_b.send("Hangup", Channel=caller_b)
        ended_b = await receive_until(ws_b, "call.ended", 30, seen_b)

        # agent1001 (pod A) hands its caller to agent1002, whose phone is on pod B: an attended
        # transfer cannot cross pods (409, with the reason); a blind one goes over the inter-pod
        # trunk, and on pod B the transferred leg is a new call that pops agent1002's desk
        async with a.http() as http:
            r = await http.post(f"/api/v1/calls/{call_a}/transfers", headers=agent_a,
                                json={"kind": "agent", "target": "agent1002", "attended": True})
            assert r.status_code == 409 and "attended transfer cannot cross pods" in r.text, r.text
            assert r.json()["error"]["id"] == "agent_on_other_pod", r.text
            r = await http.post(f"/api/v1/calls/{call_a}/transfer", json={"extension": "agent1002"}, headers=agent_a)
            assert r.status_code == 200, r.text
        dial = await ami_a.wait(lambda e: e.event == "DialBegin" and e.get("Channel") == caller_a
                                and e.get("DestChannel", "").startswith("PJSIP/pod-b-"), 30,
                                "the caller dialling pod B's trunk")
        assert dial.get("DialString") == "agent1002@pod-b", dial
        ringing = await receive_until(ws_b, "call.ringing", 30, seen_b)
        answered = await receive_until(ws_b, "call.answered", 30, seen_b)
        call_t = answered["call"]["id"]
        assert ringing["call"]["id"] == call_t and call_t.startswith("pod-b-") and call_t != call_b, (ringing, answered)
        assert answered["call"]["caller"] == "+919876500101", answered  # the caller's number, from pod A
        connected = await ami_b.wait(lambda e: e.event == "DialEnd" and e.get("Linkedid") == call_t
                                     and e.get("DialStatus") == "ANSWER", 30, "agent1002 answering on pod B")
        assert connected.get("Channel", "").startswith("PJSIP/pod-a-")
        assert connected.get("DestChannel", "").startswith("PJSIP/agent1002-")
        variables = {e.get("Variable"): e.get("Value") for e in ami_b.events
                     if e.event == "VarSet" and e.get("Linkedid") == call_t}
        assert variables.get("HELPLINE_FROM_POD") == "pod-a" and variables.get("HELPLINE_TRANSFER_OF") == call_a, variables
        # agent1001's leg ended: its pop ends as transferred while the caller talks on pod B
        ended_a = await receive_until(ws_a, "call.ended", 30, seen_a)
        await ami_a.wait(lambda e: e.event == "DialEnd" and e.get("Channel") == caller_a
                         and e.get("DestChannel", "").startswith("PJSIP/pod-b-") and e.get("DialStatus") == "ANSWER",
                         30, "pod A's side of the trunk answered")

        await ami_a.send("Hangup", Channel=caller_a)  # the caller hangs up: both pods' legs end
        ended_t = await receive_until(ws_b, "call.ended", 30, seen_b)
    await ws_a.close()
    await ws_b.close()

    # each desk got its own pod's calls only
    assert {m["call"]["id"] for m in seen_a if m.get("call") and m["type"].startswith("call.")} == {call_a}
    assert {m["call"]["id"] for m in seen_b if m.get("call") and m["type"].startswith("call.")} == {call_b, call_t}
    assert ended_a["call"]["id"] == call_a and ended_a["call"]["outcome"] == "transferred", ended_a
    assert ended_b["call"]["outcome"] == ended_t["call"]["outcome"] == "answered"
    assert ended_t["call"]["id"] == call_t
    row_a, row_b, row_t = await _ended_row(a, call_a), await _ended_row(b, call_b), await _ended_row(b, call_t)
    assert (row_a.server, row_a.agent, row_a.outcome, row_a.queue) == (
        Pods.server_name(a.pbx), "agent1001", "answered", "helpline-hi")
    assert (row_b.server, row_b.agent, row_b.outcome, row_b.queue) == (
        Pods.server_name(b.pbx), "agent1002", "answered", "helpline-hi")
    # the transferred leg: a call of pod B, from the caller's number, answered by agent1002
    assert (row_t.server, row_t.agent, row_t.outcome, row_t.caller) == (
        Pods.server_name(b.pbx), "agent1002", "answered", row_a.caller), row_t
    async with a.db() as db, db.sessions() as session:  # one row per call per pod
        total = await session.scalar(select(func.count()).select_from(Call).where(
            Call.caller.in_([row_a.caller, row_b.caller])))
    assert total == 3


async def test_a_transfer_the_other_pods_agent_cannot_take_brings_the_caller_back_to_the_queue(pods: Pods) -> None:
    """The agent on pod B is busy (486): pod B's leg ends as `busy`, and pod A's [helpline-to-pod]
    puts the caller back in pod A's queue (a second QueueCallerJoin; agent1007 is in wrap-up). And a
    peer pod cannot reach the carrier trunk through [helpline-from-pods]."""
    a, b = pods.labs
    agent_a = await a.user("podagent7", extension="agent1007")
    await b.user("podagent8", extension="agent1008")
    await a.phone("agent1007", Answerer(ring_ms=300))
    await b.phone("agent1008", Answerer(mode="busy"))
    await _login(a, agent_a)
    ws = await a.socket("/ws/agent", agent_a)
    async with a.observer() as ami_a, b.observer() as ami_b:
        await a.call(Caller(caller="9876500107", steps=TO_AGENT))
        answered = await receive_until(ws, "call.answered", 60)
        call_id = answered["call"]["id"]
        caller = _caller_channel(ami_a, "9876500107")

        async def transfer() -> bool:  # once serve 1 has seen agent1008's phone register on pod B
            async with a.http() as http:
                r = await http.post(f"/api/v1/calls/{call_id}/transfer", json={"extension": "agent1008"},
                                    headers=agent_a)
            assert r.status_code == 200, r.text
            return True
        await until(transfer, 15, "the transfer accepted")
        busy = await ami_b.wait(lambda e: e.event == "DialEnd" and e.get("DialStatus") == "BUSY"
                                and e.get("DestChannel", "").startswith("PJSIP/agent1008-"), 30, "agent1008 busy")
        rejoined = await ami_a.wait(lambda e: e.event == "QueueCallerJoin" and e.get("Channel") == caller, 30,
                                    "the caller back in pod A's queue",
                                    start=next(i for i, e in enumerate(ami_a.events) if e.event == "DialBegin"
                                               and e.get("DestChannel", "").startswith("PJSIP/pod-b-")))
        assert rejoined.get("Queue") == "helpline-hi"
        await ami_a.send("Hangup", Channel=caller)
        left = await receive_until(ws, "call.ended", 30)

        # a peer pod may ring this pod's agents only: the carrier trunk's endpoint named over the
        # inter-pod trunk is refused ([helpline-from-pods] `i`, cause 1), nothing is dialled
        await ami_a.send("Originate", Channel="PJSIP/trunk@pod-b", Application="Wait", Data="1", Async="true")
        refused = await ami_b.wait(lambda e: e.event == "Hangup" and e.get("Channel", "").startswith("PJSIP/pod-a-")
                                   and e.get("Exten") != "agent1008", 30, "pod B refusing the call for 'trunk'")
        assert (refused.get("Context"), refused.get("Exten"), refused.get("Cause")) == ("helpline-from-pods", "i", "1"), refused
        assert not [e for e in ami_b.events if e.event == "DialBegin" and e.get("DestChannel", "").startswith("PJSIP/trunk")]
    await ws.close()
    assert (left["call"]["id"], left["call"]["outcome"]) == (call_id, "transferred")
    row_t = await _ended_row(b, busy.get("Linkedid"))
    assert (row_t.server, row_t.agent, row_t.outcome) == (Pods.server_name(b.pbx), None, "busy")
    row = await _ended_row(a, call_id)
    assert (row.server, row.agent) == (Pods.server_name(a.pbx), "agent1007")


async def test_click_to_call_goes_to_the_pod_where_the_phone_is_registered(pods: Pods) -> None:
    a, b = pods.labs
    agent_a = await a.user("podagent3", extension="agent1003")
    agent_b = await b.user("podagent4", extension="agent1004")
    await a.phone("agent1003", Answerer(ring_ms=200))
    await b.phone("agent1004", Answerer(ring_ms=200))
    await a.phone(TRUNK, Answerer(ring_ms=300, hangup_after_ms=1500))
    await b.phone(TRUNK, Answerer(ring_ms=300, hangup_after_ms=1500))
    async with a.observer() as ami_a, b.observer() as ami_b:
        ids: dict[str, str] = {}
        for desk, headers, extension, number in ((b, agent_a, "agent1003", "9876500103"),
                                                  (a, agent_b, "agent1004", "9876500104")):
            async def originate() -> str | None:
                async with desk.http() as http:  # through the other pod's process
                    r = await http.post("/api/v1/calls/originate", json={"number": number}, headers=headers)
                if r.status_code == 503 and "not registered" in r.text:
                    return None  # that process has not seen the REGISTER yet
                assert r.status_code == 202, r.text
                return r.json()["call_id"]  # type: ignore[no-any-return]
            ids[extension] = await until(originate, 15, f"click-to-call from {extension} accepted", interval=0.2)
        for ami, extension, number in ((ami_a, "agent1003", "9876500103"), (ami_b, "agent1004", "9876500104")):
            call_id = ids[extension]
            dial = await ami.wait(lambda e: e.event == "DialBegin" and e.get("Linkedid") == call_id
                                  and e.get("DestChannel", "").startswith("PJSIP/trunk"), 30,
                                  f"{extension}'s leg dialling the trunk")
            assert dial.get("Channel", "").startswith(f"PJSIP/{extension}-")
            assert dial.get("DialString") == f"{number}@trunk"
            await ami.wait(lambda e: e.event == "Hangup" and e.get("Uniqueid") == call_id, 30, f"the end of {call_id}")
        # nothing of A's call on B, nor of B's on A: Originate went to one pod each
        assert not ami_b.of_call(ids["agent1003"]) and not ami_a.of_call(ids["agent1004"])
    assert "PJSIP/agent1003-" in a.pbx.full_log() and "PJSIP/agent1003-" not in b.pbx.full_log()
    assert "PJSIP/agent1004-" in b.pbx.full_log() and "PJSIP/agent1004-" not in a.pbx.full_log()
    row_a, row_b = await _ended_row(a, ids["agent1003"]), await _ended_row(b, ids["agent1004"])
    assert (row_a.server, row_a.direction, row_a.outcome) == (Pods.server_name(a.pbx), "outbound", "answered")
    assert (row_b.server, row_b.direction, row_b.outcome) == (Pods.server_name(b.pbx), "outbound", "answered")


async def test_owner_killed_mid_call_the_other_process_takes_over(pods: Pods) -> None:
    a, b = pods.labs
    owner = await pods.owner_of(a.pbx)
    assert owner is not None, pods.logs()
    survivor = next(s for s in pods.servers if s is not owner)
    desk = next(lab for lab in pods.labs if lab.server is survivor)  # the agent's desk stays up
    agent = await desk.user("podagent5", extension="agent1005")
    await a.phone("agent1005", Answerer(ring_ms=300))
    await _login(desk, agent)
    assert "agent1005" in _members(a)
    ws = await desk.socket("/ws/agent", agent)
    async with a.observer() as ami:
        await a.call(Caller(caller="9876500105", steps=TO_AGENT))
        answered = await receive_until(ws, "call.answered", 60)
        call_id = answered["call"]["id"]
        caller = _caller_channel(ami, "9876500105")

        assert owner.proc is not None
        owner.proc.kill()  # SIGKILL mid-call: no goodbye, the lease goes with its connection
        owner.proc.wait(10)
        killed = time.monotonic()
        await ami.send("Hangup", Channel=caller)  # the call ends while nobody may own the stream

        async def taken() -> bool:
            return await pods.owner_of(a.pbx) is survivor
        await until(taken, TAKEOVER_LIMIT_S, "the other process owning pod A", interval=0.1)
        took = time.monotonic() - killed
        ended = await receive_until(ws, "call.ended", 30)
    await ws.close()
    print(f"\ntakeover of pod A after SIGKILL: {took:.2f} s")
    assert ended["call"]["id"] == call_id and ended["call"]["outcome"] == "answered", ended
    row = await _ended_row(a, call_id)
    assert (row.server, row.agent, row.outcome) == (Pods.server_name(a.pbx), "agent1005", "answered")
    assert row.ended_at is not None and row.talk_s is not None
    # the agent is still logged in on pod A, and the survivor answers for it
    assert "agent1005" in _members(a)
    async with httpx.AsyncClient(base_url=survivor.url, timeout=10) as http:
        me = (await http.get("/api/v1/agents/me", headers=agent)).json()
    assert me["logged_in"] is True, me

    # the killed process comes back: it learns where phones registered while it was down from
    # each pod's device states (DeviceStateList; the AMI user may not list PJSIP contacts), so a
    # login through it goes only to the pod the phone is on
    late = await desk.user("podagent6", extension="agent1006")
    await b.phone("agent1006", Answerer(ring_ms=300))
    pods.restart(owner)
    back = next(lab for lab in pods.labs if lab.server is owner)
    await _login(back, late)
    assert "agent1006" in _members(b) and "agent1006" not in _members(a)
