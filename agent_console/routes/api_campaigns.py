"""Outbound campaigns (DESIGN §9), supervisors and admins only: create, upload contacts (CSV),
start, pause, cancel, progress, results as CSV; and the do-not-call list."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from common.context import AppContext
from agent_console.schemas import CSV_UPLOAD, CSV_RESPONSE, DncAdded, DncList, DncRemoved, PhoneText, PhonePath, RowId, SIGNED_IN, errors
from agent_console.deps import CurrentUser, get_ctx, get_session, require
from agent_console.errors import ApiError
from agent_console.responses import CampaignChanges, CampaignEdited, CampaignList, CampaignOut, ImportOut
from dialer import admin, edit
from dialer.csv_import import MAX_BYTES
from grievance.errors import InvalidInput
from grievance.service import utcnow
from dialer.survey_prompts import campaign_manifest
from ivr.prompts import PromptError
from storage.queries import campaign_admin as admin_q
from storage.queries.prompts import recorded_prompts

router = APIRouter(prefix="/api/v1", tags=["campaigns"], responses=errors(400, *SIGNED_IN, 404, 409))
SUPERVISORS = require("supervisor", "admin")


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    prompt_hi: str
    prompt_en: str
    digits: dict[str, str]


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    hi: str = Field(min_length=1, max_length=2000)
    en: str = Field(min_length=1, max_length=2000)


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    prompt_hi: str = Field(min_length=1, max_length=500)
    prompt_en: str = Field(min_length=1, max_length=500)
    digits: dict[str, str] = Field(description="digit → meaning; the first digit listed confirms")


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=150)
    kind: Literal["survey", "announcement"] = "survey"
    survey: list[Question] | None = Field(default=None, max_length=20,
                                          description="a survey's questions (at least one); not for announcements")
    message: MessageIn | None = Field(default=None, description="an announcement's message, spoken in Hindi and English")
    confirm: ConfirmIn | None = Field(default=None, description="an announcement's optional confirmation question")
    window: str | None = Field(default=None, description="HH:MM-HH:MM in the helpline's time zone")
    days: list[str] | None = Field(default=None, description="mon … sun")
    holidays: list[str] | None = Field(default=None, description="YYYY-MM-DD")
    max_channels: int | None = None
    calls_per_second: float | None = None
    max_attempts: int | None = None
    retry_minutes: dict[str, int] | None = Field(default=None, description="no_answer, busy, congestion, failed")
    daily_cap: int | None = None
    scheduled_at: datetime | None = None


class CampaignPatch(BaseModel):
    """Only the fields sent change; each change is logged (GET /campaigns/{id}/changes)."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str | None = Field(default=None, min_length=1, max_length=150)
    window: str | None = Field(default=None, max_length=11, description="HH:MM-HH:MM in the helpline's time zone")
    days: list[str] | None = Field(default=None, max_length=7, description="mon … sun")
    holidays: list[str] | None = Field(default=None, max_length=400, description="YYYY-MM-DD")
    max_channels: int | None = None
    calls_per_second: float | None = None
    max_attempts: int | None = None
    retry_minutes: dict[str, int] | None = Field(default=None, description="no_answer, busy, congestion, failed")
    daily_cap: int | None = None
    scheduled_at: datetime | None = Field(default=None, description="a draft's start time; null clears it")


class DncIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    phone: PhoneText
    reason: str = Field(default="", max_length=150)


@router.get("/campaigns", response_model=CampaignList)
async def list_campaigns(ctx: AppContext = Depends(get_ctx), session: AsyncSession = Depends(get_session, scope="function"),
                         user: CurrentUser = Depends(SUPERVISORS)) -> dict[str, Any]:
    out = []
    for campaign in await admin_q.list_campaigns(session):
        item = admin.campaign_json(campaign, ctx.tz)
        item["progress"] = await admin.progress(session, campaign)
        out.append(item)
    return {"campaigns": out}


@router.post("/campaigns", status_code=201, response_model=CampaignOut, responses=errors(503))
async def create_campaign(body: CampaignIn, ctx: AppContext = Depends(get_ctx),
                          user: CurrentUser = Depends(SUPERVISORS)) -> dict[str, Any]:
    """A survey (`survey`: its questions) or an announcement (`message`, optional `confirm`), as a
    draft. The questions or the message are spoken by text-to-speech before this answers, so the
    campaign can start at once; 503 `tts_failed` when that fails (nothing saved)."""
    data = body.model_dump(exclude_none=True)
    spec = admin.build_spec(data, ctx.settings.calling_window)
    async with ctx.db.session_scope() as session:
        campaign = await admin.create_campaign(session, spec, user.username, utcnow())
        campaign_id, manifest = campaign.id, campaign_manifest(campaign)
        recorded = await recorded_prompts(session)
    # spoken after the commit, so no write lock is held while espeak runs; a failure takes the
    # new draft away again (it has no contacts yet): nothing is left saved
    try:
        if ctx.prompts is not None:
            await ctx.prompts.render_all(manifest, recorded)
    except PromptError as exc:
        async with ctx.db.session_scope() as session:
            await admin_q.delete_draft(session, campaign_id)
        raise ApiError(503, "tts_failed", f"the campaign's prompts could not be spoken: {exc}") from None
    async with ctx.db.sessions() as session:
        campaign = await admin.get_campaign(session, campaign_id)
        return {**admin.campaign_json(campaign, ctx.tz), "progress": await admin.progress(session, campaign)}


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut)
async def get_campaign(campaign_id: RowId, ctx: AppContext = Depends(get_ctx),
                       session: AsyncSession = Depends(get_session, scope="function"),
                       user: CurrentUser = Depends(SUPERVISORS)) -> dict[str, Any]:
    campaign = await admin.get_campaign(session, campaign_id)
    return {**admin.campaign_json(campaign, ctx.tz), "progress": await admin.progress(session, campaign)}


