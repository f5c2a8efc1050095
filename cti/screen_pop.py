"""Screen-pop decisions and messages: tracker changes in, (agent, message) pairs out.

Messages (DESIGN §9), JSON objects sent on `/ws/agent`:

    {"type": "call.ringing" | "call.answered" | "call.ended",
     "agent": "agent1001",
     "call": {"id", "caller", "caller_raw", "queue", "language", "ivr_path", "waited_s",
              "direction", "complaint_no", "outcome"},
     "citizens": [...], "complaints": [...], "callbacks": [...]}
    {"type": "call.context", "agent": "agent1001", "call": {"id"},
     "citizens": [...], "complaints": [...], "callbacks": [...]}
    {"type": "agent.state", "agent": "agent1001", "state", "reason", "since"}

Decisions written down here:
- `call.caller` is the canonical `+91XXXXXXXXXX` form when the PBX's caller id is an Indian
  number (`919812345678` -> `+919812345678`, the form citizens and complaints are stored in);
  `call.caller_raw` is the caller id exactly as Asterisk sent it.
- `call.id` is the call's Linkedid (the id the hangup/transfer/spy API takes).
- An agent is addressed by its extension, the endpoint of its queue interface
  (`PJSIP/agent1001` -> `agent1001` = users.extension).
- Every agent a call rang gets a `call.ended` for it: `outcome` is the call's outcome for the
  agent who answered, `missed` for an agent whose ring ended unanswered while the call went
  on, `answered_elsewhere` when another agent took it, `caller_left` for an agent rung while
  the caller left the queue (hung up, timed out or chose a callback): not a call the agent missed.
- Every call message carries the caller context (citizens on the number, their latest
  complaints with state and due date, open callback requests), looked up once per call as it
  arrives (cti.lookups). A pop never waits for that lookup: when it is not done yet the call
  message goes out at once with `"context": "pending"` and no lists, and one `call.context`
  message per agent follows with the lists as soon as the lookup is done (empty when it failed).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from cti import agents as ag
from cti import calls as cl
from grievance import routing
from grievance.errors import InvalidInput
from grievance.phones import normalise_phone
from storage.models import CallbackRequest, Citizen, Complaint

RINGING = "call.ringing"
ANSWERED = "call.answered"
ENDED = "call.ended"
CONTEXT = "call.context"
PENDING = "pending"
AGENT_STATE = "agent.state"
MISSED = "missed"
CALLER_LEFT = "caller_left"
TRANSFERRED = "transferred"
ANSWERED_ELSEWHERE = "answered_elsewhere"
EMPTY_CONTEXT: dict[str, list[dict[str, Any]]] = {"citizens": [], "complaints": [], "callbacks": []}


def extension_of(interface: str | None) -> str | None:
    """`PJSIP/agent1001` -> `agent1001`; None for anything else."""
    if not interface:
        return None
    tech, sep, resource = interface.partition("/")
    if not sep or not resource:
        return None
    return resource


def interface_of(extension: str) -> str:
    return f"PJSIP/{extension}"


def canonical_caller(raw: str | None) -> str | None:
    """The caller id as `+91XXXXXXXXXX`, or None when it is not an Indian number."""
    if not raw:
        return None
    try:
        return normalise_phone(raw, from_pbx=True)
    except InvalidInput:
        return None


def iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="seconds")


def call_json(record: cl.CallRecord, waited_s: int | None = None, outcome: str | None = None) -> dict[str, Any]:
    return {
        "id": record.id,
        "caller": canonical_caller(record.caller) or record.caller,
        "caller_raw": record.caller,
        "queue": record.queue,
        "language": record.language,
        "ivr_path": record.ivr_path,
        "waited_s": waited_s if waited_s is not None else record.wait_s,
        "direction": record.direction,
        "complaint_no": record.complaint_no,
        "outcome": outcome,
    }


def context_json(citizens: Sequence[Citizen], complaints: Sequence[Complaint],
                 callbacks: Sequence[CallbackRequest], tz: ZoneInfo, now: datetime) -> dict[str, Any]:
    """The caller context of a pop from rows (lean: no per-complaint lookups)."""
    def at(value: datetime | None) -> str | None:
        return value.astimezone(tz).isoformat(timespec="seconds") if value else None

    return {
        "citizens": [{"id": c.id, "name": c.name, "phone": c.phone, "district": c.district_code,
                      "language": c.language} for c in citizens],
        "complaints": [{"number": c.number, "citizen_id": c.citizen_id, "state": c.state, "level": c.level,
                        "department": c.department_code, "category": c.category_code,
                        "district": c.district_code, "registered_at": at(c.registered_at),
                        "due_at": at(c.due_at), "overdue": routing.is_overdue(c.state, c.due_at, now),
                        "description": c.description[:200]} for c in complaints],
        "callbacks": [{"id": r.id, "phone": r.phone, "language": r.language, "queue": r.queue,
                       "requested_at": at(r.requested_at)} for r in callbacks],
    }


def call_message(kind: str, agent: str, record: cl.CallRecord, context: dict[str, Any] | None,
                 waited_s: int | None = None, outcome: str | None = None,
                 pending: bool = False) -> dict[str, Any]:
    """A call pop; `pending`: its caller context is still being looked up (a `call.context` follows)."""
    message: dict[str, Any] = {"type": kind, "agent": agent, "call": call_json(record, waited_s, outcome)}
    if pending:
        message["context"] = PENDING
    else:
        message.update(context or EMPTY_CONTEXT)
    return message


def context_message(agent: str, call_id: str, context: dict[str, Any]) -> dict[str, Any]:
    """The caller context of a call popped before its lookup was done."""
    return {"type": CONTEXT, "agent": agent, "call": {"id": call_id}, **context}


def agent_state_message(agent: str, state: str, reason: str | None, since: float | None,
                        **extra: Any) -> dict[str, Any]:
    return {"type": AGENT_STATE, "agent": agent, "state": state, "reason": reason, "since": iso(since), **extra}


@dataclass(frozen=True, slots=True)
class Pop:
    """One message for one agent: `kind` is a message type, `record` the call (None for agent.state)."""
    kind: str
    agent: str
    at: float
    record: cl.CallRecord | None = None
    waited_s: int | None = None
    outcome: str | None = None
    state: str | None = None
    reason: str | None = None

    @property
    def key(self) -> str:
        """Identifies the pop across processes (the same event seen twice pops once)."""
        call = self.record.id if self.record is not None else ""
        return f"{self.kind}|{self.agent}|{call}|{self.state or ''}|{self.at:.6f}"


class PopPlanner:
    """Decides which agent gets which message; remembers who was popped for each call."""

    def __init__(self) -> None:
        self._popped: dict[str, set[str]] = {}  # call id -> extensions it rang
        self._records: dict[str, cl.CallRecord] = {}
        self._current: dict[str, str] = {}  # extension -> call id
        self._ring_over: dict[str, set[str]] = {}  # call id -> agents whose ring ended, outcome unknown

    def current_call(self, agent: str) -> cl.CallRecord | None:
        call_id = self._current.get(agent)
        return self._records.get(call_id) if call_id else None

    def call_change(self, change: cl.CallChange) -> list[Pop]:
        record = change.call
        if change.kind == cl.RINGING:
            agent = extension_of(change.agent)
            if agent is None:
                return []
            out = []
            for over in sorted(self._ring_over.pop(record.id, set())):  # the call went on: those rings were missed
                if over in self._popped.get(record.id, set()):
                    self._popped[record.id].discard(over)
                    out.append(self._end(over, self._records.get(record.id, record), change.at, MISSED))
            self._records[record.id] = record
            self._popped.setdefault(record.id, set()).add(agent)
            self._current[agent] = record.id
            out.append(Pop(RINGING, agent, change.at, record, change.waited_s))
            return out
        if change.kind == cl.ANSWERED_CHANGE:
            agent = extension_of(change.agent)
            if agent is None:
                return []
            self._records[record.id] = record
            others = self._popped.get(record.id, set()) - {agent}
            self._popped[record.id] = {agent}
            self._ring_over.pop(record.id, None)
            self._current[agent] = record.id
            out = [self._end(other, record, change.at, ANSWERED_ELSEWHERE) for other in sorted(others)]
            out.append(Pop(ANSWERED, agent, change.at, record, change.waited_s))
            return out
        if change.kind == cl.ENDED:
            self._records.pop(record.id, None)
            self._ring_over.pop(record.id, None)
            answered_by = extension_of(record.agent)
            out = []
            for agent in sorted(self._popped.pop(record.id, set())):
                outcome = record.outcome
                if answered_by is not None and agent != answered_by:
                    outcome = ANSWERED_ELSEWHERE
                elif answered_by is None and record.joined_at is not None:
                    outcome = CALLER_LEFT  # rung while the caller left the queue
                out.append(self._end(agent, record, change.at, outcome, change.waited_s))
            return out
        if record.id in self._records:
            self._records[record.id] = record
        return []

    def agent_change(self, change: ag.AgentChange,
                     live: Callable[[str], cl.CallRecord | None] | None = None) -> list[Pop]:
        """`live(call_id)`: the call as the tracker knows it now (None once it ended). It tells a
        ring the agent missed (AgentRingNoAnswer: the caller still waits) from one the caller
        ended by leaving. Device-state events come asynchronously, so a ring can end before
        either is known: then the agent's `call.ended` waits for what comes next (the call
        ends or is answered: `caller_left`/`answered_elsewhere`; the queue rings again: `missed`)."""
        agent = extension_of(change.interface)
        if agent is None:
            return []
        out: list[Pop] = []
        if change.old == ag.RINGING and change.new != ag.ON_CALL:
            call_id = self._current.get(agent)
            record = self._records.get(call_id) if call_id else None
            if record is not None and agent in self._popped.get(record.id, set()):
                outcome: str | None = MISSED
                if live is not None:
                    now = live(record.id)
                    if now is None or (not now.in_queue and now.agent is None):
                        outcome = CALLER_LEFT
                    elif not any(a.interface == change.interface and a.at >= (record.ringing_at or 0.0)
                                 for a in now.ring_attempts):
                        outcome = None  # not known yet
                if outcome is None:
                    self._ring_over.setdefault(record.id, set()).add(agent)
                else:
                    self._popped[record.id].discard(agent)
                    out.append(self._end(agent, record, change.at, outcome))
        out.append(Pop(AGENT_STATE, agent, change.at, state=change.new, reason=change.reason))
        return out

    def left(self, agent: str, record: cl.CallRecord, at: float, outcome: str) -> list[Pop]:
        """The agent left a call that goes on (a transfer): its pop ends now, with `outcome`."""
        if agent not in self._popped.get(record.id, set()):
            return []
        self._popped[record.id].discard(agent)
        return [self._end(agent, record, at, outcome)]

    def _end(self, agent: str, record: cl.CallRecord, at: float, outcome: str | None,
             waited_s: int | None = None) -> Pop:
        if self._current.get(agent) == record.id:
            del self._current[agent]
        return Pop(ENDED, agent, at, record, waited_s, outcome)
