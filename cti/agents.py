"""Pure agent tracker: queue member and agent events in, agent state changes out.

Agents are keyed by queue interface (`PJSIP/agent1001`). The tracker keeps the facts
(queues joined and paused, the queue call ringing or connected, the end of wrap-up) and
derives one state from them: logged_out, ready, paused (with its reason), ringing, on_call,
wrap_up. Wrap-up lasts `wrapup_s` after `AgentComplete`, or until the next call rings; it
ends on the next event about that agent or on `tick(now)` (`take_wake`: when to tick). A
call on the agent's phone that did not come from a queue (a click-to-call) shows as on_call
with reason `direct`, seen from `QueueMemberStatus` device states.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from cti import events as ev

LOGGED_OUT = "logged_out"
READY = "ready"
PAUSED = "paused"
RINGING = "ringing"
ON_CALL = "on_call"
WRAP_UP = "wrap_up"
STATES = (LOGGED_OUT, READY, PAUSED, RINGING, ON_CALL, WRAP_UP)
DIRECT = "direct"
WRAPUP_REASON = "wrap-up"  # Helpline pauses an agent with this reason after a queue call (cti.wrapup)

_BUSY_DEVICE = frozenset({2, 3, 8})  # in use, busy, on hold
_IDLE_DEVICE = frozenset({0, 1, 4, 5})  # unknown, not in use, invalid, unavailable
_RINGING_DEVICE = 6


@dataclass(frozen=True, slots=True)
class AgentChange:
    interface: str
    old: str
    new: str
    reason: str | None  # the pause reason, or `direct`
    at: float
    member_name: str | None = None


@dataclass(frozen=True, slots=True)
class AgentView:
    interface: str
    member_name: str | None
    state: str
    reason: str | None
    since: float
    in_state_s: float
    queues: tuple[str, ...]
    calls_completed: int


@dataclass(frozen=True, slots=True)
class AgentsSnapshot:
    """For the wallboard: counts by state (every state present) and by pause reason."""
    at: float
    by_state: dict[str, int]
    paused_by_reason: dict[str, int]
    agents: tuple[AgentView, ...]


@dataclass(slots=True)
class _Agent:
    interface: str
    member_name: str | None = None
    queues: dict[str, bool] = field(default_factory=dict)  # queue -> paused
    pause_reason: str | None = None
    phase: str | None = None  # ringing | on_call | direct
    call: str | None = None  # Linkedid of the queue call
    channel: str | None = None  # the agent's leg of it
    wrap_until: float = 0.0
    state: str = LOGGED_OUT
    reason: str | None = None
    since: float = 0.0
    calls_completed: int = 0


class AgentTracker:
    """Agent states by interface. `queues`: only these queues count (None: all)."""

    def __init__(self, wrapup_s: float = 5.0, queues: Collection[str] | None = None) -> None:
        self.wrapup_s = wrapup_s
        self._queues = frozenset(queues) if queues is not None else None
        self._agents: dict[str, _Agent] = {}
        self._by_channel: dict[str, str] = {}  # agent leg channel -> interface
        self._wake: float | None = None  # see take_wake
        self._dispatch: dict[type, Callable[..., list[AgentChange]]] = {
            ev.QueueMemberAdded: self._member,
            ev.QueueMemberPause: self._member,
            ev.QueueMemberStatus: self._member,
            ev.QueueMemberRemoved: self._removed,
            ev.AgentCalled: self._called,
            ev.AgentConnect: self._connect,
            ev.AgentComplete: self._complete,
            ev.AgentRingNoAnswer: self._no_answer,
            ev.AgentDump: self._no_answer,
            ev.Hangup: self._hangup,
            ev.Shutdown: self._shutdown,
        }

    def __len__(self) -> int:
        return len(self._agents)

    def state(self, interface: str) -> str:
        agent = self._agents.get(interface)
        return agent.state if agent is not None else LOGGED_OUT

    def memberships(self, interface: str) -> dict[str, bool]:
        """Queue -> paused, for every queue the agent is a member of (static members too)."""
        agent = self._agents.get(interface)
        return dict(agent.queues) if agent is not None else {}

    def channel_of(self, interface: str) -> str | None:
        """The agent's leg of the queue call ringing or connected to it."""
        agent = self._agents.get(interface)
        return agent.channel if agent is not None else None

    def apply(self, event: object) -> list[AgentChange]:
        handler = self._dispatch.get(type(event))
        if handler is None:
            return []
        return handler(event)

    # ------------------------------------------------------------ state

    def _derive(self, agent: _Agent, now: float) -> tuple[str, str | None]:
        if not agent.queues:
            return LOGGED_OUT, None
        phase = agent.phase
        if phase == RINGING:
            return RINGING, None
        if phase == ON_CALL:
            return ON_CALL, None
        if phase == DIRECT:
            return ON_CALL, DIRECT
        if all(agent.queues.values()):
            if agent.pause_reason == WRAPUP_REASON:
                return WRAP_UP, None
            return PAUSED, agent.pause_reason
        if now < agent.wrap_until:
            return WRAP_UP, None
        return READY, None

    def _update(self, agent: _Agent, at: float, out: list[AgentChange]) -> None:
        state, reason = self._derive(agent, at)
        if state != agent.state or reason != agent.reason:
            out.append(AgentChange(agent.interface, agent.state, state, reason, at,
                                   agent.member_name))
            agent.state, agent.reason, agent.since = state, reason, at
        if self._timed_wrap(agent) and (self._wake is None or agent.wrap_until < self._wake):
            self._wake = agent.wrap_until  # also with no change: a Ready asked for during wrap-up

    @staticmethod
    def _timed_wrap(agent: _Agent) -> bool:
        """In a wrap-up that ends with time (not one held by the wrap-up pause, cti.wrapup)."""
        return agent.state == WRAP_UP and agent.phase is None and not all(agent.queues.values())

    def _expire(self, agent: _Agent, now: float, out: list[AgentChange]) -> None:
        """End a wrap-up that ran out before `now`, dated when it ran out."""
        if agent.state == WRAP_UP and now >= agent.wrap_until:
            self._update(agent, agent.wrap_until, out)
            if agent.state != WRAP_UP:  # over: an event stamped before its end (read late) must not reopen it
                agent.wrap_until = 0.0

    def _tracked(self, queue: str) -> bool:
        return self._queues is None or queue in self._queues

    def _agent(self, interface: str) -> _Agent:
        agent = self._agents.get(interface)
        if agent is None:
            agent = self._agents[interface] = _Agent(interface)
        return agent

    def _set_phase(self, agent: _Agent, phase: str | None, call: str | None = None,
                   channel: str | None = None) -> None:
        if agent.channel is not None:
            self._by_channel.pop(agent.channel, None)
        agent.phase, agent.call, agent.channel = phase, call, channel
        if channel is not None:
            self._by_channel[channel] = agent.interface

    # ------------------------------------------------------------ membership

    def _member(self, e: ev.MemberEvent) -> list[AgentChange]:
        if not self._tracked(e.queue):
            return []
        out: list[AgentChange] = []
        agent = self._agent(e.interface)
        self._expire(agent, e.ts, out)
        if e.member_name:
            agent.member_name = e.member_name
        agent.queues[e.queue] = e.paused
        if e.paused:
            agent.pause_reason = e.paused_reason
        if isinstance(e, ev.QueueMemberStatus) and not e.in_call:
            if agent.phase is None and e.status in _BUSY_DEVICE:
                self._set_phase(agent, DIRECT)
            elif agent.phase == DIRECT and e.status in _IDLE_DEVICE:
                self._set_phase(agent, None)
        self._update(agent, e.ts, out)
        return out

    def _removed(self, e: ev.QueueMemberRemoved) -> list[AgentChange]:
        agent = self._agents.get(e.interface)
        if agent is None or e.queue not in agent.queues:
            return []
        out: list[AgentChange] = []
        self._expire(agent, e.ts, out)
        del agent.queues[e.queue]
        if not agent.queues:
            self._set_phase(agent, None)
            agent.wrap_until, agent.pause_reason = 0.0, None
        self._update(agent, e.ts, out)
        return out

    # ------------------------------------------------------------ queue calls

    def _called(self, e: ev.AgentCalled) -> list[AgentChange]:
        if not self._tracked(e.queue):
            return []
        out: list[AgentChange] = []
        agent = self._agent(e.interface)
        self._expire(agent, e.ts, out)
        agent.queues.setdefault(e.queue, False)
        if e.member_name:
            agent.member_name = e.member_name
        self._set_phase(agent, RINGING, e.linkedid, e.dest_channel)
        self._update(agent, e.ts, out)
        return out

    def _connect(self, e: ev.AgentConnect) -> list[AgentChange]:
        if not self._tracked(e.queue):
            return []
        out: list[AgentChange] = []
        agent = self._agent(e.interface)
        self._expire(agent, e.ts, out)
        agent.queues.setdefault(e.queue, False)
        self._set_phase(agent, ON_CALL, e.linkedid, e.dest_channel)
        self._update(agent, e.ts, out)
        # Members rung for the same call at once (ringall) stop ringing.
        for other in self._agents.values():
            if other is not agent and other.phase == RINGING and other.call == e.linkedid:
                self._set_phase(other, None)
                self._update(other, e.ts, out)
        return out

    def _complete(self, e: ev.AgentComplete) -> list[AgentChange]:
        agent = self._agents.get(e.interface)
        # no Linkedid (caller gone right after AgentConnect): the interface's current call
        if agent is None or agent.phase != ON_CALL or (e.linkedid and agent.call not in (e.linkedid, None)):
            return []
        out: list[AgentChange] = []
        self._end_call(agent, e.ts)
        self._update(agent, e.ts, out)
        return out

    def _end_call(self, agent: _Agent, at: float) -> None:
        self._set_phase(agent, None)
        agent.wrap_until = at + self.wrapup_s
        agent.calls_completed += 1

    def _no_answer(self, e: ev.AgentRingNoAnswer | ev.AgentDump) -> list[AgentChange]:
        agent = self._agents.get(e.interface)
        if agent is None or agent.phase != RINGING or agent.call not in (e.linkedid, None):
            return []
        out: list[AgentChange] = []
        self._set_phase(agent, None)
        self._update(agent, e.ts, out)
        return out

    def _hangup(self, e: ev.Hangup) -> list[AgentChange]:
        """The agent's leg ended without AgentRingNoAnswer/AgentComplete (caller gone)."""
        interface = self._by_channel.get(e.channel)
        if interface is None:
            return []
        agent = self._agents[interface]
        out: list[AgentChange] = []
        if agent.phase == ON_CALL:
            self._end_call(agent, e.ts)
        else:
            self._set_phase(agent, None)
        self._update(agent, e.ts, out)
        return out

    def _shutdown(self, e: ev.Shutdown) -> list[AgentChange]:
        """Asterisk restarts: dynamic members are gone until they are added again."""
        out: list[AgentChange] = []
        for agent in self._agents.values():
            agent.queues.clear()
            self._set_phase(agent, None)
            agent.wrap_until, agent.pause_reason = 0.0, None
            self._update(agent, e.ts, out)
        return out

    # ------------------------------------------------------------ time, resync, view

    def take_wake(self) -> float | None:
        """The earliest end of a wrap-up that ends with time, among the agents updated since the
        last call (None: none): when to `tick`, the moment an agent's state changes with no event
        to say so. A wrap-up held by the wrap-up pause (cti.wrapup) ends with an event instead."""
        wake, self._wake = self._wake, None
        return wake

    def next_wrap_end(self) -> float | None:
        """When the first wrap-up that ends with time runs out, among every agent (None: none does)."""
        return min((a.wrap_until for a in self._agents.values() if self._timed_wrap(a)), default=None)

    def tick(self, now: float) -> list[AgentChange]:
        """End the wrap-ups that ran out by `now`."""
        out: list[AgentChange] = []
        for agent in self._agents.values():
            self._expire(agent, now, out)
        return out

    def reconcile(self, members: Iterable[ev.QueueMember],
                  now: float | None = None) -> list[AgentChange]:
        """Set memberships to a QueueStatus answer (after a connect): listed members are
        updated, known agents not listed are logged out."""
        members = [m for m in members if self._tracked(m.queue)]
        if now is None:
            now = max((m.ts for m in members), default=0.0) or max(
                (a.since for a in self._agents.values()), default=0.0)
        listed: dict[str, list[ev.QueueMember]] = {}
        for m in members:
            listed.setdefault(m.interface, []).append(m)
        out: list[AgentChange] = []
        for agent in self._agents.values():
            if agent.interface not in listed:
                self._expire(agent, now, out)
                agent.queues.clear()
                self._set_phase(agent, None)
                self._update(agent, now, out)
        for interface, items in listed.items():
            agent = self._agent(interface)
            self._expire(agent, now, out)
            agent.queues = {m.queue: m.paused for m in items}
            agent.member_name = next((m.member_name for m in items if m.member_name),
                                     agent.member_name)
            agent.pause_reason = next((m.paused_reason for m in items if m.paused), None)
            self._reconcile_phase(agent, items, now)
            self._update(agent, now, out)
        return out

    def _reconcile_phase(self, agent: _Agent, items: list[ev.QueueMember], now: float) -> None:
        if any(m.in_call for m in items):
            if agent.phase != ON_CALL:
                self._set_phase(agent, ON_CALL)
        elif any(m.status == _RINGING_DEVICE for m in items):
            if agent.phase != RINGING:
                self._set_phase(agent, RINGING)
        elif any(m.status in _BUSY_DEVICE for m in items):
            self._set_phase(agent, DIRECT)
        elif agent.phase is not None:
            self._set_phase(agent, None)
        last_call = max(m.last_call for m in items)
        if last_call:
            agent.wrap_until = max(agent.wrap_until, last_call + self.wrapup_s)

    def snapshot(self, now: float) -> AgentsSnapshot:
        by_state = dict.fromkeys(STATES, 0)
        paused_by_reason: dict[str, int] = {}
        views = []
        for agent in self._agents.values():
            state, reason, since = agent.state, agent.reason, agent.since
            if state == WRAP_UP and now >= agent.wrap_until:
                state, reason = self._derive(agent, now)
                since = agent.wrap_until
            by_state[state] += 1
            if state == PAUSED:
                key = reason or ""
                paused_by_reason[key] = paused_by_reason.get(key, 0) + 1
            views.append(AgentView(agent.interface, agent.member_name, state, reason, since,
                                   max(0.0, now - since), tuple(sorted(agent.queues)),
                                   agent.calls_completed))
        return AgentsSnapshot(now, by_state, paused_by_reason, tuple(views))
