"""CtiService: one per process. AMI events -> typed events -> trackers -> pops, rows, wallboard.

The event path runs inside the AMI reader callback and never waits: pops go to the hub at
once, with the caller context looked up once per call as it arrives (its first channel's
Newchannel, or at the latest when it joins a queue or rings an agent); pops wait for that
lookup only when it is not done yet, in order per agent. Call rows
(one per ended call) and agent state rows are queued and written in batches by a writer
task. On every (re)connect the service resynchronises from QueueStatus and CoreShowChannels
and puts back every agent Helpline has logged in (`agent_logins`), with its pause state:
dynamic queue members are gone after an Asterisk restart.

With several processes (issue 10, DESIGN §3) every process tracks every Asterisk's events, so
any process answers an agent's snapshot or a supervisor's board, but only the holder of that
Asterisk's lease (cti.lease) publishes its pops and writes its rows. A process that does not own
a stream keeps what it would have published for `replay_s` seconds; when it takes the lease over
(the owner died) it publishes and writes those (pops carry a key every process de-duplicates on,
rows are skipped when the old owner wrote them already), resynchronises from QueueStatus and
CoreShowChannels and puts the logged-in agents back, then writes.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from prometheus_client import Histogram

from cti import agents as ag
from cti import calls as cl
from cti import events as ev
from cti import screen_pop as sp
from cti import wallboard as wb
from cti.callbacks import note_call_rows
from cti.pbx_clock import PbxClock
from cti.wrapup import Wrapup
from cti.lease import Lease, Leases
from cti.registrations import Registrations, read_contacts
from recordings.files import checked
from cti.ami.client import AmiClient
from cti.ami.errors import ActionFailed, AmiError, NotConnected
from cti.ami.framing import AmiMessage
from cti.ami.pool import AmiPool
from cti.hub import SUPERVISORS, Hub, agent_key
from storage.db import Database
from storage.queries import agents as agent_q
from storage.queries import calls as call_q

log = logging.getLogger(__name__)

OUTBOUND_CONTEXTS = ("helpline-feedback", "helpline-survey")
BOOT_WAIT_S = 60.0  # how long a resync refused by a still-booting Asterisk is tried again
MAX_PENDING_ROWS = 100_000
MAX_MISSED = 100_000  # pops and rows kept by a process that does not own a stream (see replay_s)


def utc(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, timezone.utc) if epoch is not None else None


def call_row(server: str, record: cl.CallRecord) -> dict[str, Any]:
    """The `calls` row of an ended call."""
    complaint = record.complaint_no if record.complaint_no and len(record.complaint_no) == 11 else None
    return {
        "linkedid": record.id, "server": server[:128], "direction": record.direction,
        "caller": (sp.canonical_caller(record.caller) or record.caller or "")[:32],
        "dialed": (record.dialed or "")[:32], "queue": record.queue,
        "agent": sp.extension_of(record.agent), "ivr_path": record.ivr_path[:255],
        "language": (record.language or None) and record.language[:2],
        "started_at": utc(record.started_at), "answered_at": utc(record.answered_at),
        "ended_at": utc(record.ended_at), "wait_s": record.wait_s, "talk_s": record.talk_s,
        "outcome": record.outcome or "", "hangup_cause": record.hangup_cause,
        "complaint_number": complaint,
        "attempt_id": int(attempt) if (attempt := record.attempt) and attempt.isascii() and attempt.isdigit() else None,
        # MixMonitor (option b) writes only while the caller talks to an agent: answered calls only
        "recording": checked(record.variables.get("HELPLINE_CALL_RECORDING")) if record.agent else None,
    }


@dataclass
class _Server:
    client: AmiClient
    calls: cl.CallTracker
    agents: ag.AgentTracker
    clock: PbxClock  # the trackers work in this server's time (its events' Timestamps)
    owner: bool = True  # this process owns the event stream (publishes pops, writes rows)
    syncing: bool = False  # taking the stream over: rows wait until the resync is done
    owner_since: float | None = None
    # while not the owner: (local time, pops, call row, agent state row) it would have sent
    missed: deque[tuple[float, list[sp.Pop], dict[str, Any] | None, dict[str, Any] | None]] = field(
        default_factory=lambda: deque(maxlen=MAX_MISSED))
    resync_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class CtiService:
    """See the module docstring. `pool` may have no servers (no PBX configured)."""

    def __init__(self, db: Database, hub: Hub, pool: AmiPool, *, tz: ZoneInfo,
                 clock: Callable[[], float] = time.time, wrapup_s: float = 5.0,
                 flush_interval: float = 0.2, wallboard_interval: float = 1.0,
                 service_level_s: int = 20, context_timeout: float = 1.0,
                 call_max_age: float = 4 * 3600.0,
                 outbound_contexts: tuple[str, ...] = OUTBOUND_CONTEXTS,
                 lease: Callable[[str], Lease] | None = None, lease_interval: float = 1.0,
                 replay_s: float = 60.0) -> None:
        self.db, self.hub, self.pool, self.tz, self.clock = db, hub, pool, tz, clock
        self.wrapup_s = wrapup_s  # the queues' wrapuptime (dialplans/queues_helpline.conf)
        self.outbound_contexts = outbound_contexts
        self.flush_interval = flush_interval
        self.wallboard_interval = wallboard_interval
        self.service_level_s = service_level_s
        self.context_timeout = context_timeout
        self.call_max_age = call_max_age
        self.planner = sp.PopPlanner()
        self.wrapup = Wrapup(db)
        self.servers = {c.name: _Server(c, cl.CallTracker(outbound_contexts), ag.AgentTracker(wrapup_s),
                                        PbxClock(clock))
                        for c in pool.clients}
        self.resyncs = 0
        self.events = 0
        self.registrations = Registrations()  # where each agent's phone is registered
        # for /metrics (helpline.metrics): pops this process published and how long after Asterisk's
        # event; calls ended on the streams it owns, by (pod, queue, outcome)
        self.pops_sent = 0
        self.pop_latency = Histogram("helpline_pop_latency_seconds", "Asterisk's event time to pop published",
                                     buckets=(.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1.0, 2.5),
                                     registry=None)
        self.calls_ended: dict[tuple[str, str, str], int] = {}
        self.takeovers = 0
        self.replay_s = replay_s
        self.leases: Leases | None = None
        if lease is not None:  # several processes: each stream is owned by the lease holder only
            for server in self.servers.values():
                server.owner = False
            self.leases = Leases([lease(name) for name in self.servers], self._on_lease,
                                 interval=lease_interval)
        else:
            for server in self.servers.values():
                server.owner_since = self.clock()
        self._contexts: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._chains: dict[str, asyncio.Task[Any]] = {}
        self._call_rows: list[dict[str, Any]] = []
        self._state_rows: list[dict[str, Any]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._dirty = True
        self._views: dict[str, ag.AgentView] | None = None
        self._views_at = 0.0
        self._today: dict[str, int] = {}
        self._today_at = 0.0
        pool.subscribe(self._on_event)
        pool.on_connect(self._on_connect)
        pool.on_state_change(lambda client, up: self._mark_dirty())

    # -- running -------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Run the AMI connections, the row writer and the wallboard until `stop`."""
        try:
            await self.wrapup.refresh(force=True)
        except Exception:  # noqa: BLE001 - the default length until the database answers
            log.warning("wrap-up lengths could not be read at start; using %d s", self.wrapup.default_s)
        try:
            async with asyncio.TaskGroup() as tg:
                if self.leases is not None:
                    tg.create_task(self.leases.run(stop))
                tg.create_task(self._run_pool(stop))
                tg.create_task(self._writer(stop))
                tg.create_task(self._ticker(stop))
                await stop.wait()
                await self.pool.close()
        finally:
            for task in list(self._tasks):
                task.cancel()
            await self.flush()

    async def _run_pool(self, stop: asyncio.Event) -> None:
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

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _mark_dirty(self) -> None:
        self._dirty = True

    # -- the event path ------------------------------------------------------------------

    def _on_event(self, client: AmiClient, msg: AmiMessage) -> None:
        server = self.servers[client.name]
        received = self.clock()
        pbx_now = received - server.clock.offset
        event = ev.from_ami(msg, pbx_now)
        if event is None:
            if msg.event == "ContactStatus":  # a phone registered, left, or stopped answering
                self._contact_status(server, msg)
            return
        if event.ts != pbx_now:  # stamped by Asterisk
            server.clock.observe(event.ts, received)
        self.events += 1
        for change in server.calls.apply(event):
            self._call_change(server, change)
        if server.owner and type(event) is ev.Newchannel and event.uniqueid == event.linkedid:
            self._early_lookup(server, event)
        for agent_change in server.agents.apply(event):
            self._agent_change(server, agent_change, from_event=True)

    def _call_change(self, server: _Server, change: cl.CallChange) -> None:
        record = change.call
        self._dirty = True
        if server.owner and change.kind in (cl.QUEUED, cl.RINGING, cl.RESYNCED, cl.ANSWERED_CHANGE):
            self._context_for(record)
        pops = self.planner.call_change(change)
        row = call_row(server.client.name, record) if change.kind == cl.ENDED else None
        if server.owner:
            for pop in pops:
                self._emit(pop, server)
            if row is not None:
                self._call_rows.append(row)
                key = (server.client.name, record.queue or "", record.outcome or "")
                self.calls_ended[key] = self.calls_ended.get(key, 0) + 1
        elif pops or row is not None:
            self._miss(server, pops, row, None)
        if change.kind == cl.ENDED:
            self._contexts.pop(record.id, None)

    def _agent_change(self, server: _Server, change: ag.AgentChange, from_event: bool = False) -> None:
        self._dirty = True
        self._views = None
        pops: list[sp.Pop] = []
        if from_event and change.old == ag.ON_CALL and change.new in (ag.WRAP_UP, ag.READY):
            pops += self._after_call(server, change)
        pops += self.planner.agent_change(change, server.calls.get)
        extension = sp.extension_of(change.interface)
        row = None if extension is None else {"agent": extension, "at": utc(change.at), "state": change.new,
                                               "reason": change.reason}
        if server.owner:
            for pop in pops:
                self._emit(pop, server)
            if row is not None:
                self._state_rows.append(row)
        elif pops or row is not None:
            self._miss(server, pops, None, row)

    def _after_call(self, server: _Server, change: ag.AgentChange) -> list[sp.Pop]:
        """A queue call of this agent ended: wrap-up (cti.wrapup) on the server that had the call
        (by the owner of its stream only); returns the pop of a transferred call."""
        extension = sp.extension_of(change.interface)
        call = self.planner.current_call(extension) if extension else None
        if extension is None or call is None:
            return []
        pops: list[sp.Pop] = []
        live = server.calls.get(call.id)
        if live is not None and live.complete_reason == "transfer":  # the call goes on without this agent
            pops = self.planner.left(extension, live, change.at, sp.TRANSFERRED)
        if call.queue:
            self.wrapup.note(extension, call.queue)
            if server.owner:
                also = server.agents.memberships(change.interface)
                self._spawn(self.wrapup.after_call(server.client, extension, also, datetime.now(timezone.utc)))
        return pops

    # -- owning an event stream ----------------------------------------------------------

    def _miss(self, server: _Server, pops: list[sp.Pop], call: dict[str, Any] | None,
              state: dict[str, Any] | None) -> None:
        """Keep what the owner publishes and writes, in case it dies before it does."""
        now = self.clock()
        missed = server.missed
        missed.append((now, pops, call, state))
        while missed and missed[0][0] < now - self.replay_s:
            missed.popleft()

    def _on_lease(self, name: str, held: bool) -> None:
        server = self.servers[name]
        if not held:
            server.owner = False
            server.owner_since = None
            self._dirty = True
            return
        self._spawn(self._take_over(server))

    async def _take_over(self, server: _Server) -> None:
        """This process now owns the stream: publish and write what the old owner may not have,
        resynchronise, put the logged-in agents back; rows wait until that is done."""
        server.syncing = True
        server.owner = True
        server.owner_since = self.clock()
        self.takeovers += 1
        self._dirty = True
        missed, server.missed = list(server.missed), deque(maxlen=MAX_MISSED)
        cutoff = self.clock() - self.replay_s
        ended: set[str] = set()
        for at, pops, call, state in missed:
            if at < cutoff:
                continue
            for pop in pops:
                if pop.record is not None and pop.kind != sp.ENDED:
                    self._context_for(pop.record)  # the caller's details, as the owner would have sent
                self._emit(pop)
            if call is not None:
                self._call_rows.append(call)
                ended.add(call["linkedid"])
            if state is not None:
                self._state_rows.append(state)
        for call_id in ended:  # the pops above hold their lookups; calls already over need no more
            self._contexts.pop(call_id, None)
        try:
            if server.client.connected:
                await self._resync(server)
        except AmiError as exc:  # the next connect resynchronises again
            log.warning("AMI %s: resync after taking the stream over failed: %s", server.client.name, exc)
        finally:
            server.syncing = False
        log.info("AMI %s: took the event stream over (%d pop(s)/row(s) replayed)", server.client.name,
                 len(missed))

    # -- where agents' phones are ------------------------------------------------------------

    def agent_servers(self, extension: str) -> list[str]:
        """The servers to send this agent's actions to: those its phone is registered on, and
        those whose contacts could not be read (no PJSIP); the only server when there is one."""
        registered = set(self.registrations.servers_of(extension))
        names = [n for n in self.servers if n in registered or n not in self.registrations.known]
        if not names and len(self.servers) == 1:
            names = list(self.servers)
        return names

    def _contact_status(self, server: _Server, msg: AmiMessage) -> None:
        name = server.client.name
        if not self.registrations.apply(name, msg):
            return
        self._dirty = True
        extension = msg.get("EndpointName") or msg.get("AOR")
        if server.owner and extension and name in self.registrations.servers_of(extension):
            self._spawn(self._readd_one(server, extension))  # a phone that (re)registered here

    async def _readd_one(self, server: _Server, extension: str) -> None:
        try:
            members_msgs = await server.client.send_list("QueueStatus")
        except AmiError as exc:
            log.warning("AMI %s: could not list queue members for %s: %s", server.client.name, extension, exc)
            return
        now = server.clock.now()
        members = [e for m in members_msgs if isinstance(e := ev.from_ami(m, now), ev.QueueMember)]
        await self._readd_agents(server.client, members, only=extension)

    async def _read_contacts(self, client: AmiClient) -> None:
        contacts = await read_contacts(client)  # None: unreadable here, every agent may be on this server
        if contacts is not None:
            self.registrations.reset(client.name, contacts)

    def owners(self) -> dict[str, bool]:
        """Whether this process owns each server's event stream (for /health and /metrics)."""
        return {name: server.owner for name, server in self.servers.items()}

    def _emit(self, pop: sp.Pop, server: _Server | None = None) -> None:
        """Publish now when nothing is pending for this agent, else after what is (per-agent order)."""
        future = self._contexts.get(pop.record.id) if pop.record is not None else None
        previous = self._chains.get(pop.agent)
        if (previous is None or previous.done()) and (future is None or future.done()):
            context = future.result() if future is not None else None
            self.hub.publish(agent_key(pop.agent), self._message(pop, context), pop.key)
            self._published(pop, server)
            return
        task = self._spawn(self._emit_later(pop, future, previous, server))
        self._chains[pop.agent] = task
        task.add_done_callback(lambda t, agent=pop.agent: self._chains.get(agent) is t
                               and self._chains.pop(agent, None))

    def _published(self, pop: sp.Pop, server: _Server | None) -> None:
        self.pops_sent += 1
        if server is not None:  # a live event's pop (not one handed over at a takeover)
            self.pop_latency.observe(max(0.0, self.clock() - server.clock.to_local(pop.at)))

    async def _emit_later(self, pop: sp.Pop, future: asyncio.Future[dict[str, Any]] | None,
                          previous: asyncio.Task[Any] | None, server: _Server | None = None) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        context = None
        if future is not None:
            try:
                async with asyncio.timeout(self.context_timeout):
                    context = await asyncio.shield(future)
            except TimeoutError:
                log.warning("caller context for call %s not ready in %.1f s; popping without it",
                            pop.record.id if pop.record else "", self.context_timeout)
        self.hub.publish(agent_key(pop.agent), self._message(pop, context), pop.key)
        self._published(pop, server)

    def _message(self, pop: sp.Pop, context: dict[str, Any] | None) -> dict[str, Any]:
        if pop.record is None:
            extra = {"wrapup_s": self.wrapup.seconds_for(pop.agent)} if pop.state == "wrap_up" else {}
            return sp.agent_state_message(pop.agent, pop.state or "", pop.reason, pop.at, **extra)
        return sp.call_message(pop.kind, pop.agent, pop.record, context, pop.waited_s, pop.outcome)

    def _early_lookup(self, server: _Server, event: ev.Newchannel) -> None:
        """Look the caller up as the call arrives, long before a queue rings an agent."""
        if event.context in self.outbound_contexts or sp.canonical_caller(event.caller) is None:
            return
        record = server.calls.get(event.linkedid)
        if record is not None:
            self._context_for(record)

    def _context_for(self, record: cl.CallRecord) -> asyncio.Future[dict[str, Any]]:
        future = self._contexts.get(record.id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._contexts[record.id] = future
            phone = sp.canonical_caller(record.caller)
            if phone is None:
                future.set_result(dict(sp.EMPTY_CONTEXT))
            else:
                self._spawn(self._lookup(phone, future))
        return future

    async def _lookup(self, phone: str, future: asyncio.Future[dict[str, Any]]) -> None:
        try:
            context = await self.caller_context(phone)
        except Exception:
            log.exception("caller context lookup failed")
            context = dict(sp.EMPTY_CONTEXT)
        if not future.done():
            future.set_result(context)

    async def caller_context(self, phone: str) -> dict[str, Any]:
        """Citizens, complaints and open callbacks for a canonical phone number."""
        async with self.db.sessions() as session:
            citizens, complaints, callbacks = await call_q.caller_context(session, phone)
        return sp.context_json(citizens, complaints, callbacks, self.tz, datetime.now(timezone.utc))

    # -- (re)connect ---------------------------------------------------------------------

    async def _on_connect(self, client: AmiClient) -> None:
        """Resync from QueueStatus and CoreShowChannels, then put back the logged-in agents
        (the owner of the stream only: the others only track).

        The manager accepts logins while Asterisk is still loading its modules (seen on a real
        restart: `QueueStatus failed: Invalid/unknown command` until app_queue is loaded), so
        a resync refused that way is tried again until Asterisk has booted (BOOT_WAIT_S)."""
        server = self.servers[client.name]
        loop = asyncio.get_running_loop()
        deadline, delay = loop.time() + BOOT_WAIT_S, 0.2
        while True:
            try:
                await self._resync(server)
                return
            except ActionFailed as exc:
                if "unknown command" not in exc.message.lower() or loop.time() >= deadline or not client.connected:
                    raise
                log.info("AMI %s: Asterisk is still starting (%s); resynchronising again in %.1f s",
                         client.name, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _resync(self, server: _Server) -> None:
        async with server.resync_lock:
            await self._resync_now(server)

    async def _resync_now(self, server: _Server) -> None:
        client = server.client
        await self._measure_clock(client, server.clock)
        asked_at = server.calls.seq  # events applied after this are newer than the lists
        members_msgs = await client.send_list("QueueStatus")
        channel_msgs = await client.send_list("CoreShowChannels")
        await self._read_contacts(client)
        now = server.clock.now()
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
        for change in server.calls.resync(channels, entries, now, asked_at_seq=asked_at):
            self._call_change(server, change)
        for agent_change in server.agents.reconcile(members, now):
            self._agent_change(server, agent_change)
        if server.owner:
            await self._readd_agents(client, members)
        self.resyncs += 1
        log.info("AMI %s: resynchronised (%d channels, %d waiting, %d members)",
                 client.name, len(channels), len(entries), len(members))

    async def _measure_clock(self, client: AmiClient, clock: PbxClock) -> None:
        """Asterisk's clock against ours, from a Ping's `Timestamp` (kept as it was if none)."""
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

    # -- rows ----------------------------------------------------------------------------

    async def _writer(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with asyncio.timeout(self.flush_interval):
                    await stop.wait()
            except TimeoutError:
                pass
            if not any(server.syncing for server in self.servers.values()):
                await self.flush()

    async def flush(self) -> None:
        """Write the queued call and agent state rows now (kept for a retry if the database fails)."""
        calls, states = self._call_rows, self._state_rows
        if not calls and not states:
            return
        self._call_rows, self._state_rows = [], []
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
                self._today_at = 0.0
                self._dirty = True
        except Exception:
            if await self.db.ping():  # the database answers: some row is refused, write the rest
                log.exception("writing %d call row(s) and %d agent state row(s) failed; writing them one by one",
                              len(calls), len(states))
                await self._write_each(calls, states)
                return
            log.exception("writing %d call row(s) and %d agent state row(s) failed; will retry",
                          len(calls), len(states))
            self._call_rows = (calls + self._call_rows)[-MAX_PENDING_ROWS:]
            self._state_rows = (states + self._state_rows)[-MAX_PENDING_ROWS:]

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
            self._today_at = 0.0
            self._dirty = True

    # -- wallboard and clock -------------------------------------------------------------

    async def _ticker(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with asyncio.timeout(self.wallboard_interval):
                    await stop.wait()
            except TimeoutError:
                pass
            now = self.clock()
            for server in self.servers.values():
                pbx_now = server.clock.now()
                for change in server.agents.tick(pbx_now):
                    self._agent_change(server, change)
                for change in server.calls.expire(pbx_now, self.call_max_age):
                    self._call_change(server, change)
            watched = bool(self.hub.redis_url) or self.hub.connected(SUPERVISORS) > 0
            if self.hub.redis_url and self.servers and not self._board_leader():
                continue  # every process tracks every pod: one board, from one process, is enough
            if watched and (self._dirty or now - self._today_at > 10):
                self._dirty = False
                try:
                    board = await self.wallboard()
                except Exception:
                    log.exception("wallboard update failed")
                    continue
                self.hub.publish(SUPERVISORS, board)

    def _board_leader(self) -> bool:
        """The owner of the first server's stream publishes the supervisors' board."""
        return self.servers[min(self.servers)].owner

    async def day_counts(self) -> dict[str, int]:
        """Today's inbound counts (cached 10 s): offered, answered, abandoned, service level."""
        now = self.clock()
        if now - self._today_at > 10 or not self._today:
            midnight = datetime.now(self.tz).replace(hour=0, minute=0, second=0, microsecond=0)
            async with self.db.sessions() as session:
                self._today = await call_q.day_counts(session, midnight, self.service_level_s)
            self._today_at = now
        return self._today

    def _agent_views(self) -> dict[str, ag.AgentView]:
        """Every agent's merged view; rebuilt after an agent change, at most every 0.25 s otherwise."""
        now = self.clock()
        if self._views is None or now - self._views_at > 0.25:
            self._views = wb.merged_agents((s.agents, s.clock) for s in self.servers.values())
            self._views_at = now
        return self._views

    def agent_view(self, extension: str) -> dict[str, Any]:
        """The agent's state (the busiest across servers) and its current call."""
        view = wb.agent_json(extension, self._agent_views().get(sp.interface_of(extension)))
        call = self.planner.current_call(extension)
        view["call"] = sp.call_json(call) if call is not None else None
        return view

    def find_call(self, call_id: str) -> tuple[AmiClient, cl.CallRecord] | None:
        for server in self.servers.values():
            record = server.calls.get(call_id)
            if record is not None:
                return server.client, record
        return None

    async def agent_snapshot(self, extension: str) -> list[dict[str, Any]]:
        """What a newly connected agent socket gets: its state, then its current call."""
        view = self.agent_view(extension)
        extra = {"wrapup_s": self.wrapup.seconds_for(extension)} if view["state"] == "wrap_up" else {}
        out = [{**sp.agent_state_message(extension, view["state"], view["reason"], None,
                                         queues=view["queues"], snapshot=True, **extra), "since": view["since"]}]
        call = self.planner.current_call(extension)
        if call is not None and self.pool.any_connected:  # with the PBX gone the call is not known to be live
            kind = sp.ANSWERED if sp.extension_of(call.agent) == extension else sp.RINGING
            context = await self._context_for(call)
            out.append(sp.call_message(kind, extension, call, context))
        return out

    async def wallboard(self) -> dict[str, Any]:
        now = self.clock()
        waiting = wb.waiting_calls((s.calls, s.clock) for s in self.servers.values())
        board = wb.build(waiting, self._agent_views(), await self.day_counts(), self.pool.status(), now)
        for agent in board["agents"]:  # the call a supervisor may listen to, whisper into or barge in on
            call = self.planner.current_call(agent["agent"])
            agent["call_id"] = call.id if call is not None and sp.extension_of(call.agent) == agent["agent"] else None
        return board


def queue_add_headers(queue: str, extension: str, member_name: str, paused: bool,
                      reason: str | None) -> dict[str, Any]:
    """QueueAdd as the captures send it (queue-admin.actions.txt), plus Reason when paused."""
    interface = sp.interface_of(extension)
    return {"Queue": queue, "Interface": interface, "MemberName": member_name,
            "StateInterface": interface, "Penalty": 0, "Paused": paused,
            "Reason": reason if paused and reason else None}
