"""Agent actions through the HTTP API against the fake AMI server: frames sent and refusals."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx

from helpline.users import create_user
import pytest

from storage.queries import agents as agent_q
from tests.fakes.ami_server import FakeAmiServer, capture_actions
from tests.fakes.cti_stack import CtiStack, receive_until


@pytest.fixture
async def ami() -> AsyncIterator[FakeAmiServer]:
    async with FakeAmiServer(auth_fail_delay=0.05) as server:
        yield server


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _keys(msg) -> list[str]:  # type: ignore[no-untyped-def]
    return [k for k, _ in msg.items if k != "ActionID"]


def _captured(action_id: str):  # type: ignore[no-untyped-def]
    return next(a for a in capture_actions("queue-admin") if a.action_id == action_id)


async def test_without_pbx_actions_answer_503(sqlite_url: str) -> None:
    async with CtiStack(sqlite_url, None) as stack:
        token = await stack.user("agent1", extension="agent1001")
        async with httpx.AsyncClient(base_url=stack.url("")) as http:
            r = await http.post("/api/v1/agents/me/login", headers=_auth(token))
            assert r.status_code == 503
            assert r.json()["error"]["id"] == "pbx_disconnected"
            assert "PBX disconnected" in r.json()["error"]["message"]
            me = (await http.get("/api/v1/agents/me", headers=_auth(token))).json()
            assert me["state"] == "logged_out" and me["pbx_connected"] is False
            health = (await http.get("/api/v1/health")).json()
            assert health["pbx"] == []


async def test_login_pause_ready_logout(db_url: str, ami: FakeAmiServer) -> None:
    async with CtiStack(db_url, ami) as stack:
        token = await stack.user("agent1", extension="agent1001")
        async with httpx.AsyncClient(base_url=stack.url("")) as http:
            r = await http.post("/api/v1/agents/me/login", json={"extension": "agent1002"}, headers=_auth(token))
            assert r.status_code == 403 and "not yours" in r.json()["error"]["message"]
            r = await http.post("/api/v1/agents/me/pause", json={"reason": "lunch"}, headers=_auth(token))
            assert r.status_code == 409 and r.json()["error"]["id"] == "not_logged_in"

            r = await http.post("/api/v1/agents/me/login", json={"extension": "agent1001"}, headers=_auth(token))
            assert r.status_code == 200, r.text
            assert r.json()["queues"] == ["helpline-hi", "helpline-en"]
            adds = ami.actions_named("QueueAdd")
            assert _keys(adds[0]) == _keys(_captured("queue-admin-2"))
            assert [(a.get("Queue"), a.get("Interface"), a.get("MemberName"), a.get("StateInterface"),
                     a.get("Penalty"), a.get("Paused")) for a in adds] == [
                ("helpline-hi", "PJSIP/agent1001", "agent1", "PJSIP/agent1001", "0", "false"),
                ("helpline-en", "PJSIP/agent1001", "agent1", "PJSIP/agent1001", "0", "false")]
            health = (await http.get("/api/v1/health")).json()
            assert health["pbx"] == [{"url": f"ami://lab@127.0.0.1:{ami.port}", "connected": True, "owner": True}]

            r = await http.post("/api/v1/agents/me/pause", json={"reason": "nap"}, headers=_auth(token))
            assert r.status_code == 422 and "lunch" in r.json()["error"]["message"]
            r = await http.post("/api/v1/agents/me/pause", json={"reason": "lunch"}, headers=_auth(token))
            assert r.status_code == 200, r.text
            pause = ami.actions_named("QueuePause")[0]
            assert _keys(pause) == _keys(_captured("queue-admin-3"))
            assert (pause.get("Paused"), pause.get("Reason")) == ("true", "lunch")

            async def state(expected: str) -> dict:
                async with asyncio.timeout(30):
                    while (me := (await http.get("/api/v1/agents/me", headers=_auth(token))).json())[
                            "state"] != expected:
                        await asyncio.sleep(0.02)
                return me
            me = await state("paused")
            assert me["reason"] == "lunch" and me["login"]["paused"] is True

            r = await http.post("/api/v1/agents/me/ready", headers=_auth(token))
            assert r.status_code == 200
            unpause = ami.actions_named("QueuePause")[-1]
            assert _keys(unpause) == _keys(_captured("queue-admin-4")) and unpause.get("Paused") == "false"
            await state("ready")

            r = await http.post("/api/v1/agents/me/logout", headers=_auth(token))
            assert r.status_code == 200
            assert [(a.get("Queue"), a.get("Interface")) for a in ami.actions_named("QueueRemove")] == [
                ("helpline-hi", "PJSIP/agent1001"), ("helpline-en", "PJSIP/agent1001")]
            await state("logged_out")
            async with stack.db.sessions() as session:
                assert await agent_q.login_of(session, "agent1001") is None
                history = [(r.state, r.reason) for r in await agent_q.state_changes(session, "agent1001")]
            assert history == [("ready", None), ("paused", "lunch"), ("ready", None), ("logged_out", None)]


async def test_click_to_call(sqlite_url: str, ami: FakeAmiServer) -> None:
    async with CtiStack(sqlite_url, ami) as stack:
        token = await stack.user("agent1", extension="agent1001")
        async with stack.db.session_scope() as session:
            await create_user(session, "sup1", "supervisor", "password-123")
        async with httpx.AsyncClient(base_url=stack.url("")) as http:
            sup = (await http.post("/api/v1/auth/token", json={"username": "sup1", "password": "password-123"})).json()
            r = await http.post("/api/v1/calls/originate", json={"number": "9812345678"},
                                headers=_auth(sup["access_token"]))
            assert r.status_code == 403 and "no extension" in r.json()["error"]["message"]
            assert ami.actions_named("Originate") == []
            # calling out needs a phone (extension), not a queue login
            r = await http.post("/api/v1/calls/originate", json={"number": "12345"}, headers=_auth(token))
            assert r.status_code == 422 and r.json()["error"]["id"] == "invalid_input"
            r = await http.post("/api/v1/calls/originate", json={"number": "098123-45678"}, headers=_auth(token))
            assert r.status_code == 202, r.text
            assert r.json()["number"] == "+919812345678"
            [sent] = ami.actions_named("Originate")
            assert (sent.get("Channel"), sent.get("Context"), sent.get("Exten"), sent.get("Priority"),
                    sent.get("Async")) == ("PJSIP/agent1001", "helpline-agents", "9812345678", "1", "true")
            assert sent.get("ChannelId") == r.json()["call_id"]
            assert sent.getall("Variable") == ["HELPLINE_AGENT=agent1001"]
            await asyncio.sleep(0.2)
            assert len(ami.actions_named("Originate")) == 1  # never re-sent


async def test_hangup_transfer_spy(sqlite_url: str, ami: FakeAmiServer) -> None:
    from tests.fakes.ami_server import capture

    events = [m for m in capture("inbound-answered") if m.event is not None
              and m.event not in ("FullyBooted", "SuccessfulAuth")]
    cut = next(i for i, m in enumerate(events) if m.event == "AgentConnect") + 1
    async with CtiStack(sqlite_url, ami) as stack:
        mine = await stack.user("agent1", extension="agent1001")
        other = await stack.user("agent2", extension="agent1002")
        sup = await stack.user("sup", role="supervisor", extension="sup2001")
        ws = await stack.socket("/ws/agent", mine)
        for msg in events[:cut]:
            ami.emit(msg)
        call_id = (await receive_until(ws, "call.answered"))["call"]["id"]
        async with httpx.AsyncClient(base_url=stack.url("")) as http:
            r = await http.post(f"/api/v1/calls/{call_id}/hangup", headers=_auth(other))
            assert r.status_code == 403 and r.json()["error"]["message"] == "this is not your call"
            r = await http.post("/api/v1/calls/nope/hangup", headers=_auth(mine))
            assert r.status_code == 404
            r = await http.post(f"/api/v1/calls/{call_id}/transfer", json={"extension": "agent9999"},
                                headers=_auth(mine))
            assert r.status_code == 404
            r = await http.post(f"/api/v1/calls/{call_id}/transfer", json={"extension": "agent1002"},
                                headers=_auth(mine))
            assert r.status_code == 200, r.text
            [redirect] = ami.actions_named("Redirect")
            assert (redirect.get("Channel"), redirect.get("Context"), redirect.get("Exten")) == \
                ("PJSIP/sipp-trunk-00000000", "helpline-agents", "agent1002")
            r = await http.post(f"/api/v1/calls/{call_id}/spy", json={"mode": "whisper"}, headers=_auth(mine))
            assert r.status_code == 403
            r = await http.post(f"/api/v1/calls/{call_id}/spy", json={"mode": "whisper"}, headers=_auth(sup))
            assert r.status_code == 200, r.text
            spy = ami.actions_named("Originate")[-1]
            assert (spy.get("Channel"), spy.get("Application"), spy.get("Data")) == \
                ("PJSIP/sup2001", "ChanSpy", "PJSIP/agent1001,qwE")
            r = await http.post(f"/api/v1/calls/{call_id}/hangup", headers=_auth(mine))
            assert r.status_code == 200, r.text
            [hangup] = ami.actions_named("Hangup")
            assert hangup.get("Channel") == "PJSIP/sipp-trunk-00000000"
            r = await http.get("/api/v1/wallboard", headers=_auth(mine))
            assert r.status_code == 403
            board = (await http.get("/api/v1/wallboard", headers=_auth(sup))).json()
            assert board["agents_by_state"]["on_call"] == 1
        await ws.close()
