"""Two Asterisk pods (issue 10): an agent's queue login, pause and click-to-call go to the pod its
phone is registered on (PJSIPShowContacts at connect, ContactStatus as phones move); a phone
that registers on the other pod is put in that pod's queues; the wallboard counts both pods; a
blind transfer to an agent on the other pod goes over the inter-pod trunk (HELPLINE_POD_TRUNKS)
and pops the agent's desk there."""
from __future__ import annotations

import asyncio

import httpx

from cti.ami.framing import AmiMessage
from storage.queries import calls as call_q
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.cti_stack import CtiStack, receive_until
from tests.traces import ami as capture_bytes


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _names(fake: FakeAmiServer, action: str) -> list[str]:
    return [a.get("Interface") or a.get("Channel") or "" for a in fake.actions_named(action)]


async def test_actions_go_to_the_pod_where_the_phone_is(sqlite_url: str) -> None:
    async with FakeAmiServer(auth_fail_delay=0.05) as pod_a, FakeAmiServer(auth_fail_delay=0.05) as pod_b:
        pod_b.register("agent1001")  # the agent's phone is on pod B before Helpline connects
        async with CtiStack(sqlite_url, pod_a, more_amis=(pod_b,)) as stack:
            token = await stack.user("agent1", extension="agent1001")
            nobody = await stack.user("agent2", extension="agent1002")  # a phone registered nowhere
            async with httpx.AsyncClient(base_url=stack.url(""), timeout=10) as http:
                r = await http.post("/api/v1/agents/me/login", json={"extension": "agent1001"}, headers=_auth(token))
                assert r.status_code == 200, r.text
                assert _names(pod_b, "QueueAdd") == ["PJSIP/agent1001"] * 2 and _names(pod_a, "QueueAdd") == []

                r = await http.post("/api/v1/agents/me/pause", json={"reason": "lunch"}, headers=_auth(token))
                assert r.status_code == 200, r.text
                assert _names(pod_b, "QueuePause") == ["PJSIP/agent1001"] * 2 and _names(pod_a, "QueuePause") == []

                r = await http.post("/api/v1/calls/originate", json={"number": "9812345678"}, headers=_auth(token))
                assert r.status_code == 202, r.text
                assert _names(pod_b, "Originate") == ["PJSIP/agent1001"] and _names(pod_a, "Originate") == []

                r = await http.post("/api/v1/calls/originate", json={"number": "9812345678"}, headers=_auth(nobody))
                assert r.status_code == 503 and "not registered" in r.json()["error"]["message"], r.text

                # the phone moves to pod A: it is put in pod A's queues (paused, as it was), and
                # its next call starts there
                pod_b.unregister("agent1001")
                pod_a.register("agent1001")
                added = await pod_a.wait_for_action("QueueAdd", count=2, timeout=30)
                assert added.get("Interface") == "PJSIP/agent1001" and added.get("Paused") == "true"
                async with asyncio.timeout(30):
                    while stack.cti.agent_servers("agent1001") != [f"{pod_a.host}:{pod_a.port}"]:
                        await asyncio.sleep(0.02)
                r = await http.post("/api/v1/calls/originate", json={"number": "9812345678"}, headers=_auth(token))
                assert r.status_code == 202, r.text
                assert _names(pod_a, "Originate") == ["PJSIP/agent1001"] and len(_names(pod_b, "Originate")) == 1

            # the supervisors' board counts the callers waiting on both pods
            data = capture_bytes("inbound-abandoned")
            waiting = data[:data.index(b"Event: QueueCallerAbandon\r\n")]
            await pod_a.replay(waiting)
            await pod_b.replay(waiting)
            async with asyncio.timeout(30):
                while (board := await stack.cti.wallboard())["calls_waiting"] != 2:
                    await asyncio.sleep(0.05)
            assert len(board["pbx"]) == 2


