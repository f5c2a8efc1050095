"""Calls as the tracker sees them: records, changes, outcome names, and how an outcome is decided.

Outcomes are decided from what happened, not from one event: `QueueCallerAbandon` is also
sent on a queue timeout (then `QUEUESTATUS=TIMEOUT` follows on the still live channel), and
`FULL`/`JOINEMPTY` leave no queue event at all, only `QUEUESTATUS`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from common.frozen import maker


#: set by [helpline-from-pods] on a call transferred from another pod (ivr.variables.FROM_POD)
FROM_POD = "HELPLINE_FROM_POD"
#: set by the desk (AMI Setvar) on a caller it transfers to another pod (ivr.variables.POD_TRUNK)
POD_TRUNK = "HELPLINE_POD_TRUNK"
#: set by the desk (AMI Setvar) on a caller it moves blind within its pod, to an extension or a
#: queue (ivr.variables.TRANSFER_TO)
TRANSFER_TO = "HELPLINE_TRANSFER_TO"

INBOUND = "inbound"
OUTBOUND = "outbound"

# Outcomes
ANSWERED = "answered"
ABANDONED = "abandoned"
TIMEOUT = "timeout"
IVR_ONLY = "ivr_only"
SHUTDOWN = "shutdown"
LOST = "lost"  # its events stopped (missed Hangup): swept by expire() or resync()
CALLBACK = "callback"  # left the queue with a callback request (HELPLINE_CALLBACK set): not abandoned
BUSY = "busy"
NO_ANSWER = "no_answer"
CONGESTION = "congestion"
FAILED = "failed"
QUEUE_EXITS = {  # QUEUESTATUS when Queue() returns without an agent
    "TIMEOUT": TIMEOUT, "FULL": "full", "JOINEMPTY": "joinempty", "LEAVEEMPTY": "leaveempty",
    "JOINUNAVAIL": "joinunavail", "LEAVEUNAVAIL": "leaveunavail",
}
_DIAL_OUTCOMES = {"ANSWER": ANSWERED, "BUSY": BUSY, "CONGESTION": CONGESTION,
                  "NOANSWER": NO_ANSWER, "CHANUNAVAIL": FAILED}
_CAUSE_OUTCOMES = {17: BUSY, 18: NO_ANSWER, 19: NO_ANSWER, 21: FAILED,
                   34: CONGESTION, 38: CONGESTION, 41: CONGESTION, 42: CONGESTION}

# Change kinds
QUEUED = "queued"
RINGING = "ringing"
ANSWERED_CHANGE = "answered"
ENDED = "ended"
RESYNCED = "resynced"


@dataclass(frozen=True, slots=True)
class RingAttempt:
    """An agent rang without answering: `no_answer` (ring_time_ms) or `dump`."""
    interface: str
    member_name: str | None
    at: float
    ring_time_ms: int | None
    result: str


@dataclass(frozen=True, slots=True)
class CallRecord:
    """What is known of one call at one moment. Times are epoch seconds."""
    id: str  # Linkedid
    direction: str
    channel: str
    uniqueid: str
    caller: str | None
    dialed: str | None
    started_at: float
    language: str | None
    ivr_path: str
    menu_digits: tuple[str, ...]
    agi_scripts: tuple[str, ...]
    complaint_no: str | None
    attempt: str | None  # HELPLINE_ATTEMPT of a dialer call
    variables: dict[str, str]  # every HELPLINE_* variable seen
    queue: str | None
    joined_at: float | None
    position: int | None
    in_queue: bool
    ringing_agent: str | None
    agent: str | None  # interface of the agent who answered
    member_name: str | None
    ringing_at: float | None
    answered_at: float | None
    ring_attempts: tuple[RingAttempt, ...]
    wait_s: int | None
    talk_s: int | None
    complete_reason: str | None  # caller | agent | transfer
    queue_status: str | None
    dial_status: str | None
    originate_action_id: str | None
    hangup_cause: int | None
    hangup_cause_txt: str | None
    ended_at: float | None
    outcome: str | None


_RECORD_FIELDS = tuple(f.name for f in fields(CallRecord))
_make_record = maker(CallRecord)


@dataclass(frozen=True, slots=True)
class CallChange:
    """`kind`: queued, ringing (the screen pop), answered, ended, resynced."""
    kind: str
    call: CallRecord
    at: float
    agent: str | None = None
    member_name: str | None = None
    waited_s: int | None = None


@dataclass(slots=True)
class _Call:
    id: str
    channel: str
    uniqueid: str
    caller: str | None
    dialed: str | None
    started_at: float
    last_seen: float
    seen_seq: int = 0  # the tracker's event count when this call was last touched
    direction: str = INBOUND
    language: str | None = None
    menu_digits: tuple[str, ...] = ()
    agi_scripts: tuple[str, ...] = ()
    steps: list[tuple[str, str]] = field(default_factory=list)
    complaint_no: str | None = None
    attempt: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    in_agi: bool = False
    up: bool = False
    queue: str | None = None
    joined_at: float | None = None
    position: int | None = None
    in_queue: bool = False
    ringing_agent: str | None = None
    agent: str | None = None
    member_name: str | None = None
    ringing_at: float | None = None
    answered_at: float | None = None
    ring_attempts: tuple[RingAttempt, ...] = ()
    wait_s: int | None = None
    talk_s: int | None = None
    complete_reason: str | None = None
    queue_status: str | None = None
    dial_status: str | None = None
    originate_action_id: str | None = None
    hangup_cause: int | None = None
    hangup_cause_txt: str | None = None
    ended_at: float | None = None
    outcome: str | None = None

    @property
    def ivr_path(self) -> str:
        """HELPLINE_IVR_PATH when the dialplan sets it; else the menu digits pressed,
        each with the AGI scripts it led to: `1 > 2 (complaint-status) > 0`."""
        path = self.variables.get("HELPLINE_IVR_PATH")
        if path is not None:
            return path
        parts: list[str] = []
        scripts: list[str] = []
        for kind, value in self.steps:
            if kind == "digit":
                if scripts:
                    parts[-1] += f" ({', '.join(scripts)})"
                    scripts = []
                parts.append(value)
            elif parts:
                scripts.append(value)
        if scripts:
            parts[-1] += f" ({', '.join(scripts)})"
        return " > ".join(parts)

    def record(self) -> CallRecord:
        return _record(self)


def _record_function() -> Callable[[_Call], CallRecord]:
    """`record(call)`: the CallRecord of a call in one generated call (its own copy of the
    variables dict); the tracker makes one per change it reports."""
    args = ", ".join("dict(c.variables)" if name == "variables" else f"c.{name}" for name in _RECORD_FIELDS)
    namespace: dict[str, Any] = {"make": _make_record}
    exec(compile(f"def record(c):\n    return make({args})\n", "<cti.call_records record>", "exec"), namespace)
    return namespace["record"]  # type: ignore[no-any-return]


_record = _record_function()


def dialed_number(dial_string: str) -> str:
    """The number part of a dial string: `919812345678@trunk` -> `919812345678`."""
    return dial_string.rsplit("/", 1)[-1].split("@", 1)[0]


def handed_over(call: _Call, dialling: str | None, dest_channel: str | None) -> bool:
    """A Dial by the call's own channel (Uniqueid `dialling`) that rings the desk the call was
    handed to: the agent a call from another pod's trunk names ([helpline-from-pods] sets
    HELPLINE_FROM_POD), or the agent a blind transfer within the pod names (HELPLINE_TRANSFER_TO,
    while that transfer is on)."""
    if dialling != call.uniqueid:
        return False
    if call.variables.get(FROM_POD):
        return True
    target = call.variables.get(TRANSFER_TO)
    return (bool(target) and call.complete_reason == "transfer" and dest_channel is not None
            and dest_channel.rsplit("-", 1)[0].partition("/")[2] == target)


def handed_to(call: CallRecord) -> str | None:
    """The agent (interface) a call handed over by a blind transfer within the pod, or from
    another pod, ended with: that agent's leg was a Dial, not a queue call, so no
    AgentComplete ends it. None for every other call."""
    agent = call.agent
    if agent is None:
        return None
    target = call.variables.get(TRANSFER_TO)
    if call.variables.get(FROM_POD) or (target and agent.partition("/")[2] == target):
        return agent
    return None


def pod_ringing(call: _Call, at: float, dest_channel: str) -> list[CallChange]:
    """That Dial rings its agent: the pop, as a queue's AgentCalled (a transferred call still
    names the agent who moved it until the new one answers)."""
    if call.agent is not None and call.complete_reason != "transfer":
        return []
    call.last_seen = at
    call.ringing_agent, call.ringing_at = dest_channel.rsplit("-", 1)[0], at  # PJSIP/agent1002-0000000a
    return [CallChange(RINGING, call.record(), at, call.ringing_agent, None, 0)]


def pod_dial_end(call: _Call, at: float, dial_status: str) -> list[CallChange]:
    """That Dial ended: answered (the pop's call.answered, as AgentConnect) or a ring missed.
    A transfer answered makes the new agent the call's agent (its first answer and wait kept);
    a transfer not answered leaves the call as the dialplan takes it back to the queue."""
    transfer = call.complete_reason == "transfer"
    if call.ringing_agent is None or (call.agent is not None and not transfer):
        return []
    interface, call.ringing_agent, call.last_seen = call.ringing_agent, None, at
    if dial_status == "ANSWER":
        if transfer and call.agent is not None:
            call.agent, call.member_name, call.complete_reason = interface, None, None
        else:
            call.agent, call.answered_at = interface, at
            call.wait_s = max(0, int(at - call.started_at))
        return [CallChange(ANSWERED_CHANGE, call.record(), at, interface, None, call.wait_s)]
    ring_ms = int((at - (call.ringing_at or at)) * 1000)
    call.ring_attempts += (RingAttempt(interface, None, at, ring_ms, "no_answer"),)
    if transfer:  # the agent who moved the caller has left: the queue's next agent answers it
        call.agent = None
    return []


def _outcome(call: _Call) -> str:
    if call.agent is not None:
        return ANSWERED
    if call.direction == OUTBOUND:
        if call.up:
            return ANSWERED
        by_dial = _DIAL_OUTCOMES.get(call.dial_status or "")
        if by_dial is not None:
            return by_dial
        return _CAUSE_OUTCOMES.get(call.hangup_cause or 0, FAILED)
    if call.variables.get(FROM_POD):  # a transfer from another pod that no agent answered
        return _DIAL_OUTCOMES.get(call.dial_status or "", ABANDONED)
    if call.variables.get("HELPLINE_CALLBACK"):
        return CALLBACK  # the caller chose a callback that keeps their place: served, not abandoned
    exit_status = QUEUE_EXITS.get(call.queue_status or "")
    if exit_status is not None:
        return exit_status
    if call.joined_at is not None:
        return ABANDONED
    return IVR_ONLY


def _lost(call: _Call) -> str:
    """Outcome of a call whose Hangup was never seen."""
    if call.agent is not None:
        return ANSWERED
    return QUEUE_EXITS.get(call.queue_status or "", LOST)
