"""The officer's inbox (`/officer`) and complaint page: action report, disposal, transfer."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from agent_console import i18n
from agent_console.labels import designation_for
from common.context import AppContext
from agent_console.deps import get_ctx
from agent_console.pages import HOME, PageUser, form_user, page_role, redirect, render
from grievance import district as district_view
from grievance import inbox, privacy, service
from grievance.errors import DomainError
from storage.queries import reference

router = APIRouter(include_in_schema=False)
VIEWERS = ("officer", "supervisor", "admin", "collector", "state_nodal")


async def _lookups(session: Any, lang: str = "en") -> dict[str, Any]:
    departments = {d.code: d for d in await reference.departments(session)}
    districts = {d.code: d for d in await reference.districts(session)}
    return {
        "departments": departments, "districts": districts,
        "categories": {c.code: c for c in await reference.categories(session)},
        "designation": designation_for(lang, departments, districts),
    }


@router.get("/officer")
async def officer_inbox(request: Request, done: str | None = None, number: str | None = None,
                        view: str | None = None, state: str | None = None, category: str | None = None,
                        show: str | None = None, q: str | None = None, page: str | None = None,
                        ctx: AppContext = Depends(get_ctx), pu: PageUser = Depends(page_role("officer"))) -> Response:
    t = i18n.translator(pu.lang)
    error, status = None, 200
    try:
        filters = inbox.InboxFilters.parse(view=view, state=state, category=category, show=show, q=q, page=page)
    except DomainError as exc:
        filters, error, status = inbox.InboxFilters(), exc.message, exc.status
    async with ctx.db.session_scope() as session:
        try:
            result = await inbox.inbox_page(session, pu.user.officer_code or "", pu.user.username, filters,
                                            ctx.tz, service.utcnow())
        except DomainError as exc:
            filters, error, status = inbox.InboxFilters(), exc.message, exc.status
            result = await inbox.inbox_page(session, pu.user.officer_code or "", pu.user.username, filters,
                                            ctx.tz, service.utcnow())
        officer = await reference.get_officer(session, pu.user.officer_code or "")
        lookups = await _lookups(session, pu.lang)
        requests = await inbox.transfer_requests_for(session, pu.user.officer_code or "")
    notices = {"transferred": "detail.transferred_ok", "requested": "detail.transfer_requested_ok",
               "returned": "detail.returned_ok"}
    notice = t(notices[done], number=number) if done in notices and number else None
    own = [c for c in lookups["categories"].values() if officer and c.department_code == officer.department_code]
    return render(request, "officer_inbox.html", pu.lang, pu=pu, status=status, result=result, items=result.items,
                  f=filters, officer=officer, notice=notice, error=error, own_categories=own, requests=requests,
                  **lookups)


async def _detail(request: Request, pu: PageUser, ctx: AppContext, number: str, *, status: int = 200,
                  **values: Any) -> Response:
    officer_code = pu.user.officer_code if pu.role == "officer" else None
    async with ctx.db.session_scope() as session:
        data = await inbox.complaint_page(session, number, officer_code, ctx.tz, service.utcnow(),
                                          username=pu.user.username)
        district_view.check_complaint(pu.role, pu.user.district_code, data["district"], data["number"])
        if status == 200:  # a citizen's data seen outside a call: the data-protection audit
            await privacy.record_access(session, pu.user.username, pu.role, "complaint_page",
                                        complaint=await service.get_by_id(session, data["id"]))
        lookups = await _lookups(session, pu.lang)
        lookups["l1_officers"] = [o for o in await reference.officers(session)
                                  if o.level == 1 and o.active and o.code != (data["officer"] or {}).get("code")] \
            if data["actionable"] else []
    max_mb = ctx.attachments.max_bytes // 1_000_000 if ctx.attachments else 0
    return render(request, "officer_complaint.html", pu.lang, pu=pu, status=status, c=data, max_mb=max_mb,
                  **lookups, **values)


@router.get("/officer/complaints/{number}")
async def complaint_detail(request: Request, number: str, done: str | None = None,
                           ctx: AppContext = Depends(get_ctx),
                           pu: PageUser = Depends(page_role(*VIEWERS))) -> Response:
    t = i18n.translator(pu.lang)
    notices = {"disposed": "detail.disposed_ok", "interim": "detail.interim_ok", "requested": "detail.transfer_requested_ok",
               "accepted": "detail.transfer_accepted_ok", "refused": "detail.transfer_refused_ok",
               "attached": "detail.attached_ok"}
    notice = t(notices[done], number=number) if done in notices else None
    try:
        return await _detail(request, pu, ctx, number, notice=notice)
    except DomainError as exc:
        return render(request, "error.html", pu.lang, pu=pu, status=exc.status, message=exc.message,
                      home=HOME[pu.role])


@router.post("/officer/complaints/{number}/dispose")
async def dispose(request: Request, number: str, report: str = Form(default=""), kind: str = Form(default="resolved"),
                  ctx: AppContext = Depends(get_ctx), pu: PageUser = Depends(form_user("officer"))) -> Response:
    try:
        async with ctx.db.session_scope() as session:
            await service.dispose(session, number, report, pu.user.who, ctx.policy, kind=kind)
    except DomainError as exc:
        return await _refused(request, pu, ctx, number, exc, report=report, kind=kind)
    return redirect(f"/officer/complaints/{number}?done=disposed")


@router.post("/officer/complaints/{number}/transfer")
async def transfer(request: Request, number: str, department: str = Form(default=""),
                   reason: str = Form(default=""), ctx: AppContext = Depends(get_ctx),
                   pu: PageUser = Depends(form_user("officer"))) -> Response:
    try:
        async with ctx.db.session_scope() as session:
            await service.transfer(session, number, department, reason, pu.user.who, policy=ctx.policy)
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
