"""The recordings page: supervisors find a call and play its recording in the browser (agents:
their own calls only); the listening audit for administrators."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from agent_console import desk_admin, i18n
from common.context import AppContext
from agent_console.deps import get_ctx
from agent_console.pages import PageUser, form_user, page_role, redirect, render
from agent_console.routes.api_recordings import call_filter, listener
from agent_console.routes.pages_admin import _apply, _int
from grievance.errors import DomainError, NotFound
from grievance.service import utcnow
from recordings import qa
from recordings import service as rec
from storage.queries import qa as qa_q
from storage.queries import recordings as recording_q

router = APIRouter(include_in_schema=False)
STAFF = ("agent", "supervisor", "admin")
MANAGERS = ("supervisor", "admin")
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


# --- quality review of one call -------------------------------------------------------------------

async def _qa_page(request: Request, ctx: AppContext, pu: PageUser, call: int, *, status: int = 200,
                   **values: object) -> Response:
    who = listener(pu.user)
    try:
        async with ctx.db.session_scope() as session:
            row = await recording_q.call(session, call)
            if row is None or not rec.may_hear(who, row):
                raise NotFound(f"no call {call}", field="call")
            current = await qa.review_json(session, who, call, ctx.tz)
            criteria = [qa.criterion_json(c) for c in await qa_q.criteria(session, active_only=True)]
            info = rec.call_json(row, ctx.tz, full_caller=True, qa_score=current["score"] if current else None)
    except DomainError as exc:
        return render(request, "error.html", pu.lang, pu=pu, status=exc.status,
                      message=i18n.error_message(pu.lang, exc.error_id, exc.message), home="/recordings")
    met = {m["criterion"] for m in current["marks"] if m["met"]} if current else set()
    return render(request, "qa_review.html", pu.lang, pu=pu, status=status, c=info, review=current,
                  criteria=criteria, met=met, **values)


@router.get("/recordings/{call}/qa")
async def qa_form(request: Request, call: int, saved: str | None = None, ctx: AppContext = Depends(get_ctx),
                  pu: PageUser = Depends(page_role(*MANAGERS))) -> Response:
    return await _qa_page(request, ctx, pu, call, saved=saved == "1")


@router.post("/recordings/{call}/qa")
async def qa_save(request: Request, call: int, ctx: AppContext = Depends(get_ctx),
                  pu: PageUser = Depends(form_user(*MANAGERS))) -> Response:
    form = await request.form()
    met = [str(v) for v in form.getlist("met")][:100]
    comment = str(form.get("comment") or "")
    try:
        async with ctx.db.session_scope() as session:
            await qa.review(session, listener(pu.user), call, met, comment, utcnow(), ctx.tz)
    except DomainError as exc:
        return await _qa_page(request, ctx, pu, call, status=exc.status,
                              error=i18n.error_message(pu.lang, exc.error_id, exc.message))
    return redirect(f"/recordings/{call}/qa?saved=1")


@router.post("/admin/qa-criteria")
async def put_qa_criterion(request: Request, ctx: AppContext = Depends(get_ctx),
                           pu: PageUser = Depends(form_user("admin"))) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("code", "name_en", "name_hi", "weight")}
    active = form.get("active") == "1"
    return await _apply(request, pu, ctx, "qa", lambda s: desk_admin.put_qa_criterion(
        s, values["code"], values["name_en"], values["name_hi"], _int(values["weight"], "weight"), active))


@router.post("/admin/users/{username}/media")
async def put_media(request: Request, username: str, ctx: AppContext = Depends(get_ctx),
                    pu: PageUser = Depends(form_user("admin"))) -> Response:
    form = await request.form()
    sign_language, auto_answer = form.get("sign_language") == "1", form.get("auto_answer") == "1"
    return await _apply(request, pu, ctx, "media", lambda s: desk_admin.set_media(s, username, sign_language, auto_answer))
