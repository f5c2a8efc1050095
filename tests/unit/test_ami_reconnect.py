"""Reconnect delays: growing, capped, jittered, reset after a good connection."""
from __future__ import annotations

import random

import pytest

from cti.ami.reconnect import Backoff


def test_delays_double_up_to_the_cap_with_jitter() -> None:
    backoff = Backoff(0.5, 30.0, rng=random.Random(1))
    delays = [backoff.next() for _ in range(12)]
    ceilings = [min(30.0, 0.5 * 2 ** i) for i in range(12)]
    for delay, ceiling in zip(delays, ceilings):
        assert ceiling / 2 <= delay <= ceiling
    assert max(delays) <= 30.0 and delays[-1] >= 15.0


def test_jitter_spreads_clients_apart() -> None:
    delays = {round(Backoff(1.0, 30.0, rng=random.Random(seed)).next(), 6) for seed in range(20)}
    assert len(delays) > 15


def test_reset_starts_again_from_low() -> None:
    backoff = Backoff(0.5, 30.0, rng=random.Random(2))
    for _ in range(8):
        backoff.next()
    backoff.reset()
    assert backoff.next() <= 0.5


def test_never_zero_and_huge_attempt_counts_are_safe() -> None:
    backoff = Backoff(0.5, 30.0)
    backoff.attempts = 10_000
    assert 15.0 <= backoff.next() <= 30.0


@pytest.mark.parametrize("bounds", [(0, 1), (2, 1), (-1, 5)])
def test_bad_bounds_are_refused(bounds: tuple[float, float]) -> None:
    with pytest.raises(ValueError):
        Backoff(*bounds)
