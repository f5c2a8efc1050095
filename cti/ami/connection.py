"""AmiConnection: one AMI socket as an asyncio BufferedProtocol.

Every read lands in one reusable buffer and goes straight to the `receive` callback (the
client's framer, which copies out what it keeps), in the event loop's own read callback: no
bytes object allocated per read, no stream buffer to copy through, no task woken per read
(asyncio's plain `Protocol` path allocates up to 256 KiB per read, which glibc may serve with
mmap and munmap; a StreamReader then copies the bytes twice more).
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable

from cti.ami.errors import NotConnected


class AmiConnection(asyncio.BufferedProtocol):
    """The socket of one AMI session. `done` is set once the connection is over; `error`
    then tells why (the peer closed, the socket failed, or `receive` raised). `last_rx` is
    the loop time of the last read."""

    def __init__(self, receive: Callable[[memoryview], None], read_size: int = 65536,
                 name: str = "") -> None:
        self.name = name
        self._receive = receive
        self._view = memoryview(bytearray(read_size))
        loop = asyncio.get_running_loop()
        self._time = loop.time
        self.last_rx = loop.time()
        self._transport: asyncio.Transport | None = None
        self._paused = False
        self._drain_waiters: list[asyncio.Future[None]] = []
        self.error: BaseException | None = None
        self.done = loop.create_future()

    # -- asyncio protocol callbacks --------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        self.last_rx = self._time()
        try:
            self._receive(self._view[:nbytes])
        except Exception as exc:
            self._end(exc)
            self.abort()

    def eof_received(self) -> None:
        self._end(ConnectionResetError("connection closed by the peer"))

    def connection_lost(self, exc: Exception | None) -> None:
        self._end(exc if exc is not None else ConnectionResetError("connection closed"))
        self._transport = None
        self._wake_writers()

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        self._wake_writers()

    def _wake_writers(self) -> None:
        waiters, self._drain_waiters = self._drain_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _end(self, error: BaseException) -> None:
        if self.error is None:
            self.error = error
        if not self.done.done():
            self.done.set_result(None)

    async def watch(self, silence: float) -> None:
        """Raise why the connection ended, or NotConnected after `silence` s without a read."""
        time = self._time
        while not self.done.done():
            idle = time() - self.last_rx
            if idle >= silence:
                raise NotConnected(f"AMI {self.name}: nothing received for {silence} s")
            await asyncio.wait((self.done,), timeout=silence - idle)
        error = self.error
        if error is None or (type(error) is ConnectionResetError and error.errno is None):
            raise ConnectionResetError(f"AMI {self.name}: {error or 'connection closed'}")
        raise error

    # -- writing and closing ---------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Queue `data` for sending; ConnectionResetError once the connection is over."""
        transport = self._transport
        if transport is None or self.error is not None:
            raise ConnectionResetError("connection lost")
        transport.write(data)

    async def drain(self) -> None:
        """Wait until the kernel takes what is queued, if the transport asked to pause."""
        if self._paused and self.error is None:
            waiter = asyncio.get_running_loop().create_future()
            self._drain_waiters.append(waiter)
            await waiter
        if self.error is not None:
            raise ConnectionResetError("connection lost")

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()
