"""The agent desk (`/agent`) and the call-disposition API its script uses."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from agent_console import i18n
from common.context import AppContext
from agent_console.deps import CurrentUser, get_ctx, get_session, require
from agent_console.pages import PageUser, form_user, page_role, render
from agent_console.routes.api_reference import reference_json
from agent_console.schemas import CallIdPath, SIGNED_IN, Strict, errors
from agent_console.responses import DispositionOut
from cti import dispositions
from cti.dispositions import DISPOSITIONS  # noqa: F401 - the shipped list (tests read it here)
from grievance import service
from grievance.errors import DomainError, NotFound
from grievance.search import search_complaints
from grievance.views import complaint_json

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["calls"], responses=errors(400, *SIGNED_IN, 404, 409))
AGENT_ROLES = ("agent", "supervisor", "admin")


async def search(session: AsyncSession, q: str, ctx: AppContext) -> list[dict[str, Any]]:
    """A complaint number (11 digits) or a phone number → complaints, newest first."""
    return await search_complaints(session, q, ctx.tz, service.utcnow())


async def _desk(request: Request, pu: PageUser, ctx: AppContext, *, q: str = "", status: int = 200,
                **values: Any) -> Response:
    async with ctx.db.session_scope() as session:
        ref = await reference_json(session)
        choices = await dispositions.choices(session)
        results: list[dict[str, Any]] | None = None
        error = values.pop("error", None)
        if q.strip():
            try:
                results = await search(session, q, ctx)
            except NotFound:
                results = []
            except DomainError as exc:
                error, status = i18n.error_message(pu.lang, exc.error_id, exc.message), exc.status
    return render(request, "agent.html", pu.lang, pu=pu, status=status, ref=ref, q=q, results=results,
                  error=error, dispositions=choices,
                  texts=i18n.js_table(pu.lang, ("agent.", "call.", "c2c.", "state.", "col.", "citizens.",
                                                "complaints.", "register.", "search.", "disposition.", "lang.",
                                                "ctl.", "cb.", "recent.", "cp.", "ring.", "err.", "event.",
                                                "officer.", "detail.", "queue.", "actor.", "sp.")),
                  **values)


@router.get("/agent")
async def agent_desk(request: Request, q: str = "", ctx: AppContext = Depends(get_ctx),
                     pu: PageUser = Depends(page_role(*AGENT_ROLES))) -> Response:
    return await _desk(request, pu, ctx, q=q[:40])


@router.post("/agent/complaints")
async def register_form(request: Request, ctx: AppContext = Depends(get_ctx),
                        pu: PageUser = Depends(form_user(*AGENT_ROLES)),
                        phone: str = Form(default=""), name: str = Form(default=""),
                        language: str = Form(default="hi"), district: str = Form(default=""),
                        department: str = Form(default=""), category: str = Form(default=""),
                        description: str = Form(default="")) -> Response:
    """The registration form without script: register, then show the number large."""
    data = service.NewComplaint(phone=phone, name=name, district=district, department=department,
                                category=category, description=description, language=language)
    try:
        async with ctx.db.session_scope() as session:
            complaint = await service.register(session, data, pu.user.who, ctx.policy)
            created = await complaint_json(session, complaint, ctx.tz, service.utcnow())
    except DomainError as exc:
        return await _desk(request, pu, ctx, status=exc.status, form=data,
                           error=i18n.error_message(pu.lang, exc.error_id, exc.message))
    return await _desk(request, pu, ctx, status=201, created=created)


class DispositionIn(Strict):
    disposition: str = Field(min_length=1, max_length=32)
    complaint_number: str | None = Field(default=None, max_length=11)


@api_router.post("/calls/{call_id}/disposition", response_model=DispositionOut)
async def set_disposition(call_id: CallIdPath, body: DispositionIn, session: AsyncSession = Depends(get_session, scope="function"),
                          user: CurrentUser = Depends(require(*AGENT_ROLES))) -> dict[str, Any]:
    """The agent's wrap-up code for a call (by its id, the Linkedid shown in the screen pop)."""
    return await dispositions.set_disposition(session, call_id, body.disposition, body.complaint_number,
                                              role=user.role, extension=user.extension)
