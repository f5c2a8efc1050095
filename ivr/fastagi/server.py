"""FastAgiServer: accepts Asterisk's FastAGI connections and runs the route of each script."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType

from ivr.fastagi.channel import COMMAND_TIMEOUT, HANGUP_GRACE, AgiChannel
from ivr.fastagi.connection import CLOSE_TIMEOUT, READ_SIZE, AgiConnection
from ivr.fastagi.errors import AgiError, AgiHangup, ProtocolError
from ivr.fastagi.protocol import MAX_LINE, AgiParser, Environment

logger = logging.getLogger(__name__)

Route = Callable[[AgiChannel], Awaitable[None]]

ENV_TIMEOUT = 5.0
FAILED_VARIABLE = "HELPLINE_AGI_FAILED"


class FastAgiServer:
    """Routes each connection by `agi_network_script` to `routes[name](channel)`.

    An unknown script, or an exception escaping a route (other than AgiHangup), is logged and
    the call is sent to `failure_context`,s,1 with HELPLINE_AGI_FAILED=1 so the caller is never
    left in dead air. A connection that sends garbage, too much, or nothing in `env_timeout`
    seconds is logged at WARNING and closed. Counters: `connections`, `active`, `sessions`,
    `hangups`, `errors`, `unknown_scripts`, `rejected`.
    """

    def __init__(
        self,
        routes: Mapping[str, Route],
        host: str = "127.0.0.1",
        port: int = 4573,
        *,
        failure_context: str = "helpline-failure",
        read_timeout: float = COMMAND_TIMEOUT,
        env_timeout: float = ENV_TIMEOUT,
        hangup_grace: float = HANGUP_GRACE,
        max_line: int = MAX_LINE,
    ) -> None:
        self.routes = dict(routes)
        self.host = host
        self._port = port
        self.failure_context = failure_context
        self.read_timeout = read_timeout
        self.env_timeout = env_timeout
        self.hangup_grace = hangup_grace
        self.max_line = max_line
        self._server: asyncio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # Every connection reads into this one buffer (see AgiConnection).
        self._read_buffer = memoryview(bytearray(READ_SIZE))
        self.connections = 0
        self.sessions = 0
        self.hangups = 0
        self.errors = 0
        self.unknown_scripts = 0
        self.rejected = 0

    @property
    def port(self) -> int:
        """The bound port (the real one when constructed with port 0)."""
        if self._server is not None and self._server.sockets:
            return int(self._server.sockets[0].getsockname()[1])
        return self._port

    @property
    def active(self) -> int:
        return len(self._tasks)

    async def start(self) -> None:
        if self._server is None:
            loop = self._loop = asyncio.get_running_loop()
            self._server = await loop.create_server(self._protocol, self.host, self._port)
            logger.info("FastAGI listening on %s:%d (%d scripts)", self.host, self.port,
                        len(self.routes))

    async def serve_forever(self) -> None:
        await self.start()
        assert self._server is not None
        try:
            await self._server.serve_forever()
        finally:
            await self.close()

    async def close(self, grace: float = CLOSE_TIMEOUT) -> None:
        """Stop listening, give running sessions `grace` seconds, then cancel them."""
        if self._server is None:
            return
        server, self._server = self._server, None
        server.close()
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
            # A task cancelled before its first step never ran the `finally` that leaves the set.
            self._tasks.difference_update([task for task in self._tasks if task.done()])
        await server.wait_closed()

    async def __aenter__(self) -> FastAgiServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _protocol(self) -> AgiConnection:
        return AgiConnection(AgiParser(max_line=self.max_line), self._accept, self._read_buffer,
                             self._loop)

    def _accept(self, conn: AgiConnection) -> None:
        self.connections += 1
        self._tasks.add(self._loop.create_task(self._run(conn)))

    async def _run(self, conn: AgiConnection) -> None:
        try:
            await self._session(conn)
        finally:
            conn.close()
            # Its own last step (no done-callback to schedule): `active` counts it no more.
            self._tasks.discard(asyncio.current_task(self._loop))  # type: ignore[arg-type]

    async def _session(self, conn: AgiConnection) -> None:
        try:
            env = await _read_environment(conn, self.env_timeout)
        except (ProtocolError, TimeoutError) as exc:
            self.rejected += 1
            reason = "no environment in time" if isinstance(exc, TimeoutError) else str(exc)
            logger.warning("FastAGI connection from %s rejected: %s", conn.peer, reason)
            return
        channel = AgiChannel(conn, env, command_timeout=self.read_timeout,
                             hangup_grace=self.hangup_grace)
        script = channel.script or _script_from_request(env.values.get("agi_request", ""))
        route = self.routes.get(script)
        if route is None:
            self.unknown_scripts += 1
            self.errors += 1
            logger.error("FastAGI: no route for script %r (uniqueid %s)", script[:64],
                         channel.uniqueid)
            await self._fail_over(channel)
            return
        try:
            await route(channel)
        except AgiHangup:
            self.hangups += 1
            logger.info("FastAGI %s: caller hung up (uniqueid %s)", script, channel.uniqueid)
        except Exception:
            self.errors += 1
            logger.exception("FastAGI %s failed (uniqueid %s)", script, channel.uniqueid)
            await self._fail_over(channel)
        else:
            self.sessions += 1

    async def _fail_over(self, channel: AgiChannel) -> None:
        """Send a live call to the failure context instead of leaving it in dead air."""
        if channel.hung_up or not channel.usable:
            return
        try:
            await channel.set_variable(FAILED_VARIABLE, "1")
            await channel.goto(self.failure_context, "s", "1")
        except AgiError as exc:
            logger.warning("FastAGI: could not send uniqueid %s to %s: %s", channel.uniqueid,
                           self.failure_context, exc)


async def _read_environment(conn: AgiConnection, timeout: float) -> Environment:
    event = await conn.next_event(conn.deadline(timeout))
    if isinstance(event, Environment):
        return event
    if event is None:
        raise ProtocolError("connection closed before the environment ended")
    raise ProtocolError("reply before the environment")


def _script_from_request(request: str) -> str:
    """`agi://host:4573/name` → `name` (for a peer that sends no agi_network_script)."""
    _, _, rest = request.partition("://")
    _, _, path = rest.partition("/")
    return path.partition(",")[0].partition("?")[0]
