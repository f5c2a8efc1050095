"""AgiConnection: an asyncio Protocol that feeds the sans-I/O parser and waits for its events."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import cast

from ivr.fastagi.errors import ProtocolError
from ivr.fastagi.protocol import AgiParser, Event

MAX_QUEUED_EVENTS = 64
READ_SIZE = 262144  # bytes per read at most, as asyncio's own transports read
CLOSE_TIMEOUT = 5.0


class AgiConnection(asyncio.BufferedProtocol):
    """One FastAGI socket. `next_event(deadline)` returns the next event, or None at EOF.

    Bytes go straight into the parser; a parse error or more than MAX_QUEUED_EVENTS unread
    events (a peer flooding replies nobody asked for) stops reading and is raised by the
    next `next_event`. End of stream is checked on every wake-up, so a peer that closes
    early costs nothing.

    A BufferedProtocol: the loop reads into `read_buffer`, and what was read is copied out at
    once (the parser keeps bytes), so every connection of one server (one event loop) shares
    one buffer. With a plain Protocol, asyncio's selector loop allocates 256 KiB for every
    read, which glibc serves with mmap, mremap and munmap (12 page faults and 18 system calls
    per 5-command session, measured: about half the server's kernel time).
    """

    def __init__(self, parser: AgiParser,
                 on_connect: Callable[[AgiConnection], None] | None = None,
                 read_buffer: memoryview | None = None,
                 loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.parser = parser
        self._view = memoryview(bytearray(READ_SIZE)) if read_buffer is None else read_buffer
        self.closed = False
        self.error: ProtocolError | None = None
        self._on_connect = on_connect
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[None] | None = None
        # Given by the server: asyncio.get_running_loop() costs a getpid() system call.
        self._loop = asyncio.get_running_loop() if loop is None else loop
        # One timer per connection, not one per wait: it is armed for the first deadline and,
        # when it fires, either expires the wait or moves on to the deadline now in force.
        self._deadline = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, only alike.
        self._transport = cast(asyncio.Transport, transport)
        if self._on_connect is not None:
            self._on_connect(self)

    @property
    def peer(self) -> str:
        """`host:port` of the peer, for logs ("" before the connection is made)."""
        if self._transport is None:
            return ""
        peer = self._transport.get_extra_info("peername")
        return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        if self.error is not None:
            return
        try:
            self.parser.receive_data(bytes(self._view[:nbytes]))
            if self.parser.queued > MAX_QUEUED_EVENTS:
                raise ProtocolError("too many unsolicited lines")
        except ProtocolError as exc:
            self.error = exc
            assert self._transport is not None
            self._transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.closed = True
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._wake()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def deadline(self, timeout: float) -> float:
        return self._loop.time() + timeout

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
            waiter = self._loop.create_future()
            self._waiter = waiter
            self._deadline = deadline
            timer = self._timer
            if timer is None or self._timer_at > deadline:
                if timer is not None:
                    timer.cancel()
                self._timer = self._loop.call_at(deadline, self._on_timer)
                self._timer_at = deadline
            try:
                await waiter
            finally:
                self._waiter = None

    def _on_timer(self) -> None:
        self._timer = None
        waiter = self._waiter
        if waiter is None or waiter.done():
            return  # nobody waits: the next wait arms a new timer
        if self._deadline <= self._timer_at:
            waiter.set_exception(TimeoutError())
        else:
            self._timer = self._loop.call_at(self._deadline, self._on_timer)
            self._timer_at = self._deadline

    def write(self, data: bytes) -> None:
        if self._transport is None or self._transport.is_closing():
            raise ConnectionResetError("the FastAGI connection is closed")
        self._transport.write(data)

    def close(self) -> None:
        """Close; a peer that does not read what is still buffered is cut off after 5 s."""
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        if transport.get_write_buffer_size():
            self._loop.call_later(CLOSE_TIMEOUT, transport.abort)
        transport.close()

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()
