"""Open sockets' sessions are checked again in batches: one query for all the checks due."""
from __future__ import annotations

import asyncio

from agent_console.session_checks import Check, SessionChecks
from helpline.users import create_user
from storage.db import Database
from storage.queries import users as user_q


async def test_checks_due_together_share_one_query_and_end_only_lost_sessions(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        async with db.session_scope() as session:
            kept = await create_user(session, "kept", "agent", "pw-kept-123456", extension="agent1001")
            out = await create_user(session, "out", "agent", "pw-out-1234567", extension="agent1002")
            off = await create_user(session, "off", "agent", "pw-off-1234567", extension="agent1003")
            ids = kept.id, out.id, off.id
        async with db.session_scope() as session:
            await user_q.bump_token_version(session, ids[1])  # signed out elsewhere
            (await user_q.by_id(session, ids[2])).active = False  # disabled
        checks = SessionChecks(db, delay=0.05)
        ended: list[str] = []
        done = asyncio.Event()

        def ends(name: str):  # type: ignore[no-untyped-def]
            def end() -> None:
                ended.append(name)
                if len(ended) == 4:
                    done.set()
            return end

        checks.due(Check(ids[0], "agent", 0, ends("kept")))
        checks.due(Check(ids[0], "supervisor", 0, ends("kept, but the role in its token changed")))
        checks.due(Check(ids[1], "agent", 0, ends("signed out")))
        checks.due(Check(ids[2], "agent", 0, ends("disabled")))
        checks.due(Check(999_999, "agent", 0, ends("no such user")))
        async with asyncio.timeout(30):
            await done.wait()
        assert sorted(ended) == ["disabled", "kept, but the role in its token changed", "no such user", "signed out"]
        assert checks.queries == 1
    finally:
        await db.dispose()
