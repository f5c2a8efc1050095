"""Small helpers tests share: users with tokens, a valid complaint body."""
from __future__ import annotations

from typing import Any

import httpx

from storage.db import Database
from helpline.users import create_user

PASSWORD = "correct-horse-1"


async def make_user(db: Database, username: str, role: str, *, officer: str | None = None,
                    extension: str | None = None) -> None:
    async with db.session_scope() as session:
        await create_user(session, username, role, PASSWORD, officer=officer, extension=extension)


async def token(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = await client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def login_as(client: httpx.AsyncClient, db: Database, username: str, role: str, **kw: Any) -> dict[str, str]:
    await make_user(db, username, role, **kw)
    return await token(client, username)


def complaint_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "citizen": {"phone": "9812345678", "name": "Ram Prasad", "district": "LKO", "language": "hi"},
        "department": "ELE",
        "category": "ELE-SUPPLY",
        "description": "No electricity in the village for three days.",
        "channel": "phone",
    }
    body.update(overrides)
    return body
