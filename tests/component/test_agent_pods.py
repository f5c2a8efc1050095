"""Two Asterisk pods (issue 10): an agent's queue login, pause and click-to-call go to the pod its
phone is registered on (PJSIPShowContacts at connect, ContactStatus as phones move); a phone
that registers on the other pod is put in that pod's queues; the wallboard counts both pods."""
from __future__ import annotations

import asyncio

import httpx

from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.cti_stack import CtiStack
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
