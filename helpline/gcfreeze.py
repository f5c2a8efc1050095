"""Start-up objects out of the garbage collector's way (issue 10: the pop p99 on the real peak).

After start-up a `helpline serve` process holds ≈ 160,000 long-lived objects (FastAPI routes,
pydantic models, SQLAlchemy mappers, templates). Every full collection walked all of them:
50–150 ms on the 2-core machine, a stall of the one event loop that carries the screen pops.
`gc.freeze()` moves them to the permanent generation once start-up is over; full collections
then walk only what was made since (measured: the same `gc.collect()` takes < 1 ms).
"""
from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any

log = logging.getLogger(__name__)

START_UP_S = 5.0


def freeze() -> int:
    """Collect what is garbage now, then freeze everything left; returns how many were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


async def run_gc_freeze(ctx: Any, stop: asyncio.Event, *, delay: float = START_UP_S) -> None:
    """The component: freeze once the other components have started (`delay` seconds)."""
    try:
        async with asyncio.timeout(delay):
            await stop.wait()
            return
    except TimeoutError:
        pass
    log.info("gc: %d start-up objects frozen (full collections no longer walk them)", freeze())
    await stop.wait()