async def test_a_transfer_to_an_agent_on_another_pod_is_refused_with_the_reason(sqlite_url: str) -> None:
    """A call stays on its pod: a Redirect to an agent whose phone is on the other pod would ring an
    endpoint with no contact there and drop the caller, so the API refuses it and says why."""
    data = capture_bytes("inbound-answered")
    talking = data[:data.index(b"Event: HangupRequest\r\n")]  # agent1001 and the caller are talking
    async with FakeAmiServer(auth_fail_delay=0.05) as pod_a, FakeAmiServer(auth_fail_delay=0.05) as pod_b:
        pod_a.register("agent1001")
        pod_b.register("agent1002")  # the target's phone is on the other pod
        async with CtiStack(sqlite_url, pod_a, more_amis=(pod_b,)) as stack:
            token = await stack.user("agent1", extension="agent1001")
            await stack.user("agent2", extension="agent1002")
            await stack.user("agent3", extension="agent1003")
            await pod_a.replay(talking)
            name = f"{pod_a.host}:{pod_a.port}"
            async with asyncio.timeout(30):
                while not (live := [r for r in stack.cti.servers[name].calls.live() if r.agent]):
                    await asyncio.sleep(0.02)
            call_id = live[0].id
            async with httpx.AsyncClient(base_url=stack.url(""), timeout=10) as http:
                for attended in (False, True):
                    r = await http.post(f"/api/v1/calls/{call_id}/transfers", headers=_auth(token),
                                        json={"kind": "agent", "target": "agent1002", "attended": attended})
                    assert r.status_code == 409, r.text
                    error = r.json()["error"]
                    assert error["id"] == "agent_on_other_pod" and f"{pod_b.host}:{pod_b.port}" in error["message"]
                assert _names(pod_a, "Redirect") == [] and _names(pod_a, "Atxfer") == []
                # a phone registered nowhere (or on this pod) is not a pod question: tried as before
                r = await http.post(f"/api/v1/calls/{call_id}/transfer", headers=_auth(token),
                                    json={"extension": "agent1003"})
                assert r.status_code == 200, r.text
                assert [(a.get("Context"), a.get("Exten")) for a in pod_a.actions_named("Redirect")] == [
                    ("helpline-agents", "agent1003")] and pod_b.actions_named("Redirect") == []


async def _talking_on_pod_a(stack: CtiStack, pod_a: FakeAmiServer) -> tuple[str, str]:
    """agent1001 and the caller of the inbound-answered capture talking on pod A: (call id, caller's channel)."""
    data = capture_bytes("inbound-answered")
    await pod_a.replay(data[:data.index(b"Event: HangupRequest\r\n")])
    name = f"{pod_a.host}:{pod_a.port}"
    async with asyncio.timeout(30):
        while not (live := [r for r in stack.cti.servers[name].calls.live() if r.agent]):
            await asyncio.sleep(0.02)
    return live[0].id, live[0].channel


