"""Wrap-up after a queue call: its length per queue (an administrator's setting) and the pause
that holds the agent out of the queues until the call is coded.

When an agent Helpline logged in leaves a queue call (or a call a blind transfer handed to it
ends), the CTI pauses the agent in its queues with the reason `wrap-up` (the tracker shows that as the `wrap_up` state). The desk counts the
queue's wrap-up length down and, once the call has a disposition, asks for Ready; Ready itself
is refused while the last answered call has none (cti.dispositions.require_coded). An agent
already paused (a break chosen during the call) stays paused with that reason. The queues'
own `wrapuptime` (queues_helpline.conf) still covers the moment before the pause lands.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone

from cti import screen_pop as sp
from cti.agents import WRAPUP_REASON
from cti.ami.client import AmiClient
from cti.ami.errors import ActionFailed, AmiError
from storage.db import Database
from storage.queries import agents as agent_q
from storage.queries import desk_settings

log = logging.getLogger(__name__)

DEFAULT_WRAPUP_S = 15
REFRESH_S = 30.0


class Wrapup:
    """Per-queue wrap-up lengths (re-read every REFRESH_S) and the pause after each queue call."""

    def __init__(self, db: Database, default_s: int = DEFAULT_WRAPUP_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.default_s = default_s
        self.clock = clock
        self._lengths: dict[str, int] = {}
        self._read_at = float("-inf")
        self._last_queue: dict[str, str] = {}  # extension -> queue of its last call

    def seconds(self, queue: str | None) -> int:
        return self._lengths.get(queue or "", self.default_s)

    def seconds_for(self, extension: str) -> int:
        """The wrap-up length of the queue the agent's last call came from."""
        return self.seconds(self._last_queue.get(extension))

    async def refresh(self, force: bool = False) -> None:
        if not force and self.clock() - self._read_at < REFRESH_S:
            return
        async with self.db.sessions() as session:
            self._lengths = {r.queue: r.wrapup_s for r in await desk_settings.queue_settings(session)}
        self._read_at = self.clock()

    def note(self, extension: str, queue: str) -> None:
        """The queue of the call the agent just finished (its wrap-up length applies)."""
        self._last_queue[extension] = queue

    async def after_call(self, client: AmiClient, extension: str, also: Iterable[str] = (),
                         ended: datetime | None = None) -> None:
        """Pause the agent for wrap-up in its queues and in `also` (other queues the PBX has it in,
        a static member), unless already paused, not logged in by us, or it changed its state
        itself since the call ended (`ended`, this process's clock)."""
        ended = ended or datetime.now(timezone.utc)
        try:
            await self.refresh()
        except Exception:  # noqa: BLE001 - the lengths keep their last values
            log.warning("wrap-up lengths could not be read; keeping the previous ones")
        async with self.db.sessions() as session:
            login = await agent_q.login_of(session, extension)
        if login is None or login.paused or not client.connected:
            return
        if login.updated_at > ended and login.updated_at != login.logged_in_at:
            return  # Ready or a pause asked for since the call ended (a login just written does not count)
        interface = sp.interface_of(extension)
        own = [q for q in login.queues.split(",") if q]
        paused: list[str] = []
        for q in own + sorted(set(also) - set(own)):
            try:
                await client.send("QueuePause", Queue=q, Interface=interface, Paused=True, Reason=WRAPUP_REASON)
                paused.append(q)
            except ActionFailed as exc:
                log.warning("wrap-up pause of %s in %s refused: %s", extension, q, exc.message)
            except AmiError as exc:
                log.warning("wrap-up pause of %s in %s not sent: %s", extension, q, exc)
                return
        async with self.db.session_scope() as session:
            if await agent_q.pause_if_unchanged(session, extension, login.updated_at, WRAPUP_REASON,
                                                datetime.now(timezone.utc)):
                return
        await self._give_back(client, extension, paused)

    async def _give_back(self, client: AmiClient, extension: str, queues: list[str]) -> None:
        """The agent asked for Ready or a pause (or logged out) while the wrap-up pause was on its
        way: its own choice wins, so the queues just paused get the state its row now holds."""
        async with self.db.sessions() as session:
            login = await agent_q.login_of(session, extension)
        if login is None or not queues:
            return  # logged out: the logout took it out of the queues
        log.info("wrap-up of %s overtaken by its own %s; restoring it in %s", extension,
                 login.pause_reason or "pause" if login.paused else "Ready", ", ".join(queues))
        interface = sp.interface_of(extension)
        for q in queues:
            try:
                await client.send("QueuePause", Queue=q, Interface=interface, Paused=login.paused,
                                  Reason=login.pause_reason if login.paused else None)
            except AmiError as exc:
                log.warning("restoring %s in %s after an overtaken wrap-up failed: %s", extension, q, exc)
