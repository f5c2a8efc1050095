"""Logging out and changing a password end the sessions and tokens issued before."""
from __future__ import annotations

import httpx

from agent_console import admin
from storage.db import Database
from tests.fakes.console import form_login, page_csrf
from tests.helpers import login_as


async def test_logout_ends_every_token_of_the_user(client: httpx.AsyncClient, db: Database) -> None:
    bearer = await login_as(client, db, "agent1", "agent", extension="agent1001")
    assert (await client.get("/api/v1/reference", headers=bearer)).status_code == 200
    await form_login(client, "agent1")
    csrf = await page_csrf(client, "/agent")
    r = await client.post("/logout", data={"csrf_token": csrf})
    assert r.status_code in (302, 303)
    r = await client.get("/api/v1/reference", headers=bearer)
    assert r.status_code == 401 and r.json()["error"]["message"] == "signed out: log in again"


async def test_password_change_ends_old_tokens(client: httpx.AsyncClient, db: Database) -> None:
    bearer = await login_as(client, db, "agent1", "agent", extension="agent1001")
    async with db.session_scope() as session:
        await admin.update_user(session, "agent1", password="a-new-password-1")
    assert (await client.get("/api/v1/reference", headers=bearer)).status_code == 401
    r = await client.post("/api/v1/auth/token", json={"username": "agent1", "password": "a-new-password-1"})
    fresh = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert (await client.get("/api/v1/reference", headers=fresh)).status_code == 200
