"""Reconnect delays: exponential, capped, jittered, so many clients never retry in step."""
from __future__ import annotations

import random


class Backoff:
    """Delays from `low` doubling up to `high` seconds, each drawn in [d/2, d]."""

    def __init__(self, low: float = 0.5, high: float = 30.0, *, rng: random.Random | None = None) -> None:
        if low <= 0 or high < low:
            raise ValueError(f"backoff needs 0 < low <= high, got ({low}, {high})")
        self.low = low
        self.high = high
        self.attempts = 0
        self._rng = rng or random.Random()

    def next(self) -> float:
        """The delay before the next attempt."""
        ceiling = min(self.high, self.low * (2 ** min(self.attempts, 32)))
        self.attempts += 1
        return self._rng.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        """Call after a connection that worked: the next failure waits `low` again."""
        self.attempts = 0
