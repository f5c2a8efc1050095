"""Load a realistic volume of complaints fast (benchmarks only): ~4,500 a day going back in time,
in every lifecycle state, with their citizens. SQLite through sqlite3, PostgreSQL through COPY."""
from __future__ import annotations

import asyncio
import random
import sqlite3
from datetime import datetime, timedelta, timezone

import asyncpg
from sqlalchemy.engine import make_url

from config.reference import load_reference
from grievance import numbers
from storage.db import Database
from storage.migrate import upgrade
from storage.seed import seed_reference

PER_DAY = 4_500
STATES = [("at_l1", 25), ("disposed", 10), ("closed", 55), ("at_l2", 4), ("disposed_l2", 2), ("closed", 4)]


def rows(count: int, now: datetime, seed: int = 1076) -> tuple[list[tuple], list[tuple]]:
    """(citizens, complaints) tuples in the column order of `CITIZEN_COLS` / `COMPLAINT_COLS`."""
    rng = random.Random(seed)
    ref = load_reference()
    districts = [d.code for d in ref.districts]
    cats = [(c.department_code, c.code, c.sla_days) for d in ref.departments for c in d.categories]
    states, weights = zip(*STATES)
    citizens, complaints = [], []
    seq: dict[str, int] = {}
    for i in range(count):
        at = now - timedelta(seconds=int(i * 86400 / PER_DAY) + rng.randint(0, 60))
        month = numbers.yymm(at)
        seq[month] = seq.get(month, 0) + 1
        dept, cat, sla = rng.choice(cats)
        district = rng.choice(districts)
        state = rng.choices(states, weights)[0]
        phone = f"+91{rng.randint(6_000_000_000, 9_999_999_999)}"
        cid = i + 1
        level = 2 if state in ("at_l2", "disposed_l2") else 1
        citizens.append((cid, phone, f"Citizen {cid}", district, "hi", at))
        due = at + timedelta(days=sla)
        complaints.append((
            cid, numbers.make(month, seq[month]), cid, phone, district, dept, cat, "Bulk complaint text", "phone",
            state, level, f"{dept}-UP-L{level}", at, at, due,
            at + timedelta(days=1) if state != "at_l1" else None,
            at + timedelta(days=2) if state == "closed" else None,
            1 if level == 2 else rng.choice((0, 0, 0, 1)) if state != "at_l1" else 0,
            level == 2,
            rng.choice(("satisfied", "dissatisfied")) if state == "closed" else None,
        ))
    return citizens, complaints


CITIZEN_COLS = ("id", "phone", "name", "district_code", "language", "created_at")
COMPLAINT_COLS = ("id", "number", "citizen_id", "phone", "district_code", "department_code", "category_code",
                  "description", "channel", "state", "level", "officer_code", "registered_at", "assigned_at",
                  "due_at", "disposed_at", "closed_at", "reopen_count", "escalated", "feedback")


async def prepare(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    try:
        async with db.session_scope() as session:
            await seed_reference(session, load_reference())
    finally:
        await db.dispose()


def _naive(value: object) -> object:
    return value.astimezone(timezone.utc).replace(tzinfo=None) if isinstance(value, datetime) else value


async def load(url: str, count: int, now: datetime | None = None) -> None:
    """Migrate, seed and fill `url` with `count` complaints (the database must be empty)."""
    now = now or datetime.now(timezone.utc)
    await prepare(url)
    citizens, complaints = rows(count, now)
    citizens = [tuple(_naive(v) for v in r) for r in citizens]
    complaints = [tuple(_naive(v) for v in r) for r in complaints]
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(parsed.database)
        with conn:
            conn.executemany(f"INSERT INTO citizens ({','.join(CITIZEN_COLS)}) VALUES ({','.join('?' * 6)})", citizens)
            conn.executemany(
                f"INSERT INTO complaints ({','.join(COMPLAINT_COLS)}) VALUES ({','.join('?' * len(COMPLAINT_COLS))})",
                complaints)
        conn.execute("ANALYZE")
        conn.close()
        return
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table("citizens", records=citizens, columns=CITIZEN_COLS)
        await conn.copy_records_to_table("complaints", records=complaints, columns=COMPLAINT_COLS)
        await conn.execute("SELECT setval(pg_get_serial_sequence('citizens','id'), (SELECT max(id) FROM citizens))")
        await conn.execute("SELECT setval(pg_get_serial_sequence('complaints','id'), (SELECT max(id) FROM complaints))")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
