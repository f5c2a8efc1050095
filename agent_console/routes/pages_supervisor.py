"""The supervisor's wallboard (`/supervisor`) and reports (`/supervisor/reports`, CSV export)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from agent_console import i18n
from common.context import AppContext
from agent_console.deps import CurrentUser, get_ctx, require
from agent_console.pages import PageUser, page_role, render
from agent_console.schemas import SIGNED_IN, errors
from agent_console.responses import AbandonedList
from grievance import report_pages, service
from grievance.errors import DomainError, InvalidInput
from cti import callbacks
from ivr import hours_admin
from storage.queries import hours as hours_q
from storage.queries import calls as call_q
from storage.queries import reference

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["calls"], responses=errors(*SIGNED_IN))
ROLES = ("supervisor", "admin")
SERVICE_LEVEL_S = 20
# Wallboard colours (docs/decisions.md): amber at `warn`, red at `alarm`.
THRESHOLDS = {"wait_warn_s": 60, "wait_alarm_s": 120, "sl_warn_pct": 80, "sl_alarm_pct": 60,
              "paused_warn_s": 900, "wrap_warn_s": 120, "call_warn_s": 600}


def _today_start(ctx: AppContext) -> datetime:
    local = datetime.now(ctx.tz).date()
    return datetime.combine(local, time.min, ctx.tz).astimezone(timezone.utc)


@router.get("/supervisor")
async def wallboard(request: Request, saved: str | None = None, ctx: AppContext = Depends(get_ctx),
                    pu: PageUser = Depends(page_role(*ROLES))) -> Response:
    return await wallboard_page(request, ctx, pu, saved=saved == "emergency")


async def wallboard_page(request: Request, ctx: AppContext, pu: PageUser, *, status: int = 200,
                         **values: Any) -> Response:
    since = _today_start(ctx)
    async with ctx.db.session_scope() as session:
        figures = await call_q.day_counts(session, since, SERVICE_LEVEL_S)
        abandoned = await callbacks.abandoned(session, since, ctx.tz)
        reasons = [{"code": r.code, "name_en": r.name_en, "name_hi": r.name_hi}
                   for r in await reference.pause_reasons(session)]
        hours = await hours_admin.hours_view(session, hours_admin.DEFAULT_QUEUE, service.utcnow(), ctx.tz)
        emergency = await hours_q.emergency(session)
    sl = round(100.0 * figures["answered_in_sl"] / figures["offered"], 1) if figures["offered"] else None
    return render(request, "supervisor.html", pu.lang, pu=pu, status=status, figures=figures, service_level=sl,
                  hours=hours, emergency=emergency, **values,
                  sl_seconds=SERVICE_LEVEL_S, abandoned=abandoned, tz=ctx.tz, pause_reasons=reasons,
                  thresholds=THRESHOLDS, can_monitor=bool(pu.user.extension),
                  texts=i18n.js_table(pu.lang, ("sup.", "agent.state.", "call.", "c2c.", "lang.", "queue.", "cb.",
                                                "err.", "spy.")))


@api_router.get("/calls/abandoned", response_model=AbandonedList)
async def abandoned_today(days: int = Query(default=0, ge=0, le=30), ctx: AppContext = Depends(get_ctx),
                          _user: CurrentUser = Depends(require(*ROLES))) -> dict[str, Any]:
    """Inbound calls abandoned or timed out in queue today (local day; `days=N`: and the N days
    before), one line per number, newest first: `calls` how often it rang, `callback` where its
    callback stands (open, taken, done = called back, failed = three tries failed; null: none)."""
    async with ctx.db.sessions() as session:
        lines = await callbacks.abandoned(session, _today_start(ctx) - timedelta(days=days), ctx.tz)
    return {"calls": lines}


def _dates(ctx: AppContext, start: str | None, end: str | None, default_days: int = 29) -> tuple[date, date]:
    today = datetime.now(ctx.tz).date()
    try:
        hi = date.fromisoformat(end) if end else today
        lo = date.fromisoformat(start) if start else hi - timedelta(days=default_days)
    except ValueError as exc:
        raise InvalidInput("dates must look like 2026-11-22", field="from") from exc
    if not (2000 <= lo.year <= 2100 and 2000 <= hi.year <= 2100):
        raise InvalidInput("dates must be between 2000 and 2100", field="from")
    return lo, hi


@router.get("/supervisor/reports")
async def reports(request: Request, ctx: AppContext = Depends(get_ctx), pu: PageUser = Depends(page_role(*ROLES))
                  ) -> Response:
    params = request.query_params
    by = params.get("by", "department")
    try:
        lo, hi = _dates(ctx, params.get("from"), params.get("to"))
        now = service.utcnow()
        async with ctx.db.session_scope() as session:
            data = await report_pages.report(session, lo, hi, by, ctx.tz, now, pu.lang)
            districts = data if by == "district" else await report_pages.report(
                session, lo, hi, "district", ctx.tz, now, pu.lang)
    except DomainError as exc:
        return render(request, "reports.html", pu.lang, pu=pu, status=exc.status, error=exc.message,
                      data=None, by=by, lo=params.get("from", ""), hi=params.get("to", ""))
    return render(request, "reports.html", pu.lang, pu=pu, data=data, by=by, lo=lo.isoformat(), hi=hi.isoformat(),
                  ranking=report_pages.ranking(districts["rows"]), chart=_chart(data["rows"][:12]),
                  ages=report_pages.AGE_TITLES, groups=report_pages.GROUPS)


@router.get("/supervisor/reports.csv")
async def reports_csv(request: Request, ctx: AppContext = Depends(get_ctx),
                      pu: PageUser = Depends(page_role(*ROLES))) -> Response:
    params = request.query_params
    by = params.get("by", "department")
    try:
        lo, hi = _dates(ctx, params.get("from"), params.get("to"))
        async with ctx.db.session_scope() as session:
            data = await report_pages.report(session, lo, hi, by, ctx.tz, service.utcnow(), pu.lang)
    except DomainError as exc:
        return Response(exc.message + "\n", status_code=exc.status, media_type="text/plain; charset=utf-8")
    name = f"helpline-report-{by}-{lo.isoformat()}-{hi.isoformat()}.csv"
    return Response("\ufeff" + report_pages.to_csv(data), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Geometry of a horizontal bar chart (received vs disposed), drawn as SVG by the template."""
    top = max((r["received"] for r in rows), default=0) or 1
    bar_w = 420
    bars = []
    for i, r in enumerate(rows):
        bars.append({"name": r["name"], "y": i * 34, "received": r["received"], "disposed": r["disposed"],
                     "w_received": round(bar_w * r["received"] / top),
                     "w_disposed": round(bar_w * r["disposed"] / top)})
    return {"bars": bars, "height": max(34, len(rows) * 34), "label_w": 200, "bar_w": bar_w}
