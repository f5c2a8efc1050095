"""Bench-only bulk loader: a migrated, seeded database with N synthetic complaints, fast.

Rows go in with plain SQL (sqlite3 `executemany` on SQLite, asyncpg COPY on PostgreSQL),
bypassing the services: the point is a big, realistic table, not the lifecycle. Complaints
are spread over the months before `START` (150,000 a month), over every department, category
and district with officers, in a realistic state mix; citizens are one per 3 complaints.
`number_of(i)` gives the i-th complaint's number, so a benchmark can pick existing ones.
"""
from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from config.reference import load_reference
from grievance import numbers
from storage.seed import migrate_and_seed

START = datetime(2026, 11, 1)  # naive UTC, as stored
PER_MONTH = 150_000
COMPLAINTS_PER_CITIZEN = 3
STATES = (("closed", 70), ("at_l1", 15), ("disposed", 8), ("at_l2", 4), ("disposed_l2", 3))
BATCH = 20_000
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"

COMPLAINT_COLUMNS = (
    "id", "number", "citizen_id", "phone", "district_code", "department_code", "category_code",
    "description", "channel", "state", "level", "officer_code", "registered_at", "assigned_at", "due_at",
    "disposed_at", "closed_at", "reopen_count", "escalated", "feedback", "l1_report", "l2_report",
    "registered_by",
)
CITIZEN_COLUMNS = ("id", "phone", "name", "district_code", "language", "created_at")


def month_of(i: int) -> str:
    """YYMM of the i-th complaint: month 0 is the one before START, then backwards."""
    back = i // PER_MONTH + 1
    year, month = START.year, START.month - back
    while month < 1:
        year, month = year - 1, month + 12
    return f"{year % 100:02d}{month:02d}"


def number_of(i: int) -> str:
    return numbers.make(month_of(i), i % PER_MONTH + 1)


def phone_of(citizen_id: int) -> str:
    return f"+919{citizen_id:09d}"


@dataclass(frozen=True)
class _Routing:
    categories: list[tuple[str, str, int]]  # (department, category, sla days)
    officers: dict[tuple[str, str, int], str]  # (department, district, level) → officer
    districts: list[str]


def _routing() -> _Routing:
    ref = load_reference()
    officers = {(o.department_code, o.district_code, o.level): o.code for o in ref.officers if o.district_code}
    districts = sorted({district for (_, district, _) in officers})
    categories = [(d.code, c.code, c.sla_days) for d in ref.departments for c in d.categories]
    return _Routing(categories, officers, districts)


def complaint_rows(count: int, seed: int = 1076) -> Iterator[tuple[object, ...]]:
    """Complaint rows in COMPLAINT_COLUMNS order (times as naive UTC datetimes)."""
    rnd = random.Random(seed)
    routing = _routing()
    states = [s for s, weight in STATES for _ in range(weight)]
    citizens = max(1, count // COMPLAINTS_PER_CITIZEN)
    for i in range(count):
        citizen = rnd.randrange(1, citizens + 1)
        department, category, sla = rnd.choice(routing.categories)
        district = rnd.choice(routing.districts)
        state = rnd.choice(states)
        level = 2 if state in ("at_l2", "disposed_l2") else 1
        month_start = datetime.strptime(month_of(i), "%y%m")
        registered = month_start + timedelta(seconds=rnd.randrange(28 * 86400))
        due = registered + timedelta(days=sla)
        disposed = registered + timedelta(days=rnd.randrange(1, sla + 2)) if state != "at_l1" else None
        if state == "at_l2":
            disposed = None
        closed = disposed + timedelta(hours=rnd.randrange(1, 72)) if state == "closed" and disposed else None
        yield (
            i + 1, number_of(i), citizen, phone_of(citizen), district, department, category,
            "Synthetic complaint for benchmarks.", "phone", state, level,
            routing.officers[(department, district, level)], registered, registered, due, disposed, closed,
            0, level == 2, "satisfied" if state == "closed" else None, None, None, "bench",
        )


def citizen_rows(count: int) -> Iterator[tuple[object, ...]]:
    routing = _routing()
    for citizen in range(1, max(1, count // COMPLAINTS_PER_CITIZEN) + 1):
        yield (citizen, phone_of(citizen), f"Citizen {citizen}", routing.districts[citizen % len(routing.districts)],
               "hi" if citizen % 5 else "en", START)


async def prepare(url: str) -> None:
    """Migrate and seed the reference data."""
    await migrate_and_seed(url)


def load_sqlite(path: str, count: int) -> None:
    def stamp(row: tuple[object, ...]) -> tuple[object, ...]:
        return tuple(v.strftime(SQLITE_TIME) if isinstance(v, datetime) else v for v in row)

    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        for table, columns, rows in (("citizens", CITIZEN_COLUMNS, citizen_rows(count)),
                                     ("complaints", COMPLAINT_COLUMNS, complaint_rows(count))):
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            batch: list[tuple[object, ...]] = []
            for row in rows:
                batch.append(stamp(row))
                if len(batch) == BATCH:
                    conn.executemany(sql, batch)
                    batch.clear()
            conn.executemany(sql, batch)
            conn.commit()
        conn.execute("ANALYZE")
        conn.commit()
    finally:
        conn.close()


async def load_pg(dsn: str, count: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        for table, columns, rows in (("citizens", CITIZEN_COLUMNS, citizen_rows(count)),
                                     ("complaints", COMPLAINT_COLUMNS, complaint_rows(count))):
            batch: list[tuple[object, ...]] = []
            for row in rows:
                batch.append(row)
                if len(batch) == BATCH:
                    await conn.copy_records_to_table(table, records=batch, columns=list(columns))
                    batch.clear()
            if batch:
                await conn.copy_records_to_table(table, records=batch, columns=list(columns))
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
