"""Call-centre reports for a date range: calls by hour, speed of answer, handle time, abandonment by
wait, service level per queue, agents' logged-in / paused / talk time and calls handled,
dispositions. Built from the stored `calls` and `agent_state_changes` (what the CTI wrote).

Definitions (docs/decisions.md): offered = inbound calls that reached a queue; service level =
answered within SL_SECONDS / offered; speed of answer = mean wait of answered calls; handle time =
mean talk time + mean wrap-up of the agents; lost = abandoned + timed out (a callback request is
neither). Agent times are the time spent in each state, clipped to the range; `logged_in` is
everything but logged_out.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from grievance.errors import InvalidInput
from grievance.text import spreadsheet_safe as _cell
from grievance.reports import period
from storage.queries import callcentre as cc_q
from storage.queries import qa as qa_q
from storage.queries import desk_settings

SL_SECONDS = 20
MAX_DAYS = 31
STATES = ("ready", "paused", "ringing", "on_call", "wrap_up")


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _avg(total: int, count: int) -> float | None:
    return round(total / count, 1) if count else None


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    offered, answered = int(row["offered"] or 0), int(row["answered"] or 0)
    lost = int(row["abandoned"] or 0) + int(row["timeout"] or 0)
    return {"offered": offered, "answered": answered, "abandoned": int(row["abandoned"] or 0),
            "timeout": int(row["timeout"] or 0), "callback": int(row["callback"] or 0), "lost": lost,
            "answered_in_sl": int(row["answered_in_sl"] or 0),
            "service_level_pct": _pct(int(row["answered_in_sl"] or 0), offered),
            "abandon_pct": _pct(lost, offered),
            "asa_s": _avg(int(row["wait_answered_s"] or 0), answered),
            "avg_talk_s": _avg(int(row["talk_s"] or 0), answered), "max_wait_s": int(row["max_wait_s"] or 0)}


def agent_times(changes: list[Any], start: datetime, end: datetime, now: datetime) -> dict[str, dict[str, float]]:
    """Seconds per state per agent, from ordered state changes clipped to [start, min(end, now))."""
    stop = min(end, now)
    out: dict[str, dict[str, float]] = {}
    for i, row in enumerate(changes):
        nxt = changes[i + 1] if i + 1 < len(changes) and changes[i + 1].agent == row.agent else None
        lo, hi = max(row.at, start), min(nxt.at if nxt else stop, stop)
        if hi <= lo or row.state == "logged_out":
            out.setdefault(row.agent, {})
            continue
        times = out.setdefault(row.agent, {})
        times[row.state] = times.get(row.state, 0.0) + (hi - lo).total_seconds()
    return out


async def report(session: AsyncSession, first: date, last: date, tz: ZoneInfo,
                 now: datetime | None = None) -> dict[str, Any]:
    lo, hi = period(first, last, tz)
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput(f"a call-centre report covers at most {MAX_DAYS} days", field="to")
    now = now or datetime.now(timezone.utc)
    total = _figures((await cc_q.totals(session, lo, hi, SL_SECONDS))[0])
    queues = [{"queue": r["queue"], **_figures(r)} for r in await cc_q.totals(session, lo, hi, SL_SECONDS, True)]
    offset = int(datetime.combine(first, datetime.min.time(), tz).utcoffset().total_seconds())  # type: ignore[union-attr]
    hours = {int(r["hour"]): r for r in await cc_q.by_hour(session, lo, hi, offset)}
    by_hour = [{"hour": h, "offered": int(hours[h]["offered"]) if h in hours else 0,
                "answered": int(hours[h]["answered"]) if h in hours else 0,
                "lost": int(hours[h]["lost"]) if h in hours else 0} for h in range(24)]
    times = agent_times(list(await cc_q.state_changes(session, lo, hi)), lo, hi, now)
    handled = {r["agent"]: r for r in await cc_q.by_agent(session, lo, hi)}
    quality = {r["agent"]: r for r in await qa_q.averages(session, lo, hi)}  # reviews of the period's calls
    agents = []
    for agent in sorted(set(times) | set(handled) | set(quality)):
        t = times.get(agent, {})
        calls = int(handled[agent]["handled"]) if agent in handled else 0
        talk = int(handled[agent]["talk_s"] or 0) if agent in handled else 0
        agents.append({"agent": agent, "handled": calls, "talk_s": talk,
                       "logged_in_s": round(sum(t.values())), "ready_s": round(t.get("ready", 0.0)),
                       "paused_s": round(t.get("paused", 0.0)), "wrap_up_s": round(t.get("wrap_up", 0.0)),
                       "on_call_s": round(t.get("on_call", 0.0)), "avg_talk_s": _avg(talk, calls),
                       "qa_reviews": quality[agent]["reviews"] if agent in quality else 0,
                       "qa_avg": quality[agent]["average"] if agent in quality else None})
    wrap = sum(a["wrap_up_s"] for a in agents)
    handled_all = sum(a["handled"] for a in agents)
    total["avg_wrap_s"] = _avg(wrap, handled_all)
    total["aht_s"] = round((total["avg_talk_s"] or 0) + (total["avg_wrap_s"] or 0), 1) if total["answered"] else None
    names = {r.code: r for r in await desk_settings.dispositions(session)}
    disp = [{"code": r["code"], "name_en": names[r["code"]].name_en if r["code"] in names else r["code"],
             "name_hi": names[r["code"]].name_hi if r["code"] in names else r["code"], "calls": int(r["calls"])}
            for r in await cc_q.dispositions(session, lo, hi)]
    return {"from": first.isoformat(), "to": last.isoformat(), "sl_seconds": SL_SECONDS, "total": total,
            "queues": queues, "by_hour": by_hour, "lost_by_wait": await cc_q.lost_by_wait(session, lo, hi),
            "agents": agents, "dispositions": disp}


def to_csv(data: dict[str, Any]) -> str:
    """The report as one CSV file with a section per table (a blank line between sections)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    keys = ("offered", "answered", "abandoned", "timeout", "callback", "answered_in_sl", "service_level_pct",
            "abandon_pct", "asa_s", "avg_talk_s", "max_wait_s")
    w.writerow(["queue", *keys])
    for q in data["queues"]:
        w.writerow([q["queue"], *(_cell(q[k]) for k in keys)])
    w.writerow(["TOTAL", *(_cell(data["total"][k]) for k in keys)])
    w.writerow([])
    w.writerow(["hour", "offered", "answered", "lost"])
    for h in data["by_hour"]:
        w.writerow([f"{h['hour']:02d}:00", h["offered"], h["answered"], h["lost"]])
    w.writerow([])
    w.writerow(["lost after waiting (s)", "calls"])
    for bucket, n in data["lost_by_wait"].items():
        w.writerow([bucket, n])
    w.writerow([])
    akeys = ("handled", "talk_s", "avg_talk_s", "logged_in_s", "ready_s", "paused_s", "wrap_up_s", "on_call_s")
    w.writerow(["agent", *akeys])
    for a in data["agents"]:
        w.writerow([_cell(a["agent"]), *(_cell(a[k]) for k in akeys)])
    w.writerow([])
    w.writerow(["disposition", "name", "calls"])
    for d in data["dispositions"]:
        w.writerow([_cell(d["code"] or "(none)"), _cell(d["name_en"] or ""), d["calls"]])
    return out.getvalue()

