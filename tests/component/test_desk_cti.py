"""The desk's PBX side against the fake AMI server replaying real captures: wrap-up pause after a
queue call with the queue's length, Ready refused until the call is coded, a pause Asterisk does
not apply is reported, call control sends the documented actions and refuses clearly."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from cti.agents import WRAPUP_REASON
from storage.db import Database
from storage.queries import agents as agent_q
from storage.queries import call_stats
from storage.queries import desk_settings
from storage.queries import reference
from tests.fakes.ami_server import FakeAmiServer, replaced
from tests.fakes.cti_stack import CtiStack, receive_until
from tests.fakes.desk import cut_after, events, variant


@pytest.fixture
async def ami() -> AsyncIterator[FakeAmiServer]:
    async with FakeAmiServer(auth_fail_delay=0.05) as server:
        yield server


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _until(check, timeout: float = 5.0):  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not (result := await check()):
            await asyncio.sleep(0.02)
    return result


async def test_wrapup_pause_and_ready_needs_the_disposition(db_url: str, ami: FakeAmiServer) -> None:
    db = Database(db_url)
    async with db.session_scope() as session:
        await desk_settings.put_queue_setting(session, "helpline-hi", 7)
    await db.dispose()
    async with CtiStack(db_url, ami) as stack:
        token = await stack.user("agent1", extension="agent1001")
        ws = await stack.socket("/ws/agent", token)
        async with httpx.AsyncClient(base_url=stack.url("")) as http:
            assert (await http.post("/api/v1/agents/me/login", headers=_auth(token))).status_code == 200
            for msg in events("inbound-answered", time.time()):
                ami.emit(msg)
            wrap = await receive_until(ws, "agent.state", timeout=20)
            while wrap["state"] != "wrap_up":
                wrap = await receive_until(ws, "agent.state", timeout=20)
            assert wrap["wrapup_s"] == 7  # helpline-hi's wrap-up, set by the administrator
            pause = await ami.wait_for_action("QueuePause")
            assert (pause.get("Queue"), pause.get("Interface"), pause.get("Paused"), pause.get("Reason")) == (
                "helpline-hi", "PJSIP/agent1001", "true", WRAPUP_REASON)

            async def login_row():  # type: ignore[no-untyped-def]
                async with stack.db.sessions() as session:
                    row = await agent_q.login_of(session, "agent1001")
                return row if row is not None and row.paused else None
            assert (await _until(login_row)).pause_reason == WRAPUP_REASON  # put back paused after a restart
            me = (await http.get("/api/v1/agents/me", headers=_auth(token))).json()
            assert me["state"] == "wrap_up"

            async def call_row():  # type: ignore[no-untyped-def]
                async with stack.db.sessions() as session:
                    from datetime import datetime, timezone
                    return await call_stats.last_answered(session, "agent1001", datetime(2020, 1, 1, tzinfo=timezone.utc))
            call = await _until(call_row)
            r = await http.post("/api/v1/agents/me/ready", headers=_auth(token))
            assert r.status_code == 409 and r.json()["error"]["id"] == "disposition_required"
            unpaused = [a for a in ami.actions_named("QueuePause") if a.get("Paused") == "false"]
            assert unpaused == []  # refused before anything reached the PBX
            r = await http.post(f"/api/v1/calls/{call.linkedid}/disposition", json={"disposition": "made-up"},
                                headers=_auth(token))
            assert r.status_code == 422 and "status_enquiry" in r.json()["error"]["message"]
            r = await http.post(f"/api/v1/calls/{call.linkedid}/disposition", json={"disposition": "status_enquiry"},
                                headers=_auth(token))
            assert r.status_code == 200
            r = await http.post("/api/v1/agents/me/ready", headers=_auth(token))
            assert r.status_code == 200, r.text
            ready = await receive_until(ws, "agent.state", timeout=20)
            while ready["state"] != "ready":
                ready = await receive_until(ws, "agent.state", timeout=20)
        await ws.close()


async def test_a_pause_the_pbx_does_not_apply_is_reported(sqlite_url: str, ami: FakeAmiServer) -> None:
    """The lab's agent1001 is also a static member of `support`; where Asterisk does not pause it
    there, the agent is told instead of seeing OK."""
    support = [m for m in events("inbound-answered") if m.event and m.event.startswith("QueueMember")
               and m.get("Queue") == "support"]
    assert support
    async with CtiStack(sqlite_url, ami) as stack:
        token = await stack.user("agent1", extension="agent1001")
        async with httpx.AsyncClient(base_url=stack.url("")) as http:
            assert (await http.post("/api/v1/agents/me/login", headers=_auth(token))).status_code == 200
            ami.emit(replaced(support[0], Timestamp=f"{time.time():.6f}"))  # the PBX says: a member of support too
            r = await http.post("/api/v1/agents/me/pause", json={"reason": "lunch"}, headers=_auth(token))
            assert r.status_code == 502 and r.json()["error"]["id"] == "pbx_refused"
            assert "support" in r.json()["error"]["message"]
            # the pause was asked for in support as well (the fake has no such queue: Interface not found)
            assert "support" in [a.get("Queue") for a in ami.actions_named("QueuePause")]


async def test_pause_reaches_static_queues_too(sqlite_url: str) -> None:
    async with FakeAmiServer(auth_fail_delay=0.05, queues=("helpline-hi", "helpline-en", "support"),
                             static_members={"support": [("PJSIP/agent1001", "Agent 1001")]}) as ami, \
            CtiStack(sqlite_url, ami) as stack:
        token = await stack.user("agent1", extension="agent1001")
        async with httpx.AsyncClient(base_url=stack.url("")) as http:
            assert (await http.post("/api/v1/agents/me/login", headers=_auth(token))).status_code == 200
            r = await http.post("/api/v1/agents/me/pause", json={"reason": "lunch"}, headers=_auth(token))
            assert r.status_code == 200, r.text
            assert ami.members["support"]["PJSIP/agent1001"]["Paused"] == "1"
            assert (await http.get("/api/v1/agents/me", headers=_auth(token))).json()["state"] == "paused"


async def test_call_control_actions_and_refusals(sqlite_url: str, ami: FakeAmiServer) -> None:
    live, _ = cut_after(events("inbound-answered", time.time()), "AgentConnect")
    async with CtiStack(sqlite_url, ami) as stack:
        mine = await stack.user("agent1", extension="agent1001")
        other = await stack.user("agent2", extension="agent1002")
        async with stack.db.session_scope() as session:
            officer = await reference.get_officer(session, "ELE-LKO-L1")
            officer.phone = "+919450000001"
        ws = await stack.socket("/ws/agent", mine)
        for msg in live:
            ami.emit(msg)
        call_id = (await receive_until(ws, "call.answered"))["call"]["id"]
        async with httpx.AsyncClient(base_url=stack.url("")) as http:
            async def move(body: dict, token: str = mine) -> httpx.Response:
                return await http.post(f"/api/v1/calls/{call_id}/transfers", json=body, headers=_auth(token))
            assert (await move({"kind": "queue", "target": "helpline-xx"})).status_code == 422
            r = await move({"kind": "officer", "target": "FCS-LKO-L1"})
            assert r.status_code == 409 and "no phone number" in r.json()["error"]["message"]
            assert (await move({"kind": "number", "target": "12345"})).status_code == 422
            assert (await move({"kind": "agent", "target": "agent1001"})).status_code == 422
            assert (await move({"kind": "queue", "target": "helpline-en"}, other)).status_code == 403
            assert (await move({"kind": "fax", "target": "1"})).status_code == 422
            assert ami.actions_named("Redirect") == [] and ami.actions_named("Atxfer") == []
            # Asterisk refuses the Redirect: the mark set before it is cleared, the call stays the agent's
            for body in ({"kind": "queue", "target": "helpline-en"}, {"kind": "agent", "target": "agent1002"}):
                ami.refuse["redirect"] = "Redirect failed"
                before = len(ami.actions_named("Setvar"))
                r = await move(body)
                assert r.status_code == 502 and r.json()["error"]["id"] == "pbx_refused", r.text
                marks = [(a.get("Channel"), a.get("Variable"), a.get("Value")) for a in ami.actions_named("Setvar")[before:]]
                assert marks == [("PJSIP/sipp-trunk-00000000", "HELPLINE_TRANSFER_TO", body["target"]),
                                 ("PJSIP/sipp-trunk-00000000", "HELPLINE_TRANSFER_TO", "")]
                del ami.refuse["redirect"]
            r = await move({"kind": "officer", "target": "ELE-LKO-L1"})
            assert r.status_code == 200, r.text
            redirect = ami.actions_named("Redirect")[-1]
            assert (redirect.get("Context"), redirect.get("Exten")) == ("helpline-agents", "9450000001")
            r = await move({"kind": "number", "target": "0522-2612345", "attended": True})
            assert r.status_code == 200
            atxfer = ami.actions_named("Atxfer")[-1]
            assert (atxfer.get("Channel"), atxfer.get("Exten")) == ("PJSIP/agent1001-00000001", "5222612345")
            # an agent named by letters: Atxfer would play only its digits, so the name rides on the leg
            r = await move({"kind": "agent", "target": "agent1002", "attended": True})
            assert r.status_code == 200, r.text
            setvar, atxfer = ami.actions_named("Setvar")[-1], ami.actions_named("Atxfer")[-1]
            assert (setvar.get("Channel"), setvar.get("Variable"), setvar.get("Value")) == (
                "PJSIP/agent1001-00000001", "HELPLINE_ATXFER_TO", "agent1002")
            assert (atxfer.get("Channel"), atxfer.get("Context"), atxfer.get("Exten")) == (
                "PJSIP/agent1001-00000001", "helpline-atxfer", "1")
            r = await http.post(f"/api/v1/calls/{call_id}/transfers/complete", headers=_auth(mine))
            assert r.status_code == 200  # the agent's own leg leaves; the caller stays with the target
            assert ami.actions_named("Hangup")[-1].get("Channel") == "PJSIP/agent1001-00000001"
            r = await http.post(f"/api/v1/calls/{call_id}/feedback-flow", json={"complaint_number": "26120000011"},
                                headers=_auth(mine))
            assert r.status_code == 422  # a wrong check digit never reaches the PBX
            r = await http.post(f"/api/v1/calls/{call_id}/feedback-flow", json={"complaint_number": "26120000012"},
                                headers=_auth(mine))
            assert r.status_code == 200, r.text
            setvar = ami.actions_named("Setvar")[-1]
            assert (setvar.get("Channel"), setvar.get("Variable"), setvar.get("Value")) == (
                "PJSIP/sipp-trunk-00000000", "HELPLINE_COMPLAINT_NO", "26120000012")
            last = ami.actions_named("Redirect")[-1]
            assert (last.get("Context"), last.get("Exten")) == ("helpline-desk-feedback", "s")
            r = await http.post("/api/v1/calls/nope/hold", headers=_auth(mine))
            assert r.status_code == 404
            targets = (await http.get("/api/v1/desk/transfer-targets", headers=_auth(mine))).json()
            assert [o["code"] for o in targets["officers"]] == ["ELE-LKO-L1"]
            assert {a["extension"] for a in targets["agents"]} == {"agent1001", "agent1002"}
        await ws.close()


async def test_ready_while_the_wrapup_pause_is_on_its_way_wins(db_url: str, ami: FakeAmiServer) -> None:
    """The agent clicks Ready while the wrap-up pause of its last call is still on its way to the PBX
    (a loaded machine): the agent stays Ready, and its next call still gets its wrap-up."""
    gate, held = asyncio.Event(), asyncio.Event()
    answer = ami._answer

    async def slow_wrapup(session, action):  # type: ignore[no-untyped-def]
        if action.get("Action") == "QueuePause" and action.get("Reason") == WRAPUP_REASON and not gate.is_set():
            held.set()  # answered once the gate opens; the session goes on with the agent's own actions

            async def later() -> None:
                await gate.wait()
                await answer(session, action)
            asyncio.get_running_loop().create_task(later())
            return
        await answer(session, action)
    ami._answer = slow_wrapup  # type: ignore[method-assign]
    member = ("helpline-hi", "PJSIP/agent1001")
    async with CtiStack(db_url, ami) as stack:
        token = await stack.user("agent1", extension="agent1001")
        async with httpx.AsyncClient(base_url=stack.url("")) as http:
            assert (await http.post("/api/v1/agents/me/login", headers=_auth(token))).status_code == 200
            for msg in events("inbound-answered", time.time()):
                ami.emit(msg)
            async with asyncio.timeout(20):
                await held.wait()

            async def call_row():  # type: ignore[no-untyped-def]
                async with stack.db.sessions() as session:
                    from datetime import datetime, timezone
                    return await call_stats.last_answered(session, "agent1001", datetime(2020, 1, 1, tzinfo=timezone.utc))
            call = await _until(call_row, 20)
            r = await http.post(f"/api/v1/calls/{call.linkedid}/disposition", json={"disposition": "status_enquiry"},
                                headers=_auth(token))
            assert r.status_code == 200, r.text
            r = await http.post("/api/v1/agents/me/ready", headers=_auth(token))
            assert r.status_code == 200, r.text
            gate.set()  # the late wrap-up pause reaches the PBX now

            async def login_row():  # type: ignore[no-untyped-def]
                async with stack.db.sessions() as session:
                    return await agent_q.login_of(session, "agent1001")

            async def settled():  # type: ignore[no-untyped-def]
                row = await login_row()
                unpaused = [a for a in ami.actions_named("QueuePause") if a.get("Paused") == "false"]
                return row.paused or len(unpaused) >= 2  # the late pause written, or given back
            await _until(settled, 20)
            row = await login_row()
            assert not row.paused, row.pause_reason  # the agent's own Ready was not overwritten
            await _until(lambda: _value(ami.members[member[0]][member[1]]["Paused"] == "0"), 20)
            assert await _until(lambda: _me_state(http, token, "ready"), 20) == "ready"  # the tracker follows

            # the next call ends: its wrap-up pause lands
            for msg in events(variant("inbound-answered", "919800000003", 3), time.time()):
                ami.emit(msg)

            async def wrapped():  # type: ignore[no-untyped-def]
                row = await login_row()
                return row.paused and ami.members[member[0]][member[1]]["Paused"] == "1"
            await _until(wrapped, 20)
            assert (await login_row()).pause_reason == WRAPUP_REASON
            assert await _until(lambda: _me_state(http, token, "wrap_up"), 20) == "wrap_up"


async def _value(value):  # type: ignore[no-untyped-def]
    return value


async def _me_state(http: httpx.AsyncClient, token: str, wanted: str) -> str | None:
    state = (await http.get("/api/v1/agents/me", headers=_auth(token))).json()["state"]
    return state if state == wanted else None