@router.patch("/campaigns/{campaign_id}", response_model=CampaignEdited)
async def edit_campaign(campaign_id: RowId, body: CampaignPatch, ctx: AppContext = Depends(get_ctx),
                        session: AsyncSession = Depends(get_session, scope="function"),
                        user: CurrentUser = Depends(SUPERVISORS)) -> dict[str, Any]:
    """Change a campaign's rules (the standing feedback campaign's too) until it is completed or
    cancelled; `change` is the audit entry (who, when, each field before and after), null when
    nothing changed."""
    changes = body.model_dump(exclude_unset=True, mode="json")
    campaign, change = await edit.edit_campaign(session, campaign_id, changes, user.username, utcnow(), ctx.tz)
    return {**admin.campaign_json(campaign, ctx.tz), "progress": await admin.progress(session, campaign),
            "change": edit.change_json(change, ctx.tz) if change else None}


@router.get("/campaigns/{campaign_id}/changes", response_model=CampaignChanges)
async def campaign_changes(campaign_id: RowId, ctx: AppContext = Depends(get_ctx),
                           session: AsyncSession = Depends(get_session, scope="function"),
                           user: CurrentUser = Depends(SUPERVISORS)) -> dict[str, Any]:
    """Every change of the campaign's rules, oldest first."""
    return {"changes": await edit.history(session, campaign_id, ctx.tz)}


@router.post("/campaigns/{campaign_id}/contacts", response_model=ImportOut, openapi_extra=CSV_UPLOAD)
async def upload_contacts(campaign_id: RowId, request: Request, session: AsyncSession = Depends(get_session, scope="function"),
                          user: CurrentUser = Depends(SUPERVISORS)) -> dict[str, Any]:
    """A CSV of beneficiaries: the raw body (text/csv) or a multipart form with a `file` field."""
    data = await _csv_body(request)
    report = await admin.import_contacts(session, campaign_id, data, utcnow())
    return report.as_dict()


async def _csv_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BYTES + 65536:
        raise ApiError(413, "too_large", f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InvalidInput("send the CSV as the form field 'file'", field="file")
        data = await upload.read(MAX_BYTES + 1)
    else:
        data = bytearray()
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_BYTES:
                break
        data = bytes(data)
    if not data:
        raise InvalidInput("no CSV was sent", field="file")
    return data


@router.post("/campaigns/{campaign_id}/{move}", response_model=CampaignOut)
async def change_state(campaign_id: RowId, move: Literal["start", "pause", "cancel"], ctx: AppContext = Depends(get_ctx),
                       session: AsyncSession = Depends(get_session, scope="function"),
                       user: CurrentUser = Depends(SUPERVISORS)) -> dict[str, Any]:
    campaign = await admin.change_state(session, campaign_id, move, utcnow())
    return {**admin.campaign_json(campaign, ctx.tz), "progress": await admin.progress(session, campaign)}


@router.get("/campaigns/{campaign_id}/results.csv", response_class=StreamingResponse, responses=CSV_RESPONSE)
async def results_csv(campaign_id: RowId, ctx: AppContext = Depends(get_ctx),
                      user: CurrentUser = Depends(SUPERVISORS)) -> StreamingResponse:
    async with ctx.db.sessions() as session:
        campaign = await admin.get_campaign(session, campaign_id)
        lines = [line async for line in admin.results_csv(session, campaign, ctx.tz)]
    return StreamingResponse(iter(lines), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="campaign-{campaign_id}.csv"'})


@router.get("/dnc", response_model=DncList)
async def dnc_list(session: AsyncSession = Depends(get_session, scope="function"),
                   user: CurrentUser = Depends(SUPERVISORS)) -> dict[str, Any]:
    rows = await admin_q.dnc_list(session)
    return {"numbers": [{"phone": r.phone, "reason": r.reason, "added_at": r.added_at.isoformat()} for r in rows]}


@router.post("/dnc", status_code=201, response_model=DncAdded)
async def dnc_add(body: DncIn, session: AsyncSession = Depends(get_session, scope="function"),
                  user: CurrentUser = Depends(SUPERVISORS)) -> dict[str, Any]:
    phone = await admin.dnc_add(session, body.phone, body.reason, utcnow())
    return {"phone": phone, "reason": body.reason}


@router.delete("/dnc/{phone}", response_model=DncRemoved)
async def dnc_remove(phone: PhonePath, session: AsyncSession = Depends(get_session, scope="function"),
                     user: CurrentUser = Depends(SUPERVISORS)) -> dict[str, Any]:
    return {"removed": await admin.dnc_remove(session, phone)}
