"""The supervisor's wallboard and agents' views, built from the trackers of every PBX.

An agent known to several Asterisk servers shows its busiest state there (on_call > ringing >
wrap_up > paused > ready > logged_out).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from cti import agents as ag
from cti import calls as cl
from cti import screen_pop as sp
from cti.pbx_clock import PbxClock

STATE_RANK = {ag.ON_CALL: 5, ag.RINGING: 4, ag.WRAP_UP: 3, ag.PAUSED: 2, ag.READY: 1, ag.LOGGED_OUT: 0}


def merged_agents(trackers: Iterable[tuple[ag.AgentTracker, PbxClock]]) -> dict[str, ag.AgentView]:
    """Interface -> the agent's view, the busiest across servers (times in this host's clock)."""
    out: dict[str, ag.AgentView] = {}
    for tracker, clock in trackers:
        for view in tracker.snapshot(clock.now()).agents:
            if clock.offset:
                view = dataclasses.replace(view, since=clock.to_local(view.since))
            known = out.get(view.interface)
            if known is None or STATE_RANK[view.state] > STATE_RANK[known.state]:
                out[view.interface] = view
    return out


def agent_json(extension: str, view: ag.AgentView | None) -> dict[str, Any]:
    if view is None:
        return {"agent": extension, "state": ag.LOGGED_OUT, "reason": None, "since": None, "queues": [],
                "calls_completed": 0}
    return {"agent": extension, "state": view.state, "reason": view.reason, "since": sp.iso(view.since),
            "queues": list(view.queues), "calls_completed": view.calls_completed}


def waiting_calls(trackers: Iterable[tuple[cl.CallTracker, PbxClock]]) -> list[dict[str, Any]]:
    """Callers waiting in a queue, longest wait first."""
    waiting = []
    for tracker, clock in trackers:
        now = clock.now()
        for record in tracker.waiting():
            waited = int(now - record.joined_at) if record.joined_at else 0
            waiting.append({"id": record.id, "caller": sp.canonical_caller(record.caller) or record.caller,
                            "queue": record.queue, "language": record.language, "waited_s": max(0, waited)})
    waiting.sort(key=lambda w: -w["waited_s"])
    return waiting


def build(waiting: list[dict[str, Any]], agents: dict[str, ag.AgentView], today: dict[str, int],
          pbx: list[dict[str, object]], now: float) -> dict[str, Any]:
    """The wallboard message (`type: wallboard`) for /ws/supervisor and GET /api/v1/wallboard."""
    by_state = dict.fromkeys(ag.STATES, 0)
    by_reason: dict[str, int] = {}
    for view in agents.values():
        by_state[view.state] += 1
        if view.state == ag.PAUSED:
            by_reason[view.reason or ""] = by_reason.get(view.reason or "", 0) + 1
    offered = today.get("offered", 0)
    return {
        "type": "wallboard", "at": sp.iso(now),
        "calls_waiting": len(waiting), "longest_wait_s": waiting[0]["waited_s"] if waiting else 0,
        "waiting": waiting,
        "agents_by_state": by_state, "paused_by_reason": by_reason,
        "agents": [{"agent": sp.extension_of(v.interface), "name": v.member_name, "state": v.state,
                    "reason": v.reason, "in_state_s": int(v.in_state_s), "queues": list(v.queues),
                    "calls_completed": v.calls_completed}
                   for v in sorted(agents.values(), key=lambda v: v.interface)],
        "today": {**today,
                  "service_level_pct": round(100.0 * today.get("answered_in_sl", 0) / offered, 1) if offered else None,
                  "answered_pct": round(100.0 * today.get("answered", 0) / offered, 1) if offered else None},
        "pbx": pbx,
    }
