"""Dialer pacing, pure: a token bucket for calls per second and a limit on live channels.

Time is passed in (`now`, monotonic seconds), so tests and the benchmark drive it directly.
"""
from __future__ import annotations

from collections.abc import Hashable


class TokenBucket:
    """`rate` tokens per second, one token per call started.

    At most `burst` tokens are saved up (default a fifth of a second's worth, at least one), so
    a loop that was busy for a moment catches up instead of losing calls; the bucket starts
    with one token, so there is no burst at the start.
    """

    def __init__(self, rate: float, burst: float | None = None, now: float = 0.0) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(1.0, burst if burst is not None else rate / 5)
        self.tokens = 1.0
        self.stamp = now

    def _refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def available(self, now: float) -> int:
        """Whole tokens available at `now`."""
        self._refill(now)
        return int(self.tokens + 1e-9)

    def delay(self, now: float) -> float:
        """Seconds until one token is available (0 when one is)."""
        self._refill(now)
        missing = 1.0 - self.tokens
        return 0.0 if missing <= 1e-9 else missing / self.rate

    def take(self, now: float) -> bool:
        """Use one token if there is one."""
        self._refill(now)
        if self.tokens + 1e-9 < 1.0:
            return False
        self.tokens -= 1.0
        return True

    def set_rate(self, rate: float, now: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._refill(now)
        self.rate = rate
        self.burst = max(1.0, rate / 5)


class ChannelLimit:
    """Channels live at once, by key; never more than `limit`. `peak` is the most seen."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.reserved = 0  # channels held by calls of another runner (a runner that stopped)
        self._live: set[Hashable] = set()
        self.peak = 0

    @property
    def live(self) -> int:
        return len(self._live)

    @property
    def free(self) -> int:
        return max(0, self.limit - self.reserved - len(self._live))

    def holds(self, key: Hashable) -> bool:
        return key in self._live

    def acquire(self, key: Hashable) -> bool:
        """Count `key` as a live channel if the limit allows (True), else False."""
        if key in self._live:
            return True
        if len(self._live) + self.reserved >= self.limit:
            return False
        self._live.add(key)
        self.peak = max(self.peak, len(self._live))
        return True

    def release(self, key: Hashable) -> None:
        self._live.discard(key)


class Pacer:
    """Both rules of one campaign: may a call start now, and how long until one may."""

    def __init__(self, rate: float, limit: int, now: float = 0.0) -> None:
        self.bucket = TokenBucket(rate, now=now)
        self.channels = ChannelLimit(limit)

    def configure(self, rate: float, limit: int, now: float) -> None:
        """Apply changed campaign rules; live channels are kept."""
        self.bucket.set_rate(rate, now)
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.channels.limit = limit

    def delay(self, now: float) -> float | None:
        """0 when a call may start now, seconds to wait for a token, None while every channel is busy."""
        if self.channels.free == 0:
            return None
        return self.bucket.delay(now)

    def capacity(self, now: float) -> int:
        """How many calls could start at `now` (tokens and channels both)."""
        return min(self.channels.free, self.bucket.available(now))

    def start(self, key: Hashable, now: float) -> bool:
        """Take a token and a channel for `key`, or neither (False)."""
        if self.channels.free == 0 or self.bucket.delay(now) > 0:
            return False
        self.bucket.take(now)
        self.channels.acquire(key)
        return True

    def end(self, key: Hashable) -> None:
        self.channels.release(key)

    def refund(self, key: Hashable) -> None:
        """A started call that was not dialled after all: its channel and its token come back."""
        self.channels.release(key)
        self.bucket.tokens = min(self.bucket.burst, self.bucket.tokens + 1.0)
