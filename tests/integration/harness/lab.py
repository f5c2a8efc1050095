"""The lab a real-Asterisk test works in: one throwaway Asterisk and one `helpline serve` for the
whole session (tests/integration/conftest.py starts them), plus what a test plays itself.

    async def test_x(lab: Lab) -> None:
        token = await lab.user("agent1", extension="agent1001")       # a desk user (and token)
        phone = await lab.phone("agent1001", Answerer())                # SIPp answering for agent1001
        async with lab.observer() as ami:                               # every AMI event, read all
            caller = await lab.call(Caller(steps=[("dtmf", "1")]))       # a citizen dialling 1076
            await ami.wait(lambda e: e.event == "AgentConnect")
        lab.pbx.full_log(), lab.pbx.queue_log()                          # what Asterisk did
        async with lab.db() as db: ...                                   # what Helpline stored
"""
from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from config.settings import AmiServer
from cti.ami.client import AmiClient
from cti.ami.framing import AmiMessage
from helpline.users import create_user
from storage.db import Database
from storage.queries import users as user_q
from tests.integration.harness.pbx import AGENT_PASSWORD, TRUNK, Pbx
from tests.integration.harness.serve import HelplineServer
from tests.integration.harness.sip import Answerer, Caller, Sipp, register

PASSWORD = "integration-pw-1"


