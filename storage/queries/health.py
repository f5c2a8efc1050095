from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def ping(session: AsyncSession) -> None:
    await session.execute(text("SELECT 1"))


# The tables nearly every page plans on: a new PostgreSQL backend reads their catalog entries (the
# table, its indexes, their statistics) the first time a query on them is planned.
HOT_TABLES = ("users", "complaints", "citizens", "officers", "complaint_events", "data_access_log")


async def warm(session: AsyncSession) -> None:
    """Plan (and run, finding nothing) one lookup per hot table on this session's connection."""
    for table in HOT_TABLES:
        await session.execute(text(f"SELECT 1 FROM {table} WHERE id = -1" if table != "officers"
                                   else "SELECT 1 FROM officers WHERE code = ''"))
