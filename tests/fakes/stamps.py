"""Captured AMI times moved to the present: the one re-stamping helper every fake uses.

The captures (`tests/traces.py`) were taken within a few minutes on the lab's clock. A fake
Asterisk that sent those times unchanged would be an Asterisk whose clock is days behind: the
CTI copes with that (it measures the offset), but "today" on the wallboard and in reports would
be the capture's day. So a fake shifts every captured time by one offset fixed when the fake is
made: the capture's last moment becomes the fake's "now", and the intervals are kept. Times
outside the capture window (stamped by the fake itself) are left alone.
"""
from __future__ import annotations

import re
from functools import lru_cache

from cti.ami.framing import AmiMessage
from tests import traces

#: Headers holding epoch seconds in the captures (ids like Uniqueid look alike but are names).
EPOCH_HEADERS = frozenset({"Timestamp", "LoginTime", "LastCall", "LastPause"})
_STAMP = re.compile(rb"^(?:Timestamp|LoginTime|LastCall|LastPause): (\d{9,10}(?:\.\d+)?)\r$", re.M)


@lru_cache(maxsize=1)
def capture_window() -> tuple[float, float]:
    """(first, last) epoch time found in any AMI capture."""
    stamps = [float(m) for name in traces.ami_names() for m in _STAMP.findall(traces.ami(name))
              if float(m) > 0]
    return min(stamps), max(stamps)


class Restamper:
    """Moves capture times so that the capture's end is `now` (given once)."""

    def __init__(self, now: float) -> None:
        first, last = capture_window()
        self.low, self.high = first - 1.0, last + 1.0
        # A fake whose clock is set inside the capture window lives in the capture's time.
        self.shift = 0.0 if self.low <= now <= self.high else now - last

    @classmethod
    def from_now(cls, events: list[AmiMessage], now: float) -> list[AmiMessage]:
        """A captured sequence starting `now` (a call the fake plays at this moment)."""
        stamps = [float(m.get("Timestamp")) for m in events if m.get("Timestamp")]
        if not stamps:
            return list(events)
        _, last = capture_window()
        return [*map(cls(now + last - min(stamps)), events)]

    def time(self, value: float) -> float:
        return value + self.shift if self.low <= value <= self.high else value

    def __call__(self, msg: AmiMessage) -> AmiMessage:
        if not self.shift:
            return msg
        changed = False
        items = []
        for key, value in msg.items:
            if key in EPOCH_HEADERS and value:
                try:
                    moved = self.time(float(value))
                except ValueError:
                    moved = None
                if moved is not None and moved != float(value):
                    value = f"{moved:.6f}" if "." in value else str(int(moved))
                    changed = True
            items.append((key, value))
        return AmiMessage(items) if changed else msg