async def until(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    """Poll `check()` (sync or async) until it returns something true; fail naming `what`."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                result = check()
                if asyncio.iscoroutine(result):
                    result = await result
                if result:
                    return result
                await asyncio.sleep(interval)
    except TimeoutError:
        raise AssertionError(f"no {what} within {timeout} s") from None


@dataclass
class Observer:
    """Every AMI event the `observer` user (read = all) saw since it connected."""

    client: AmiClient
    events: list[AmiMessage] = field(default_factory=list)

    async def wait(self, match: Callable[[AmiMessage], bool], timeout: float = 30.0, what: str = "AMI event",
                   start: int = 0) -> AmiMessage:
        found = await until(lambda: next((e for e in self.events[start:] if match(e)), None), timeout, what)
        return found  # type: ignore[no-any-return]

    def named(self, event: str, **headers: str) -> list[AmiMessage]:
        return [e for e in self.events if e.event == event
                and all(e.get(k) == v for k, v in headers.items())]

    def of_call(self, linkedid: str) -> list[AmiMessage]:
        return [e for e in self.events if e.get("Linkedid") == linkedid]

    async def send(self, action: str, **headers: Any) -> AmiMessage:
        return await self.client.send(action, **headers)


class Lab:
    def __init__(self, root: Path, pbx: Pbx, server: HelplineServer, database_url: str) -> None:
        self.root = root
        self.pbx = pbx
        self.server = server
        self.database_url = database_url
        self.sipps: list[Sipp] = []
        self.registered: set[str] = set()
        self.logged_in: list[dict[str, str]] = []
        self.workdir = root / "sipp"
        self.workdir.mkdir(exist_ok=True)

    # ---------------------------------------------------------------- Helpline side
    @asynccontextmanager
    async def db(self) -> AsyncIterator[Database]:
        database = Database(self.database_url)
        try:
            yield database
        finally:
            await database.dispose()

    async def user(self, username: str, role: str = "agent", *, extension: str | None = None,
                   languages: str = "hi,en", officer: str | None = None) -> dict[str, str]:
        """Create the user (once) and return its Authorization header, got from the API."""
        async with self.db() as database, database.session_scope() as session:
            if await user_q.by_username(session, username) is None:
                await create_user(session, username, role, PASSWORD, extension=extension, languages=languages,
                                  officer=officer)
        async with self.http() as http:
            r = await http.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.server.url, timeout=30)

    async def socket(self, path: str, headers: dict[str, str]) -> ClientConnection:
        token = headers["Authorization"].removeprefix("Bearer ")
        return await connect(f"ws://127.0.0.1:{self.server.web_port}{path}?token={token}", max_queue=None,
                             ping_interval=None, open_timeout=10)

    # ---------------------------------------------------------------- Asterisk side
    @asynccontextmanager
    async def observer(self) -> AsyncIterator[Observer]:
        server = AmiServer(self.pbx.observer_url)
        client = AmiClient(server.host, server.port, server.username, server.secret,
                           reconnect_backoff=(0.2, 1.0), ping_interval=5.0, action_timeout=10.0)
        seen = Observer(client)
        client.subscribe(seen.events.append)
        task = asyncio.create_task(client.run())
        try:
            await client.wait_connected(20)
            yield seen
        finally:
            async with asyncio.timeout(10):
                await client.close()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def phone(self, extension: str, scenario: Answerer, *, calls: int = 50) -> Sipp:
        """A SIPp UAS answering for `extension` (an agent, or the trunk: the dialer's far end),
        registered with Asterisk so its calls reach this process's fresh port."""
        sipp = Sipp(self.workdir, self.pbx.sip_port, scenario, calls=calls, name=extension)
        await sipp.start()
        self.sipps.append(sipp)
        password = "" if extension == TRUNK else AGENT_PASSWORD.format(ext=extension)
        await register(self.pbx.sip_port, extension, password, sipp.port)
        self.registered.add(extension)
        return sipp

    async def login(self, headers: dict[str, str], **body: Any) -> dict[str, Any]:
        """Log the agent in to its queues through the API (logged out again after the test)."""
        async with self.http() as http:
            r = await http.post("/api/v1/agents/me/login", json=body or None, headers=headers)
        assert r.status_code == 200, r.text
        self.logged_in.append(headers)
        return r.json()  # type: ignore[no-any-return]

    async def call(self, scenario: Caller) -> Sipp:
        """A citizen's SIPp call (to 1076 unless the scenario says otherwise)."""
        sipp = Sipp(self.workdir, self.pbx.sip_port, scenario, name=f"caller-{scenario.caller[-4:]}")
        await sipp.start()
        self.sipps.append(sipp)
        return sipp

    async def unregister(self, extension: str) -> None:
        password = "" if extension == TRUNK else AGENT_PASSWORD.format(ext=extension)
        await register(self.pbx.sip_port, extension, password, 9, expires=0)

    async def cleanup(self) -> None:
        async with self.http() as http:
            for headers in self.logged_in:
                await http.post("/api/v1/agents/me/logout", headers=headers)
        self.logged_in.clear()
        for extension in sorted(self.registered):
            try:
                await self.unregister(extension)
            except AssertionError:
                pass
        self.registered.clear()
        for sipp in self.sipps:
            await sipp.stop()
        self.sipps.clear()

    def prompt_ms(self, lang: str, *names: str) -> int:
        """How long the rendered prompts take to play (ms): callers time their digits on them,
        since a Playback or an AGI STREAM FILE does not listen for digits."""
        import wave

        total = 0.0
        for name in names:
            with wave.open(str(self.pbx.prompts / lang / "helpline" / f"{name}.wav"), "rb") as wav:
                total += wav.getnframes() / wav.getframerate()
        return int(total * 1000)

    # ---------------------------------------------------------------- evidence
    def played(self, channel_prefix: str = "") -> list[tuple[str, str]]:
        """(file, language) of every Playback/Background/announcement in the full log."""
        out = []
        for line in self.pbx.full_log().splitlines():
            m = re.search(r"<([^>]+)> Playing '([^']+)'.*\(language '([^']+)'\)", line)
            if m and m.group(1).startswith(channel_prefix):
                out.append((m.group(2), m.group(3)))
        return out


async def receive_until(ws: ClientConnection, kind: str, timeout: float = 30.0,
                        seen: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await ws.recv())
            if seen is not None:
                seen.append(message)
            if message.get("type") == kind:
                return message  # type: ignore[no-any-return]
