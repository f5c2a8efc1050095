"""Dialer pacing: the token bucket keeps calls/s, the channel limit is never passed."""
from __future__ import annotations

import pytest

from dialer.pacing import ChannelLimit, Pacer, TokenBucket


def test_bucket_gives_rate_tokens_per_second_over_a_minute() -> None:
    bucket = TokenBucket(50.0, now=0.0)
    started = 0
    now = 0.0
    while now < 60.0:
        if bucket.take(now):
            started += 1
        now = round(now + 0.001, 6)
    assert 2999 <= started <= 3001


def test_bucket_delay_says_when_the_next_token_comes() -> None:
    bucket = TokenBucket(4.0, now=0.0)
    assert bucket.take(0.0)
    assert not bucket.take(0.0)
    assert bucket.delay(0.0) == pytest.approx(0.25)
    assert bucket.delay(0.2) == pytest.approx(0.05)
    assert bucket.take(0.25)


def test_bucket_saves_up_at_most_a_fifth_of_a_second() -> None:
    bucket = TokenBucket(50.0, now=0.0)
    assert bucket.available(0.0) == 1          # no burst at the start
    assert bucket.available(100.0) == 10       # a busy moment is caught up, never more
    assert TokenBucket(2.0, now=0.0).available(100.0) == 1


def test_any_second_after_a_pause_stays_near_the_rate() -> None:
    bucket = TokenBucket(50.0, now=0.0)
    now, started = 10.0, 0   # idle for ten seconds first
    while now < 11.0:
        if bucket.take(now):
            started += 1
        now = round(now + 0.001, 6)
    assert started <= 50 + 10


def test_channel_limit_counts_keys_and_peak() -> None:
    limit = ChannelLimit(2)
    assert limit.acquire("a") and limit.acquire("b")
    assert not limit.acquire("c")
    assert limit.acquire("a")  # the same channel again is not a new one
    limit.release("a")
    assert limit.acquire("c")
    assert limit.live == 2 and limit.peak == 2


def test_pacer_waits_for_channels_then_for_tokens() -> None:
    pacer = Pacer(rate=100.0, limit=2, now=0.0)
    assert pacer.start(1, 0.0)
    assert not pacer.start(2, 0.0)          # no token yet
    assert pacer.delay(0.0) == pytest.approx(0.01)
    assert pacer.start(2, 0.01)
    assert pacer.delay(5.0) is None         # both channels live
    assert not pacer.start(3, 5.0)
    pacer.end(1)
    assert pacer.delay(5.0) == 0.0 and pacer.start(3, 5.0)
    assert pacer.channels.peak == 2


def test_refund_gives_back_token_and_channel() -> None:
    pacer = Pacer(rate=1.0, limit=1, now=0.0)
    assert pacer.start("x", 0.0)
    pacer.refund("x")
    assert pacer.start("y", 0.0)


def test_bad_rules_are_refused() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0)
    with pytest.raises(ValueError):
        ChannelLimit(0)
