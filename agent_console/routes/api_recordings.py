"""Recordings API: find recorded calls, stream one (HTTP ranges, so a player can seek), and the
listening audit (admin)."""
from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from common.context import AppContext
from agent_console.deps import CurrentUser, get_ctx, get_session, require
from agent_console.schemas import SIGNED_IN, RowId, errors
from grievance.errors import InvalidInput
from grievance.service import utcnow
from recordings import service as rec
from recordings.files import RecordingFolder

router = APIRouter(prefix="/api/v1/recordings", tags=["recordings"], responses=errors(400, *SIGNED_IN))
STAFF = ("agent", "supervisor", "admin")


class RecordedCall(BaseModel):
    id: int
    call_id: str
    agent: str | None
    queue: str | None
    caller: str
    started_at: str
    talk_s: int | None
    complaint_number: str | None
    disposition: str | None
    recording: bool
    recording_deleted: bool
    qa_score: int | None


class RecordedCalls(BaseModel):
    calls: list[RecordedCall]


class Listen(BaseModel):
    at: str
    username: str
    role: str
    call: int
    call_id: str
    agent: str | None
    started_at: str


class Listens(BaseModel):
    listens: list[Listen]


def folder(ctx: AppContext) -> RecordingFolder:
    return RecordingFolder.from_settings(ctx.settings.call_recordings_dir, ctx.settings.call_recordings_pbx_dir)


def listener(user: CurrentUser) -> rec.Listener:
    return rec.Listener(user.username, user.role, user.extension)


def day(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput("dates look like 2026-11-22", field=field) from exc


def call_filter(agent: str | None, phone: str | None, complaint: str | None, start: str | None,
                end: str | None) -> rec.CallFilter:
    return rec.CallFilter(agent or None, phone or None, complaint or None, day(start, "from"), day(end, "to"))


@router.get("", response_model=RecordedCalls)
async def find(agent: str | None = Query(default=None, max_length=64), phone: str | None = Query(default=None, max_length=20),
               complaint: str | None = Query(default=None, max_length=16),
               start: str | None = Query(default=None, alias="from", max_length=10),
               end: str | None = Query(default=None, alias="to", max_length=10), ctx: AppContext = Depends(get_ctx),
               session: AsyncSession = Depends(get_session, scope="function"),
               user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    """Recorded calls, newest first (at most 200), by agent extension, caller's number, complaint
    number and local dates; an agent gets only the calls the agent answered."""
    f = call_filter(agent, phone, complaint, start, end)
    return {"calls": await rec.find(session, listener(user), f, ctx.tz)}


@router.get("/listens", response_model=Listens)
async def listens(ctx: AppContext = Depends(get_ctx), session: AsyncSession = Depends(get_session, scope="function"),
                  _user: CurrentUser = Depends(require("admin"))) -> dict[str, Any]:
    """Who listened to which recording and when, newest first (the last 500)."""
    return {"listens": await rec.listens(session, ctx.tz)}


@router.get("/{call}/audio", response_class=FileResponse, responses={
    200: {"content": {"audio/wav": {}}, "description": "the WAV file (206 for a byte range)"},
    206: {"content": {"audio/wav": {}}, "description": "the byte range asked for"},
    **errors(404), 416: {"description": "the byte range is outside the file"}})
async def audio(call: RowId, request: Request, ctx: AppContext = Depends(get_ctx),
                session: AsyncSession = Depends(get_session, scope="function"),
                user: CurrentUser = Depends(require(*STAFF))) -> FileResponse:
    """The recording of the call row `call` (the `id` of a found call). Agents: only their own
    calls (403). Every listen is audited; range requests past the start (seeking) are not new listens."""
    path = await rec.open_recording(session, listener(user), call, folder(ctx), utcnow(),
                                    new_listen=rec.first_range(request.headers.get("range")))
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "private, no-store"})
