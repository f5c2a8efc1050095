"""The wallboard publisher and the agents' merged views (read side of the trackers).

The pipeline only tells it that something changed (`changed()`); every `interval` its task
first lets time pass on the trackers (`tick`, given by cti.service), then publishes the
supervisors' board when it changed (or the day's counts are older than 10 s) and someone
watches it. With Redis every process tracks every pod: one board, from the owner of the first
server's stream, is enough.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cti import agents as ag
from cti import screen_pop as sp
from cti import wallboard as wb
from cti.ami.pool import AmiPool
from cti.hub import SUPERVISORS, Hub
from cti.stream import Stream
from storage.db import Database
from storage.queries import calls as call_q

log = logging.getLogger(__name__)


class Board:
    def __init__(self, db: Database, hub: Hub, pool: AmiPool, streams: dict[str, Stream],
                 planner: sp.PopPlanner, *, tz: ZoneInfo, clock: Callable[[], float],
                 interval: float = 1.0, service_level_s: int = 20) -> None:
        self.db, self.hub, self.pool, self.streams, self.planner = db, hub, pool, streams, planner
        self.tz, self.clock, self.interval, self.service_level_s = tz, clock, interval, service_level_s
        self.dirty = True
        self._views: dict[str, ag.AgentView] | None = None
        self._views_at = 0.0
        self._today: dict[str, int] = {}
        self._today_at = 0.0

    def changed(self, agents: bool = False) -> None:
        """A call or (`agents`) an agent changed: the next tick publishes the board."""
        self.dirty = True
        if agents:
            self._views = None

    def calls_written(self) -> None:
        """New call rows: today's counts are read again at the next board."""
        self._today_at = 0.0
        self.dirty = True

    async def run(self, stop: asyncio.Event, tick: Callable[[], None]) -> None:
        while not stop.is_set():
            try:
                async with asyncio.timeout(self.interval):
                    await stop.wait()
            except TimeoutError:
                pass
            tick()
            now = self.clock()
            watched = bool(self.hub.redis_url) or self.hub.connected(SUPERVISORS) > 0
            if self.hub.redis_url and self.streams and not self._leader():
                continue  # every process tracks every pod: one board, from one process, is enough
            if watched and (self.dirty or now - self._today_at > 10):
                self.dirty = False
                try:
                    board = await self.wallboard()
                except Exception:
                    log.exception("wallboard update failed")
                    continue
                self.hub.publish(SUPERVISORS, board)

    def _leader(self) -> bool:
        """The owner of the first server's stream publishes the supervisors' board."""
        return self.streams[min(self.streams)].owner

    async def day_counts(self) -> dict[str, int]:
        """Today's inbound counts (cached 10 s): offered, answered, abandoned, service level."""
        now = self.clock()
        if now - self._today_at > 10 or not self._today:
            midnight = datetime.now(self.tz).replace(hour=0, minute=0, second=0, microsecond=0)
            async with self.db.sessions() as session:
                self._today = await call_q.day_counts(session, midnight, self.service_level_s)
            self._today_at = now
        return self._today

    def agent_views(self) -> dict[str, ag.AgentView]:
        """Every agent's merged view; rebuilt after an agent change, at most every 0.25 s otherwise."""
        now = self.clock()
        if self._views is None or now - self._views_at > 0.25:
            self._views = wb.merged_agents((s.agents, s.clock) for s in self.streams.values())
            self._views_at = now
        return self._views

    def agent_view(self, extension: str) -> dict[str, Any]:
        """The agent's state (the busiest across servers) and its current call."""
        view = wb.agent_json(extension, self.agent_views().get(sp.interface_of(extension)))
        call = self.planner.current_call(extension)
        view["call"] = sp.call_json(call) if call is not None else None
        return view

    async def wallboard(self) -> dict[str, Any]:
        now = self.clock()
        waiting = wb.waiting_calls((s.calls, s.clock) for s in self.streams.values())
        board = wb.build(waiting, self.agent_views(), await self.day_counts(), self.pool.status(), now)
        for agent in board["agents"]:  # the call a supervisor may listen to, whisper into or barge in on
            call = self.planner.current_call(agent["agent"])
            agent["call_id"] = call.id if call is not None and sp.extension_of(call.agent) == agent["agent"] else None
        return board
