"""Supervisor reports: counts and pending-by-age per department, district or officer; CSV; ranking."""
from __future__ import annotations

import csv
import io
import math
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from grievance.errors import InvalidInput
from grievance.reports import COUNTS, _finish, period
from grievance.text import spreadsheet_safe
from storage.queries import reference
from storage.queries import reports as report_q

GROUPS = ("department", "district", "officer")
# (column label, first day of age, last day of age or None)
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("age_0_3", 0, 3), ("age_4_7", 4, 7), ("age_8_15", 8, 15), ("age_over_15", 16, None))
AGE_TITLES = {"age_0_3": "0–3", "age_4_7": "4–7", "age_8_15": "8–15", "age_over_15": ">15"}
COLUMNS = (*COUNTS, *(b[0] for b in AGE_BUCKETS), "satisfaction_pct")


def _buckets(now: datetime) -> list[tuple[str, datetime, datetime | None]]:
    return [(label, now - timedelta(days=lo), now - timedelta(days=hi + 1) if hi is not None else None)
            for label, lo, hi in AGE_BUCKETS]


async def _names(session: AsyncSession, by: str, lang: str) -> dict[str, str]:
    rows: Any = {"department": reference.departments, "district": reference.districts,
                 "officer": reference.officers}[by]
    return {r.code: (getattr(r, f"name_{lang}", None) or r.name_en) for r in await rows(session)}


async def report(session: AsyncSession, start: date, end: date, by: str, tz: ZoneInfo, now: datetime,
                 lang: str = "en") -> dict[str, Any]:
    """Rows per group (with name) and a total row, each with COLUMNS."""
    if by not in GROUPS:
        raise InvalidInput(f"group by one of {', '.join(GROUPS)}", field="by")
    lo, hi = period(start, end, tz)
    buckets = _buckets(now)
    total = _finish((await report_q.summary(session, lo, hi, now))[0])
    total.update({k: int(v or 0) for k, v in (await report_q.pending_by_age(session, lo, hi, now, buckets))[0].items()})
    ages = {r["code"]: r for r in await report_q.pending_by_age(session, lo, hi, now, buckets, group_by=by)}
    names = await _names(session, by, lang)
    rows = []
    for raw in await report_q.summary(session, lo, hi, now, group_by=by):
        row = _finish(raw)
        age = ages.get(raw["code"], {})
        row.update({label: int(age.get(label) or 0) for label, _, _ in AGE_BUCKETS})
        row["name"] = names.get(raw["code"] or "", raw["code"] or "—")
        rows.append(row)
    rows.sort(key=lambda r: (-r["received"], r["name"]))
    return {"from": start.isoformat(), "to": end.isoformat(), "by": by, "rows": rows, "total": total}


def disposal_score(disposed: int, received: int, z: float = 1.96) -> float:
    """The Wilson lower bound (95 %) of the share disposed, in %: the rate a district can be trusted to
    have. One complaint disposed of one scores about 21; 279 of 310 about 86 — volume counts."""
    if not received:
        return 0.0
    p = disposed / received
    centre = p + z * z / (2 * received)
    margin = z * math.sqrt(p * (1 - p) / received + z * z / (4 * received * received))
    return round(100.0 * (centre - margin) / (1 + z * z / received), 1)


def ranking(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Districts best first by the disposal score (share disposed, weighted by volume), then fewest
    overdue per complaint, then most satisfied."""
    ranked = []
    for row in rows:
        rate = round(100.0 * row["disposed"] / row["received"], 1) if row["received"] else 0.0
        ranked.append({**row, "disposal_pct": rate, "score": disposal_score(row["disposed"], row["received"])})
    ranked.sort(key=lambda r: (-r["score"], r["overdue"] / (r["received"] or 1), -(r["satisfaction_pct"] or 0),
                               r["name"]))
    for i, row in enumerate(ranked, start=1):
        row["rank"] = i
    return ranked


def to_csv(data: dict[str, Any]) -> str:
    """The report as CSV (UTF-8 text): one row per group, then the total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([data["by"], "name", *COLUMNS])
    for row in data["rows"]:
        cells = [row["code"] or "", row["name"], *(row.get(c) for c in COLUMNS)]
        writer.writerow([spreadsheet_safe(c) for c in cells])
    writer.writerow(["TOTAL", "", *(spreadsheet_safe(data["total"].get(c)) for c in COLUMNS)])
    return out.getvalue()
