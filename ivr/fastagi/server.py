"""FastAgiServer: accepts Asterisk's FastAGI connections and runs the route of each script."""
from __future__ import annotations

import _socket
import asyncio
import errno
import logging
import socket
import sys
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import cast

from ivr.fastagi.channel import COMMAND_TIMEOUT, HANGUP_GRACE, AgiChannel
from ivr.fastagi.connection import CLOSE_TIMEOUT, DONTWAIT, AgiConnection
from ivr.fastagi.deadlines import Deadlines
from ivr.fastagi.errors import AgiError, AgiHangup, ProtocolError
from ivr.fastagi.protocol import MAX_LINE, AgiParser, Environment
from ivr.fastagi.readers import ReadMux

logger = logging.getLogger(__name__)

Route = Callable[[AgiChannel], Awaitable[None]]

ENV_TIMEOUT = 5.0
FAILED_VARIABLE = "HELPLINE_AGI_FAILED"
BACKLOG = 100  # as asyncio's create_server
ACCEPT_RETRY_DELAY = 1.0  # out of file descriptors or memory: stop accepting this long
# Linux gives an accepted socket the listening socket's TCP_NODELAY: set once, not per call.
_NODELAY_PER_SOCKET = not sys.platform.startswith("linux")


class FastAgiServer:
    """Routes each connection by `agi_network_script` to `routes[name](channel)`.

    An unknown script, or an exception escaping a route (other than AgiHangup), is logged and
    the call is sent to `failure_context`,s,1 with HELPLINE_AGI_FAILED=1 so the caller is never
    left in dead air. A connection that sends garbage, too much, or nothing in `env_timeout`
    seconds is logged at WARNING and closed. Counters: `connections`, `active` (sessions
    running: connections whose environment is in), `sessions`, `hangups`, `errors`,
    `unknown_scripts`, `rejected`.

    Sockets are read through one ReadMux (one epoll the loop watches) and written directly
    (see AgiConnection): per call, one accept in a batch, one callback per read, and a task
    from the environment on.
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
        self._sockets: list[socket.socket] | None = None  # listening; None when not serving
        self._kinds: dict[socket.socket, tuple[int, int, int]] = {}  # family, type, proto
        self._closed: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._readers: ReadMux | None = None  # every connection's socket, while serving
        self._deadlines: Deadlines | None = None  # every connection's timeout, while serving
        self._tasks: set[asyncio.Task[None]] = set()
        # Accepted, environment not in yet (no task until then): each with its deadline.
        self._connecting: dict[AgiConnection, float] = {}
        self.connections = 0
        self.sessions = 0
        self.hangups = 0
        self.errors = 0
        self.unknown_scripts = 0
        self.rejected = 0

    @property
    def port(self) -> int:
        """The bound port (the real one when constructed with port 0)."""
        if self._sockets:
            return int(self._sockets[0].getsockname()[1])
        return self._port

    @property
    def active(self) -> int:
        return len(self._tasks)

    async def start(self) -> None:
        if self._sockets is None:
            loop = self._loop = asyncio.get_running_loop()
            self._sockets = await _listen(loop, self.host, self._port)
            self._readers = ReadMux(loop)
            self._deadlines = Deadlines(loop)
            self._closed = loop.create_future()
            for sock in self._sockets:
                loop.add_reader(sock.fileno(), self._accept, sock)
            logger.info("FastAGI listening on %s:%d (%d scripts)", self.host, self.port,
                        len(self.routes))

    async def serve_forever(self) -> None:
        await self.start()
        assert self._closed is not None
        try:
            await asyncio.shield(self._closed)
        finally:
            await self.close()

    async def close(self, grace: float = CLOSE_TIMEOUT) -> None:
        """Stop listening, give running sessions `grace` seconds, then cancel them."""
        if self._sockets is None:
            return
        sockets, self._sockets = self._sockets, None
        self._kinds.clear()
        assert self._loop is not None and self._closed is not None
        for sock in sockets:
            self._loop.remove_reader(sock.fileno())
            sock.close()
        # Connections still sending their environment get the same grace as the sessions.
        connecting, self._connecting = self._connecting, {}
        for conn, deadline in connecting.items():
            conn.unwatch()
            self._tasks.add(self._loop.create_task(self._run(conn, None, deadline)))
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
            # A task cancelled before its first step never ran the `finally` that leaves the set.
            self._tasks.difference_update([task for task in self._tasks if task.done()])
        if self._readers is not None:
            self._readers.close()
            self._readers = None
        if not self._closed.done():
            self._closed.set_result(None)

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

    def _accept(self, listener: socket.socket) -> None:
        """The listening socket is readable: take every connection waiting (up to BACKLOG).

        Each gets its non-blocking socket read by its AgiConnection, and a session task once
        its environment is in (`_environment_in`); no asyncio transport, so no callbacks or
        task to make or lose it."""
        loop = self._loop
        readers = self._readers
        assert loop is not None and readers is not None and self._deadlines is not None
        kind = self._kinds.get(listener)
        if kind is None:
            kind = self._kinds[listener] = (int(listener.family), int(listener.type),
                                            listener.proto)
        for _ in range(BACKLOG):
            try:
                fd, peer = listener._accept()  # what accept() does, without its Python layers
                sock = _socket.socket(*kind, fd)
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as exc:
                if exc.errno not in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    raise  # the loop logs it and goes on
                logger.error("FastAGI cannot accept connections for now: %s", exc)
                loop.remove_reader(listener.fileno())
                loop.call_later(ACCEPT_RETRY_DELAY, self._resume_accepting, listener)
                return
            try:
                if not DONTWAIT:  # else every call passes MSG_DONTWAIT (no syscall to set it)
                    sock.setblocking(False)
                if _NODELAY_PER_SOCKET:
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # reset already
                sock.close()
                continue
            conn = AgiConnection(AgiParser(max_line=self.max_line), sock, loop, readers,
                                 self._deadlines, peer)
            conn.start()
            deadline = loop.time() + self.env_timeout
            conn.watch(self._environment_in, deadline)
            self._connecting[conn] = deadline
            self.connections += 1

    def _environment_in(self, conn: AgiConnection, timed_out: bool) -> None:
        """A connection without its environment read, got bytes, an error, the end or its
        deadline: start its session once the environment is in, reject it on anything else."""
        event = conn.parser.next_event()
        if type(event) is Environment:
            conn.unwatch()
            del self._connecting[conn]
            assert self._loop is not None
            self._tasks.add(self._loop.create_task(self._run(conn, event)))
            return
        if event is not None:
            reason = "reply before the environment"
        elif conn.error is not None:
            reason = str(conn.error)
        elif conn.closed:
            reason = "connection closed before the environment ended"
        elif timed_out:
            reason = "no environment in time"
        else:
            return  # the environment is not complete yet
        conn.unwatch()
        self._connecting.pop(conn, None)
        self.rejected += 1
        logger.warning("FastAGI connection from %s rejected: %s", conn.peer, reason)
        conn.close()

    def _resume_accepting(self, listener: socket.socket) -> None:
        if self._sockets is not None and listener in self._sockets:
            assert self._loop is not None
            self._loop.add_reader(listener.fileno(), self._accept, listener)

    async def _run(self, conn: AgiConnection, env: Environment | None,
                   env_deadline: float = 0.0) -> None:
        """The session task: one coroutine (each level more is a frame on every wake-up).
        `env` None: the environment is still to be read, by `env_deadline` (at close)."""
        try:
            try:
                if env is None:
                    env = cast(Environment | None, await conn.next_event(env_deadline))
                if type(env) is not Environment:
                    raise ProtocolError("connection closed before the environment ended"
                                        if env is None else "reply before the environment")
            except (ProtocolError, TimeoutError) as exc:
                self.rejected += 1
                reason = "no environment in time" if isinstance(exc, TimeoutError) else str(exc)
                logger.warning("FastAGI connection from %s rejected: %s", conn.peer, reason)
                return
            channel = AgiChannel(conn, env, command_timeout=self.read_timeout,
                                 hangup_grace=self.hangup_grace)
            script = channel.script or _script_from_request(env.get("agi_request"))
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
        finally:
            conn.close()
            # Its own last step (no done-callback to schedule): `active` counts it no more.
            self._tasks.discard(asyncio.current_task(self._loop))  # type: ignore[arg-type]

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


async def _listen(loop: asyncio.AbstractEventLoop, host: str | None,
                  port: int) -> list[socket.socket]:
    """Bound, listening, non-blocking sockets for `host` (every address it resolves to)."""
    infos = await loop.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in dict.fromkeys(infos):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family in (socket.AF_INET, socket.AF_INET6):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(BACKLOG)
            sock.setblocking(False)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _script_from_request(request: str) -> str:
    """`agi://host:4573/name` → `name` (for a peer that sends no agi_network_script)."""
    _, _, rest = request.partition("://")
    _, _, path = rest.partition("/")
    return path.partition(",")[0].partition("?")[0]
