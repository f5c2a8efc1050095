"""ReadMux: the FastAGI sockets of one server watched for reads as one file descriptor."""
from __future__ import annotations

import asyncio
import logging
import select
from collections.abc import Callable

logger = logging.getLogger(__name__)

MAX_EVENTS = 512  # ready sockets handled per wake-up; the rest wait for the next turn


class ReadMux:
    """`add(fd, callback)`: call `callback()` whenever `fd` is readable, until `remove(fd)`.

    On Linux every socket is registered on an epoll of the server's own, and the event loop
    watches that one epoll: registering a connection is one `epoll_ctl` from C, and one loop
    callback serves every socket ready at that moment. Through the loop's `add_reader`, each
    connection costs a Handle, a selector key and several Python frames to register and
    unregister, and each read a Handle run in its own context; the server reads six times per
    call. Elsewhere (no epoll) it is the loop's `add_reader` itself.

    Callbacks run from a loop callback (no task running), one after another; one that raises
    is reported to the loop's exception handler and the others still run. A socket must be
    removed before it is closed.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._callbacks: dict[int, Callable[[], None]] = {}
        self._closed = False
        self._epoll = select.epoll() if hasattr(select, "epoll") else None
        if self._epoll is not None:
            loop.add_reader(self._epoll.fileno(), self._ready)

    def __len__(self) -> int:
        return len(self._callbacks)

    def add(self, fd: int, callback: Callable[[], None]) -> None:
        if self._closed:
            raise RuntimeError("the FastAGI read multiplexer is closed")
        if self._epoll is None:
            self._loop.add_reader(fd, callback)
        else:
            self._epoll.register(fd, select.EPOLLIN)
        self._callbacks[fd] = callback

    def remove(self, fd: int) -> None:
        if self._callbacks.pop(fd, None) is None:
            return
        if self._epoll is None:
            self._loop.remove_reader(fd)
        else:
            try:
                self._epoll.unregister(fd)
            except OSError:  # closed already: the kernel dropped it with its last reference
                pass

    def forget(self, fd: int) -> None:
        """`remove` for a socket about to be closed: the kernel drops its registration when it
        is closed (no other process holds it: accepted sockets are close-on-exec)."""
        if self._epoll is None:
            self.remove(fd)
        else:
            self._callbacks.pop(fd, None)

    def _ready(self) -> None:
        assert self._epoll is not None
        callbacks = self._callbacks
        for fd, _ in self._epoll.poll(0, MAX_EVENTS):
            callback = callbacks.get(fd)
            if callback is None:  # removed by an earlier callback of this batch, or forgotten
                self._drop(fd)    # and still open somewhere (a fork not yet exec'd)
                continue
            try:
                callback()
            except (SystemExit, KeyboardInterrupt):
                raise
            except BaseException as exc:
                self._loop.call_exception_handler({
                    "message": "FastAGI read callback failed", "exception": exc})

    def _drop(self, fd: int) -> None:
        assert self._epoll is not None
        try:
            self._epoll.unregister(fd)
        except OSError:  # closed (gone from the epoll with it), or never ours
            pass

    def close(self) -> None:
        """Stop watching every socket (they stay open: their owners close them)."""
        for fd in list(self._callbacks):
            self.remove(fd)
        self._closed = True
        if self._epoll is not None:
            self._loop.remove_reader(self._epoll.fileno())
            self._epoll.close()
            self._epoll = None
