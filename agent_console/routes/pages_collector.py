"""The district collector's pages (issue 13): `/collector` (the day: today's complaints, pending by
officer, reopened and escalated, satisfaction by department, officers ranked by on-time disposal)
and `/collector/complaints` (drill-down lists). A collector sees one district; the state nodal
officer (and supervisors, administrators) any, by choosing it."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from common.context import AppContext
from agent_console.deps import get_ctx
from agent_console.labels import designation_for
from agent_console.pages import PageUser, page_role, render
from grievance import district as district_view
from grievance import privacy
from grievance import service
from grievance.errors import DomainError
from storage.queries import reference

router = APIRouter(include_in_schema=False)
ROLES = ("collector", "state_nodal", "supervisor", "admin")
PAGE = 100


async def _lookups(session: Any, lang: str) -> dict[str, Any]:
    departments = {d.code: d for d in await reference.departments(session)}
    districts = {d.code: d for d in await reference.districts(session)}
    return {"departments": departments, "districts": districts,
            "categories": {c.code: c for c in await reference.categories(session)},
            "designation": designation_for(lang, departments, districts)}


NO_DISTRICT = "-"  # no district has this code: the start-up run below finds nothing


async def warm(ctx: AppContext, session: Any) -> None:
    """The day page's statements run once at start-up (agent_console.app.warm_statements), for a
    district without complaints: nothing is aggregated; the caller rolls the transaction back."""
    now = service.utcnow()
    await district_view.day_page(session, NO_DISTRICT, now.astimezone(ctx.tz).date(), ctx.tz, now)
    await _lookups(session, "en")
    await privacy.record_access(session, NO_DISTRICT, "collector", "collector_day", now=now)


def _home(pu: PageUser) -> str:
    return "/collector" if pu.role in ("collector", "state_nodal") else "/supervisor"


@router.get("/collector")
async def collector_day(request: Request, day: str | None = None, district: str | None = None,
                        ctx: AppContext = Depends(get_ctx), pu: PageUser = Depends(page_role(*ROLES))) -> Response:
    now = service.utcnow()
    try:
        scope = district_view.scope(pu.role, pu.user.district_code, district)
        when = district_view.parse_day(day, ctx.tz, now)
        async with ctx.db.session_scope() as session:
            data = await district_view.day_page(session, scope, when, ctx.tz, now)
            lookups = await _lookups(session, pu.lang)
            # citizens' names on a page outside a call: the data-protection audit (one row per view)
            await privacy.record_access(session, pu.user.username, pu.role, "collector_day", now=now)
    except DomainError as exc:
        return render(request, "error.html", pu.lang, pu=pu, status=exc.status, message=exc.message, home=_home(pu))
    return render(request, "collector.html", pu.lang, pu=pu, d=data, scope=scope,
                  may_choose=pu.role != "collector", **lookups)


@router.get("/collector/complaints")
async def collector_complaints(request: Request, district: str | None = None, state: str | None = None,
                               officer: str | None = None, measure: str | None = None,
                               page: int = 1, ctx: AppContext = Depends(get_ctx),
                               pu: PageUser = Depends(page_role(*ROLES))) -> Response:
    now = service.utcnow()
    params = request.query_params
    try:
        scope = district_view.scope(pu.role, pu.user.district_code, district)
        start = district_view.parse_day(params.get("from"), ctx.tz, now, "from") if params.get("from") else None
        end = district_view.parse_day(params.get("to"), ctx.tz, now, "to") if params.get("to") else None
        page = max(1, min(page, 10_000))
        async with ctx.db.session_scope() as session:
            total, rows = await district_view.complaints(
                session, scope, ctx.tz, now, start=start, end=end, state=state or None, officer=officer or None,
                measure=measure or None, limit=PAGE, offset=(page - 1) * PAGE)
            lookups = await _lookups(session, pu.lang)
            await privacy.record_access(session, pu.user.username, pu.role, "collector_list", now=now)
    except DomainError as exc:
        return render(request, "error.html", pu.lang, pu=pu, status=exc.status, message=exc.message, home=_home(pu))
    keep = {k: v for k, v in params.items() if k != "page" and v}
    pages = max(1, -(-total // PAGE))
    return render(request, "collector_complaints.html", pu.lang, pu=pu, rows=rows, total=total, page=page,
                  pages=pages, scope=scope, q=keep, qs=lambda **kw: urlencode({**keep, **kw}),
                  may_choose=pu.role != "collector", **lookups)
