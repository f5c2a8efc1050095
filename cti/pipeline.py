"""The event -> change -> pop pipeline: one way, inside the AMI reader callback, never waiting.

    AMI message -> typed event (cti.events) -> tracker changes (cti.calls, cti.agents)
                -> pops (cti.screen_pop.PopPlanner) -> hub, at once
                -> rows (cti.rows.RowWriter, appended; written later by its task)
                -> "something changed" (cti.board)

A call's caller lookup (cti.lookups) starts at the call's first Newchannel (at the latest when it
queues or rings). A pop whose lookup is done carries the caller context; one whose lookup is not
done goes out without it (`"context": "pending"`) and a `call.context` message follows for that
agent when the lookup is done. No pop waits on the database, a lock or another pop, so pops of
one agent leave in the order of their events.

A wrap-up that ends with time (the queues' `wrapuptime`, no wrap-up pause holding it) has no AMI
event to end it: a loop timer set for its end does (`agent.state` ready at that moment); the
board's tick, every second, is only the fallback.

A process that does not own a stream (cti.ownership) keeps what it would have published and
written for `replay_s` seconds (`miss`), and `replay`s it when it takes the stream over.
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from prometheus_client import Histogram

from cti import agents as ag
from cti import calls as cl
from cti import events as ev
from cti import screen_pop as sp
from cti.ami.client import AmiClient
from cti.ami.framing import AmiMessage
from cti.board import Board
from cti.hub import Hub, agent_key
from cti.lookups import CallerLookups, Context
from cti.rows import RowWriter
from cti.stream import MAX_MISSED, Missed, Stream, call_row, state_row
from cti.wrapup import Wrapup

log = logging.getLogger(__name__)


class Pipeline:
    def __init__(self, streams: dict[str, Stream], hub: Hub, lookups: CallerLookups, rows: RowWriter,
                 board: Board, wrapup: Wrapup, planner: sp.PopPlanner, *,
                 clock: Callable[[], float], spawn: Callable[[Any], asyncio.Task[Any]],
                 outbound_contexts: tuple[str, ...], replay_s: float = 60.0,
                 on_untyped: Callable[[Stream, AmiMessage], None] = lambda stream, msg: None) -> None:
        self.streams, self.hub, self.lookups, self.rows, self.board = streams, hub, lookups, rows, board
        self.wrapup, self.planner, self.clock, self.spawn = wrapup, planner, clock, spawn
        self.outbound_contexts = outbound_contexts
        self.replay_s = replay_s
        self.on_untyped = on_untyped  # an AMI message that is no tracked event (ContactStatus)
        self.events = 0
        # for /metrics (helpline.metrics): pops this process published and how long after Asterisk's
        # event, by the pop's kind (and an agent.state pop's state); calls ended on the streams it
        # owns, by (pod, queue, outcome)
        self.pops_sent = 0
        self.pop_latency = Histogram("helpline_pop_latency_seconds", "Asterisk's event time to pop published",
                                     labelnames=("kind", "state"),
                                     buckets=(.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1.0, 2.5),
                                     registry=None)
        self.calls_ended: dict[tuple[str, str, str], int] = {}
        self._awaiting: dict[str, set[str]] = {}  # call id -> agents popped before its lookup was done
        self._wrap_timers: dict[str, asyncio.TimerHandle] = {}  # stream -> its next wrap-up end
        self._wrapped: dict[str, str] = {}  # extension -> the call its last wrap-up followed

    # -- events in ---------------------------------------------------------------------------

    def on_event(self, client: AmiClient, msg: AmiMessage) -> None:
        stream = self.streams[client.name]
        received = self.clock()
        pbx_now = received - stream.clock.offset
        event = ev.from_ami(msg, pbx_now)
        if event is None:
            self.on_untyped(stream, msg)
            return
        if event.ts != pbx_now:  # stamped by Asterisk
            stream.clock.observe(event.ts, received)
        self.events += 1
        for change in stream.calls.apply(event):
            self.call_change(stream, change)
        if stream.owner and type(event) is ev.Newchannel and event.uniqueid == event.linkedid:
            self._early_lookup(stream, event)
        for agent_change in stream.agents.apply(event):
            self.agent_change(stream, agent_change, from_event=True)
        self._arm_wrap_end(stream, stream.agents.take_wake())  # a wrap-up began, or now ends with time

    def tick(self, stream: Stream, max_age: float) -> None:
        """Time passes: wrap-ups end (should a timer have missed one), calls the PBX forgot expire."""
        pbx_now = stream.clock.now()
        for change in stream.agents.tick(pbx_now):
            self.agent_change(stream, change)
        for change in stream.calls.expire(pbx_now, max_age):
            self.call_change(stream, change)

    def _arm_wrap_end(self, stream: Stream, at: float | None) -> None:
        """A wrap-up ends at a known moment (`at`, the PBX's clock) with no AMI event to say so:
        a timer of the loop ends it then, so its agent.state pop leaves on time, not at the next
        board tick (up to a second later)."""
        if at is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a unit test driving the pipeline): the ticks end it
            return
        when = loop.time() + max(0.0, at - stream.clock.now())
        armed = self._wrap_timers.get(stream.name)
        if armed is not None:
            if armed.when() <= when:
                return
            armed.cancel()
        self._wrap_timers[stream.name] = loop.call_at(when, self._wrap_end, stream)

    def cancel_timers(self) -> None:
        for handle in self._wrap_timers.values():
            handle.cancel()
        self._wrap_timers.clear()

    def _wrap_end(self, stream: Stream) -> None:
        self._wrap_timers.pop(stream.name, None)
        for change in stream.agents.tick(stream.clock.now()):
            self.agent_change(stream, change)
        stream.agents.take_wake()
        self._arm_wrap_end(stream, stream.agents.next_wrap_end())

    def _early_lookup(self, stream: Stream, event: ev.Newchannel) -> None:
        """Look the caller up as the call arrives, long before a queue rings an agent."""
        if event.context in self.outbound_contexts or sp.canonical_caller(event.caller) is None:
            return
        record = stream.calls.get(event.linkedid)
        if record is not None:
            self.lookups.start(record)

    # -- changes -> pops and rows ----------------------------------------------------------------

    def call_change(self, stream: Stream, change: cl.CallChange) -> None:
        record = change.call
        self.board.changed()
        if stream.owner and change.kind in (cl.QUEUED, cl.RINGING, cl.RESYNCED, cl.ANSWERED_CHANGE):
            self.lookups.start(record)
        if change.kind == cl.ANSWERED_CHANGE and change.agent:  # a new stint: a new wrap-up after it
            self._wrapped.pop(sp.extension_of(change.agent) or "", None)
        pops = self.planner.call_change(change)
        row = call_row(stream.name, record) if change.kind == cl.ENDED else None
        if stream.owner:
            for pop in pops:
                self.emit(pop, stream)
            if row is not None:
                self.rows.calls.append(row)
                key = (stream.name, record.queue or "", record.outcome or "")
                self.calls_ended[key] = self.calls_ended.get(key, 0) + 1
        elif pops or row is not None:
            self.miss(stream, pops, row, None)
        if change.kind == cl.ENDED:
            self.lookups.forget(record.id)
            handed = cl.handed_to(record)
            if handed is not None and stream.owner:  # no AgentComplete comes for its agent
                self._start_wrapup(stream, handed, record)

    def agent_change(self, stream: Stream, change: ag.AgentChange, from_event: bool = False) -> None:
        self.board.changed(agents=True)
        self._arm_wrap_end(stream, stream.agents.take_wake())
        pops: list[sp.Pop] = []
        if from_event and change.old == ag.ON_CALL and change.new in (ag.WRAP_UP, ag.READY):
            pops += self._after_call(stream, change)
        pops += self.planner.agent_change(change, stream.calls.get)
        row = state_row(change)
        if stream.owner:
            for pop in pops:
                self.emit(pop, stream)
            if row is not None:
                self.rows.states.append(row)
        elif pops or row is not None:
            self.miss(stream, pops, None, row)

    def _after_call(self, stream: Stream, change: ag.AgentChange) -> list[sp.Pop]:
        """A queue call of this agent ended: wrap-up (cti.wrapup) on the server that had the call
        (by the owner of its stream only); returns the pop of a transferred call."""
        extension = sp.extension_of(change.interface)
        call = self.planner.current_call(extension) if extension else None
        if extension is None or call is None:
            return []
        pops: list[sp.Pop] = []
        live = stream.calls.get(call.id)
        if live is not None and live.complete_reason == "transfer":  # the call goes on without this agent
            pops = self.planner.left(extension, live, change.at, sp.TRANSFERRED)
        if call.queue:
            self._start_wrapup(stream, change.interface, call)
        return pops

    def _start_wrapup(self, stream: Stream, interface: str, call: cl.CallRecord) -> None:
        """The wrap-up of the agent at `interface` after `call`, once per call: a queue call's
        agent starts it as its leg ends (AgentComplete), a transferred call's as the call ends."""
        extension = sp.extension_of(interface)
        if extension is None or self._wrapped.get(extension) == call.id:
            return
        self._wrapped[extension] = call.id
        if call.queue:
            self.wrapup.note(extension, call.queue)
        if stream.owner:
            also = stream.agents.memberships(interface)
            self.spawn(self.wrapup.after_call(stream.client, extension, also, datetime.now(timezone.utc)))

    # -- pops out ----------------------------------------------------------------------------

    def emit(self, pop: sp.Pop, stream: Stream | None = None) -> None:
        """Publish now, with the caller context when its lookup is done; else it follows."""
        future = self.lookups.get(pop.record.id) if pop.record is not None else None
        pending = future is not None and not future.done()
        if pop.record is None:
            extra = {"wrapup_s": self.wrapup.seconds_for(pop.agent)} if pop.state == "wrap_up" else {}
            message = sp.agent_state_message(pop.agent, pop.state or "", pop.reason, pop.at, **extra)
        else:
            context = future.result() if future is not None and not pending else None
            message = sp.call_message(pop.kind, pop.agent, pop.record, context, pop.waited_s, pop.outcome,
                                      pending=pending)
        self.hub.publish(agent_key(pop.agent), message, pop.key)
        self.pops_sent += 1
        if stream is not None:  # a live event's pop (not one handed over at a takeover)
            self.pop_latency.labels(pop.kind, pop.state or "").observe(
                max(0.0, self.clock() - stream.clock.to_local(pop.at)))
        if pending:
            assert future is not None and pop.record is not None
            self._follow_up(pop.record.id, pop.agent, future)

    def _follow_up(self, call_id: str, agent: str, future: asyncio.Future[Context]) -> None:
        agents = self._awaiting.get(call_id)
        if agents is None:
            agents = self._awaiting[call_id] = set()
            future.add_done_callback(lambda done: self._context_ready(call_id, done))
        agents.add(agent)

    def _context_ready(self, call_id: str, future: asyncio.Future[Context]) -> None:
        agents = self._awaiting.pop(call_id, ())
        context = future.result() if not future.cancelled() else dict(sp.EMPTY_CONTEXT)
        for agent in sorted(agents):
            self.hub.publish(agent_key(agent), sp.context_message(agent, call_id, context),
                             f"{sp.CONTEXT}|{agent}|{call_id}")

    # -- streams this process does not own ------------------------------------------------------

    def miss(self, stream: Stream, pops: list[sp.Pop], call: dict[str, Any] | None,
             state: dict[str, Any] | None) -> None:
        """Keep what the owner publishes and writes, in case it dies before it does."""
        now = self.clock()
        missed = stream.missed
        missed.append((now, pops, call, state))
        while missed and missed[0][0] < now - self.replay_s:
            missed.popleft()

    def replay(self, stream: Stream) -> int:
        """This process took the stream over: publish and queue what the old owner may not have
        (every process de-duplicates pops by key; rows the old owner wrote are skipped)."""
        missed: list[Missed] = list(stream.missed)
        stream.missed = deque(maxlen=MAX_MISSED)
        cutoff = self.clock() - self.replay_s
        ended: set[str] = set()
        for at, pops, call, state in missed:
            if at < cutoff:
                continue
            for pop in pops:
                if pop.record is not None and pop.kind != sp.ENDED:
                    self.lookups.start(pop.record)  # the caller's details, as the owner would have sent
                self.emit(pop)
            if call is not None:
                self.rows.calls.append(call)
                ended.add(call["linkedid"])
            if state is not None:
                self.rows.states.append(state)
        for call_id in ended:  # the pops above hold their lookups; calls already over need no more
            self.lookups.forget(call_id)
        return len(missed)
