"""One Asterisk's event stream as the CTI holds it: its AMI client, trackers, clock and ownership.

Shared by the rooms of the CTI (cti.service): the pipeline (cti.pipeline) applies events to it,
the ownership room (cti.ownership) resynchronises it and decides whether this process owns it,
the board (cti.board) reads it.
"""
from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from cti import agents as ag
from cti import calls as cl
from cti import screen_pop as sp
from cti.ami.client import AmiClient
from cti.pbx_clock import PbxClock
from recordings.files import checked

MAX_MISSED = 100_000  # pops and rows kept by a process that does not own a stream (see replay_s)

# while not the owner: (local time, pops, call row, agent state row) it would have sent
Missed = tuple[float, list[sp.Pop], dict[str, Any] | None, dict[str, Any] | None]


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


def state_row(change: ag.AgentChange) -> dict[str, Any] | None:
    """The `agent_state_changes` row of an agent change (None when the interface is no agent's)."""
    extension = sp.extension_of(change.interface)
    if extension is None:
        return None
    return {"agent": extension, "at": utc(change.at), "state": change.new, "reason": change.reason}


@dataclass
class Stream:
    client: AmiClient
    calls: cl.CallTracker
    agents: ag.AgentTracker
    clock: PbxClock  # the trackers work in this server's time (its events' Timestamps)
    owner: bool = True  # this process owns the event stream (publishes pops, writes rows)
    syncing: bool = False  # taking the stream over: rows wait until the resync is done
    owner_since: float | None = None
    missed: deque[Missed] = field(default_factory=lambda: deque(maxlen=MAX_MISSED))
    resync_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def name(self) -> str:
        return self.client.name
