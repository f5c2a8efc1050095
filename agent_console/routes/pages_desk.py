"""Pages of the desk round: the complaint page for agents and supervisors (history, reports,
deadline, feedback, reassignment), the supervisor's complaint search and report drill-down,
the call-centre report (with CSV), and the administrator's desk settings."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from agent_console import desk_admin, i18n
from common.context import AppContext
from agent_console.deps import get_ctx
from agent_console.pages import PageUser, form_user, page_role, redirect, render
from agent_console.routes.pages_admin import _apply
from agent_console.routes.pages_officer import _lookups
from agent_console.routes.pages_supervisor import _dates
from cti import reports as cc_reports
from grievance import inbox, reassign, service
from grievance.errors import DomainError, InvalidInput
from grievance.phones import normalise_phone
from grievance.report_pages import GROUPS
from grievance.reports import period
from grievance.search import looks_like_complaint_number
from grievance.views import complaints_json
from storage.queries import complaint_lists, reference

router = APIRouter(include_in_schema=False)
STAFF = ("agent", "supervisor", "admin")
MANAGERS = ("supervisor", "admin")
MEASURES = ("pending", "overdue", "disposed", "closed", "reopened", "escalated")


# --- the complaint page -------------------------------------------------------------------------

async def _complaint(request: Request, pu: PageUser, ctx: AppContext, number: str, *, status: int = 200,
                     **values: Any) -> Response:
    try:
        async with ctx.db.session_scope() as session:
            data = await inbox.complaint_page(session, number, None, ctx.tz, service.utcnow())
            lookups = await _lookups(session)
            officers = [o for o in await reference.officers(session)
                        if o.active and o.department_code == data["department"] and o.level == data["level"]
                        and o.code != (data["officer"] or {}).get("code")]
    except DomainError as exc:
        return render(request, "error.html", pu.lang, pu=pu, status=exc.status,
                      message=i18n.error_message(pu.lang, exc.error_id, exc.message),
                      home="/agent" if pu.role == "agent" else "/supervisor")
    return render(request, "complaint.html", pu.lang, pu=pu, status=status, c=data, officers=officers,
                  **lookups, **values)


@router.get("/complaints/{number}")
async def complaint_page(request: Request, number: str, done: str | None = None, ctx: AppContext = Depends(get_ctx),
                         pu: PageUser = Depends(page_role(*STAFF))) -> Response:
    notice = i18n.translator(pu.lang)(f"cpage.done.{done}") if done in ("feedback", "reassigned", "transferred") else None
    return await _complaint(request, pu, ctx, number, notice=notice)


async def _act(request: Request, pu: PageUser, ctx: AppContext, number: str, done: str,
               change: Callable[[AsyncSession], Awaitable[Any]]) -> Response:
    try:
        async with ctx.db.session_scope() as session:
            await change(session)
    except DomainError as exc:
        return await _complaint(request, pu, ctx, number, status=exc.status,
                                error=i18n.error_message(pu.lang, exc.error_id, exc.message))
    return redirect(f"/complaints/{number}?done={done}")


@router.post("/complaints/{number}/feedback")
async def feedback(request: Request, number: str, result: str = Form(default=""), ctx: AppContext = Depends(get_ctx),
                   pu: PageUser = Depends(form_user(*STAFF))) -> Response:
    return await _act(request, pu, ctx, number, "feedback", lambda s: service.record_feedback(
        s, number, result, pu.user.who, ctx.policy, detail={"channel": "desk"}))


@router.post("/complaints/{number}/reassign")
async def reassign_form(request: Request, number: str, officer: str = Form(default=""), reason: str = Form(default=""),
                        ctx: AppContext = Depends(get_ctx), pu: PageUser = Depends(form_user(*MANAGERS))) -> Response:
    return await _act(request, pu, ctx, number, "reassigned",
                      lambda s: reassign.reassign(s, number, officer, reason, pu.user.who))


@router.post("/complaints/{number}/transfer")
async def transfer_form(request: Request, number: str, department: str = Form(default=""),
                        reason: str = Form(default=""), ctx: AppContext = Depends(get_ctx),
                        pu: PageUser = Depends(form_user(*MANAGERS))) -> Response:
    return await _act(request, pu, ctx, number, "transferred",
                      lambda s: service.transfer(s, number, department, reason, pu.user.who))


# --- supervisor: search and drill-down ------------------------------------------------------------

@router.get("/supervisor/complaints")
async def complaints(request: Request, ctx: AppContext = Depends(get_ctx),
                     pu: PageUser = Depends(page_role(*MANAGERS))) -> Response:
    p = request.query_params
    q = (p.get("q") or "").strip()[:60]
    by, code, measure = p.get("by"), p.get("code"), p.get("measure")
    rows: list[dict[str, Any]] | None = None
    error, status, title = None, 200, ""
    try:
        async with ctx.db.session_scope() as session:
            now = service.utcnow()
            lookups = await _lookups(session)
            if q:
                found = await _search(session, q)
            elif code is not None or measure is not None or p.get("from"):
                if by is not None and by not in GROUPS:
                    raise InvalidInput(f"group by one of {', '.join(GROUPS)}", field="by")
                if measure is not None and measure not in MEASURES:
                    raise InvalidInput(f"measure is one of {', '.join(MEASURES)}", field="measure")
                lo, hi = _dates(ctx, p.get("from"), p.get("to"))
                start, end = period(lo, hi, ctx.tz)
                found = await complaint_lists.drill(session, start=start, end=end, group=by if code else None,
                                                    code=code, measure=measure, now=now)
                title = _title(pu.lang, lookups, by, code, measure, lo.isoformat(), hi.isoformat())
            else:
                found = None
            if found is not None:
                rows = await complaints_json(session, found, ctx.tz, now)
    except DomainError as exc:
        error, status, lookups = exc.message, exc.status, {"departments": {}, "districts": {}, "categories": {}}
    return render(request, "sup_complaints.html", pu.lang, pu=pu, status=status, q=q, rows=rows, error=error,
                  title=title, **lookups)


async def _search(session: AsyncSession, q: str) -> Any:
    digits = "".join(q.split())
    if looks_like_complaint_number(digits):
        return [await service.get(session, digits)]
    if digits.isdigit() and len(digits) < 11:
        return await complaint_lists.find(session, number_prefix=digits)
    try:
        phone = normalise_phone(digits)
    except DomainError:
        return await complaint_lists.find(session, name=q)
    return await complaint_lists.find(session, phone=phone)


def _title(lang: str, lookups: dict[str, Any], by: str | None, code: str | None, measure: str | None,
           lo: str, hi: str) -> str:
    t = i18n.translator(lang)
    parts = []
    if by and code:
        table = {"department": lookups["departments"], "district": lookups["districts"]}.get(by, {})
        row = table.get(code)
        name = (getattr(row, f"name_{lang}", None) or getattr(row, "name_en", None)) if row else code
        parts.append(f"{t('rep.by.' + by)}: {name}")
    if measure:
        parts.append(t(f"rep.{measure}"))
    parts.append(f"{lo} – {hi}")
    return " · ".join(parts)


# --- supervisor: call-centre report ------------------------------------------------------------

@router.get("/supervisor/calls")
async def calls_report(request: Request, ctx: AppContext = Depends(get_ctx),
                       pu: PageUser = Depends(page_role(*MANAGERS))) -> Response:
    p = request.query_params
    try:
        lo, hi = _dates(ctx, p.get("from"), p.get("to"), default_days=0)
        async with ctx.db.session_scope() as session:
            data = await cc_reports.report(session, lo, hi, ctx.tz)
    except DomainError as exc:
        return render(request, "callcentre.html", pu.lang, pu=pu, status=exc.status, error=exc.message, data=None,
                      lo=p.get("from", ""), hi=p.get("to", ""))
    return render(request, "callcentre.html", pu.lang, pu=pu, data=data, lo=lo.isoformat(), hi=hi.isoformat(),
                  charts=cc_charts(data))


@router.get("/supervisor/calls.csv")
async def calls_csv(request: Request, ctx: AppContext = Depends(get_ctx),
                    pu: PageUser = Depends(page_role(*MANAGERS))) -> Response:
    p = request.query_params
    try:
        lo, hi = _dates(ctx, p.get("from"), p.get("to"), default_days=0)
        async with ctx.db.session_scope() as session:
            data = await cc_reports.report(session, lo, hi, ctx.tz)
    except DomainError as exc:
        return Response(exc.message + "\n", status_code=exc.status, media_type="text/plain; charset=utf-8")
    name = f"helpline-calls-{lo.isoformat()}-{hi.isoformat()}.csv"
    return Response("\ufeff" + cc_reports.to_csv(data), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def cc_charts(data: dict[str, Any]) -> dict[str, Any]:
    """Geometry of the report's SVG charts: calls by hour (columns) and lost calls by wait (bars)."""
    top = max((h["offered"] for h in data["by_hour"]), default=0) or 1
    col_w, height = 26, 140
    hours = [{"hour": h["hour"], "x": i * col_w, "offered": h["offered"], "answered": h["answered"],
              "lost": h["lost"], "h_offered": round(height * h["offered"] / top),
              "h_answered": round(height * h["answered"] / top)} for i, h in enumerate(data["by_hour"])]
    waits = list(data["lost_by_wait"].items())
    wtop = max((n for _, n in waits), default=0) or 1
    bars = [{"label": k, "n": n, "y": i * 26, "w": round(320 * n / wtop)} for i, (k, n) in enumerate(waits)]
    return {"hours": hours, "col_w": col_w, "height": height, "width": col_w * 24,
            "waits": bars, "waits_h": len(bars) * 26}


