"""Pages: the agents' WhatsApp conversations (`/agent/whatsapp`) and the supervisors' message
backlog (`/supervisor/messages`)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from agent_console import i18n
from common.context import AppContext
from agent_console.deps import get_ctx
from agent_console.pages import PageUser, page_role, render
from agent_console.routes.api_reference import reference_json
from grievance.service import utcnow
from messaging import backlog

router = APIRouter(include_in_schema=False)


@router.get("/agent/whatsapp")
async def whatsapp_page(request: Request, ctx: AppContext = Depends(get_ctx),
                        pu: PageUser = Depends(page_role("agent", "supervisor", "admin"))) -> Response:
    async with ctx.db.session_scope() as session:
        ref = await reference_json(session)
    return render(request, "whatsapp.html", pu.lang, pu=pu, ref=ref,
                  texts=i18n.js_table(pu.lang, ("wa.", "state.", "col.", "register.", "complaints.", "citizens.")))


@router.get("/supervisor/messages")
async def messages_page(request: Request, ctx: AppContext = Depends(get_ctx),
                        pu: PageUser = Depends(page_role("supervisor", "admin"))) -> Response:
    async with ctx.db.session_scope() as session:
        data = await backlog.backlog(session, ctx.tz, utcnow())
    return render(request, "messages.html", pu.lang, pu=pu, data=data)
