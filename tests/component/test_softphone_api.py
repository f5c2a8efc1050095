"""The desk softphone's configuration: off without a WebSocket URL, the agent's own endpoint and
derived password when on (the CLI prints the same password for pjsip.conf), the admin's per-agent
auto-answer and sign-language settings."""
from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from agent_console.softphone import password
from config.settings import Settings
from storage.db import Database
from tests.conftest import make_settings
from tests.helpers import login_as


async def test_off_without_a_websocket_url(client: httpx.AsyncClient, db: Database) -> None:
    agent = await login_as(client, db, "agent1", "agent", extension="agent1001")
    r = await client.get("/api/v1/softphone", headers=agent)
    assert r.status_code == 200 and r.json()["enabled"] is False and r.json()["password"] is None
    assert r.headers["cache-control"] == "no-store"


async def test_the_agents_own_endpoint_and_the_admins_settings(db_url: str, db: Database) -> None:
    from agent_console.app import create_app
    from common.context import AppContext

    settings = make_settings(db_url, softphone_ws_url="wss://pbx.example.in:8089/ws")
    app = create_app(AppContext.build(settings, db))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        agent = await login_as(client, db, "agent1", "agent", extension="agent1001")
        sup = await login_as(client, db, "sup1", "supervisor")
        admin = await login_as(client, db, "boss", "admin")
        cfg = (await client.get("/api/v1/softphone", headers=agent)).json()
        assert cfg == {"enabled": True, "ws_url": "wss://pbx.example.in:8089/ws", "uri": "sip:agent1001@pbx.example.in",
                       "authorization_user": "agent1001", "password": password(settings.secret_key, "agent1001"),
                       "display_name": "agent1", "auto_answer": False}
        assert len(cfg["password"]) == 24 and cfg["password"] != password(settings.secret_key, "agent1002")
        assert (await client.get("/api/v1/softphone", headers=sup)).json()["enabled"] is False  # no extension
        r = await client.put("/api/v1/admin/users/agent1/media", json={"auto_answer": True, "sign_language": True},
                             headers=admin)
        assert r.json() == {"username": "agent1", "sign_language": True, "auto_answer": True}
        assert (await client.get("/api/v1/softphone", headers=agent)).json()["auto_answer"] is True
        assert (await client.put("/api/v1/admin/users/nobody/media", json={}, headers=admin)).status_code == 404
        assert (await client.put("/api/v1/admin/users/agent1/media", json={}, headers=sup)).status_code == 403


def test_a_websocket_url_is_checked() -> None:
    with pytest.raises(ValueError, match="wss://"):
        Settings(softphone_ws_url="https://pbx/ws")
    assert Settings(softphone_ws_url="ws://127.0.0.1:8088/ws").softphone_ws_url == "ws://127.0.0.1:8088/ws"


def test_the_cli_prints_the_password_for_pjsip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "HELPLINE_SECRET_KEY": "a-secret-key-of-enough-length"}
    out = subprocess.run([sys.executable, "-m", "helpline.cli", "users", "softphone-password", "agent1001"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == password("a-secret-key-of-enough-length", "agent1001")
    bad = subprocess.run([sys.executable, "-m", "helpline.cli", "users", "softphone-password", "Agent 1"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert bad.returncode != 0 and "extension" in bad.stderr


async def test_the_admin_page_sets_sign_language_and_auto_answer(client: httpx.AsyncClient, db: Database) -> None:
    from storage.queries import users as user_q
    from tests.fakes.console import csrf_of, form_login
    from tests.helpers import make_user

    await make_user(db, "agent1", "agent", extension="agent1001")
    await make_user(db, "boss", "admin")
    await form_login(client, "boss")
    page = await client.get("/admin")
    assert 'id="media"' in page.text and 'data-user="agent1"' in page.text and 'data-user="boss"' not in page.text
    r = await client.post("/admin/users/agent1/media", data={"sign_language": "1", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 303 and r.headers["location"].startswith("/admin?saved=media")
    async with db.sessions() as session:
        row = await user_q.by_username(session, "agent1")
    assert (row.sign_language, row.auto_answer) == (True, False)
    page = await client.get("/admin")
    assert 'id="sl-agent1" checked' in page.text and 'id="aa-agent1" checked' not in page.text
