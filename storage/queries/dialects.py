"""What differs between PostgreSQL and SQLite in the queries: row locking and INSERT … ON CONFLICT."""
from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def is_pg(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


def insert(session: AsyncSession, model: type[Any]) -> Any:
    """An INSERT that knows `on_conflict_do_nothing/_update` on either database."""
    return (postgresql if is_pg(session) else sqlite).insert(model)
