"""The public sign-language video page: no login, Hindi and English with the consent line; its
tickets are rate-limited per address and refused while the video queue is full; the dialplan's
`video-ticket` flow admits only a valid ticket; the sign-language skill puts an agent in
helpline-video at queue login."""
from __future__ import annotations

import time
from functools import partial

import httpx
import pytest

from agent_console import video
from agent_console.app import create_app
from common.context import AppContext
from ivr.flows import video_ticket
from ivr.flows.common import FlowDeps
from storage.db import Database
from tests.conftest import make_settings
from tests.fakes.ami_server import FakeAmiServer, replaced
from tests.fakes.cti_stack import CtiStack
from tests.fakes.desk import cut_after, events
from tests.fakes.flow_world import TZ, flow_world


async def test_the_page_needs_no_login_and_speaks_both_languages(client: httpx.AsyncClient) -> None:
    r = await client.get("/video")
    assert r.status_code == 200 and 'id="video-unavailable"' in r.text  # no softphone WebSocket configured
    hi = await client.get("/video", params={"lang": "hi"})
    assert "सांकेतिक भाषा वीडियो सहायता" in hi.text and 'href="/video?lang=en"' in hi.text
    en = await client.get("/video", params={"lang": "en"})
    assert "Sign-language video help" in en.text and "may record it" in en.text
    r = await client.post("/api/v1/video/ticket")
    assert r.status_code == 503 and r.json()["error"]["id"] == "video_unavailable"


async def test_tickets_rate_limited_per_address_and_refused_when_the_queue_is_full(db_url: str, db: Database) -> None:
    settings = make_settings(db_url, softphone_ws_url="wss://pbx.example.in:8089/ws", video_queue_max=1)
    app = create_app(AppContext.build(settings, db))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        page = await client.get("/video", params={"lang": "en"})
        assert 'id="video-consent" required' in page.text and 'id="video-start" disabled' in page.text
        got = []
        for _ in range(video.TICKETS_PER_WINDOW + 1):
            got.append(await client.post("/api/v1/video/ticket"))
        assert [r.status_code for r in got] == [200] * video.TICKETS_PER_WINDOW + [429]
        first = got[0].json()
        assert video.valid(settings.secret_key, first["ticket"])
        assert first["target"] == "sip:video@pbx.example.in" and first["authorization_user"] == "video-guest"
        assert got[-1].json()["error"]["id"] == "rate_limited" and got[-1].headers["retry-after"] == "600"


async def test_a_full_video_queue_refuses_new_callers(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_SOFTPHONE_WS_URL", "wss://pbx.example.in:8089/ws")
    monkeypatch.setenv("HELPLINE_VIDEO_QUEUE_MAX", "1")
    async with FakeAmiServer(auth_fail_delay=0.05) as ami, CtiStack(db_url, ami) as stack:
        async with httpx.AsyncClient(base_url=stack.url("")) as http:
            assert (await http.post("/api/v1/video/ticket")).status_code == 200
            assert (await http.get("/api/v1/video/queue")).json() == {"waiting": 0}
            waiting, _ = cut_after(events("inbound-answered", time.time()), "QueueCallerJoin")
            for msg in waiting:  # a caller now waits in helpline-video
                ami.emit(replaced(msg, Queue="helpline-video") if msg.event == "QueueCallerJoin" else msg)
            for _ in range(100):  # what the page shows its waiting caller
                if (await http.get("/api/v1/video/queue")).json()["waiting"] == 1:
                    break
            assert (await http.get("/api/v1/video/queue")).json() == {"waiting": 1}
            for _ in range(100):
                r = await http.post("/api/v1/video/ticket")
                if r.status_code != 200:
                    break
            assert r.status_code == 503 and r.json()["error"]["id"] == "queue_full"


async def test_the_video_ticket_flow_admits_only_a_valid_ticket(db_url: str) -> None:
    async with flow_world(db_url) as world:
        deps = FlowDeps(db=world.db, policy=world.policy, tz=TZ, clock=world.clock, secret_key="k" * 20)
        world.server.routes["video-ticket"] = partial(video_ticket.run, deps=deps)
        good = video.issue("k" * 20, now=world.clock().timestamp())
        ok = await world.peer.call("video-ticket", args=[good])
        expired = await world.peer.call("video-ticket", args=[video.issue("k" * 20, now=world.clock().timestamp() - 600)])
        forged = await world.peer.call("video-ticket", args=[video.issue("x" * 20, now=world.clock().timestamp())])
        none = await world.peer.call("video-ticket")
    assert ok.variables == {"HELPLINE_VIDEO_OK": "1"}
    assert expired.variables == {} and forged.variables == {} and none.variables == {}


async def test_a_sign_language_agent_joins_the_video_queue(db_url: str) -> None:
    queues = ("helpline-hi", "helpline-en", "helpline-video")
    async with FakeAmiServer(auth_fail_delay=0.05, queues=queues) as ami, CtiStack(db_url, ami) as stack:
        token = await stack.user("agent1", extension="agent1001", languages="hi")
        admin = await stack.user("boss", "admin")
        async with httpx.AsyncClient(base_url=stack.url("")) as http:
            r = await http.put("/api/v1/admin/users/agent1/media", json={"sign_language": True},
                               headers={"Authorization": f"Bearer {admin}"})
            assert r.status_code == 200
            r = await http.post("/api/v1/agents/me/login", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200, r.text
            await ami.wait_for_action("QueueAdd", count=2)
        assert sorted(a.get("Queue") for a in ami.actions_named("QueueAdd")) == ["helpline-hi", "helpline-video"]
