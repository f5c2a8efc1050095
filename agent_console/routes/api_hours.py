"""Service hours, the holiday calendar and the emergency message (DESIGN §9, second round:
`GET /hours`), and an after-hours recorded complaint's audio for the agent calling back."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from common.context import AppContext
from agent_console.deps import CurrentUser, current_user, get_ctx, get_session, require
from agent_console.errors import ApiError
from agent_console.responses import EmergencyState, HolidayList, HolidayOut, HolidayRemoved, HoursOut, QueueHoursOut
from agent_console.schemas import SIGNED_IN, CodePath, RowId, Strict, errors
from grievance.errors import NotFound
from grievance.service import utcnow
from ivr import hours_admin
from ivr.prompts import PromptError
from ivr.scripts import QUEUES
from storage.queries import callbacks as callback_q
from storage.queries import hours as hours_q

router = APIRouter(prefix="/api/v1", tags=["hours"], responses=errors(400, *SIGNED_IN, 404))
ANYONE = current_user
STAFF = ("agent", "supervisor", "admin")
HHMM = r"^\d{1,2}:\d{2}$"
DayText = Field(min_length=10, max_length=10, pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")
AUDIO = {200: {"content": {"audio/wav": {}}, "description": "the recording (WAV)"}}


class HoursIn(Strict):
    days: list[str] = Field(min_length=1, max_length=7, description="mon … sun")
    opens: str = Field(pattern=HHMM, description="HH:MM, local time")
    closes: str = Field(pattern=HHMM, description="HH:MM; before `opens` = past midnight, equal = 24 hours")


class HolidayIn(Strict):
    day: str = DayText
    name_en: str = Field(min_length=1, max_length=100)
    name_hi: str = Field(min_length=1, max_length=100)


class EmergencyIn(Strict):
    active: bool
    text_hi: str | None = Field(default=None, max_length=1000)
    text_en: str | None = Field(default=None, max_length=1000)


@router.get("/hours", response_model=HoursOut)
async def get_hours(queue: str = Query(default=hours_admin.DEFAULT_QUEUE, max_length=64,
                                       description="helpline-hi (default), helpline-en or helpline-video"),
                    ctx: AppContext = Depends(get_ctx), session: AsyncSession = Depends(get_session, scope="function"),
                    _user: CurrentUser = Depends(ANYONE)) -> dict[str, Any]:
    """Are agents answering the queue now, when that changes, the emergency message (null when
    off), every queue's hours and the holidays of the coming year."""
    return await hours_admin.hours_view(session, queue, utcnow(), ctx.tz)


@router.put("/admin/hours/{queue}", response_model=QueueHoursOut)
async def put_hours(queue: CodePath, body: HoursIn, ctx: AppContext = Depends(get_ctx),
                    session: AsyncSession = Depends(get_session, scope="function"),
                    user: CurrentUser = Depends(require("admin"))) -> dict[str, Any]:
    """The queue's service hours (days, opening and closing time)."""
    await hours_admin.set_hours(session, queue, body.days, body.opens, body.closes, user.username, utcnow())
    return _queue(await hours_admin.hours_view(session, queue, utcnow(), ctx.tz), queue)


@router.delete("/admin/hours/{queue}", response_model=QueueHoursOut)
async def delete_hours(queue: CodePath, ctx: AppContext = Depends(get_ctx),
                       session: AsyncSession = Depends(get_session, scope="function"),
                       _user: CurrentUser = Depends(require("admin"))) -> dict[str, Any]:
    """Open all the time again (no hours); holidays then do not close the queue either."""
    await hours_admin.always_open(session, queue)
    return _queue(await hours_admin.hours_view(session, queue, utcnow(), ctx.tz), queue)


def _queue(view: dict[str, Any], queue: str) -> dict[str, Any]:
    return next(q for q in view["queues"] if q["queue"] == queue)


@router.get("/holidays", response_model=HolidayList)
async def list_holidays(session: AsyncSession = Depends(get_session, scope="function"),
                        _user: CurrentUser = Depends(ANYONE)) -> dict[str, Any]:
    """The whole holiday calendar (queues closed, campaigns do not call)."""
    return {"holidays": [hours_admin.holiday_json(h) for h in await hours_q.holidays(session)]}


@router.post("/admin/holidays", status_code=201, response_model=HolidayOut)
async def add_holiday(body: HolidayIn, session: AsyncSession = Depends(get_session, scope="function"),
                      user: CurrentUser = Depends(require("admin"))) -> dict[str, Any]:
    """Add a holiday (or rename the one on that date)."""
    row = await hours_admin.add_holiday(session, body.day, body.name_en, body.name_hi, user.username)
    return hours_admin.holiday_json(row)


@router.delete("/admin/holidays/{day}", response_model=HolidayRemoved)
async def remove_holiday(day: CodePath, session: AsyncSession = Depends(get_session, scope="function"),
                         _user: CurrentUser = Depends(require("admin"))) -> dict[str, Any]:
    return {"removed": await hours_admin.remove_holiday(session, day)}


@router.get("/emergency", response_model=EmergencyState)
async def get_emergency(ctx: AppContext = Depends(get_ctx), session: AsyncSession = Depends(get_session, scope="function"),
                        _user: CurrentUser = Depends(require("supervisor", "admin"))) -> dict[str, Any]:
    return _emergency(await hours_q.emergency(session), ctx)


@router.put("/emergency", response_model=EmergencyState, responses=errors(503))
async def put_emergency(body: EmergencyIn, ctx: AppContext = Depends(get_ctx),
                        session: AsyncSession = Depends(get_session, scope="function"),
                        user: CurrentUser = Depends(require("supervisor", "admin"))) -> dict[str, Any]:
    """Switch the emergency message on (played before the menu of every call) or off. New texts
    are spoken by text-to-speech before this answers; 503 `tts_failed` when that fails (nothing saved)."""
    try:
        row = await hours_admin.set_emergency(session, body.active, body.text_hi, body.text_en, user.username,
                                              utcnow(), ctx.prompts.render if ctx.prompts else None)
    except PromptError as exc:
        raise ApiError(503, "tts_failed", f"the message could not be spoken: {exc}") from None
    return _emergency(row, ctx)


def _emergency(row: Any, ctx: AppContext) -> dict[str, Any]:
    if row is None:
        return {"active": False, "text_hi": "", "text_en": "", "updated_by": None, "updated_at": None}
    return {"active": row.active, "text_hi": row.text_hi, "text_en": row.text_en, "updated_by": row.updated_by,
            "updated_at": row.updated_at.astimezone(ctx.tz).isoformat()}


@router.get("/callbacks/{request_id}/recording", response_class=FileResponse, responses=AUDIO)
async def recording(request_id: RowId, ctx: AppContext = Depends(get_ctx),
                    session: AsyncSession = Depends(get_session, scope="function"),
                    _user: CurrentUser = Depends(require(*STAFF))) -> FileResponse:
    """The complaint a caller recorded after hours (a callback request of kind `voicemail`)."""
    row = await callback_q.by_id(session, request_id)
    if row is None or not row.recording:
        raise NotFound(f"callback request {request_id} has no recording")
    path = Path(ctx.settings.recordings_dir) / f"{row.recording}.wav"
    if not path.is_file():
        raise NotFound(f"the recording of request {request_id} is not in HELPLINE_RECORDINGS_DIR "
                       "(the caller hung up before speaking, or the folder is not shared with Asterisk)")
    return FileResponse(path, media_type="audio/wav", filename=f"callback-{request_id}.wav")


__all__ = ["router", "QUEUES"]
