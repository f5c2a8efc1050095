"""Data protection for the administrator (issue 13): `/privacy` shows who viewed citizens' data
outside a call (the access audit) and exports everything held on one phone number;
`GET /api/v1/privacy/export?phone=` gives the same export as JSON."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from common.context import AppContext
from agent_console.deps import CurrentUser, get_ctx, require
from agent_console.pages import PageUser, page_role, render
from agent_console.schemas import SIGNED_IN, errors
from grievance import privacy, service
from grievance.errors import DomainError, InvalidInput

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["privacy"])


def _day(text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("dates are YYYY-MM-DD", field="from") from None


@router.get("/privacy")
async def privacy_page(request: Request, phone: str | None = None, ctx: AppContext = Depends(get_ctx),
                       pu: PageUser = Depends(page_role("admin"))) -> Response:
    today = service.utcnow().astimezone(ctx.tz).date()
    params = request.query_params
    try:
        start = _day(params.get("from"), today - timedelta(days=7))
        end = _day(params.get("to"), today)
        async with ctx.db.sessions() as session:
            rows = await privacy.accesses(session, datetime.combine(start, time(0), ctx.tz),
                                          datetime.combine(end + timedelta(days=1), time(0), ctx.tz), ctx.tz,
                                          phone=phone or None)
    except DomainError as exc:
        return render(request, "privacy.html", pu.lang, pu=pu, status=exc.status, error=exc.message, rows=[],
                      start=today.isoformat(), end=today.isoformat(), phone=phone or "",
                      months=ctx.settings.retention_months)
    return render(request, "privacy.html", pu.lang, pu=pu, rows=rows, start=start.isoformat(), end=end.isoformat(),
                  phone=phone or "", months=ctx.settings.retention_months)


@api.get("/privacy/export", responses=errors(*SIGNED_IN, 404))
async def export(phone: str = Query(..., max_length=20, description="the citizen's phone number"),
                 ctx: AppContext = Depends(get_ctx), user: CurrentUser = Depends(require("admin"))) -> Response:
    """Everything held on one phone number (citizens, complaints and their history, attachments'
    details, calls, callback requests, WhatsApp conversations, messages sent), as a JSON download.
    The export is itself recorded in the access audit."""
    async with ctx.db.session_scope() as session:
        data: dict[str, Any] = await privacy.export_phone(session, phone, user.who, user.role, ctx.tz)
    body = json.dumps(data, ensure_ascii=False, indent=1, default=str)
    name = "helpline-export-" + data["phone"][-4:] + ".json"
    return Response(body, media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
