"""Chat housekeeping in the background: conversations idle for 24 h are closed, and photos and
voice notes of registered complaints are fetched from the Graph API and kept as attachments."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from messaging.chat.agents import close_idle
from messaging.whatsapp.client import GraphClient, GraphError
from storage.db import Database
from storage.queries import chat as chat_q

log = logging.getLogger(__name__)

# (session, complaint id, bytes, mime, file name, now) -> attachment id; raises ValueError when refused
KeepFile = Callable[..., Awaitable[int]]
MAX_MEDIA_ATTEMPTS = 8


class Upkeep:
    def __init__(self, db: Database, clock: Callable[[], datetime], *, graph: GraphClient | None = None,
                 keep: KeepFile | None = None, poll: float = 5.0) -> None:
        self.db, self.clock, self.graph, self.keep, self.poll = db, clock, graph, keep, poll

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:  # noqa: BLE001
                log.exception("chat upkeep failed; retrying")
            try:
                async with asyncio.timeout(self.poll):
                    await stop.wait()
            except TimeoutError:
                pass

    async def tick(self) -> tuple[int, int]:
        now = self.clock()
        async with self.db.session_scope() as session:
            closed = await close_idle(session, now)
        if closed:
            log.info("chat: %d conversation(s) idle for 24 h closed", closed)
        return closed, await self.fetch_media()

    async def fetch_media(self) -> int:
        """Fetch due media and keep each on its complaint; returns how many were kept."""
        if self.graph is None or self.keep is None:
            return 0
        now = self.clock()
        async with self.db.session_scope() as session:
            due = list(await chat_q.claim_media(session, now, now + timedelta(minutes=5)))
        kept = 0
        for item in due:
            try:
                media = await self.graph.download_media(item.media_id)
                async with self.db.session_scope() as session:
                    row = await chat_q.media_of(session, item.id)
                    assert row is not None and row.complaint_id is not None
                    row.attachment_id = await self.keep(session, row.complaint_id, media.data, media.mime or row.mime,
                                                        f"whatsapp-{row.kind}-{row.id}", self.clock())
                    row.state, row.last_error = "kept", None
                kept += 1
            except (GraphError, ValueError) as exc:
                retry = isinstance(exc, GraphError) and exc.retryable and item.attempts < MAX_MEDIA_ATTEMPTS
                await self._failed(item.id, str(exc), retry, now + timedelta(minutes=2 ** min(item.attempts, 6)))
        return kept

    async def _failed(self, media_id: int, error: str, retry: bool, due: datetime) -> None:
        log.warning("chat: media %d not kept (%s)%s", media_id, error, "; will retry" if retry else "")
        async with self.db.session_scope() as session:
            row = await chat_q.media_of(session, media_id)
            if row is not None:
                row.last_error = error[:255]
                if retry:
                    row.next_attempt_at = due
                else:
                    row.state = "failed"
