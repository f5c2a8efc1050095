"""The desk's API beyond DESIGN §9's first round: call control, transfer targets, dispositions,
wrap-up per queue, reassignment and handover, the call-centre report."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from agent_console import desk_admin
from common.context import AppContext
from agent_console.deps import CurrentUser, get_ctx, get_session, require
from agent_console.routes.api_agents import _actor
from agent_console.responses import (CallAction, CallsReport, ComplaintOut, DispositionList, DispositionSaved,
                                     HandoverOut, QueueSettingOut, TransferTargets)
from agent_console.schemas import SIGNED_IN, CallIdPath, CodePath, ComplaintNumberPath, Strict, errors
from cti import dispositions
from cti import reports as cc_reports
from cti.call_control import CallControl
from grievance import reassign, service
from grievance.views import complaint_json
from agent_console.routes.pages_supervisor import _dates

router = APIRouter(prefix="/api/v1", tags=["desk"], responses=errors(400, *SIGNED_IN, 404, 409))
PBX_ERRORS = errors(502, 503, 504)
STAFF = ("agent", "supervisor", "admin")
MANAGERS = ("supervisor", "admin")


class MoveIn(Strict):
    kind: Literal["agent", "queue", "officer", "number"]
    target: str = Field(min_length=1, max_length=32)
    attended: bool = False


class FeedbackFlowIn(Strict):
    complaint_number: str = Field(min_length=1, max_length=16)


class ReassignIn(Strict):
    officer: str = Field(min_length=1, max_length=32)
    reason: str = Field(min_length=1, max_length=1000)


class HandoverIn(Strict):
    to: str = Field(min_length=1, max_length=32)
    reason: str = Field(min_length=1, max_length=1000)


class QueueSettingIn(Strict):
    wrapup_s: int
    record: bool | None = None  # record the queue's answered calls; left as it is when absent


class DispositionIn(Strict):
    name_en: str = Field(min_length=1, max_length=100)
    name_hi: str = Field(min_length=1, max_length=100)
    active: bool = True


def _control(ctx: AppContext) -> CallControl:
    return CallControl(ctx.services.get("cti"))


@router.post("/calls/{call_id}/transfers", response_model=CallAction, responses=PBX_ERRORS)
async def transfer(call_id: CallIdPath, body: MoveIn, ctx: AppContext = Depends(get_ctx),
                   user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    """Blind (Redirect) or attended (Atxfer) transfer of your call to an agent's extension, a queue
    (helpline-hi, helpline-en, helpline-video), an officer (by code, to the officer's phone) or a number."""
    return await _control(ctx).move(_actor(user), call_id, body.kind, body.target, attended=body.attended)


@router.post("/calls/{call_id}/transfers/complete", response_model=CallAction, responses=PBX_ERRORS)
async def complete_transfer(call_id: CallIdPath, ctx: AppContext = Depends(get_ctx),
                            user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    """Leave an attended transfer: your leg hangs up and the caller stays with the target."""
    return await _control(ctx).complete_transfer(_actor(user), call_id)


@router.post("/calls/{call_id}/transfers/cancel", response_model=CallAction, responses=PBX_ERRORS)
async def cancel_transfer(call_id: CallIdPath, ctx: AppContext = Depends(get_ctx),
                          user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    """Back to the caller from an attended transfer (CancelAtxfer)."""
    return await _control(ctx).cancel_transfer(_actor(user), call_id)


@router.post("/calls/{call_id}/hold", response_model=CallAction, responses=PBX_ERRORS)
async def hold(call_id: CallIdPath, ctx: AppContext = Depends(get_ctx),
               user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    return await _control(ctx).hold(_actor(user), call_id)


@router.post("/calls/{call_id}/resume", response_model=CallAction, responses=PBX_ERRORS)
async def resume(call_id: CallIdPath, ctx: AppContext = Depends(get_ctx),
                 user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    return await _control(ctx).resume(_actor(user), call_id)


@router.post("/calls/{call_id}/feedback-flow", response_model=CallAction, responses=PBX_ERRORS)
async def feedback_flow(call_id: CallIdPath, body: FeedbackFlowIn, ctx: AppContext = Depends(get_ctx),
                        user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    """Hand the caller to the IVR feedback question for this complaint (the citizen answers 1 or 2)."""
    return await _control(ctx).to_feedback(_actor(user), call_id, body.complaint_number)


@router.get("/desk/transfer-targets", response_model=TransferTargets)
async def transfer_targets(ctx: AppContext = Depends(get_ctx),
                           session: AsyncSession = Depends(get_session, scope="function"),
                           _user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    """Agents (with their live state), queues, and officers who have a phone number."""
    return await desk_admin.transfer_targets(session, ctx.services.get("cti"))


@router.get("/dispositions", response_model=DispositionList)
async def list_dispositions(session: AsyncSession = Depends(get_session, scope="function"),
                            _user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    return {"dispositions": await dispositions.choices(session)}


@router.put("/admin/queues/{queue}", response_model=QueueSettingOut)
async def put_queue(queue: CodePath, body: QueueSettingIn, session: AsyncSession = Depends(get_session, scope="function"),
                    _user: CurrentUser = Depends(require("admin"))) -> dict[str, Any]:
    row = await desk_admin.put_queue(session, queue, body.wrapup_s, body.record)
    return {"queue": row.queue, "wrapup_s": row.wrapup_s, "record": row.record}


@router.put("/admin/dispositions/{code}", response_model=DispositionSaved)
async def put_disposition(code: CodePath, body: DispositionIn,
                          session: AsyncSession = Depends(get_session, scope="function"),
                          _user: CurrentUser = Depends(require("admin"))) -> dict[str, Any]:
    row = await desk_admin.put_disposition(session, code, body.name_en, body.name_hi, body.active)
    return {"code": row.code, "name_en": row.name_en, "name_hi": row.name_hi, "active": row.active}


@router.post("/complaints/{number}/reassign", response_model=ComplaintOut)
async def reassign_complaint(number: ComplaintNumberPath, body: ReassignIn, ctx: AppContext = Depends(get_ctx),
                             session: AsyncSession = Depends(get_session, scope="function"),
                             user: CurrentUser = Depends(require(*MANAGERS))) -> dict[str, Any]:
    """To another officer of the same department and level; the deadline is kept."""
    complaint = await reassign.reassign(session, number, body.officer, body.reason, user.who)
    return await complaint_json(session, complaint, ctx.tz, service.utcnow(), with_events=True)


@router.post("/admin/officers/{code}/handover", response_model=HandoverOut)
async def handover(code: CodePath, body: HandoverIn, session: AsyncSession = Depends(get_session, scope="function"),
                   user: CurrentUser = Depends(require("admin"))) -> dict[str, Any]:
    """Every open complaint of a departing officer to another officer of the same department and level."""
    moved = await reassign.handover(session, code, body.to, body.reason, user.who)
    return {"from": code, "to": body.to, "complaints": moved}


@router.get("/reports/calls", response_model=CallsReport)
async def calls_report(start: str | None = Query(default=None, alias="from"),
                       end: str | None = Query(default=None, alias="to"), ctx: AppContext = Depends(get_ctx),
                       session: AsyncSession = Depends(get_session, scope="function"),
                       _user: CurrentUser = Depends(require(*MANAGERS))) -> dict[str, Any]:
    """Call-centre figures for local dates [from, to] (at most 31 days; default today)."""
    lo, hi = _dates(ctx, start, end, default_days=0)
    return await cc_reports.report(session, lo, hi, ctx.tz)
