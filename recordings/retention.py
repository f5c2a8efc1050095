"""The retention job: recordings older than HELPLINE_RECORDING_RETENTION_DAYS are deleted.

Runs in every `helpline serve` process (deleting a file twice is harmless; the row keeps the
name and gets `recording_deleted_at`, so a supervisor is told the recording expired rather than
that it never existed). Files no row names (calls still being written to the table, calls that
never reached an agent) are deleted by their age on disk, with the same limit.
"""
from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from recordings.files import RecordingFolder, checked
from storage.db import Database
from storage.queries import recordings as recording_q

log = logging.getLogger(__name__)

INTERVAL_S = 3600.0


@dataclass
class Purged:
    rows: int = 0
    files: int = 0
    strays: int = 0


class Retention:
    def __init__(self, db: Database, folder: RecordingFolder, days: int, clock: Callable[[], datetime],
                 interval_s: float = INTERVAL_S) -> None:
        self.db, self.folder, self.days, self.clock, self.interval_s = db, folder, days, clock, interval_s

    async def purge(self) -> Purged:
        """Delete what is past retention now; returns what was done."""
        now = self.clock()
        cutoff = now - timedelta(days=self.days)
        done = Purged()
        while True:
            async with self.db.session_scope() as session:
                calls = await recording_q.expired(session, cutoff)
                for c in calls:
                    name = checked(c.recording)
                    path = self.folder.path(name) if name else None
                    if path is not None and await asyncio.to_thread(_unlink, path):
                        done.files += 1
                await recording_q.mark_deleted(session, [c.id for c in calls], now)
                done.rows += len(calls)
            if len(calls) < 1000:
                break
        done.strays = await asyncio.to_thread(self._strays, cutoff.timestamp())
        if done.rows or done.strays:
            log.info("recordings past %d days: %d calls (%d files), %d files no call names", self.days,
                     done.rows, done.files, done.strays)
        return done

    def _strays(self, cutoff: float) -> int:
        root = self.folder.root
        if not root.is_dir():
            return 0
        removed = 0
        for path in root.glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]/*.wav"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        for day in sorted(root.glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]"), reverse=True):
            for folder in (day, day.parent, day.parent.parent):
                try:
                    os.rmdir(folder)  # only when empty
                except OSError:
                    break
        return removed

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.purge()
            except Exception:  # noqa: BLE001 - the next round tries again
                log.exception("recording retention failed; trying again in %.0f s", self.interval_s)
            try:
                async with asyncio.timeout(self.interval_s):
                    await stop.wait()
            except TimeoutError:
                pass


def _unlink(path: os.PathLike[str]) -> bool:
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False


async def run_recordings(ctx: object, stop: asyncio.Event) -> None:
    """The component of `helpline serve`: the retention job."""
    from grievance.service import utcnow

    settings = ctx.settings  # type: ignore[attr-defined]
    folder = RecordingFolder.from_settings(settings.call_recordings_dir, settings.call_recordings_pbx_dir)
    await Retention(ctx.db, folder, settings.recording_retention_days, utcnow).run(stop)  # type: ignore[attr-defined]
