"""Open websockets' sessions checked again against the users table, in batches (issue 10).

Every open socket asks for a check every ~SESSION_CHECK_S (agent_console.ws): is its user still
active, with the same role and token version (a logout or password change elsewhere whose
`session.ended` message was lost)? One lookup per socket was 33 queries a second at 1,000
sockets, each a trip through the database driver's thread: 15 % of the event loop's time
beside 100 WhatsApp messages/s. Here the checks that come due within `delay` seconds share one
query; each socket whose session no longer holds has its `ended` callback called. A database
that does not answer ends nobody's session (logged; the next round checks again).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import NamedTuple

from storage.db import Database
from storage.queries import users as user_q

log = logging.getLogger(__name__)


class Check(NamedTuple):
    user_id: int
    role: str
    version: int
    ended: Callable[[], None]


class SessionChecks:
    def __init__(self, db: Database, *, delay: float = 0.5) -> None:
        self.db, self.delay = db, delay
        self.queries = 0
        self._due: list[Check] = []
        self._task: asyncio.Task[None] | None = None

    def due(self, check: Check) -> None:
        """Check this session at the next round (at most `delay` seconds from now)."""
        self._due.append(check)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._round())

    async def _round(self) -> None:
        try:
            await asyncio.sleep(self.delay)
        finally:
            self._task = None  # a check that comes due from now on starts the next round
        checks, self._due = self._due, []
        try:
            async with self.db.sessions() as session:
                users = await user_q.session_states(session, {c.user_id for c in checks})
        except Exception:  # noqa: BLE001 - a database hiccup must not close every socket
            log.warning("websocket session checks failed (%d sockets); next round checks again",
                        len(checks), exc_info=True)
            return
        finally:
            self.queries += 1
        for check in checks:
            state = users.get(check.user_id)
            if state is None or not state.active or state.role != check.role or state.token_version != check.version:
                check.ended()


def session_checks(services: dict[str, object], db: Database) -> SessionChecks:
    """The process's one SessionChecks (made on first use)."""
    checks = services.get("session_checks")
    if not isinstance(checks, SessionChecks):
        checks = services["session_checks"] = SessionChecks(db)
    return checks
