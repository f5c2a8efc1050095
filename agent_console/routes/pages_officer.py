"""The officer's inbox (`/officer`) and complaint page: action report, disposal, transfer."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from agent_console import i18n
from agent_console.context import AppContext
from agent_console.deps import get_ctx
from agent_console.pages import PageUser, form_user, page_role, redirect, render
from grievance import inbox, service
from grievance.errors import DomainError
from storage.queries import reference

router = APIRouter(include_in_schema=False)
VIEWERS = ("officer", "supervisor", "admin")


async def _lookups(session: Any) -> dict[str, Any]:
    return {
        "departments": {d.code: d for d in await reference.departments(session)},
        "districts": {d.code: d for d in await reference.districts(session)},
        "categories": {c.code: c for c in await reference.categories(session)},
    }


@router.get("/officer")
async def officer_inbox(request: Request, done: str | None = None, number: str | None = None,
                        ctx: AppContext = Depends(get_ctx), pu: PageUser = Depends(page_role("officer"))) -> Response:
    async with ctx.db.session_scope() as session:
        items = await inbox.inbox(session, pu.user.officer_code or "", ctx.tz, service.utcnow())
        officer = await reference.get_officer(session, pu.user.officer_code or "")
        lookups = await _lookups(session)
    t = i18n.translator(pu.lang)
    notice = t("detail.transferred_ok", number=number) if done == "transferred" and number else None
    return render(request, "officer_inbox.html", pu.lang, pu=pu, items=items, officer=officer, notice=notice,
                  **lookups)


async def _detail(request: Request, pu: PageUser, ctx: AppContext, number: str, *, status: int = 200,
                  **values: Any) -> Response:
    officer_code = pu.user.officer_code if pu.role == "officer" else None
    async with ctx.db.session_scope() as session:
        data = await inbox.complaint_page(session, number, officer_code, ctx.tz, service.utcnow())
        lookups = await _lookups(session)
    return render(request, "officer_complaint.html", pu.lang, pu=pu, status=status, c=data, **lookups, **values)


@router.get("/officer/complaints/{number}")
async def complaint_detail(request: Request, number: str, done: str | None = None,
                           ctx: AppContext = Depends(get_ctx),
                           pu: PageUser = Depends(page_role(*VIEWERS))) -> Response:
    t = i18n.translator(pu.lang)
    notice = t("detail.disposed_ok", number=number) if done == "disposed" else None
    try:
        return await _detail(request, pu, ctx, number, notice=notice)
    except DomainError as exc:
        return render(request, "error.html", pu.lang, pu=pu, status=exc.status, message=exc.message,
                      home="/officer" if pu.role == "officer" else "/supervisor")


@router.post("/officer/complaints/{number}/dispose")
async def dispose(request: Request, number: str, report: str = Form(default=""),
                  ctx: AppContext = Depends(get_ctx), pu: PageUser = Depends(form_user("officer"))) -> Response:
    try:
        async with ctx.db.session_scope() as session:
            await service.dispose(session, number, report, pu.user.who, ctx.policy)
    except DomainError as exc:
        return await _refused(request, pu, ctx, number, exc, report=report)
    return redirect(f"/officer/complaints/{number}?done=disposed")


@router.post("/officer/complaints/{number}/transfer")
async def transfer(request: Request, number: str, department: str = Form(default=""),
                   reason: str = Form(default=""), ctx: AppContext = Depends(get_ctx),
                   pu: PageUser = Depends(form_user("officer"))) -> Response:
    try:
        async with ctx.db.session_scope() as session:
            await service.transfer(session, number, department, reason, pu.user.who)
    except DomainError as exc:
        return await _refused(request, pu, ctx, number, exc, reason=reason)
    return redirect(f"/officer?done=transferred&number={number}")


async def _refused(request: Request, pu: PageUser, ctx: AppContext, number: str, exc: DomainError,
                   **values: Any) -> Response:
    try:
        return await _detail(request, pu, ctx, number, status=exc.status, error=exc.message, **values)
    except DomainError as again:
        return render(request, "error.html", pu.lang, pu=pu, status=again.status, message=again.message,
                      home="/officer")
