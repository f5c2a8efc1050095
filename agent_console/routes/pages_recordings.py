"""The recordings page: supervisors find a call and play its recording in the browser (agents:
their own calls only); the listening audit for administrators."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from agent_console import i18n
from agent_console.context import AppContext
from agent_console.deps import get_ctx
from agent_console.pages import PageUser, page_role, render
from agent_console.routes.api_recordings import call_filter, listener
from grievance.errors import DomainError
from recordings import service as rec

router = APIRouter(include_in_schema=False)
STAFF = ("agent", "supervisor", "admin")
FIELDS = ("agent", "phone", "complaint", "from", "to")


@router.get("/recordings")
async def recordings(request: Request, ctx: AppContext = Depends(get_ctx),
                     pu: PageUser = Depends(page_role(*STAFF))) -> Response:
    p = request.query_params
    q = {k: (p.get(k) or "").strip()[:20 if k != "agent" else 64] for k in FIELDS}
    rows, error, status = None, None, 200
    try:
        f = call_filter(q["agent"], q["phone"], q["complaint"], q["from"], q["to"])
        async with ctx.db.session_scope() as session:
            rows = await rec.find(session, listener(pu.user), f, ctx.tz)
    except DomainError as exc:
        error, status = i18n.error_message(pu.lang, exc.error_id, exc.message), exc.status
    return render(request, "recordings.html", pu.lang, pu=pu, status=status, q=q, rows=rows, error=error,
                  managers=pu.role in rec.MANAGERS)


@router.get("/recordings/listens")
async def listens(request: Request, ctx: AppContext = Depends(get_ctx),
                  pu: PageUser = Depends(page_role("admin"))) -> Response:
    async with ctx.db.session_scope() as session:
        rows = await rec.listens(session, ctx.tz)
    return render(request, "recording_listens.html", pu.lang, pu=pu, rows=rows)
