"""The officer's actions besides disposal, over the API (issue 13): interim reply, return to L1,
transfer request and its decision, attachments (list, upload, download)."""
from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Path, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from common.context import AppContext
from agent_console.deps import CurrentUser, current_user, get_ctx, get_session, require
from agent_console.errors import ApiError
from agent_console.responses import ComplaintOut
from agent_console.schemas import SIGNED_IN, ComplaintNumberPath, Strict, errors
from grievance import district as district_view
from grievance import officer_actions, service
from grievance.views import complaint_json
from storage.queries import attachments as attachment_q
from storage.queries import officer_inbox as inbox_q

router = APIRouter(prefix="/api/v1", tags=["officers"], responses=errors(400, *SIGNED_IN, 404, 409, 429))
UPLOAD_READ = 64 * 1024


class InterimIn(Strict):
    text: str = Field(min_length=1, max_length=2000, description="what has been started")
    expected_on: date = Field(description="the local date by which the action is expected")


class ReturnIn(Strict):
    direction: str = Field(min_length=1, max_length=2000, description="what the L1 officer is to do")


class TransferRequestIn(Strict):
    officer: str = Field(min_length=1, max_length=32, description="the receiving L1 officer's code")
    reason: str = Field(min_length=1, max_length=2000)


class DecisionIn(Strict):
    accept: bool
    note: str = Field(default="", max_length=2000, description="required to refuse")


class TransferRequestOut(BaseModel):
    id: int
    number: str
    to_officer: str
    state: str
    reason: str


class AttachmentOut(BaseModel):
    id: int
    kind: str
    mime: str
    size: int
    name: str
    channel: str
    added_by: str
    added_at: str


class AttachmentList(BaseModel):
    attachments: list[AttachmentOut]


def _attachment(row: Any, ctx: AppContext) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "mime": row.mime, "size": row.size, "name": row.original_name,
            "channel": row.channel, "added_by": row.added_by,
            "added_at": row.added_at.astimezone(ctx.tz).isoformat(timespec="seconds")}


async def _readable(session: AsyncSession, user: CurrentUser, number: str) -> Any:
    complaint = await service.get(session, number)
    if user.role == "officer" and complaint.officer_code != user.officer_code and not await inbox_q.has_handled(
            session, complaint.id, user.username):
        raise ApiError(403, "forbidden", f"complaint {complaint.number} is assigned to another officer")
    district_view.check_complaint(user.role, user.district_code, complaint.district_code, complaint.number)
    return complaint


@router.post("/complaints/{number}/interim", response_model=ComplaintOut)
async def interim(number: ComplaintNumberPath, body: InterimIn, ctx: AppContext = Depends(get_ctx),
                  session: AsyncSession = Depends(get_session, scope="function"),
                  user: CurrentUser = Depends(require("officer"))) -> dict[str, Any]:
    """Action started, expected by a date: the complaint stays open and the citizen is told."""
    complaint = await officer_actions.interim(session, number, body.text, body.expected_on, user.who, ctx.policy)
    return await complaint_json(session, complaint, ctx.tz, service.utcnow(), with_events=True)


@router.post("/complaints/{number}/return", response_model=ComplaintOut)
async def return_to_l1(number: ComplaintNumberPath, body: ReturnIn, ctx: AppContext = Depends(get_ctx),
                       session: AsyncSession = Depends(get_session, scope="function"),
                       user: CurrentUser = Depends(require("officer"))) -> dict[str, Any]:
    """The L2 officer sends the complaint back to L1 with a direction (deadline restarts)."""
    complaint = await officer_actions.return_to_l1(session, number, body.direction, user.who, ctx.policy)
    return await complaint_json(session, complaint, ctx.tz, service.utcnow(), with_events=True)


@router.post("/complaints/{number}/transfer-requests", status_code=201, response_model=TransferRequestOut)
async def request_transfer(number: ComplaintNumberPath, body: TransferRequestIn,
                           session: AsyncSession = Depends(get_session, scope="function"),
                           user: CurrentUser = Depends(require("officer"))) -> dict[str, Any]:
    """Ask to hand the complaint to another L1 officer (another district's); it stays with you meanwhile."""
    row = await officer_actions.request_transfer(session, number, body.officer, body.reason, user.who)
    return {"id": row.id, "number": number, "to_officer": row.to_officer_code, "state": row.state,
            "reason": row.reason}


@router.post("/transfer-requests/{request_id}/decision", response_model=ComplaintOut)
async def decide_transfer(body: DecisionIn, request_id: int = Path(ge=1, le=2_147_483_647),
                          ctx: AppContext = Depends(get_ctx),
                          session: AsyncSession = Depends(get_session, scope="function"),
                          user: CurrentUser = Depends(require("officer", "supervisor", "admin"))) -> dict[str, Any]:
    """The receiving officer or a supervisor accepts (the complaint moves) or refuses (with a note)."""
    complaint = await officer_actions.decide_transfer(session, request_id, body.accept, body.note, user.who,
                                                      ctx.policy)
    return await complaint_json(session, complaint, ctx.tz, service.utcnow(), with_events=True)


@router.get("/complaints/{number}/attachments", response_model=AttachmentList)
async def list_attachments(number: ComplaintNumberPath, ctx: AppContext = Depends(get_ctx),
                           session: AsyncSession = Depends(get_session, scope="function"),
                           user: CurrentUser = Depends(current_user)) -> dict[str, Any]:
    complaint = await _readable(session, user, number)
    return {"attachments": [_attachment(a, ctx) for a in await attachment_q.for_complaint(session, complaint.id)]}


@router.post("/complaints/{number}/attachments", status_code=201, response_model=AttachmentOut)
async def add_attachment(number: ComplaintNumberPath, file: UploadFile = File(...), ctx: AppContext = Depends(get_ctx),
                         session: AsyncSession = Depends(get_session, scope="function"),
                         user: CurrentUser = Depends(require("officer"))) -> dict[str, Any]:
    """A site photo, an order copy (PDF) or a voice note, from the officer holding the complaint."""
    if ctx.attachments is None:
        raise ApiError(404, "not_found", "attachments are not kept on this server")
    complaint = await service.get(session, number, for_update=True)
    if complaint.officer_code != user.officer_code:
        raise ApiError(403, "forbidden", "only the officer holding this complaint adds files")
    chunks, size = [], 0
    while chunk := await file.read(UPLOAD_READ):
        size += len(chunk)
        if size > ctx.attachments.max_bytes:
            raise ApiError(422, "invalid_input", f"the file is larger than {ctx.attachments.max_bytes // 1_000_000} MB")
        chunks.append(chunk)
    row = await ctx.attachments.add(session, complaint, b"".join(chunks), original_name=file.filename or "",
                                    added_by=user.username, declared_mime=file.content_type or "")
    return _attachment(row, ctx)


@router.get("/complaints/{number}/attachments/{attachment_id}", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}, "description": "the file"}})
async def get_attachment(number: ComplaintNumberPath, attachment_id: int = Path(ge=1, le=2_147_483_647),
                         ctx: AppContext = Depends(get_ctx), session: AsyncSession = Depends(get_session, scope="function"),
                         user: CurrentUser = Depends(current_user)) -> Response:
    complaint = await _readable(session, user, number)
    row = await attachment_q.by_id(session, attachment_id)
    if row is None or row.complaint_id != complaint.id or ctx.attachments is None:
        raise ApiError(404, "not_found", "no such attachment on this complaint")
    content = await ctx.attachments.read(row)
    return Response(content, media_type=row.mime, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.original_name)}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})
