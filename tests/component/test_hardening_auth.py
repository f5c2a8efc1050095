"""Logins under attack (issue #11): the throttle covers unknown usernames, an address and a global
rate, holds across processes (shared database or Redis), trusts X-Forwarded-For only from
configured proxies; scrypt never runs on the event loop; passwords are taken as typed by the
API and the form alike; failed logins log no password; sessions that end close their websockets."""
from __future__ import annotations

import asyncio
import logging
import socket
import threading
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from websockets.exceptions import ConnectionClosed

from agent_console import throttle as throttle_module
from agent_console.app import create_app
from common.context import AppContext
from agent_console.throttle import DbCounters, LoginThrottle, RedisCounters, ThrottleLimits
from config.settings import Settings
from helpline.server import web_config
from storage.db import Database
from tests.conftest import make_settings
from tests.dbs import IN_CI
from tests.fakes.console import form_login
from tests.fakes.cti_stack import REDIS_URL, CtiStack, receive_json
from tests.helpers import PASSWORD, make_user


def _client(ctx: AppContext, ip: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(ctx), client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://helpline.test")


async def _token(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/auth/token", json={"username": username, "password": password})


async def test_a_spray_of_unknown_usernames_is_throttled_for_the_address(ctx: AppContext, db: Database) -> None:
    ctx.settings.login_rate = 1000  # the global rate is another test's subject
    _inside_one_window(ctx)
    await make_user(db, "s1", "supervisor")
    async with _client(ctx, "10.1.1.1") as sprayer, _client(ctx, "10.2.2.2") as office:
        limit = ThrottleLimits().unknown_per_address
        for i in range(limit):
            assert (await _token(sprayer, f"nobody{i}", "guess-guess")).status_code == 401
        r = await _token(sprayer, "nobody-else", "guess-guess")
        assert r.status_code == 429 and "from your address" in r.json()["error"]["message"]
        # the right password of a real user waits too: the throttle does not tell who exists
        assert (await _token(sprayer, "s1")).status_code == 429
        assert (await _token(office, "s1")).status_code == 200


def _inside_one_window(*contexts: AppContext) -> None:
    """The processes' throttles read one fixed moment in the middle of a 5-minute window: on the
    wall clock, a slow run could straddle a window's end and find only the later failures."""
    for ctx in contexts:
        throttle_module.throttle(ctx).clock = lambda: 1_800_000_150.0


async def test_the_throttle_holds_across_processes_sharing_the_database(settings: Settings, db_url: str) -> None:
    one, two = Database(db_url), Database(db_url)
    try:
        await make_user(one, "s1", "supervisor")
        a_ctx, b_ctx = AppContext.build(settings, one), AppContext.build(settings, two)
        _inside_one_window(a_ctx, b_ctx)
        async with _client(a_ctx) as a, _client(b_ctx) as b:
            for i in range(5):
                assert (await _token(a if i % 2 else b, "s1", "wrong-wrong")).status_code == 401
            assert (await _token(a, "s1")).status_code == 429
            assert (await _token(b, "s1")).status_code == 429
    finally:
        await one.dispose()
        await two.dispose()


@pytest.mark.redis
async def test_the_throttle_holds_across_processes_through_redis(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url, redis_url=REDIS_URL)
    db = Database(sqlite_url)
    try:
        await make_user(db, "s1", "supervisor")
        a_ctx, b_ctx = AppContext.build(settings, db), AppContext.build(settings, db)
        _inside_one_window(a_ctx, b_ctx)
        name = f"user-{uuid.uuid4().hex[:8]}"  # Redis outlives the test: a fresh username
        await make_user(db, name, "supervisor")
        async with _client(a_ctx) as a, _client(b_ctx) as b:
            for _ in range(5):
                assert (await _token(a, name, "wrong-wrong")).status_code == 401
            assert (await _token(b, name)).status_code == 429
        counters = throttle_module.throttle(a_ctx).counters
        assert isinstance(counters, RedisCounters)
        await counters.client.aclose()
        await throttle_module.throttle(b_ctx).counters.client.aclose()
    finally:
        await db.dispose()


async def test_a_global_rate_caps_password_checks(ctx: AppContext, db: Database) -> None:
    await make_user(db, "s1", "supervisor")
    now = [1_000_000.2]
    ctx.services["login_throttle"] = LoginThrottle(DbCounters(db), ThrottleLimits(checks_per_second=3),
                                                   clock=lambda: now[0])
    async with _client(ctx, "10.0.0.1") as c:
        statuses = [(await _token(c, f"u{i}", "guess-guess")).status_code for i in range(5)]
        assert statuses == [401, 401, 401, 429, 429]
        r = await _token(c, "s1")
        assert r.status_code == 429 and r.headers["retry-after"] == "1"
        now[0] += 1.0  # the next second
        assert (await _token(c, "s1")).status_code == 200


async def test_the_login_form_says_busy_in_the_users_language(ctx: AppContext, db: Database) -> None:
    await make_user(db, "s1", "supervisor")
    ctx.services["login_throttle"] = LoginThrottle(DbCounters(db), ThrottleLimits(checks_per_second=1, tarpit_s=0),
                                                   clock=lambda: 2_000_000.5)
    async with _client(ctx) as c:
        assert (await form_login(c, "s1", "wrong-wrong")).status_code == 401
        r = await form_login(c, "s1")
        assert r.status_code == 429 and "कुछ क्षण बाद" in r.text and r.headers["retry-after"] == "1"


async def test_expired_counters_are_purged(db: Database) -> None:
    from sqlalchemy import func, select

    from storage.models import RateCounter

    counters = DbCounters(db)
    for i in range(5):
        await counters.hit(f"login:unknown:10.0.0.{i}", 300, 1_000_000.0)
    await counters.hit("login:checks", 1, 1_000_000.0 + 400)  # a minute later: the old windows go
    async with db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(RateCounter)) == 1


def test_the_global_rate_comes_from_settings(ctx: AppContext) -> None:
    ctx.settings.login_rate = 7
    assert throttle_module.throttle(ctx).limits.checks_per_second == 7


async def test_scrypt_runs_off_the_event_loop(ctx: AppContext, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    await make_user(db, "s1", "supervisor")
    threads: list[str] = []
    real = throttle_module.verify_password

    def spy(password: str, stored: str) -> bool:
        threads.append(threading.current_thread().name)
        return real(password, stored)

    monkeypatch.setattr(throttle_module, "verify_password", spy)
    async with _client(ctx) as c:
        results = await asyncio.gather(*(_token(c, "s1") for _ in range(3)), _token(c, "ghost", "guess-guess"))
    assert [r.status_code for r in results] == [200, 200, 200, 401]
    assert len(threads) == 4 and all(name.startswith("password") for name in threads)
    assert threading.main_thread().name not in threads


async def test_passwords_are_taken_as_typed_by_the_api_and_the_form(client: httpx.AsyncClient, db: Database) -> None:
    admin = await client.post("/api/v1/auth/token", json={"username": "x", "password": "y"})
    await make_user(db, "admin1", "admin")
    headers = {"Authorization": f"Bearer {(await _token(client, 'admin1')).json()['access_token']}"}
    spaced = "  two spaces around  "
    r = await client.post("/api/v1/admin/users", json={"username": "s2", "role": "supervisor", "password": spaced},
                          headers=headers)
    assert r.status_code == 201, r.text
    assert (await _token(client, "s2", spaced)).status_code == 200
    assert (await _token(client, "s2", spaced.strip())).status_code == 401
    assert (await form_login(client, "s2", spaced)).status_code == 303
    client.cookies.clear()
    assert (await form_login(client, "s2", spaced.strip())).status_code == 401
    assert admin.status_code == 401


async def test_a_failed_login_never_logs_what_was_typed(client: httpx.AsyncClient, db: Database,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await make_user(db, "s1", "supervisor")
    await _token(client, "WYjtey1WzAsG", "whatever-1")  # a password typed into the username field
    await form_login(client, "Xq9-password-in-name")
    await _token(client, "s1", "wrong-pass-123")
    text = "\n".join(r.getMessage() for r in caplog.records if r.name != "httpx")
    assert "WYjtey1WzAsG" not in text and "Xq9-password-in-name" not in text and "wrong-pass-123" not in text
    assert "failed login for user 's1'" in text and "failed login for an unknown username" in text


async def test_full_phone_numbers_stay_out_of_the_log(client: httpx.AsyncClient, db: Database,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await make_user(db, "admin1", "admin")
    headers = {"Authorization": f"Bearer {(await _token(client, 'admin1')).json()['access_token']}"}
    assert (await client.delete("/api/v1/dnc/9876543277", headers=headers)).status_code == 404
    assert (await client.post("/api/v1/dnc", json={"phone": "98765432"}, headers=headers)).status_code == 422
    text = "\n".join(r.getMessage() for r in caplog.records if r.name != "httpx")  # the test's own client
    assert "9876543277" not in text and "98765432" not in text.replace("XXXX", "")
    assert "3277" in text


# --- X-Forwarded-For ---------------------------------------------------------------------------------


async def _serve(ctx: AppContext) -> AsyncIterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(web_config(create_app(ctx), ctx.settings))
    server.config.log_level = "warning"
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    async with asyncio.timeout(30):
        while not server.started:
            await asyncio.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def web(ctx: AppContext) -> AsyncIterator[int]:
    async for port in _serve(ctx):
        yield port


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(web: int, db: Database) -> None:
    await make_user(db, "s1", "supervisor")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{web}") as c:
        for i in range(5):
            r = await c.post("/api/v1/auth/token", json={"username": "s1", "password": "wrong-wrong"},
                             headers={"X-Forwarded-For": f"203.0.113.{i}"})
            assert r.status_code == 401
        r = await c.post("/api/v1/auth/token", json={"username": "s1", "password": PASSWORD},
                         headers={"X-Forwarded-For": "198.51.100.7"})
        assert r.status_code == 429


async def test_forwarded_for_from_a_trusted_proxy_names_the_client(db_url: str, db: Database) -> None:
    ctx = AppContext.build(make_settings(db_url, trusted_proxies="127.0.0.0/8"), db)
    await make_user(db, "s1", "supervisor")
    async for port in _serve(ctx):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
            for _ in range(5):
                r = await c.post("/api/v1/auth/token", json={"username": "s1", "password": "wrong-wrong"},
                                 headers={"X-Forwarded-For": "203.0.113.9"})
                assert r.status_code == 401
            blocked = await c.post("/api/v1/auth/token", json={"username": "s1", "password": PASSWORD},
                                   headers={"X-Forwarded-For": "203.0.113.9"})
            other = await c.post("/api/v1/auth/token", json={"username": "s1", "password": PASSWORD},
                                 headers={"X-Forwarded-For": "198.51.100.7"})
        assert blocked.status_code == 429 and other.status_code == 200


def test_trusted_proxies_setting_is_checked() -> None:
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        Settings(database_url="sqlite+aiosqlite:///x.db", trusted_proxies="10.0.0.0/8, not-an-ip")


# --- websockets close when the session ends ----------------------------------------------------------


async def _close_code(ws) -> int:  # type: ignore[no-untyped-def]
    with pytest.raises(ConnectionClosed) as info:
        async with asyncio.timeout(30):
            while True:
                await ws.recv()
    return info.value.rcvd.code


async def test_logout_closes_the_open_websocket_with_4003(sqlite_url: str) -> None:
    async with CtiStack(sqlite_url, None) as stack:
        token = await stack.user("agent1", extension="agent1001")
        ws = await stack.socket("/ws/agent", token)
        assert (await receive_json(ws))["type"] == "agent.state"
        async with httpx.AsyncClient(base_url=stack.url("")) as c:
            assert (await form_login(c, "agent1")).status_code == 303
            page = await c.get("/agent")
            from tests.fakes.console import csrf_of

            r = await c.post("/logout", data={"csrf_token": csrf_of(page.text)})
            assert r.status_code == 303
        assert await _close_code(ws) == 4003


async def test_a_password_change_closes_websockets_in_another_process(sqlite_url: str) -> None:
    if not await _redis_up():
        if IN_CI:
            pytest.fail("Redis is required in CI (127.0.0.1:6379)")
        pytest.skip("no Redis")
    channel = f"helpline:test:{uuid.uuid4().hex[:8]}"
    async with CtiStack(sqlite_url, None, redis_url=REDIS_URL, redis_channel=channel) as a, \
            CtiStack(sqlite_url, None, redis_url=REDIS_URL, redis_channel=channel) as b:
        token = await a.user("agent1", extension="agent1001")
        admin = await a.user("admin1", role="admin")
        ws = await b.socket("/ws/agent", token)
        assert (await receive_json(ws))["type"] == "agent.state"
        async with httpx.AsyncClient(base_url=a.url("")) as c:
            r = await c.patch("/api/v1/admin/users/agent1", json={"password": "a-new-password-1"},
                              headers={"Authorization": f"Bearer {admin}"})
            assert r.status_code == 200, r.text
        assert await _close_code(ws) == 4003


async def _redis_up() -> bool:
    try:
        import redis.asyncio as aioredis

        client = aioredis.from_url(REDIS_URL, socket_connect_timeout=1)
        await client.ping()
        await client.aclose()
        return True
    except Exception:
        return False


async def test_a_lost_sign_out_message_still_closes_the_socket(sqlite_url: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from agent_console import ws as ws_module
    from storage.queries import users as user_q

    monkeypatch.setattr(ws_module, "SESSION_CHECK_S", 0.2)
    async with CtiStack(sqlite_url, None) as stack:
        token = await stack.user("agent1", extension="agent1001")
        ws = await stack.socket("/ws/agent", token)
        assert (await receive_json(ws))["type"] == "agent.state"
        async with stack.db.session_scope() as session:  # another process signed the user out
            user = await user_q.by_username(session, "agent1")
            await user_q.bump_token_version(session, user.id)
        assert await _close_code(ws) == 4003


async def test_websocket_takes_a_bearer_header_instead_of_a_url_token(sqlite_url: str) -> None:
    from websockets.asyncio.client import connect

    async with CtiStack(sqlite_url, None) as stack:
        token = await stack.user("agent1", extension="agent1001")
        async with connect(f"ws://127.0.0.1:{stack.port}/ws/agent",
                           additional_headers={"Authorization": f"Bearer {token}"}) as ws:
            assert (await receive_json(ws))["type"] == "agent.state"
