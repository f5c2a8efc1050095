"""The officer's complaint page, beyond disposal (issue 13): interim reply, return to L1, transfer
request to another officer and its decision, attachments (upload and download)."""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from common.context import AppContext
from agent_console.deps import get_ctx
from agent_console.pages import HOME, PageUser, form_user, page_role, redirect, render
from agent_console.routes.pages_officer import VIEWERS, _refused
from grievance import district as district_view
from grievance import inbox, officer_actions, service
from grievance.errors import DomainError, Forbidden, InvalidInput, NotFound
from storage.queries import attachments as attachment_q

router = APIRouter(include_in_schema=False)
UPLOAD_READ = 64 * 1024


def _done(number: str, what: str) -> Response:
    return redirect(f"/officer/complaints/{number}?done={what}")


@router.post("/officer/complaints/{number}/interim")
async def interim(request: Request, number: str, text: str = Form(default=""), expected_on: str = Form(default=""),
                  ctx: AppContext = Depends(get_ctx), pu: PageUser = Depends(form_user("officer"))) -> Response:
    try:
        async with ctx.db.session_scope() as session:
            await officer_actions.interim(session, number, text, expected_on, pu.user.who, ctx.policy)
    except DomainError as exc:
        return await _refused(request, pu, ctx, number, exc, interim_text=text, expected_on=expected_on)
    return _done(number, "interim")


@router.post("/officer/complaints/{number}/return")
async def return_to_l1(request: Request, number: str, direction: str = Form(default=""),
                       ctx: AppContext = Depends(get_ctx), pu: PageUser = Depends(form_user("officer"))) -> Response:
    try:
        async with ctx.db.session_scope() as session:
            await officer_actions.return_to_l1(session, number, direction, pu.user.who, ctx.policy)
    except DomainError as exc:
        return await _refused(request, pu, ctx, number, exc, direction=direction)
    return redirect(f"/officer?done=returned&number={quote(number)}")


@router.post("/officer/complaints/{number}/transfer-request")
async def transfer_request(request: Request, number: str, officer: str = Form(default=""),
                           reason: str = Form(default=""), ctx: AppContext = Depends(get_ctx),
                           pu: PageUser = Depends(form_user("officer"))) -> Response:
    try:
        async with ctx.db.session_scope() as session:
            await officer_actions.request_transfer(session, number, officer, reason, pu.user.who)
    except DomainError as exc:
        return await _refused(request, pu, ctx, number, exc, request_reason=reason)
    return _done(number, "requested")


@router.post("/officer/transfer-requests/{request_id}")
async def decide_transfer(request: Request, request_id: int, number: str = Form(default=""),
                          decision: str = Form(default=""), note: str = Form(default=""),
                          ctx: AppContext = Depends(get_ctx),
                          pu: PageUser = Depends(form_user("officer", "supervisor", "admin"))) -> Response:
    try:
        async with ctx.db.session_scope() as session:
            await officer_actions.decide_transfer(session, request_id, decision == "accept", note, pu.user.who,
                                                  ctx.policy)
    except DomainError as exc:
        return await _refused(request, pu, ctx, number, exc, note=note)
    return _done(number, "accepted" if decision == "accept" else "refused")


@router.post("/officer/complaints/{number}/attachments")
async def upload(request: Request, number: str, file: UploadFile = File(...), ctx: AppContext = Depends(get_ctx),
                 pu: PageUser = Depends(form_user("officer"))) -> Response:
    store = ctx.attachments
    try:
        data = await _read_limited(file, store.max_bytes if store else 0)
        if store is None:
            raise NotFound("attachments are not kept on this server")
        async with ctx.db.session_scope() as session:
            complaint = await service.get(session, number, for_update=True)
            if complaint.officer_code != pu.user.officer_code:
                raise Forbidden("only the officer holding this complaint adds files", number=complaint.number)
            await store.add(session, complaint, data, original_name=file.filename or "", added_by=pu.user.username,
                            actor_kind="officer", channel="officer", declared_mime=file.content_type or "")
    except DomainError as exc:
        return await _refused(request, pu, ctx, number, exc)
    return _done(number, "attached")


async def _read_limited(file: UploadFile, limit: int) -> bytes:
    """The upload's bytes, refusing (before reading it all) a file over the limit."""
    chunks, size = [], 0
    while chunk := await file.read(UPLOAD_READ):
        size += len(chunk)
        if limit and size > limit:
            raise InvalidInput(f"the file is larger than {limit // 1_000_000} MB", field="file", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


@router.get("/officer/complaints/{number}/attachments/{attachment_id}")
async def download(request: Request, number: str, attachment_id: int, ctx: AppContext = Depends(get_ctx),
                   pu: PageUser = Depends(page_role(*VIEWERS))) -> Response:
    officer_code = pu.user.officer_code if pu.role == "officer" else None
    try:
        async with ctx.db.session_scope() as session:
            data = await inbox.complaint_page(session, number, officer_code, ctx.tz, service.utcnow(),
                                              username=pu.user.username)  # the same access as the page
            district_view.check_complaint(pu.role, pu.user.district_code, data["district"], data["number"])
            row = await attachment_q.by_id(session, attachment_id)
            if row is None or row.complaint_id != data["id"] or ctx.attachments is None:
                raise NotFound("no such attachment on this complaint")
            content = await ctx.attachments.read(row)
    except DomainError as exc:
        return render(request, "error.html", pu.lang, pu=pu, status=exc.status, message=exc.message,
                      home=HOME[pu.role])
    disposition = "inline" if row.kind == "photo" else "attachment"
    return Response(content, media_type=row.mime, headers={
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(row.original_name)}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})
