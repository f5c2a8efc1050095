"""Bad input and wrong roles: a 4xx in the error format, and nothing stored."""
from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.models import Citizen, Complaint
from tests.helpers import complaint_body, login_as


async def stored(db: Database) -> tuple[int, int]:
    async with db.sessions() as s:
        return (int(await s.scalar(select(func.count()).select_from(Complaint))),
                int(await s.scalar(select(func.count()).select_from(Citizen))))


def body_with(path: str, value: Any) -> dict[str, Any]:
    body = complaint_body()
    target = body
    *parents, leaf = path.split(".")
    for p in parents:
        target = target[p]
    target[leaf] = value
    return body


@pytest.mark.parametrize("path,value,status,needle", [
    ("citizen.district", "ATLANTIS", 422, "unknown district"),
    ("description", "", 422, "description"),
    ("description", "    ", 422, "description"),
    ("citizen.phone", "981234567890", 422, "10 digits"),
    ("citizen.phone", "98123", 422, "10 digits"),
    ("category", "POL-FIR", 422, "does not belong"),
    ("department", "XYZ", 422, "unknown department"),
    ("citizen.language", "fr", 422, "citizen.language"),
])
async def test_bad_complaint_is_refused(client: httpx.AsyncClient, db: Database, path: str, value: Any,
                                        status: int, needle: str) -> None:
    agent = await login_as(client, db, "agent1", "agent", extension="agent1001")
    r = await client.post("/api/v1/complaints", json=body_with(path, value), headers=agent)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert set(error) == {"id", "message", "details"} and error["id"] == "invalid_input"
    assert needle in error["message"]
    assert await stored(db) == (0, 0)


async def test_half_filled_and_unknown_fields(client: httpx.AsyncClient, db: Database) -> None:
    agent = await login_as(client, db, "agent1", "agent", extension="agent1001")
    r = await client.post("/api/v1/complaints", json={"citizen": {"phone": "9812345678"}}, headers=agent)
    assert r.status_code == 422
    fields = {f["field"] for f in r.json()["error"]["details"]["fields"]}
    assert {"citizen.name", "citizen.district", "department", "category", "description"} <= fields
    r = await client.post("/api/v1/complaints", json={**complaint_body(), "state": "closed"}, headers=agent)
    assert r.status_code == 422
    r = await client.post("/api/v1/complaints", content=b"{not json", headers={**agent, "content-type": "application/json"})
    assert r.status_code == 422
    assert await stored(db) == (0, 0)


@pytest.mark.parametrize("role,kw", [("officer", {"officer": "ELE-LKO-L1"})])
async def test_wrong_role_cannot_register(client: httpx.AsyncClient, db: Database, role: str, kw: dict[str, str]) -> None:
    headers = await login_as(client, db, "someone", role, **kw)
    r = await client.post("/api/v1/complaints", json=complaint_body(), headers=headers)
    assert r.status_code == 403 and r.json()["error"]["id"] == "forbidden"
    assert await stored(db) == (0, 0)


async def test_anonymous_and_forged_tokens(client: httpx.AsyncClient, db: Database) -> None:
    r = await client.post("/api/v1/complaints", json=complaint_body())
    assert r.status_code == 401 and r.json()["error"]["id"] == "unauthorized"
    r = await client.get("/api/v1/reference", headers={"Authorization": "Bearer abc.def"})
    assert r.status_code == 401 and "signature" in r.json()["error"]["message"]
    assert await stored(db) == (0, 0)


async def test_roles_on_transitions(client: httpx.AsyncClient, db: Database) -> None:
    agent = await login_as(client, db, "agent1", "agent", extension="agent1001")
    officer = await login_as(client, db, "other", "officer", officer="REV-LKO-L1")
    number = (await client.post("/api/v1/complaints", json=complaint_body(), headers=agent)).json()["number"]
    r = await client.post(f"/api/v1/complaints/{number}/dispose", json={"report": "x"}, headers=agent)
    assert r.status_code == 403
    r = await client.post(f"/api/v1/complaints/{number}/feedback", json={"result": "satisfied"}, headers=officer)
    assert r.status_code == 403
    r = await client.get(f"/api/v1/complaints/{number}", headers=officer)
    assert r.status_code == 403 and "another officer" in r.json()["error"]["message"]
    r = await client.post(f"/api/v1/complaints/{number}/feedback", json={"result": "meh"}, headers=agent)
    assert r.status_code == 422
    r = await client.post(f"/api/v1/complaints/{number}/feedback", json={"result": "satisfied"}, headers=agent)
    assert r.status_code == 409 and r.json()["error"]["id"] == "transition_refused"
    r = await client.get("/api/v1/complaints/25110004272", headers=agent)
    assert r.status_code == 422 and "check digit" in r.json()["error"]["message"]
    r = await client.get("/api/v1/complaints/25110004271", headers=agent)
    assert r.status_code == 404 and r.json()["error"]["id"] == "not_found"


async def test_health_and_reference(client: httpx.AsyncClient, db: Database) -> None:
    r = await client.get("/api/v1/health")
    assert r.status_code == 200 and r.json() == {"status": "ok", "database": "ok", "pbx": []}
    agent = await login_as(client, db, "agent1", "agent", extension="agent1001")
    ref = (await client.get("/api/v1/reference", headers=agent)).json()
    assert len(ref["districts"]) == 75
    assert {"code": "LKO", "name_hi": "लखनऊ", "name_en": "Lucknow"} in ref["districts"]
    assert len(ref["departments"]) >= 12
    ele = next(d for d in ref["departments"] if d["code"] == "ELE")
    assert {"code": "ELE-SUPPLY", "name_hi": "बिजली आपूर्ति बाधित", "name_en": "No power supply", "sla_days": 2} in ele["categories"]
    assert any(p["code"] == "lunch" for p in ref["pause_reasons"])


async def test_openapi_lists_the_contract(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in ["/api/v1/health", "/api/v1/auth/token", "/api/v1/reference", "/api/v1/complaints",
                 "/api/v1/complaints/{number}", "/api/v1/complaints/{number}/dispose",
                 "/api/v1/complaints/{number}/feedback", "/api/v1/complaints/{number}/transfer",
                 "/api/v1/reports/summary"]:
        assert path in paths
