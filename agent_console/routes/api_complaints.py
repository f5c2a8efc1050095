"""The complaint API of DESIGN §9: register, read, search, dispose, feedback, transfer."""
from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from common.context import AppContext
from agent_console.deps import CurrentUser, current_user, get_ctx, get_session, require
from agent_console.errors import ApiError
from agent_console.schemas import ComplaintIn, ComplaintNumberPath, DisposeIn, FeedbackIn, SIGNED_IN, TransferIn, errors
from agent_console.responses import ComplaintList, ComplaintOut
from grievance import district as district_view
from grievance import privacy, service
from grievance.lifecycle import State
from grievance.phones import normalise_phone
from grievance.search import search_complaints
from grievance.views import complaint_json, complaints_json
from storage.queries import complaints as complaint_q
from storage.queries import reference

router = APIRouter(prefix="/api/v1", tags=["complaints"], responses=errors(400, *SIGNED_IN, 404, 409, 429))
STAFF = ("agent", "supervisor", "admin")


@router.post("/complaints", status_code=201, response_model=ComplaintOut)
async def register(body: ComplaintIn, ctx: AppContext = Depends(get_ctx),
                   session: AsyncSession = Depends(get_session, scope="function"),
                   user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    data = service.NewComplaint(
        phone=body.citizen.phone, name=body.citizen.name, district=body.citizen.district,
        language=body.citizen.language, department=body.department, category=body.category,
        description=body.description, channel=body.channel,
    )
    complaint = await service.register(session, data, user.who, ctx.policy)
    return await complaint_json(session, complaint, ctx.tz, service.utcnow())


@router.get("/complaints/{number}", response_model=ComplaintOut)
async def get_complaint(number: ComplaintNumberPath, ctx: AppContext = Depends(get_ctx),
                        session: AsyncSession = Depends(get_session, scope="function"),
                        user: CurrentUser = Depends(current_user)) -> dict[str, Any]:
    complaint = await service.get(session, number)
    _check_officer_may_see(user, complaint.officer_code, complaint.number, complaint.district_code)
    if user.role != "agent":  # agents read complaints on calls; anyone else is recorded (data protection)
        await privacy.record_access(session, user.username, user.role, "api_complaint", complaint=complaint)
    return await complaint_json(session, complaint, ctx.tz, service.utcnow(), with_events=True)


@router.get("/complaints", response_model=ComplaintList)
async def list_complaints(q: str | None = Query(default=None, max_length=32,
                                         description="a complaint number or a phone number"),
                          phone: str | None = Query(default=None), state: str | None = Query(default=None),
                          district: str | None = Query(default=None, max_length=16,
                                                       description="a district code (collectors: their own)"),
                          from_: date | None = Query(default=None, alias="from",
                                                     description="registered on or after this local date"),
                          to: date | None = Query(default=None, description="registered on or before this local date"),
                          limit: int = Query(default=100, ge=1, le=500),
                          ctx: AppContext = Depends(get_ctx), session: AsyncSession = Depends(get_session, scope="function"),
                          user: CurrentUser = Depends(current_user)) -> dict[str, Any]:
    if user.role in ("collector", "state_nodal") or district or from_ or to:
        if user.role not in district_view.DISTRICT_ROLES + district_view.STATE_ROLES:
            raise ApiError(403, "forbidden", "district lists are for collectors, the state nodal officer, "
                                             "supervisors and administrators")
        if q or phone:
            raise ApiError(422, "invalid_input", "search by district and dates, or by q/phone, not both")
        scope = district_view.scope(user.role, user.district_code, district)
        if scope and await reference.get_district(session, scope) is None:
            raise ApiError(422, "invalid_input", f"unknown district {scope!r}")
        _, found = await district_view.complaints(session, scope, ctx.tz, service.utcnow(), start=from_, end=to,
                                                  state=state, limit=limit)
        return {"complaints": found}
    if q:
        found = await search_complaints(session, q, ctx.tz, service.utcnow(), limit=limit)
        if user.role == "officer":
            found = [c for c in found if (c["officer"] or {}).get("code") == user.officer_code]
        return {"complaints": found}
    if state is not None and state not in {s.value for s in State}:
        raise ApiError(422, "invalid_input", f"unknown state {state!r}")
    if user.role != "officer" and not phone and not state:
        raise ApiError(422, "invalid_input", "give a phone number or a state to search")
    canonical = normalise_phone(phone) if phone else None
    officer = user.officer_code if user.role == "officer" else None
    rows = await complaint_q.search(session, phone=canonical, state=state, officer_code=officer, limit=limit)
    now = service.utcnow()
    return {"complaints": await complaints_json(session, rows, ctx.tz, now)}


@router.post("/complaints/{number}/dispose", response_model=ComplaintOut)
async def dispose(number: ComplaintNumberPath, body: DisposeIn, ctx: AppContext = Depends(get_ctx),
                  session: AsyncSession = Depends(get_session, scope="function"),
                  user: CurrentUser = Depends(require("officer"))) -> dict[str, Any]:
    complaint = await service.dispose(session, number, body.report, user.who, ctx.policy, kind=body.kind)
    return await complaint_json(session, complaint, ctx.tz, service.utcnow(), with_events=True)


@router.post("/complaints/{number}/feedback", response_model=ComplaintOut)
async def feedback(number: ComplaintNumberPath, body: FeedbackIn, ctx: AppContext = Depends(get_ctx),
                   session: AsyncSession = Depends(get_session, scope="function"),
                   user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    complaint = await service.record_feedback(session, number, body.result, user.who, ctx.policy)
    return await complaint_json(session, complaint, ctx.tz, service.utcnow(), with_events=True)


@router.post("/complaints/{number}/transfer", response_model=ComplaintOut)
async def transfer(number: ComplaintNumberPath, body: TransferIn, ctx: AppContext = Depends(get_ctx),
                   session: AsyncSession = Depends(get_session, scope="function"),
                   user: CurrentUser = Depends(require("officer", "supervisor", "admin"))) -> dict[str, Any]:
    complaint = await service.transfer(session, number, body.department, body.reason, user.who,
                                       category=body.category, policy=ctx.policy)
    return await complaint_json(session, complaint, ctx.tz, service.utcnow(), with_events=True)


def _check_officer_may_see(user: CurrentUser, officer_code: str | None, number: str,
                           district: str | None = None) -> None:
    if user.role == "officer" and officer_code != user.officer_code:
        raise ApiError(403, "forbidden", f"complaint {number} is assigned to another officer")
    if user.role == "collector" and district != user.district_code:
        raise ApiError(403, "forbidden", f"complaint {number} is not of district {user.district_code}")
