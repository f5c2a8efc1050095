"""Caller lookups: who is calling (citizens, complaints, open callbacks), once per call.

A lookup starts at the earliest event of a call (its first channel's Newchannel, at the latest
when it joins a queue or rings an agent) and its result is kept until the call ends. Nothing on
the pop path waits for one: a pop whose lookup is not done yet goes out at once and the result
follows (cti.pipeline). A lookup that fails or takes longer than `timeout` gives the empty context.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from cti import calls as cl
from cti import screen_pop as sp
from storage.db import Database
from storage.queries import calls as call_q

log = logging.getLogger(__name__)

Context = dict[str, Any]


class CallerLookups:
    def __init__(self, db: Database, tz: ZoneInfo, spawn: Callable[[Any], asyncio.Task[Any]], *,
                 timeout: float = 5.0) -> None:
        self.db, self.tz, self.spawn, self.timeout = db, tz, spawn, timeout
        self._contexts: dict[str, asyncio.Future[Context]] = {}

    def start(self, record: cl.CallRecord) -> asyncio.Future[Context]:
        """The call's lookup, started now unless it already was."""
        future = self._contexts.get(record.id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._contexts[record.id] = future
            phone = sp.canonical_caller(record.caller)
            if phone is None:
                future.set_result(dict(sp.EMPTY_CONTEXT))
            else:
                self.spawn(self._lookup(phone, future))
        return future

    def get(self, call_id: str) -> asyncio.Future[Context] | None:
        return self._contexts.get(call_id)

    def forget(self, call_id: str) -> None:
        """The call ended: its lookup is not needed again (a pop holding it still gets it)."""
        self._contexts.pop(call_id, None)

    async def _lookup(self, phone: str, future: asyncio.Future[Context]) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                context = await self.caller_context(phone)
        except TimeoutError:
            log.warning("caller context not read in %.1f s; the pop stays without it", self.timeout)
            context = dict(sp.EMPTY_CONTEXT)
        except Exception:
            log.exception("caller context lookup failed")
            context = dict(sp.EMPTY_CONTEXT)
        if not future.done():
            future.set_result(context)

    async def caller_context(self, phone: str) -> Context:
        """Citizens, complaints and open callbacks for a canonical phone number."""
        async with self.db.sessions() as session:
            citizens, complaints, callbacks = await call_q.caller_context(session, phone)
        return sp.context_json(citizens, complaints, callbacks, self.tz, datetime.now(timezone.utc))