async def test_a_blind_transfer_to_an_agent_on_another_pod_goes_over_the_trunk(sqlite_url: str) -> None:
    """With a trunk to pod B named (HELPLINE_POD_TRUNKS), the caller's channel is told which trunk
    (Setvar HELPLINE_POD_TRUNK) and redirected to [helpline-to-pod], extension = the agent: pod A's
    dialplan dials the agent over that trunk. An attended transfer still cannot cross pods."""
    async with FakeAmiServer(auth_fail_delay=0.05) as pod_a, FakeAmiServer(auth_fail_delay=0.05) as pod_b:
        pod_a.register("agent1001")
        pod_b.register("agent1002")
        name_b = f"{pod_b.host}:{pod_b.port}"
        async with CtiStack(sqlite_url, pod_a, more_amis=(pod_b,), pod_trunks={name_b: "pod-b"}) as stack:
            token = await stack.user("agent1", extension="agent1001")
            await stack.user("agent2", extension="agent1002")
            call_id, caller = await _talking_on_pod_a(stack, pod_a)
            async with httpx.AsyncClient(base_url=stack.url(""), timeout=10) as http:
                r = await http.post(f"/api/v1/calls/{call_id}/transfers", headers=_auth(token),
                                    json={"kind": "agent", "target": "agent1002", "attended": True})
                assert r.status_code == 409, r.text
                error = r.json()["error"]
                assert error["id"] == "agent_on_other_pod" and "attended transfer cannot cross pods" in error["message"]
                assert pod_a.actions_named("Atxfer") == [] and pod_a.actions_named("Setvar") == []

                r = await http.post(f"/api/v1/calls/{call_id}/transfer", headers=_auth(token),
                                    json={"extension": "agent1002"})
                assert r.status_code == 200, r.text
            assert [(a.get("Channel"), a.get("Variable"), a.get("Value")) for a in pod_a.actions_named("Setvar")] == [
                (caller, "HELPLINE_POD_TRUNK", "pod-b")]
            assert [(a.get("Channel"), a.get("Context"), a.get("Exten"), a.get("Priority"))
                    for a in pod_a.actions_named("Redirect")] == [(caller, "helpline-to-pod", "agent1002", "1")]
            assert not any(pod_b.actions_named(n) for n in ("Setvar", "Redirect", "Atxfer", "Originate"))

            # the PBX refuses the Redirect (the caller just hung up): the variable is cleared again
            # so that agent1001's call is not taken for a transfer, and the desk hears why
            pod_a._action_redirect = lambda session, action, aid: pod_a._error(  # type: ignore[method-assign]
                session, aid, "Redirect failed")
            async with httpx.AsyncClient(base_url=stack.url(""), timeout=10) as http:
                r = await http.post(f"/api/v1/calls/{call_id}/transfer", headers=_auth(token),
                                    json={"extension": "agent1002"})
            assert r.status_code == 502 and "Redirect failed" in r.text, r.text
            assert [(a.get("Variable"), a.get("Value")) for a in pod_a.actions_named("Setvar")][1:] == [
                ("HELPLINE_POD_TRUNK", "pod-b"), ("HELPLINE_POD_TRUNK", "")]


def _from_pod_a(linkedid: str, caller: str, agent_leg: str, dial_status: str) -> list[AmiMessage]:
    """What pod B's AMI says of a call that pod A's trunk brings to agent1002 ([helpline-from-pods])."""
    channel = "PJSIP/pod-a-00000007"
    leg = {"Channel": channel, "Uniqueid": linkedid, "Linkedid": linkedid, "CallerIDNum": caller}
    dest = {"DestChannel": agent_leg, "DestUniqueid": f"{linkedid}1", "DestLinkedid": linkedid}
    return [
        AmiMessage.build(Event="Newchannel", **leg, Context="helpline-from-pods", Exten="agent1002",
                         ChannelState="4"),
        AmiMessage.build(Event="VarSet", **leg, Variable="HELPLINE_TRANSFER_OF", Value="pod-a-1796442673.4"),
        AmiMessage.build(Event="VarSet", **leg, Variable="HELPLINE_FROM_POD", Value="pod-a"),
        AmiMessage.build(Event="DialBegin", **leg, **dest, DialString="agent1002"),
        AmiMessage.build(Event="DialEnd", **leg, **dest, DialStatus=dial_status),
        AmiMessage.build(Event="VarSet", **leg, Variable="DIALSTATUS", Value=dial_status),
        AmiMessage.build(Event="Hangup", **leg, Cause="16", **{"Cause-txt": "Normal Clearing"}),
    ]


