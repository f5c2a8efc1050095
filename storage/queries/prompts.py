"""Recordings administrators uploaded for prompts (issue 14)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PromptRecording


async def recordings(session: AsyncSession) -> Sequence[PromptRecording]:
    return (await session.scalars(select(PromptRecording).order_by(PromptRecording.name,
                                                                   PromptRecording.language))).all()


async def recorded_prompts(session: AsyncSession) -> set[tuple[str, str]]:
    """(name, language) of every prompt an uploaded recording replaces."""
    rows = (await session.execute(select(PromptRecording.name, PromptRecording.language))).all()
    return {(name, lang) for name, lang in rows}


async def put_recording(session: AsyncSession, name: str, language: str, sha256: str, duration_s: float,
                        by: str, now: datetime) -> PromptRecording:
    row = await session.get(PromptRecording, (name, language))
    if row is None:
        row = PromptRecording(name=name, language=language)
        session.add(row)
    row.sha256, row.duration_s, row.uploaded_by, row.uploaded_at = sha256, duration_s, by, now
    await session.flush()
    return row


async def remove_recording(session: AsyncSession, name: str, language: str) -> bool:
    result = await session.execute(delete(PromptRecording).where(PromptRecording.name == name,
                                                                 PromptRecording.language == language))
    return bool(result.rowcount)
