"""Fan-out of screen pops and wallboard updates to websockets, per agent.

Each websocket holds a `Subscriber`: a bounded inbox of JSON texts. `publish()` never blocks:
a subscriber whose queue is full loses its oldest message (logged), so one slow browser
never delays the others. Without Redis the hub is in-process. With `redis_url`, every
publish also goes to one Redis pub/sub channel and every process delivers what it receives
to its own sockets (redis.asyncio); the publishing process delivers locally at once and
skips its own messages when they come back. A message published twice under the same `key`
(two processes tracking the same PBX) is delivered once per socket.
"""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

SUPERVISORS = "supervisors"
CHANNEL = "helpline:cti"
MAX_ENVELOPE = 1_000_000


def agent_key(extension: str) -> str:
    return f"agent:{extension}"


def session_key(user_id: int) -> str:
    """Where "this user's sessions have ended" is published (logout, password change, disabled)."""
    return f"user:{user_id}"


class Subscriber:
    """One websocket's inbox: `await next()` gives the next JSON text.

    Kept small (issue 10: thousands of sockets, each one's objects walked by every full garbage
    collection): a deque and, only while its socket waits, one future. `close(exc)` makes the
    waiting and every later `next()` raise `exc` (the socket's session ended); `on_push`, when
    set, is called after each push (a session-end inbox closing the socket's pop inbox)."""

    __slots__ = ("key", "maxsize", "dropped", "on_push", "_items", "_waiter", "_closed")

    def __init__(self, key: str, maxsize: int) -> None:
        self.key = key
        self.maxsize = maxsize
        self.dropped = 0
        self.on_push: Callable[[Subscriber], None] | None = None
        self._items: deque[str] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._closed: BaseException | None = None

    def push(self, text: str) -> None:
        items = self._items
        if len(items) >= self.maxsize:
            items.popleft()
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 100 == 0:
                log.warning("websocket %s is slow: %d message(s) dropped", self.key, self.dropped)
        items.append(text)
        self._wake()
        if self.on_push is not None:
            self.on_push(self)

    def close(self, exc: BaseException) -> None:
        """The socket's session is over: `next()` raises `exc` from now on."""
        if self._closed is None:
            self._closed = exc
            self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def next(self) -> str:
        while True:
            if self._closed is not None:
                raise self._closed
            if self._items:
                return self._items.popleft()
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None

    def get_nowait(self) -> str:
        """The next text if there is one (asyncio.QueueEmpty if not)."""
        if not self._items:
            raise asyncio.QueueEmpty
        return self._items.popleft()

    def __len__(self) -> int:
        return len(self._items)


