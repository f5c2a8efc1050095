"""AgiConnection: one FastAGI socket, read by the event loop into the sans-I/O parser."""
from __future__ import annotations

import _socket
import asyncio
from collections.abc import Callable
from typing import Any

from ivr.fastagi.deadlines import Deadlines
from ivr.fastagi.errors import ProtocolError
from ivr.fastagi.protocol import AgiParser, Event
from ivr.fastagi.readers import ReadMux

MAX_QUEUED_EVENTS = 64
# Bytes per read at most: more than an environment (64 KiB at most) needs, and below glibc's
# mmap threshold, so the buffer `recv` allocates and shrinks comes from the heap (asyncio's
# own 256 KiB reads get mmap, mremap and munmap per read).
READ_SIZE = 65536
# Where the platform has it, every read and write of a connection passes MSG_DONTWAIT, so the
# accepted socket is never switched to non-blocking (one system call per connection less);
# elsewhere the server makes it non-blocking and this is 0.
DONTWAIT: int = getattr(_socket, "MSG_DONTWAIT", 0)
CLOSE_TIMEOUT = 5.0


class AgiConnection:
    """One FastAGI socket. `next_event(deadline)` returns the next event, or None at EOF.

    The socket is watched by the server's ReadMux (one epoll for all its sockets), not through
    an asyncio transport and protocol: nothing to make or lose the connection (a selector
    transport costs four callbacks and a task per accepted connection, and one more to
    close). Bytes go straight into the parser; a parse error or more than MAX_QUEUED_EVENTS
    unread events (a peer flooding replies nobody asked for) stops reading and is raised by
    the next `next_event`. End of stream is checked on every wake-up, so a peer that closes
    early costs nothing.
    """

    def __init__(self, parser: AgiParser, sock: _socket.socket,
                 loop: asyncio.AbstractEventLoop, readers: ReadMux, deadlines: Deadlines,
                 peer: Any = None) -> None:
        self.parser = parser
        self.closed = False  # the peer closed, or the connection was lost or closed
        self.error: ProtocolError | None = None
        self._sock: _socket.socket | None = sock
        self._fd = sock.fileno()
        self._loop = loop
        self._readers = readers
        self.time = loop.time  # the loop's clock, that deadlines are on
        self._peer = peer
        self._reading = False
        self._waiter: asyncio.Future[None] | None = None
        self._watcher: Callable[[AgiConnection, bool], None] | None = None
        self._pending = b""  # bytes the kernel did not take yet (the writer is armed)
        self._closing = False
        # One deadline armed per connection, not one per wait: armed for the first deadline
        # and, when it fires, either expiring the wait or moving on to the deadline now in force.
        self._deadlines = deadlines
        self._deadline = 0.0
        self._slot: int | None = None  # armed in `deadlines`, to fire at `_timer_at`
        self._timer_at = 0.0

    def start(self) -> None:
        """Start reading (the socket is non-blocking, or every call passes DONTWAIT)."""
        self._readers.add(self._fd, self._read_ready)
        self._reading = True

    @property
    def peer(self) -> str:
        """`host:port` of the peer, for logs."""
        peer = self._peer
        if peer is None and self._sock is not None:
            try:
                peer = self._peer = self._sock.getpeername()
            except OSError:
                return ""
        return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer or "")

    def _read_ready(self) -> None:
        sock = self._sock
        assert sock is not None
        try:
            data = sock.recv(READ_SIZE, DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # reset by the peer: as good as closed
            data = b""
        if not data:  # the peer closed (as an asyncio transport does, close our side too)
            self.closed = True
            self.close()
        else:
            parser = self.parser
            try:
                parser.receive_data(data)
                if len(parser.events) > MAX_QUEUED_EVENTS:
                    raise ProtocolError("too many unsolicited lines")
            except ProtocolError as exc:
                self.error = exc
                self._stop_reading()
        self._wake()

    def _wake(self) -> None:
        watcher = self._watcher
        if watcher is not None:
            watcher(self, False)
            return
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _stop_reading(self) -> None:
        if self._reading:
            self._reading = False
            self._readers.remove(self._fd)

    def deadline(self, timeout: float) -> float:
        return self.time() + timeout

    async def next_event(self, deadline: float) -> Event | None:
        """The next event; None once the peer has closed; TimeoutError after `deadline`."""
        while True:
            event = self.parser.next_event()
            if event is not None:
                return event
            if self.error is not None:
                raise self.error
            if self.closed:
                return None
            await self.wait(deadline)

    def wait(self, deadline: float) -> asyncio.Future[None]:
        """A future done at the next read (events, an error or the end: look at `parser`,
        `error` and `closed` again), or failed with TimeoutError at `deadline`.

        For a caller that takes events itself (AgiChannel.command) without a coroutine per
        wait; a new wait replaces the last one. (Resuming the waiting task from the read
        itself, without a future, was tried: 0.5 µs less Python per command but more system
        time, the next command then leaving before the other reads of the batch.)"""
        waiter = self._loop.create_future()
        self._waiter = waiter
        self._deadline = deadline
        if self._slot is None or self._timer_at > deadline:
            self._arm(deadline)
        return waiter

    def watch(self, watcher: Callable[[AgiConnection, bool], None], deadline: float) -> None:
        """Call `watcher(self, timed_out)` after every read (events, an error or the end) and
        once `deadline` has passed, until `unwatch`; no task needed to wait (the server
        waits for the environment so)."""
        self._watcher = watcher
        self._arm(deadline)

    def unwatch(self) -> None:
        self._watcher = None

    def _arm(self, deadline: float) -> None:
        self._deadline = deadline
        slot = self._slot
        if slot is None or self._timer_at > deadline:
            if slot is not None:
                self._deadlines.disarm(self, slot)
            self._slot, self._timer_at = self._deadlines.arm(self, deadline, self._on_timer)

    def _disarm(self) -> None:
        if self._slot is not None:
            self._deadlines.disarm(self, self._slot)
            self._slot = None

    def _on_timer(self) -> None:
        self._slot = None
        watcher = self._watcher
        if watcher is not None:
            if self._deadline <= self._timer_at:
                watcher(self, True)
            else:
                self._arm(self._deadline)
            return
        waiter = self._waiter
        if waiter is None or waiter.done():
            return  # nobody waits: the next wait arms a new deadline
        if self._deadline <= self._timer_at:
            waiter.set_exception(TimeoutError())
        else:
            self._arm(self._deadline)

    def write(self, data: bytes) -> None:
        """Send `data`; what the kernel does not take now is sent when the socket can write."""
        sock = self._sock
        if sock is None or self._closing:
            raise ConnectionResetError("the FastAGI connection is closed")
        if self._pending:
            self._pending += data
            return
        try:
            sent = sock.send(data, DONTWAIT)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError as exc:
            self._lose()
            raise ConnectionResetError(f"the FastAGI connection is lost: {exc}") from exc
        if sent < len(data):
            self._pending = data[sent:]
            self._loop.add_writer(self._fd, self._write_ready)

    def _write_ready(self) -> None:
        sock = self._sock
        assert sock is not None
        try:
            sent = sock.send(self._pending, DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._lose()
            return
        self._pending = self._pending[sent:]
        if not self._pending:
            self._loop.remove_writer(self._fd)
            if self._closing:
                self._release()

    def _lose(self) -> None:
        """The socket failed: stop everything and wake the reader (it sees the end)."""
        self.closed = True
        if self._pending:
            self._pending = b""
            self._loop.remove_writer(self._fd)
        self._release()
        self._wake()

    def close(self) -> None:
        """Close; a peer that does not read what is still buffered is cut off after 5 s."""
        if self._sock is None or self._closing:
            return
        self._closing = True
        self._disarm()
        if self._pending:
            self._stop_reading()
            self._loop.call_later(CLOSE_TIMEOUT, self.abort)
        else:
            self._release()

    def abort(self) -> None:
        """Close now, dropping anything not yet sent."""
        self._closing = True
        if self._pending:
            self._pending = b""
            self._loop.remove_writer(self._fd)
        self._release()

    def _release(self) -> None:
        sock = self._sock
        if sock is None:
            return
        self._sock = None
        self.closed = True
        if self._reading:  # closing the socket ends its epoll registration: no call for that
            self._reading = False
            self._readers.forget(self._fd)
        self._disarm()
        sock.close()