# --- administrator: wrap-up, dispositions, officer phone, handover ---------------------------------

def _int(value: str, field: str) -> int:
    try:
        return int(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"{field} must be a whole number", field=field) from exc


@router.post("/admin/queues")
async def put_queue(request: Request, ctx: AppContext = Depends(get_ctx), pu: PageUser = Depends(form_user("admin")),
                    queue: str = Form(default=""), wrapup_s: str = Form(default=""),
                    record: str = Form(default="")) -> Response:
    return await _apply(request, pu, ctx, "queues", lambda s: desk_admin.put_queue(s, queue, _int(wrapup_s, "wrapup_s"),
                                                                                  record == "1"))


@router.post("/admin/dispositions")
async def put_disposition(request: Request, ctx: AppContext = Depends(get_ctx),
                          pu: PageUser = Depends(form_user("admin")), code: str = Form(default=""),
                          name_en: str = Form(default=""), name_hi: str = Form(default=""),
                          active: str = Form(default="1")) -> Response:
    return await _apply(request, pu, ctx, "dispositions",
                        lambda s: desk_admin.put_disposition(s, code, name_en, name_hi, active == "1"))


@router.post("/admin/officers/{code}/phone")
async def officer_phone(request: Request, code: str, ctx: AppContext = Depends(get_ctx),
                        pu: PageUser = Depends(form_user("admin")), phone: str = Form(default=""),
                        email: str | None = Form(default=None)) -> Response:
    return await _apply(request, pu, ctx, "officers", lambda s: desk_admin.set_officer_phone(s, code, phone, email))


@router.post("/admin/handover")
async def handover(request: Request, ctx: AppContext = Depends(get_ctx), pu: PageUser = Depends(form_user("admin")),
                   from_officer: str = Form(default=""), to_officer: str = Form(default=""),
                   reason: str = Form(default="")) -> Response:
    return await _apply(request, pu, ctx, "handover",
                        lambda s: reassign.handover(s, from_officer, to_officer, reason, pu.user.who))
