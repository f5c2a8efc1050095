"""Login, logout, landing pages, language switch, login throttle and CSRF (pages and API)."""
from __future__ import annotations

import httpx

from agent_console.deps import SESSION_COOKIE
from storage.db import Database
from storage.queries import users as user_q
from tests.fakes.console import csrf_of, form_login, page_csrf
from tests.helpers import PASSWORD, complaint_body, make_user


async def test_anonymous_goes_to_login_and_each_role_lands_on_its_page(client: httpx.AsyncClient,
                                                                      db: Database) -> None:
    r = await client.get("/")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    r = await client.get("/officer/complaints/26110000019")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fofficer%2Fcomplaints%2F26110000019"
    users = {"agent": ("a1", {"extension": "agent1001"}), "officer": ("o1", {"officer": "ELE-LKO-L1"}),
             "supervisor": ("s1", {}), "admin": ("ad1", {})}
    for role, (name, kw) in users.items():
        await make_user(db, name, role, **kw)
        client.cookies.clear()
        r = await form_login(client, name)
        assert r.status_code == 303 and r.headers["location"] == f"/{role}", (role, r.text[:300])
        cookie = r.headers["set-cookie"]
        assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
        assert "Max-Age=43200" in cookie
        assert (await client.get("/")).headers["location"] == f"/{role}"
        page = await client.get(f"/{role}")
        assert page.status_code == 200 and "Content-Security-Policy" in page.headers
        assert f"{name} · {role}" in page.text


async def test_login_returns_to_the_page_asked_for_and_never_off_site(client: httpx.AsyncClient,
                                                                    db: Database) -> None:
    await make_user(db, "s1", "supervisor")
    r = await form_login(client, "s1", next_path="/supervisor/reports?by=district")
    assert r.headers["location"] == "/supervisor/reports?by=district"
    client.cookies.clear()
    r = await form_login(client, "s1", next_path="//evil.example/x")
    assert r.headers["location"] == "/supervisor"


async def test_wrong_password_is_refused_clearly_then_throttled(client: httpx.AsyncClient, db: Database) -> None:
    await make_user(db, "a1", "agent", extension="agent1001")
    for _ in range(5):
        r = await form_login(client, "a1", "wrong-password")
        assert r.status_code == 401 and "गलत" in r.text  # Hindi is the default language
        assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
    r = await form_login(client, "a1", PASSWORD)  # even the right password waits now
    assert r.status_code == 429 and "मिनट" in r.text and int(r.headers["retry-after"]) > 0
    r = await client.post("/api/v1/auth/token", json={"username": "a1", "password": PASSWORD})
    assert r.status_code == 429 and r.json()["error"]["id"] == "too_many_attempts"
    assert "try again in" in r.json()["error"]["message"]
    # another user from the same address is not affected
    await make_user(db, "a2", "agent", extension="agent1002")
    assert (await form_login(client, "a2")).status_code == 303


async def test_api_token_throttle_counts_failures(client: httpx.AsyncClient, db: Database) -> None:
    await make_user(db, "s1", "supervisor")
    for _ in range(5):
        r = await client.post("/api/v1/auth/token", json={"username": "s1", "password": "nope-nope"})
        assert r.status_code == 401 and r.json()["error"]["id"] == "bad_credentials"
    r = await client.post("/api/v1/auth/token", json={"username": "s1", "password": PASSWORD})
    assert r.status_code == 429


async def test_login_form_needs_its_token_and_disabled_users_cannot_log_in(client: httpx.AsyncClient,
                                                                         db: Database) -> None:
    await make_user(db, "a1", "agent", extension="agent1001")
    r = await client.post("/login", data={"username": "a1", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403 and SESSION_COOKIE not in r.headers.get("set-cookie", "")
    async with db.session_scope() as session:
        (await user_q.by_username(session, "a1")).active = False
    r = await form_login(client, "a1")
    assert r.status_code == 401


async def test_logout_clears_the_cookie_and_needs_csrf(client: httpx.AsyncClient, db: Database) -> None:
    await make_user(db, "s1", "supervisor")
    await form_login(client, "s1")
    r = await client.post("/logout", data={"csrf_token": "bad"})
    assert r.status_code == 403 and "The form had expired" in r.text
    token = await page_csrf(client, "/supervisor")
    r = await client.post("/logout", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/login?done=logout"
    assert (await client.get("/supervisor")).status_code == 303


async def test_cookie_authenticated_api_writes_need_the_csrf_header(client: httpx.AsyncClient,
                                                                   db: Database) -> None:
    await make_user(db, "a1", "agent", extension="agent1001")
    await form_login(client, "a1")
    token = await page_csrf(client, "/agent")
    r = await client.post("/api/v1/complaints", json=complaint_body())
    assert r.status_code == 403 and r.json()["error"]["id"] == "csrf_failed"
    r = await client.post("/api/v1/complaints", json=complaint_body(), headers={"X-CSRF-Token": "0" * 40})
    assert r.status_code == 403
    r = await client.post("/api/v1/complaints", json=complaint_body(), headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    # reads need no token; a bearer token needs none either
    assert (await client.get(f"/api/v1/complaints/{r.json()['number']}")).status_code == 200
    bearer = (await client.post("/api/v1/auth/token", json={"username": "a1", "password": PASSWORD})).json()
    r = await client.post("/api/v1/complaints", json=complaint_body(),
                          headers={"Authorization": f"Bearer {bearer['access_token']}"})
    assert r.status_code == 201


async def test_language_switch_is_remembered_per_user(client: httpx.AsyncClient, db: Database) -> None:
    await make_user(db, "o1", "officer", officer="ELE-LKO-L1")
    login = await client.get("/login")
    assert 'lang="hi"' in login.text and "लॉग इन" in login.text
    assert "Log in" in (await client.get("/login?lang=en")).text
    await form_login(client, "o1")
    page = await client.get("/officer")
    assert "My complaints" in page.text  # users.ui_language defaults to English
    r = await client.post("/lang", data={"csrf_token": csrf_of(page.text), "lang": "hi", "back": "/officer"})
    assert r.status_code == 303 and r.headers["location"] == "/officer"
    assert "मेरी शिकायतें" in (await client.get("/officer")).text
    async with db.sessions() as session:
        assert (await user_q.by_username(session, "o1")).ui_language == "hi"
    client.cookies.clear()  # a new browser: the choice comes back with the user
    await form_login(client, "o1")
    assert 'lang="hi"' in (await client.get("/officer")).text
