"""Complaints entered by staff (issue 13): `/entry` — one complaint from a walk-in, a tehsil diwas
hearing, the district portal or a letter, with its channel; or a CSV/JSON batch with a report per
row (`/entry/import`, and `POST /api/v1/complaints/import`). A collector enters for their district."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from common.context import AppContext
from agent_console.deps import CurrentUser, get_ctx, require
from agent_console.errors import ApiError
from agent_console.pages import PageUser, form_user, page_role, render
from agent_console.schemas import SIGNED_IN, errors
from grievance import intake_import, service
from grievance.errors import DomainError, InvalidInput
from storage.queries import reference

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["complaints"])
STAFF = ("agent", "supervisor", "admin", "collector", "state_nodal")
FIELDS = ("phone", "name", "language", "district", "department", "category", "description", "channel")


async def _page(request: Request, pu: PageUser, ctx: AppContext, *, status: int = 200, **values: Any) -> Response:
    async with ctx.db.sessions() as session:
        departments = await reference.departments(session)
        categories = await reference.categories(session)
        districts = await reference.districts(session)
    if pu.user.district_code:
        districts = [d for d in districts if d.code == pu.user.district_code]
    return render(request, "entry.html", pu.lang, pu=pu, status=status, departments=departments,
                  categories=categories, districts=districts, channels=intake_import.STAFF_CHANNELS, **values)


def _district_of(pu_user: CurrentUser) -> str | None:
    return pu_user.district_code if pu_user.role == "collector" else None


@router.get("/entry")
async def entry(request: Request, ctx: AppContext = Depends(get_ctx),
                pu: PageUser = Depends(page_role(*STAFF))) -> Response:
    return await _page(request, pu, ctx, form={"channel": "walk_in", "language": "hi"})


@router.post("/entry")
async def enter(request: Request, ctx: AppContext = Depends(get_ctx),
                pu: PageUser = Depends(form_user(*STAFF))) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in FIELDS}
    try:
        channel = intake_import.check_channel(values["channel"])
        district = _district_of(pu.user)
        if district and values["district"] != district:
            raise InvalidInput(f"district {values['district'] or '—'} is not yours ({district})", field="district")
        async with ctx.db.session_scope() as session:
            complaint = await service.register(session, service.NewComplaint(
                phone=values["phone"], name=values["name"], district=values["district"],
                department=values["department"], category=values["category"], description=values["description"],
                language=values["language"] or "hi", channel=channel), pu.user.who, ctx.policy)
            number, due = complaint.number, complaint.due_at
    except DomainError as exc:
        return await _page(request, pu, ctx, status=exc.status, error=exc.message, form=values)
    return await _page(request, pu, ctx, created=number, due=due.astimezone(ctx.tz).isoformat() if due else "",
                       form={"channel": channel, "language": values["language"], "district": values["district"]})


@router.post("/entry/import")
async def import_page(request: Request, file: UploadFile = File(...), channel: str = Form(default=""),
                      ctx: AppContext = Depends(get_ctx), pu: PageUser = Depends(form_user(*STAFF))) -> Response:
    try:
        report = await _import(ctx, pu.user, await file.read(intake_import.MAX_BYTES + 1), file.filename or "",
                               channel)
    except DomainError as exc:
        return await _page(request, pu, ctx, status=exc.status, import_error=exc.message,
                           form={"channel": channel or "tehsil_diwas"})
    return await _page(request, pu, ctx, report=report, form={"channel": channel})


async def _import(ctx: AppContext, user: CurrentUser, data: bytes, filename: str,
                  channel: str) -> intake_import.ImportReport:
    intake_import.check_channel(channel)
    rows = intake_import.parse(data, filename)
    async with ctx.db.session_scope() as session:
        return await intake_import.import_rows(session, rows, channel, user.who, ctx.policy,
                                               district=_district_of(user))


class ImportRowOut(BaseModel):
    row: int
    status: str
    number: str | None
    reason: str | None


class ImportOut(BaseModel):
    stored: int
    rejected: int
    rows: list[ImportRowOut]


@api.post("/complaints/import", response_model=ImportOut, responses=errors(400, *SIGNED_IN, 404, 409, 429))
async def import_api(file: UploadFile = File(..., description="CSV (header row) or JSON (a list of objects)"),
                     channel: str = Form(..., description="walk_in, tehsil_diwas, portal, letter, phone or email"),
                     ctx: AppContext = Depends(get_ctx), user: CurrentUser = Depends(require(*STAFF))) -> dict[str, Any]:
    data = await file.read(intake_import.MAX_BYTES + 1)
    try:
        report = await _import(ctx, user, data, file.filename or "", channel)
    except InvalidInput as exc:
        raise ApiError(422, "invalid_input", exc.message) from exc
    return report.as_dict()
