"""What a stranger or a careless client sends is refused at the edge, clearly, and changes nothing
(issue #11): control characters, huge bodies, huge ids, odd paths, digits of other scripts,
spreadsheet formulas, and a server error that still answers JSON."""
from __future__ import annotations

import csv
import io
import json
import logging

import httpx
import pytest

from agent_console.app import create_app
from common.context import AppContext
from storage.db import Database
from tests.fakes.dialer_harness import SURVEY
from tests.helpers import complaint_body, login_as


def _is_error(response: httpx.Response, status: int, error_id: str | None = None) -> dict[str, object]:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"id", "message", "details"}
    if error_id:
        assert error["id"] == error_id
    return error


async def test_nul_and_control_characters_are_refused_and_nothing_is_stored(client: httpx.AsyncClient,
                                                                         db: Database) -> None:
    agent = await login_as(client, db, "agent1", "agent", extension="agent1001")
    for bad in ("Ram\x00Prasad", "Ram\x1bPrasad", "Ram\x7f", "Ram\ud800"):
        body = complaint_body()
        body["citizen"]["name"] = bad
        r = await client.post("/api/v1/complaints", content=json.dumps(body), headers={
            **agent, "Content-Type": "application/json"})
        error = _is_error(r, 422, "invalid_input")
        assert "citizen.name" in str(error["message"]) and "control characters" in str(error["message"])
    found = await client.get("/api/v1/complaints", params={"phone": "9812345678"}, headers=agent)
    assert found.json()["complaints"] == []
    # A description keeps its line breaks and tabs.
    ok = await client.post("/api/v1/complaints", json=complaint_body(description="line one\n\tline two"),
                           headers=agent)
    assert ok.status_code == 201, ok.text
    # Anonymous login with a NUL: 422 with the error format, not a 500.
    r = await client.post("/api/v1/auth/token", json={"username": "a\x00b", "password": "x"})
    _is_error(r, 422, "invalid_input")
    r = await client.get("/api/v1/complaints", params={"q": "98\x0012"}, headers=agent)
    _is_error(r, 422, "invalid_input")


