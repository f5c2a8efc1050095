"""CtiService: one per process. AMI events -> typed events -> trackers -> pops, rows, wallboard.

A thin coordinator of the CTI's rooms, each in its own module:

- cti.pipeline: the event -> change -> pop path, one way, inside the AMI reader callback and
  never waiting (pops go to the hub at once; a caller lookup not done yet follows the pop);
- cti.lookups: the caller lookups, started at a call's first event and kept until it ends;
- cti.rows: the row writer (call rows and agent state rows, queued and written in batches);
- cti.board: the supervisors' wallboard and the agents' merged views;
- cti.ownership: the leases (which process owns which Asterisk's stream, issue 10, DESIGN §3),
  the resync at every (re)connect and at a takeover, and where agents' phones are registered.

Each Asterisk's stream (cti.stream.Stream) holds its AMI client, its trackers and its clock.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from cti import agents as ag
from cti import events as ev
from cti import calls as cl
from cti import screen_pop as sp
from cti.ami.client import AmiClient
from cti.ami.pool import AmiPool
from cti.board import Board
from cti.hub import Hub
from cti.lease import Lease
from cti.lookups import CallerLookups
from cti.ownership import BOOT_WAIT_S, Ownership, queue_add_headers
from cti.pbx_clock import PbxClock
from cti.pipeline import Pipeline
from cti.registrations import REGISTRATION_EVENTS
from cti.rows import MAX_PENDING_ROWS, RowWriter
from cti.stream import MAX_MISSED, Stream, call_row, utc
from cti.wrapup import Wrapup
from storage.db import Database

__all__ = ["BOOT_WAIT_S", "MAX_MISSED", "MAX_PENDING_ROWS", "OUTBOUND_CONTEXTS", "CtiService", "call_row",
           "queue_add_headers", "utc"]

log = logging.getLogger(__name__)

OUTBOUND_CONTEXTS = ("helpline-feedback", "helpline-survey")


class CtiService:
    """See the module docstring. `pool` may have no servers (no PBX configured).

    `context_timeout`: how long a caller lookup may take before the pop's context is given up
    (the pop itself never waits for it; an agent's snapshot waits at most this long)."""

    def __init__(self, db: Database, hub: Hub, pool: AmiPool, *, tz: ZoneInfo,
                 clock: Callable[[], float] = time.time, wrapup_s: float = 5.0,
                 flush_interval: float = 0.2, wallboard_interval: float = 1.0,
                 service_level_s: int = 20, context_timeout: float = 5.0,
                 call_max_age: float = 4 * 3600.0,
                 outbound_contexts: tuple[str, ...] = OUTBOUND_CONTEXTS,
                 lease: Callable[[str], Lease] | None = None, lease_interval: float = 1.0,
                 replay_s: float = 60.0, pod_trunks: dict[str, str] | None = None) -> None:
        self.db, self.hub, self.pool, self.tz, self.clock = db, hub, pool, tz, clock
        # pod (server name) -> the PJSIP endpoint of the trunk other pods dial to reach it
        # (HELPLINE_POD_TRUNKS): transfers to an agent on another pod (cti.call_control)
        self.pod_trunks = dict(pod_trunks or {})
        self.wrapup_s = wrapup_s  # the queues' wrapuptime (dialplans/queues_helpline.conf)
        self.call_max_age = call_max_age
        self.context_timeout = context_timeout
        self._tasks: set[asyncio.Task[Any]] = set()
        self.servers: dict[str, Stream] = {
            c.name: Stream(c, cl.CallTracker(outbound_contexts), ag.AgentTracker(wrapup_s), PbxClock(clock))
            for c in pool.clients}
        self.planner = sp.PopPlanner()
        self.wrapup = Wrapup(db)
        self.board = Board(db, hub, pool, self.servers, self.planner, tz=tz, clock=clock,
                           interval=wallboard_interval, service_level_s=service_level_s)
        self.rows = RowWriter(db, interval=flush_interval, on_calls_written=self.board.calls_written)
        self.lookups = CallerLookups(db, tz, self._spawn, timeout=context_timeout)
        self.pipeline = Pipeline(self.servers, hub, self.lookups, self.rows, self.board, self.wrapup,
                                 self.planner, clock=clock, spawn=self._spawn,
                                 outbound_contexts=outbound_contexts, replay_s=replay_s)
        self.ownership = Ownership(db, pool, self.servers, self.pipeline, self.board, clock=clock,
                                   spawn=self._spawn, lease=lease, lease_interval=lease_interval)
        self.pipeline.on_untyped = self.ownership.contact_status
        # Only the events the trackers type and the untyped ones ownership reads: the rest
        # (Newexten of every dialplan step, RTCP, DTMFBegin…) is dropped on its first line.
        # VarSet and Newexten of no interest are dropped by the client too, on one header.
        pool.subscribe(self.pipeline.on_event, events=ev.EVENT_NAMES | REGISTRATION_EVENTS,
                       where=ev.KEPT_VALUES)
        pool.on_connect(self.ownership.on_connect)
        pool.on_state_change(lambda client, up: self.board.changed())

    # -- running -------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Run the AMI connections, the row writer and the wallboard until `stop`."""
        try:
            await self.wrapup.refresh(force=True)
        except Exception:  # noqa: BLE001 - the default length until the database answers
            log.warning("wrap-up lengths could not be read at start; using %d s", self.wrapup.default_s)
        try:
            async with asyncio.TaskGroup() as tg:
                if self.ownership.leases is not None:
                    tg.create_task(self.ownership.leases.run(stop))
                tg.create_task(self.ownership.run_pool(stop))
                tg.create_task(self.rows.run(stop, hold=self.ownership.syncing))
                tg.create_task(self.board.run(stop, self._tick))
                await stop.wait()
                await self.pool.close()
        finally:
            self.pipeline.cancel_timers()
            for task in list(self._tasks):
                task.cancel()
            await self.flush()

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _tick(self) -> None:
        for stream in self.servers.values():
            self.pipeline.tick(stream, self.call_max_age)

    async def flush(self) -> None:
        """Write the queued call and agent state rows now."""
        await self.rows.flush()

    # -- figures (/health, /metrics) --------------------------------------------------------------

    @property
    def events(self) -> int:
        return self.pipeline.events

    @property
    def pops_sent(self) -> int:
        return self.pipeline.pops_sent

    @property
    def pop_latency(self) -> Any:
        return self.pipeline.pop_latency

    @property
    def calls_ended(self) -> dict[tuple[str, str, str], int]:
        return self.pipeline.calls_ended

    @property
    def resyncs(self) -> int:
        return self.ownership.resyncs

    @property
    def takeovers(self) -> int:
        return self.ownership.takeovers

    @property
    def registrations(self) -> Any:
        return self.ownership.registrations

    def owners(self) -> dict[str, bool]:
        return self.ownership.owners()

    # -- what the web side asks ------------------------------------------------------------------

    def agent_servers(self, extension: str) -> list[str]:
        return self.ownership.agent_servers(extension)

    def find_call(self, call_id: str) -> tuple[AmiClient, cl.CallRecord] | None:
        for stream in self.servers.values():
            record = stream.calls.get(call_id)
            if record is not None:
                return stream.client, record
        return None

    def agent_view(self, extension: str) -> dict[str, Any]:
        return self.board.agent_view(extension)

    async def wallboard(self) -> dict[str, Any]:
        return await self.board.wallboard()

    async def caller_context(self, phone: str) -> dict[str, Any]:
        return await self.lookups.caller_context(phone)

    async def agent_snapshot(self, extension: str) -> list[dict[str, Any]]:
        """What a newly connected agent socket gets: its state, then its current call (with its
        caller context when the lookup ends within `context_timeout`)."""
        view = self.agent_view(extension)
        extra = {"wrapup_s": self.wrapup.seconds_for(extension)} if view["state"] == "wrap_up" else {}
        out = [{**sp.agent_state_message(extension, view["state"], view["reason"], None,
                                         queues=view["queues"], snapshot=True, **extra), "since": view["since"]}]
        call = self.planner.current_call(extension)
        if call is not None and self.pool.any_connected:  # with the PBX gone the call is not known to be live
            kind = sp.ANSWERED if sp.extension_of(call.agent) == extension else sp.RINGING
            context = None
            try:
                async with asyncio.timeout(self.context_timeout):
                    context = await asyncio.shield(self.lookups.start(call))
            except TimeoutError:
                log.warning("caller context for call %s not ready in %.1f s; snapshot without it",
                            call.id, self.context_timeout)
            out.append(sp.call_message(kind, extension, call, context))
        return out
