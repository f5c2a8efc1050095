"""An Asterisk server's clock, as seen from this process.

The trackers work in the time of the events they get (`Timestamp:` headers, Asterisk's clock).
Anything that compares those times with "now" (the stale-call sweep, wrap-up ends, waiting
times on the wallboard) must ask for now in the same clock, or an Asterisk whose clock is off
by more than the sweep age would see its live calls ended as lost.

The offset (local minus Asterisk) is measured at every connect from the `Timestamp` of a Ping
response (half the round trip assumed each way), and tightened by every stamped event: an event
stamped `ts` and received at `t` proves the offset is at most `t - ts` (delivery is never
negative). Between those, the last measurement holds.
"""
from __future__ import annotations

from collections.abc import Callable


class PbxClock:
    """`now()` in the Asterisk server's clock; `to_local(ts)` turns its times into ours."""

    __slots__ = ("local", "offset", "measured")

    def __init__(self, local: Callable[[], float]) -> None:
        self.local = local
        self.offset = 0.0
        self.measured = False

    def now(self) -> float:
        return self.local() - self.offset

    def to_local(self, ts: float) -> float:
        return ts + self.offset

    def measure(self, asterisk_ts: float, sent_at: float, received_at: float) -> None:
        """A Ping answered with `Timestamp: asterisk_ts`, sent and received at local times."""
        self.offset = (sent_at + received_at) / 2.0 - asterisk_ts
        self.measured = True

    def observe(self, asterisk_ts: float, received_at: float) -> None:
        """An event stamped `asterisk_ts` arrived at local `received_at`."""
        bound = received_at - asterisk_ts
        if bound < self.offset or not self.measured:
            self.offset = bound
            self.measured = True
