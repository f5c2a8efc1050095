"""Asyncio AMI client: one logged-in connection kept alive per Asterisk server.

`run()` connects, checks the banner, logs in (a refused login raises nothing to the caller: it
is logged and retried with backoff), calls the `on_connect` callbacks (resync), dispatches
events to subscribers, pings when the line is idle and reconnects when the peer is gone.
Actions are matched to responses by ActionID. An action pending when the connection drops
fails with NotConnected and is never sent again: a second Originate would be a second call.
"""
from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping

from cti.ami.connection import AmiConnection
from cti.ami.errors import (
    ActionFailed,
    ActionTimeout,
    AmiError,
    AuthenticationFailed,
    NotConnected,
    ProtocolError,
)
from cti.ami.framing import AmiFramer, AmiMessage, encode_action
from cti.ami.pending import PendingActions
from cti.ami.reconnect import Backoff

log = logging.getLogger(__name__)

EventCallback = Callable[[AmiMessage], None]
# (the start of the header line "\r\nName:", where its value starts from there, the value prefixes)
_Rule = tuple[str, int, tuple[str, ...]]
ConnectCallback = Callable[["AmiClient"], "Awaitable[None] | None"]
StateCallback = Callable[["AmiClient", bool], None]


class AmiClient:
    """One AMI connection, kept alive by `run()`. The secret is never logged or shown."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        secret: str,
        *,
        name: str | None = None,
        ping_interval: float = 20.0,
        action_timeout: float = 10.0,
        connect_timeout: float = 5.0,
        reconnect_backoff: tuple[float, float] = (0.5, 30.0),
        events: bool = True,
        max_message_bytes: int = 65536,
        read_size: int = 65536,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self._secret = secret
        self.name = name or f"{host}:{port}"
        self.ping_interval = ping_interval
        self.action_timeout = action_timeout
        self.connect_timeout = connect_timeout
        self.backoff = Backoff(*reconnect_backoff)
        self.events = events
        self.max_message_bytes = max_message_bytes
        self.read_size = read_size
        self.banner: str | None = None
        self.connects = 0
        self.messages_received = 0
        self.last_error: str | None = None
        # (callback, the event names it wants or None for every event, its value rules or None)
        self._subscribers: tuple[tuple[EventCallback, frozenset[str] | None, dict[str, _Rule] | None], ...] = ()
        self._failures: dict[EventCallback, tuple[float | None, int]] = {}
        self._on_connect: list[ConnectCallback] = []
        self._on_state: list[StateCallback] = []
        self._pending = PendingActions()
        self._ids = itertools.count(1)
        self._id_prefix = f"{secrets.token_hex(4)}-"
        self._conn: AmiConnection | None = None
        self._connected = False
        self._up = asyncio.Event()
        self._wake = asyncio.Event()
        self._closing = False
        self._running = False
        self._stopped = asyncio.Event()

    def __repr__(self) -> str:
        return f"AmiClient({self.name}, {self.public_url}, connected={self._connected})"

    @property
    def public_url(self) -> str:
        """The server's address without the secret, safe for logs and /health."""
        return f"ami://{self.username}@{self.host}:{self.port}"

    @property
    def connected(self) -> bool:
        """True while logged in."""
        return self._connected

    # -- hooks -------------------------------------------------------------------------

    def subscribe(self, callback: EventCallback, events: Iterable[str] | None = None,
                  where: Mapping[str, tuple[str, Iterable[str]]] | None = None) -> Callable[[], None]:
        """Call `callback(msg)` for every event, or only for those named in `events`;
        returns a function that unsubscribes.

        The names are matched on the event's first line, before any header is split: the
        events a subscriber does not use (Newexten, RTCPSent…) cost it nothing. `where` maps
        an event name to (header, value prefixes): such an event is also left out when its
        first `header` line reads `header: value` with a value starting with none of the
        prefixes (read in place; any other shape of that line reaches the callback).
        Callbacks run in the reader: keep them quick and non-blocking. One that raises is
        logged; the reader and the other subscribers carry on.
        """
        names = None if events is None else frozenset(events)
        rules = None if not where else {
            event: ("\r\n" + header + ":", len(header) + 4, tuple(prefixes))
            for event, (header, prefixes) in where.items()}
        self._subscribers = (*self._subscribers, (callback, names, rules))
        return lambda: self.unsubscribe(callback)

    def unsubscribe(self, callback: EventCallback) -> None:
        self._subscribers = tuple(s for s in self._subscribers if s[0] is not callback)

    def on_connect(self, callback: ConnectCallback) -> None:
        """Run `callback(client)` (sync or async) after every successful login, in order."""
        self._on_connect.append(callback)

    def on_state_change(self, callback: StateCallback) -> None:
        """Call `callback(client, connected)` whenever the logged-in state flips."""
        self._on_state.append(callback)

    async def wait_connected(self, timeout: float | None = None) -> None:
        """Wait until logged in; raises TimeoutError after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            await self._up.wait()

    # -- actions -----------------------------------------------------------------------

    async def send(
        self,
        action: str,
        *,
        variables: Mapping[str, object] | None = None,
        timeout: float | None = None,
        **headers: object,
    ) -> AmiMessage:
        """Send one action and return its response.

        Headers are keyword arguments spelled as Asterisk spells them (`Queue=`, `Interface=`);
        None values are left out; `variables` become `Variable: k=v` lines; `ActionID=` may be
        given, else one is generated. Raises ActionFailed on `Response: Error`, ActionTimeout,
        NotConnected, InvalidHeader.
        """
        action_id, pairs = self._split_headers(headers, variables)
        return await self._request(action, pairs, action_id=action_id, timeout=timeout)

    async def send_list(
        self, action: str, *, timeout: float | None = None, **headers: object
    ) -> list[AmiMessage]:
        """Send a list action (QueueStatus, CoreShowChannels…) and return its list events,
        without the final `…Complete` event. These events are not passed to subscribers."""
        action_id, pairs = self._split_headers(headers, None)
        return await self._request(action, pairs, action_id=action_id, timeout=timeout, listing=True)

    def _split_headers(
        self, headers: dict[str, object], variables: Mapping[str, object] | None
    ) -> tuple[str | None, list[tuple[str, object]]]:
        action_id = headers.pop("ActionID", None)
        pairs = [(k, v) for k, v in headers.items() if v is not None]
        if variables:
            pairs.extend(("Variable", f"{k}={v}") for k, v in variables.items())
        return (None if action_id is None else str(action_id)), pairs

    async def _request(
        self,
        action: str,
        headers: Iterable[tuple[str, object]],
        *,
        action_id: str | None = None,
        timeout: float | None = None,
        listing: bool = False,
        login: bool = False,
    ):
        action_id = action_id or f"{self._id_prefix}{next(self._ids)}"
        data = encode_action(action, action_id, headers)
        conn = self._conn
        if conn is None or not (self._connected or login):
            raise NotConnected(f"AMI {self.name} is not connected; {action} not sent")
        future = self._pending.add(action_id, action, listing=listing)
        limit = self.action_timeout if timeout is None else timeout
        try:
            async with asyncio.timeout(limit):
                conn.write(data)
                await conn.drain()
                return await future
        except TimeoutError:
            raise ActionTimeout(f"{action} ({action_id}): no response from {self.name} in {limit} s") from None
        except ConnectionError as exc:
            raise NotConnected(f"AMI {self.name} connection lost while sending {action}") from exc
        finally:
            self._pending.discard(action_id)

    # -- connection --------------------------------------------------------------------

    async def run(self) -> None:
        """Keep one logged-in connection until `close()`; never returns otherwise."""
        if self._running:
            raise RuntimeError(f"AmiClient {self.name} is already running")
        self._running = True
        self._closing = False
        self._wake.clear()
        self._stopped.clear()
        loop = asyncio.get_running_loop()
        try:
            while not self._closing:
                connects, started = self.connects, loop.time()
                try:
                    await self._session()
                except* AuthenticationFailed as group:
                    self._note_failure(group, logging.ERROR)
                except* (OSError, TimeoutError, AmiError) as group:
                    self._note_failure(group, logging.WARNING)
                except* Exception as group:
                    log.error("AMI %s: unexpected error, reconnecting", self.name, exc_info=group)
                    self.last_error = "internal error"
                if self._closing:
                    break
                if self.connects > connects and loop.time() - started >= 10 * self.backoff.low:
                    self.backoff.reset()
                delay = self.backoff.next()
                log.info("AMI %s: reconnecting in %.1f s", self.name, delay)
                try:
                    async with asyncio.timeout(delay):
                        await self._wake.wait()
                except TimeoutError:
                    pass
        finally:
            self._running = False
            self._stopped.set()

    def _note_failure(self, group: BaseExceptionGroup, level: int) -> None:
        reason = "; ".join(str(exc) or type(exc).__name__ for exc in group.exceptions)
        self.last_error = reason
        if not self._closing:
            log.log(level, "AMI %s (%s): %s", self.name, self.public_url, reason)

    async def close(self) -> None:
        """Log off if connected, close the socket and make `run()` return."""
        self._closing = True
        self._wake.set()
        if self._connected:
            try:
                await self._request("Logoff", (), timeout=min(2.0, self.action_timeout))
            except AmiError:
                pass
        if self._conn is not None:
            self._conn.close()
        if self._running:
            try:
                async with asyncio.timeout(self.connect_timeout):
                    await self._stopped.wait()
            except TimeoutError:
                log.warning("AMI %s: run() did not stop in time", self.name)

    async def _session(self) -> None:
        loop = asyncio.get_running_loop()
        framer = AmiFramer(self.max_message_bytes)
        banner: asyncio.Future[str] = loop.create_future()
        receive = self._receiver(framer, banner)
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, conn = await loop.create_connection(
                    lambda: AmiConnection(receive, self.read_size, self.name), self.host, self.port)
        except TimeoutError:
            raise NotConnected(f"connecting to {self.host}:{self.port} took over {self.connect_timeout} s") from None
        self._conn = conn
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(conn.watch(2 * self.ping_interval + self.action_timeout))
                await self._login(banner)
                self.connects += 1
                self.last_error = None
                self._set_connected(True)
                log.info("AMI %s: logged in to %s", self.name, self.public_url)
                tg.create_task(self._keepalive(conn))
                tg.create_task(self._announce_connect())
        finally:
            self._conn = None
            self._set_connected(False)
            conn.close()
            self._pending.fail_all(f"AMI {self.name} connection lost")

    async def _login(self, banner: asyncio.Future[str]) -> None:
        try:
            async with asyncio.timeout(self.connect_timeout):
                self.banner = await banner
        except TimeoutError:
            raise ProtocolError(f"{self.name} sent no AMI banner in {self.connect_timeout} s") from None
        try:
            response = await self._request(
                "Login",
                [("Username", self.username), ("Secret", self._secret),
                 ("Events", "on" if self.events else "off")],
                login=True,
            )
        except ActionFailed as exc:
            raise AuthenticationFailed(f"login as {self.username!r} refused: {exc.message}") from None
        if response.response != "Success":
            raise ProtocolError(f"unexpected Login answer from {self.name}: Response {response.response!r}")

    def _receiver(self, framer: AmiFramer, banner: asyncio.Future[str]) -> Callable[[memoryview], None]:
        """What the connection calls with every read (in the loop's read callback): frame,
        check the banner, dispatch. The bytes are only valid during the call."""
        feed, dispatch = framer.feed, self._dispatch

        def receive(data: memoryview) -> None:
            messages = feed(data)
            if not banner.done():
                if framer.banner is not None:
                    banner.set_result(framer.banner)
                elif messages or framer.buffered > 1024:
                    raise ProtocolError(f"{self.name} did not send the AMI banner; is it an Asterisk manager port?")
            if messages:
                self.messages_received += len(messages)
                dispatch(messages)

        return receive

    def _dispatch(self, messages: list[AmiMessage]) -> None:
        subscribers = self._subscribers
        pending = self._pending
        for msg in messages:
            raw = msg._raw  # the framer's text: its first line names the event (msg.event)
            if raw is not None and raw.startswith("Event: "):
                end = raw.find("\r\n")
                name: str | None = raw[7:end] if end >= 0 else raw[7:]
            else:
                name = msg.event
            if name is not None:
                if pending.lists and pending.collect(msg):
                    continue
                for callback, names, rules in subscribers:
                    if names is not None and name not in names:
                        continue
                    if rules is not None and raw is not None:
                        rule = rules.get(name)
                        if rule is not None:
                            at = raw.find(rule[0])
                            if (at >= 0 and raw.startswith(" ", at + rule[1] - 1)
                                    and not raw.startswith(rule[2], at + rule[1])):
                                continue
                    try:
                        callback(msg)
                    except Exception:
                        self._subscriber_failed(callback, msg)
            elif msg.response is not None:
                pending.resolve(msg)
            else:
                log.debug("AMI %s: ignored a message that is neither event nor response", self.name)

    def _subscriber_failed(self, callback: EventCallback, msg: AmiMessage) -> None:
        """Log a failing subscriber with its traceback, at most once a minute per subscriber."""
        now = asyncio.get_running_loop().time()
        last, suppressed = self._failures.get(callback, (None, 0))
        if last is not None and now - last < 60:
            self._failures[callback] = (last, suppressed + 1)
            return
        self._failures[callback] = (now, 0)
        log.exception("AMI %s: subscriber %r failed on %s (%d failures since the last report)",
                      self.name, callback, msg.event, suppressed)

    async def _keepalive(self, conn: AmiConnection) -> None:
        loop = asyncio.get_running_loop()
        while True:
            idle = loop.time() - conn.last_rx
            if idle < self.ping_interval:
                await asyncio.sleep(self.ping_interval - idle)
                continue
            try:
                await self._request("Ping", ())
            except ActionTimeout:
                raise NotConnected(f"AMI {self.name}: no answer to Ping, the connection is dead") from None

    async def _announce_connect(self) -> None:
        for callback in list(self._on_connect):
            try:
                result = callback(self)
                if inspect.isawaitable(result):
                    await result
            except NotConnected:
                return
            except Exception:
                log.exception("AMI %s: on_connect callback %r failed", self.name, callback)

    def _set_connected(self, value: bool) -> None:
        if self._connected == value:
            return
        self._connected = value
        if value:
            self._up.set()
        else:
            self._up.clear()
        for callback in list(self._on_state):
            try:
                callback(self, value)
            except Exception:
                log.exception("AMI %s: state callback %r failed", self.name, callback)