async def test_static_nul_and_odd_paths_answer_json_4xx(client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    for path in ("/static/%00", "/static/%00.js", "/static/..%2f..%2fpyproject.toml", "/static/a%0d%0ab.css"):
        r = await client.get(path)
        assert 400 <= r.status_code < 500 and r.headers["content-type"].startswith("application/json"), path
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_body_limits_apply_before_parsing_and_authentication(client: httpx.AsyncClient) -> None:
    big = b'{"username": "' + b"a" * 200_000 + b'", "password": "x"}'
    r = await client.post("/api/v1/auth/token", content=big, headers={"Content-Type": "application/json"})
    error = _is_error(r, 413, "too_large")
    assert "4 KB" in str(error["message"])

    async def chunks():  # no Content-Length: counted as it streams
        for _ in range(100):
            yield b" " * 1024

    r = await client.post("/api/v1/auth/token", content=chunks(), headers={"Content-Type": "application/json"})
    _is_error(r, 413, "too_large")
    r = await client.post("/api/v1/complaints", content=b"[" + b"1," * 40_000 + b"1]",
                          headers={"Content-Type": "application/json"})
    _is_error(r, 413, "too_large")
    r = await client.post("/login", content=b"username=" + b"a" * 10_000,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    _is_error(r, 413, "too_large")


async def test_path_ids_are_bounded(client: httpx.AsyncClient, db: Database) -> None:
    sup = await login_as(client, db, "sup", "supervisor")
    for path in ("/api/v1/campaigns/9223372036854775808", "/api/v1/campaigns/2147483648",
                 "/api/v1/campaigns/0", "/api/v1/campaigns/-1/start", "/api/v1/campaigns/99999999999/results.csv"):
        method = client.post if path.endswith("start") else client.get
        r = await method(path, headers=sup)
        _is_error(r, 422, "invalid_input")
    _is_error(await client.get("/api/v1/campaigns/2147483647", headers=sup), 404)
    _is_error(await client.get("/api/v1/complaints/" + "9" * 5000, headers=sup), 422)


async def test_405_names_every_allowed_method(client: httpx.AsyncClient) -> None:
    r = await client.put("/api/v1/complaints")
    _is_error(r, 405, "method_not_allowed")
    assert set(r.headers["allow"].split(", ")) == {"GET", "POST"}
    r = await client.delete("/api/v1/dnc")
    assert set(r.headers["allow"].split(", ")) == {"GET", "POST"}


async def test_a_server_error_still_answers_json(ctx: AppContext, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(ctx)

    async def boom() -> None:
        raise RuntimeError("token=eyJ1IjoxfQ.secretsecret for +919812345678")

    app.add_api_route("/api/v1/boom", boom)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        r = await client.get("/api/v1/boom")
    error = _is_error(r, 500, "internal")
    assert "secret" not in r.text and "9812345678" not in r.text
    assert any("internal error" in rec.getMessage() for rec in caplog.records)


async def test_devanagari_and_full_width_phones_are_one_number(client: httpx.AsyncClient, db: Database) -> None:
    agent = await login_as(client, db, "agent1", "agent", extension="agent1001")
    admin = await login_as(client, db, "admin1", "admin")
    body = complaint_body()
    body["citizen"]["phone"] = "+91९८१२३४५६७८"
    r = await client.post("/api/v1/complaints", json=body, headers=agent)
    assert r.status_code == 201, r.text
    body["citizen"]["phone"] = "９８１２３４５６７８"
    assert (await client.post("/api/v1/complaints", json=body, headers=agent)).status_code == 201
    found = (await client.get("/api/v1/complaints", params={"phone": "9812345678"}, headers=agent)).json()
    assert len(found["complaints"]) == 2
    by_q = (await client.get("/api/v1/complaints", params={"q": "९८१२३ ४५६७८"}, headers=agent)).json()
    assert len(by_q["complaints"]) == 2
    number = found["complaints"][0]["number"]
    hindi = "".join("०१२३४५६७८९"[int(d)] for d in number)
    assert (await client.get("/api/v1/complaints", params={"q": hindi}, headers=agent)).json()["complaints"][0][
        "number"] == number
    r = await client.post("/api/v1/dnc", json={"phone": "९८७६५४३२१०"}, headers=admin)
    assert r.status_code == 201 and r.json()["phone"] == "+919876543210"
    assert (await client.delete("/api/v1/dnc/९८७६५४३२१०", headers=admin)).json() == {"removed": "+919876543210"}


async def test_monthly_limit_counts_numbers_typed_in_any_script(client: httpx.AsyncClient, db: Database,
                                                                ctx: AppContext) -> None:
    agent = await login_as(client, db, "agent1", "agent", extension="agent1001")
    limit = ctx.settings.max_complaints_per_phone_per_month
    scripts = ["9812345678", "९८१२३४५६७८", "９８１２３４５６７８"]
    for i in range(limit):
        body = complaint_body()
        body["citizen"]["phone"] = scripts[i % 3]
        assert (await client.post("/api/v1/complaints", json=body, headers=agent)).status_code == 201
    body = complaint_body()
    body["citizen"]["phone"] = "+91९८१२३४५६७८"
    r = await client.post("/api/v1/complaints", json=body, headers=agent)
    assert r.status_code in (409, 422, 429), r.text


async def test_results_csv_never_carries_a_formula(client: httpx.AsyncClient, db: Database) -> None:
    sup = await login_as(client, db, "sup", "supervisor")
    created = await client.post("/api/v1/campaigns", json={"name": "=cmd|' /C calc'!A0", "survey": SURVEY},
                                headers=sup)
    cid = created.json()["id"]
    data = ('name,phone,ward\n'
            '"=HYPERLINK(""http://evil.example"",""x"")",9812345601,@cmd\n'
            '+SUM(1),9812345602,-2+3\n'
            '@cmd,9812345603,-7\n').encode()
    r = await client.post(f"/api/v1/campaigns/{cid}/contacts", content=data,
                          headers={**sup, "Content-Type": "text/csv"})
    assert r.json()["imported"] == 3, r.text
    text = (await client.get(f"/api/v1/campaigns/{cid}/results.csv", headers=sup)).text
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")) or cell.startswith("+91"), cell
            assert not cell.startswith("-") or cell == "-7", cell
    names = [row[1] for row in rows[1:]]
    assert names == ["'=HYPERLINK(\"http://evil.example\",\"x\")", "'+SUM(1)", "'@cmd"]
    assert [row[2] for row in rows[1:]] == ["+919812345601", "+919812345602", "+919812345603"]


async def test_deeply_nested_json_is_a_clear_4xx(client: httpx.AsyncClient) -> None:
    for depth in (900, 5000):
        body = b'{"a":' * depth + b'"x"' + b"}" * depth
        r = await client.post("/api/v1/complaints", content=body[:60000], headers={"Content-Type": "application/json"})
        assert 400 <= r.status_code < 500 and r.headers["content-type"].startswith("application/json"), r.text[:200]
