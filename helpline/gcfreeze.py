"""Start-up objects out of the garbage collector's way (issue 10: the pop p99 on the real peak).

After start-up a `helpline serve` process holds ≈ 160,000 long-lived objects (FastAPI routes,
pydantic models, SQLAlchemy mappers, templates). Every full collection walked all of them:
50–150 ms on the 2-core machine, a stall of the one event loop that carries the screen pops.
`gc.freeze()` moves them to the permanent generation once start-up is over; full collections
then walk only what was made since (measured: the same `gc.collect()` takes < 1 ms).
The young generation's threshold is raised too (700 → 50,000 allocations): with 1,000–3,000
websockets the default made a full collection (150–690 ms) every few seconds of traffic;
with 50,000 `bench.screen_pop` saw none in its one-minute windows.
"""
from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any

log = logging.getLogger(__name__)

START_UP_S = 5.0
YOUNG_THRESHOLD = 50_000


def freeze(threshold: tuple[int, ...] = (YOUNG_THRESHOLD, 20, 10)) -> int:
    """Collect what is garbage now, freeze everything left and set the collector's thresholds;
    returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*threshold)
    return gc.get_freeze_count()


async def run_gc_freeze(ctx: Any, stop: asyncio.Event, *, delay: float = START_UP_S,
                        threshold: tuple[int, ...] = (YOUNG_THRESHOLD, 20, 10)) -> None:
    """The component: freeze once the other components have started (`delay` seconds)."""
    try:
        async with asyncio.timeout(delay):
            await stop.wait()
            return
    except TimeoutError:
        pass
    log.info("gc: %d start-up objects frozen (full collections no longer walk them)", freeze(threshold))
    await stop.wait()