class Hub:
    """Subscribers by key (`agent:<extension>`, `supervisors`); Redis when `redis_url` is set."""

    def __init__(self, *, queue_size: int = 256, redis_url: str = "", channel: str = CHANNEL,
                 dedup_size: int = 8192) -> None:
        self.queue_size = queue_size
        self.redis_url = redis_url
        self.channel = channel
        self.origin = secrets.token_hex(8)
        self.published = 0
        self.delivered = 0
        self.redis_connected = False
        self.redis_dropped = 0
        self._subs: dict[str, set[Subscriber]] = {}
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._dedup_size = dedup_size
        self._outbox: asyncio.Queue[str] | None = None
        self._ready = asyncio.Event()

    # -- sockets -------------------------------------------------------------------------

    def subscribe(self, key: str) -> Subscriber:
        sub = Subscriber(key, self.queue_size)
        self._subs.setdefault(key, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        subs = self._subs.get(sub.key)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.key]

    def connected(self, key: str | None = None) -> int:
        """Sockets connected to this process (for one key, or all)."""
        if key is not None:
            return len(self._subs.get(key, ()))
        return sum(len(s) for s in self._subs.values())

    # -- publishing ----------------------------------------------------------------------

    def publish(self, key: str, message: dict[str, Any] | str, dedup: str | None = None) -> None:
        """Deliver to this process's sockets for `key` now, and to other processes via Redis."""
        text = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False,
                                                                   separators=(",", ":"))
        self.published += 1
        self._deliver(key, text, dedup)
        if self._outbox is not None:
            if not self.redis_connected:  # a pop delivered minutes late is worse than none
                self.redis_dropped += 1
                if self.redis_dropped % 1000 == 1:
                    log.warning("Redis unreachable: %d message(s) for other processes dropped so far",
                                self.redis_dropped)
                return
            envelope = json.dumps({"o": self.origin, "k": key, "d": dedup, "m": text},
                                  ensure_ascii=False, separators=(",", ":"))
            if self._outbox.full():
                self._outbox.get_nowait()
                self.redis_dropped += 1
            self._outbox.put_nowait(envelope)

    def _deliver(self, key: str, text: str, dedup: str | None) -> None:
        if dedup is not None:
            seen = self._seen
            if dedup in seen:
                return
            seen[dedup] = None
            if len(seen) > self._dedup_size:
                seen.popitem(last=False)
        subs = self._subs.get(key)
        if not subs:
            return
        for sub in subs:
            sub.push(text)
        self.delivered += len(subs)

    def _receive(self, data: bytes | str) -> None:
        """One envelope from Redis: deliver it unless it is ours or malformed."""
        if len(data) > MAX_ENVELOPE:
            log.warning("Redis message over %d bytes ignored", MAX_ENVELOPE)
            return
        try:
            envelope = json.loads(data)
            origin, key, dedup, text = envelope["o"], envelope["k"], envelope.get("d"), envelope["m"]
        except (ValueError, KeyError, TypeError):
            log.warning("malformed message on Redis channel %s ignored", self.channel)
            return
        if origin != self.origin and isinstance(key, str) and isinstance(text, str):
            self._deliver(key, text, dedup if isinstance(dedup, str) else None)

    # -- Redis ---------------------------------------------------------------------------

    async def wait_ready(self, timeout: float = 5.0) -> None:
        """Wait until the Redis subscription is live (at once without Redis)."""
        if not self.redis_url:
            return
        async with asyncio.timeout(timeout):
            await self._ready.wait()

    async def run(self, stop: asyncio.Event) -> None:
        """Keep the Redis link (publisher and listener) until `stop`; returns at once without Redis."""
        if not self.redis_url:
            return
        import redis.asyncio as aioredis

        self._outbox = asyncio.Queue(10_000)
        delay = 0.2
        while not stop.is_set():
            client = aioredis.from_url(self.redis_url, socket_connect_timeout=5)
            try:
                async with asyncio.TaskGroup() as tg:
                    pubsub = client.pubsub(ignore_subscribe_messages=True)
                    await pubsub.subscribe(self.channel)
                    self.redis_connected = True
                    self._ready.set()
                    delay = 0.2
                    log.info("hub: Redis pub/sub on %s", self.channel)
                    tg.create_task(self._listen(pubsub))
                    tg.create_task(self._publish_loop(client))
                    tg.create_task(self._until(stop))
            except* _StopHub:
                pass
            except* (OSError, ConnectionError, TimeoutError) as group:
                log.warning("hub: Redis unavailable (%s); retrying in %.1f s", group.exceptions[0], delay)
            except* Exception as group:
                if not _is_redis_error(group):
                    raise
                log.warning("hub: Redis error (%s); retrying in %.1f s", group.exceptions[0], delay)
            finally:
                self.redis_connected = False
                self._ready.clear()
                await client.aclose()
            if stop.is_set():
                break
            try:
                async with asyncio.timeout(delay):
                    await stop.wait()
            except TimeoutError:
                delay = min(delay * 2, 10.0)

    async def _until(self, stop: asyncio.Event) -> None:
        await stop.wait()
        raise _StopHub

    async def _listen(self, pubsub: Any) -> None:
        while True:
            message = await pubsub.get_message(timeout=1.0)
            if message is not None and message.get("type") == "message":
                self._receive(message["data"])

    async def _publish_loop(self, client: Any) -> None:
        assert self._outbox is not None
        while True:
            envelope = await self._outbox.get()
            await client.publish(self.channel, envelope)


class _StopHub(Exception):
    """Ends the Redis TaskGroup when the process stops."""


def _is_redis_error(group: BaseExceptionGroup) -> bool:
    from redis.exceptions import RedisError

    return all(isinstance(exc, RedisError) for exc in group.exceptions)
