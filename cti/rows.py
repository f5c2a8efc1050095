"""The row writer: call rows (one per ended call) and agent state rows, written in batches.

The pipeline (cti.pipeline) only appends to two lists; a task writes them every `interval`
seconds, so no pop ever waits on a write. When the database refuses a batch but answers, the
rows are written one by one (a bad row is dropped and logged); when it does not answer they are
kept (at most MAX_PENDING_ROWS) and tried again.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from cti.callbacks import note_call_rows
from storage.db import Database
from storage.queries import agents as agent_q
from storage.queries import calls as call_q

log = logging.getLogger(__name__)

MAX_PENDING_ROWS = 100_000


class RowWriter:
    def __init__(self, db: Database, *, interval: float = 0.2,
                 on_calls_written: Callable[[], None] = lambda: None) -> None:
        self.db = db
        self.interval = interval
        self.on_calls_written = on_calls_written  # the board's day counts are stale
        self.calls: list[dict[str, Any]] = []
        self.states: list[dict[str, Any]] = []

    async def run(self, stop: asyncio.Event, hold: Callable[[], bool] = lambda: False) -> None:
        """Write every `interval` until `stop`, except while `hold()` (a takeover's resync)."""
        while not stop.is_set():
            try:
                async with asyncio.timeout(self.interval):
                    await stop.wait()
            except TimeoutError:
                pass
            if not hold():
                await self.flush()

    async def flush(self) -> None:
        """Write the queued call and agent state rows now (kept for a retry if the database fails)."""
        calls, states = self.calls, self.states
        if not calls and not states:
            return
        self.calls, self.states = [], []
        try:
            async with self.db.session_scope() as session:
                if states:
                    ids = await agent_q.user_ids_by_extension(session, (r["agent"] for r in states))
                    for row in states:
                        row.setdefault("user_id", ids.get(row["agent"]))
                    await agent_q.add_state_changes(session, states)
                written = await call_q.add_many(session, calls)
                await note_call_rows(session, written)
            if calls:
                self.on_calls_written()
        except Exception:
            if await self.db.ping():  # the database answers: some row is refused, write the rest
                log.exception("writing %d call row(s) and %d agent state row(s) failed; writing them one by one",
                              len(calls), len(states))
                await self._write_each(calls, states)
                return
            log.exception("writing %d call row(s) and %d agent state row(s) failed; will retry",
                          len(calls), len(states))
            self.calls = (calls + self.calls)[-MAX_PENDING_ROWS:]
            self.states = (states + self.states)[-MAX_PENDING_ROWS:]

    async def _write_each(self, calls: list[dict[str, Any]], states: list[dict[str, Any]]) -> None:
        """One transaction per row, so one bad row cannot hold back every later one."""
        for kind, rows in (("agent state", states), ("call", calls)):
            for row in rows:
                try:
                    async with self.db.session_scope() as session:
                        if kind == "call":
                            await note_call_rows(session, await call_q.add_many(session, [row]))
                        else:
                            await agent_q.add_state_changes(session, [row])
                except Exception as exc:  # noqa: BLE001 - logged and dropped: it would fail forever
                    log.error("dropped a %s row the database refuses (%s: %s)", kind, type(exc).__name__,
                              str(exc).splitlines()[0][:200])
        if calls:
            self.on_calls_written()
