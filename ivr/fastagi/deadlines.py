"""Deadlines: the timeouts of many FastAGI connections on a few loop timers."""
from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

RESOLUTION = 0.05  # seconds: a deadline expires up to this much after it is due, never before


class Deadlines:
    """`arm(key, when, callback)` calls `callback()` at `when` (rounded up to RESOLUTION) unless
    `disarm(key, slot)` comes first.

    Every connection has a deadline at all times (its environment, then each command's
    reply), and nearly all are disarmed long before they are due. A loop timer each costs a
    handle, a heap push with Python comparisons, a cancel and a later clean-up (about 4 µs);
    here deadlines due in the same RESOLUTION share one loop timer, and arming one is a set
    insertion. A busy server has at most 1/RESOLUTION loop timers per second of deadlines
    ahead; an idle one has none.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._slots: dict[int, dict[object, Callable[[], None]]] = {}

    def __len__(self) -> int:
        return sum(len(members) for members in self._slots.values())

    def arm(self, key: object, when: float, callback: Callable[[], None]) -> tuple[int, float]:
        """Arm `key`'s deadline; (slot, the time it will fire at), for `disarm`."""
        slot = math.ceil(when / RESOLUTION)
        if slot * RESOLUTION < when:  # float rounding: never fire before `when`
            slot += 1
        members = self._slots.get(slot)
        if members is None:
            members = self._slots[slot] = {}
            self._loop.call_at(slot * RESOLUTION, self._expire, slot)
        members[key] = callback
        return slot, slot * RESOLUTION

    def disarm(self, key: object, slot: int) -> None:
        members = self._slots.get(slot)
        if members is not None:
            members.pop(key, None)

    def _expire(self, slot: int) -> None:
        """The slot is due: each deadline still in it runs as its own loop callback (expiries
        are rare; the loop reports one that raises, and the others still run)."""
        members = self._slots.pop(slot, None)
        if members:
            for callback in members.values():
                self._loop.call_soon(callback)
