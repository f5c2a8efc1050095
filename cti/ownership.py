"""Lease and resync: whether this process owns each Asterisk's event stream, and keeping the
trackers and Asterisk's queue members right after every (re)connect.

On every (re)connect the stream is resynchronised from QueueStatus and CoreShowChannels and
every agent Helpline has logged in (`agent_logins`) is put back, with its pause state: dynamic
queue members are gone after an Asterisk restart.

With several processes (issue 10, DESIGN §3) every process tracks every Asterisk's events, but
only the holder of that Asterisk's lease (cti.lease) publishes its pops and writes its rows.
When this process takes a lease over (the owner died) it replays what it kept (cti.pipeline),
resynchronises and puts the logged-in agents back; rows wait until that is done.

It also knows where each agent's phone is registered (ContactStatus, PJSIPShowContacts): a
phone that (re)registers on a server is put back in its queues there.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from cti import events as ev
from cti import screen_pop as sp
from cti.ami.client import AmiClient
from cti.ami.errors import ActionFailed, AmiError, NotConnected
from cti.ami.framing import AmiMessage
from cti.ami.pool import AmiPool
from cti.board import Board
from cti.lease import Lease, Leases
from cti.pipeline import Pipeline
from cti.registrations import REGISTRATION_EVENTS, Registrations, read_contacts
from cti.stream import Stream
from storage.db import Database
from storage.queries import agents as agent_q

log = logging.getLogger(__name__)

BOOT_WAIT_S = 60.0  # how long a resync refused by a still-booting Asterisk is tried again


def queue_add_headers(queue: str, extension: str, member_name: str, paused: bool,
                      reason: str | None) -> dict[str, Any]:
    """QueueAdd as the captures send it (queue-admin.actions.txt), plus Reason when paused."""
    interface = sp.interface_of(extension)
    return {"Queue": queue, "Interface": interface, "MemberName": member_name,
            "StateInterface": interface, "Penalty": 0, "Paused": paused,
            "Reason": reason if paused and reason else None}


class Ownership:
    def __init__(self, db: Database, pool: AmiPool, streams: dict[str, Stream], pipeline: Pipeline,
                 board: Board, *, clock: Callable[[], float], spawn: Callable[[Any], asyncio.Task[Any]],
                 lease: Callable[[str], Lease] | None = None, lease_interval: float = 1.0) -> None:
        self.db, self.pool, self.streams, self.pipeline, self.board = db, pool, streams, pipeline, board
        self.clock, self.spawn = clock, spawn
        self.registrations = Registrations()  # where each agent's phone is registered
        self.resyncs = 0
        self.takeovers = 0
        self.leases: Leases | None = None
        if lease is not None:  # several processes: each stream is owned by the lease holder only
            for stream in streams.values():
                stream.owner = False
            self.leases = Leases([lease(name) for name in streams], self._on_lease, interval=lease_interval)
        else:
            for stream in streams.values():
                stream.owner_since = clock()

    def owners(self) -> dict[str, bool]:
        """Whether this process owns each server's event stream (for /health and /metrics)."""
        return {name: stream.owner for name, stream in self.streams.items()}

    def syncing(self) -> bool:
        """A takeover is resynchronising: rows wait."""
        return any(stream.syncing for stream in self.streams.values())

    # -- leases --------------------------------------------------------------------------------

    async def run_pool(self, stop: asyncio.Event) -> None:
        """The AMI connections, once every lease was tried (the owner then knows it owns)."""
        if self.leases is not None:
            waits = [asyncio.ensure_future(self.leases.tried.wait()), asyncio.ensure_future(stop.wait())]
            done, pending = await asyncio.wait(waits, timeout=10, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            if not done:
                log.warning("owner leases not decided after 10 s; connecting to Asterisk anyway")
            if stop.is_set():
                return
        await self.pool.run()

    def _on_lease(self, name: str, held: bool) -> None:
        stream = self.streams[name]
        if not held:
            stream.owner = False
            stream.owner_since = None
            self.board.changed()
            return
        self.spawn(self._take_over(stream))

    async def _take_over(self, stream: Stream) -> None:
        """This process now owns the stream: publish and write what the old owner may not have,
        resynchronise, put the logged-in agents back; rows wait until that is done."""
        stream.syncing = True
        stream.owner = True
        stream.owner_since = self.clock()
        self.takeovers += 1
        self.board.changed()
        replayed = self.pipeline.replay(stream)
        try:
            if stream.client.connected:
                await self.resync(stream)
        except AmiError as exc:  # the next connect resynchronises again
            log.warning("AMI %s: resync after taking the stream over failed: %s", stream.name, exc)
        finally:
            stream.syncing = False
        log.info("AMI %s: took the event stream over (%d pop(s)/row(s) replayed)", stream.name, replayed)

    # -- (re)connect ---------------------------------------------------------------------------

    async def on_connect(self, client: AmiClient) -> None:
        """Resync from QueueStatus and CoreShowChannels, then put back the logged-in agents
        (the owner of the stream only: the others only track).

        The manager accepts logins while Asterisk is still loading its modules (seen on a real
        restart: `QueueStatus failed: Invalid/unknown command` until app_queue is loaded), so
        a resync refused that way is tried again until Asterisk has booted (BOOT_WAIT_S)."""
        stream = self.streams[client.name]
        loop = asyncio.get_running_loop()
        deadline, delay = loop.time() + BOOT_WAIT_S, 0.2
        while True:
            try:
                await self.resync(stream)
                return
            except ActionFailed as exc:
                if "unknown command" not in exc.message.lower() or loop.time() >= deadline or not client.connected:
                    raise
                log.info("AMI %s: Asterisk is still starting (%s); resynchronising again in %.1f s",
                         client.name, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def resync(self, stream: Stream) -> None:
        async with stream.resync_lock:
            await self._resync_now(stream)

    async def _resync_now(self, stream: Stream) -> None:
        client = stream.client
        await self._measure_clock(stream)
        asked_at = stream.calls.seq  # events applied after this are newer than the lists
        members_msgs = await client.send_list("QueueStatus")
        channel_msgs = await client.send_list("CoreShowChannels")
        await self._read_contacts(client)
        now = stream.clock.now()
        members: list[ev.QueueMember] = []
        entries: list[ev.QueueEntry] = []
        channels: list[ev.CoreShowChannel] = []
        for msg in [*members_msgs, *channel_msgs]:
            event = ev.from_ami(msg, now)
            if isinstance(event, ev.QueueMember):
                members.append(event)
            elif isinstance(event, ev.QueueEntry):
                entries.append(event)
            elif isinstance(event, ev.CoreShowChannel):
                channels.append(event)
        for change in stream.calls.resync(channels, entries, now, asked_at_seq=asked_at):
            self.pipeline.call_change(stream, change)
        for agent_change in stream.agents.reconcile(members, now):
            self.pipeline.agent_change(stream, agent_change)
        if stream.owner:
            await self._readd_agents(client, members)
        self.resyncs += 1
        log.info("AMI %s: resynchronised (%d channels, %d waiting, %d members)",
                 client.name, len(channels), len(entries), len(members))

    async def _measure_clock(self, stream: Stream) -> None:
        """Asterisk's clock against ours, from a Ping's `Timestamp` (kept as it was if none)."""
        client, clock = stream.client, stream.clock
        sent = self.clock()
        try:
            pong = await client.send("Ping")
        except AmiError as exc:
            log.warning("AMI %s: Ping at connect failed (%s); clock offset unchanged", client.name, exc)
            return
        stamp = pong.get("Timestamp")
        try:
            clock.measure(float(stamp), sent, self.clock()) if stamp else None
        except ValueError:
            log.warning("AMI %s: Ping answered with a bad Timestamp; clock offset unchanged", client.name)
            return
        if abs(clock.offset) > 5:
            log.warning("AMI %s: Asterisk's clock is %+.1f s from this host's; times are corrected",
                        client.name, -clock.offset)

    async def _readd_agents(self, client: AmiClient, members: list[ev.QueueMember], only: str | None = None) -> None:
        """Put back the agents Helpline logged in whose phone is on this server."""
        async with self.db.sessions() as session:
            logins = await agent_q.logins(session)
        present = {(m.queue, m.interface): m for m in members}
        for login in logins:
            if (only is not None and login.extension != only) or client.name not in self.agent_servers(login.extension):
                continue
            interface = sp.interface_of(login.extension)
            for queue in [q for q in login.queues.split(",") if q]:
                member = present.get((queue, interface))
                try:
                    if member is None:
                        await client.send("QueueAdd", **queue_add_headers(
                            queue, login.extension, login.member_name, login.paused, login.pause_reason))
                    elif member.paused != login.paused:
                        await client.send("QueuePause", Queue=queue, Interface=interface,
                                          Paused=login.paused,
                                          Reason=login.pause_reason if login.paused else None)
                except ActionFailed as exc:
                    log.warning("AMI %s: could not put %s back in %s: %s", client.name,
                                login.extension, queue, exc.message)
                except NotConnected as exc:  # the next connect runs this again
                    log.warning("AMI %s: re-adding agents stopped: %s", client.name, exc)
                    return
                except AmiError as exc:  # a timeout on one agent must not leave the others out
                    log.warning("AMI %s: could not put %s back in %s: %s", client.name,
                                login.extension, queue, exc)

    # -- where agents' phones are ------------------------------------------------------------------

    def agent_servers(self, extension: str) -> list[str]:
        """The servers to send this agent's actions to: those its phone is registered on, and
        those whose contacts could not be read (no PJSIP); the only server when there is one."""
        registered = set(self.registrations.servers_of(extension))
        names = [n for n in self.streams if n in registered or n not in self.registrations.known]
        if not names and len(self.streams) == 1:
            names = list(self.streams)
        return names

    def contact_status(self, stream: Stream, msg: AmiMessage) -> None:
        """A phone registered, left, or stopped answering (ContactStatus)."""
        if msg.event not in REGISTRATION_EVENTS:
            return
        name = stream.name
        if not self.registrations.apply(name, msg):
            return
        self.board.changed()
        extension = msg.get("EndpointName") or msg.get("AOR")
        if stream.owner and extension and name in self.registrations.servers_of(extension):
            self.spawn(self._readd_one(stream, extension))  # a phone that (re)registered here

    async def _readd_one(self, stream: Stream, extension: str) -> None:
        try:
            members_msgs = await stream.client.send_list("QueueStatus")
        except AmiError as exc:
            log.warning("AMI %s: could not list queue members for %s: %s", stream.name, extension, exc)
            return
        now = stream.clock.now()
        members = [e for m in members_msgs if isinstance(e := ev.from_ami(m, now), ev.QueueMember)]
        await self._readd_agents(stream.client, members, only=extension)

    async def _read_contacts(self, client: AmiClient) -> None:
        contacts = await read_contacts(client)  # None: unreadable here, every agent may be on this server
        if contacts is not None:
            self.registrations.reset(client.name, contacts)