async def test_a_call_from_another_pods_trunk_pops_the_agent_it_rings(sqlite_url: str) -> None:
    """On the receiving pod the transferred leg is a call of its own: the Dial of [helpline-from-pods]
    pops the agent (ringing, answered, ended) with the caller's number, and ends as one row of that
    pod; one that rings unanswered ends as no_answer."""
    async with FakeAmiServer(auth_fail_delay=0.05) as pod_a, FakeAmiServer(auth_fail_delay=0.05) as pod_b:
        pod_b.register("agent1002")
        name_b = f"{pod_b.host}:{pod_b.port}"
        async with CtiStack(sqlite_url, pod_a, more_amis=(pod_b,), pod_trunks={name_b: "pod-b"}) as stack:
            token = await stack.user("agent2", extension="agent1002")
            ws = await stack.socket("/ws/agent", token)
            try:
                await receive_until(ws, "agent.state")  # the snapshot: the socket is subscribed
                for event in _from_pod_a("pod-b-1796442680.9", "919812345678", "PJSIP/agent1002-0000000a", "ANSWER"):
                    pod_b.emit(event)
                ringing = await receive_until(ws, "call.ringing")
                answered = await receive_until(ws, "call.answered")
                ended = await receive_until(ws, "call.ended")
                for event in _from_pod_a("pod-b-1796442690.12", "919812345679", "PJSIP/agent1002-0000000c",
                                         "NOANSWER"):
                    pod_b.emit(event)
                missed_ring = await receive_until(ws, "call.ringing")
                missed = await receive_until(ws, "call.ended")
            finally:
                await ws.close()
            assert ringing["call"]["id"] == answered["call"]["id"] == ended["call"]["id"] == "pod-b-1796442680.9"
            assert answered["agent"] == "agent1002" and answered["call"]["caller"] == "+919812345678"
            assert ended["call"]["outcome"] == "answered"
            assert missed_ring["call"]["id"] == missed["call"]["id"] == "pod-b-1796442690.12"
            assert missed["call"]["outcome"] == "no_answer", missed
            async with asyncio.timeout(30):
                while True:
                    async with stack.db.sessions() as session:
                        rows = [*await call_q.by_linkedid(session, "pod-b-1796442680.9"),
                                *await call_q.by_linkedid(session, "pod-b-1796442690.12")]
                    if len(rows) == 2:
                        break
                    await asyncio.sleep(0.05)
            answered_row, missed_row = rows
            assert (answered_row.server, answered_row.agent, answered_row.outcome, answered_row.caller) == (
                name_b, "agent1002", "answered", "+919812345678")
            assert (missed_row.server, missed_row.agent, missed_row.outcome) == (name_b, None, "no_answer")


async def test_a_call_id_live_on_two_pods_means_the_actors_own_call_or_is_refused(sqlite_url: str) -> None:
    """Two pods without distinct `systemname`s can hand out the same Linkedid: an agent's action
    goes to the pod where that id is the agent's own call; a supervisor's is refused with the fix."""
    data = capture_bytes("inbound-answered")
    talking = data[:data.index(b"Event: HangupRequest\r\n")]
    async with FakeAmiServer(auth_fail_delay=0.05) as pod_a, FakeAmiServer(auth_fail_delay=0.05) as pod_b:
        pod_a.register("agent1001")
        pod_b.register("agent1002")
        pod_b.register("sup2001")
        async with CtiStack(sqlite_url, pod_a, more_amis=(pod_b,)) as stack:
            await stack.user("agent1", extension="agent1001")
            second = await stack.user("agent2", extension="agent1002")
            supervisor = await stack.user("sup1", "supervisor", extension="sup2001")
            await pod_a.replay(talking)
            await pod_b.replay(talking.replace(b"agent1001", b"agent1002"))
            names = [f"{pod.host}:{pod.port}" for pod in (pod_a, pod_b)]
            async with asyncio.timeout(30):
                while not all(any(r.agent for r in stack.cti.servers[n].calls.live()) for n in names):
                    await asyncio.sleep(0.02)
            [on_a], [on_b] = ([r for r in stack.cti.servers[n].calls.live() if r.agent] for n in names)
            assert on_a.id == on_b.id  # the same Linkedid on both pods
            async with httpx.AsyncClient(base_url=stack.url(""), timeout=10) as http:
                r = await http.post(f"/api/v1/calls/{on_b.id}/hangup", headers=_auth(second))
                assert r.status_code == 200, r.text
                assert _names(pod_b, "Hangup") == [on_b.channel] and _names(pod_a, "Hangup") == []
                r = await http.post(f"/api/v1/calls/{on_a.id}/spy", json={"mode": "listen"}, headers=_auth(supervisor))
                assert r.status_code == 409 and "systemname" in r.json()["error"]["message"], r.text
