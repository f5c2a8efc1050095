"""Pages for service hours and holidays (administrator, on `/admin`) and the emergency message
(supervisor, on `/supervisor`). The API is agent_console/routes/api_hours.py."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from common.context import AppContext
from agent_console.deps import get_ctx
from agent_console.pages import PageUser, form_user, redirect
from agent_console.routes.pages_admin import _apply
from agent_console.routes.pages_supervisor import wallboard_page
from grievance.errors import DomainError, InvalidInput
from grievance.service import utcnow
from ivr import hours_admin, voice_admin
from ivr.voices import UPLOAD_MAX_BYTES
from ivr.prompts import PromptError

router = APIRouter(include_in_schema=False)


@router.post("/admin/hours")
async def put_hours(request: Request, ctx: AppContext = Depends(get_ctx), pu: PageUser = Depends(form_user("admin")),
                    queue: str = Form(default=""), opens: str = Form(default=""), closes: str = Form(default=""),
                    always: str = Form(default="")) -> Response:
    days = (await request.form()).getlist("days")
    if always == "1":
        return await _apply(request, pu, ctx, "hours", lambda s: hours_admin.always_open(s, queue))
    return await _apply(request, pu, ctx, "hours", lambda s: hours_admin.set_hours(
        s, queue, [str(d) for d in days], opens, closes, pu.user.username, utcnow()))


@router.post("/admin/holidays")
async def add_holiday(request: Request, ctx: AppContext = Depends(get_ctx), pu: PageUser = Depends(form_user("admin")),
                      day: str = Form(default=""), name_en: str = Form(default=""),
                      name_hi: str = Form(default="")) -> Response:
    return await _apply(request, pu, ctx, "holidays",
                        lambda s: hours_admin.add_holiday(s, day, name_en, name_hi, pu.user.username))


@router.post("/admin/holidays/{day}/delete")
async def remove_holiday(request: Request, day: str, ctx: AppContext = Depends(get_ctx),
                         pu: PageUser = Depends(form_user("admin"))) -> Response:
    return await _apply(request, pu, ctx, "holidays", lambda s: hours_admin.remove_holiday(s, day))


@router.post("/supervisor/emergency")
async def emergency(request: Request, ctx: AppContext = Depends(get_ctx),
                    pu: PageUser = Depends(form_user("supervisor", "admin")), active: str = Form(default=""),
                    text_hi: str = Form(default=""), text_en: str = Form(default="")) -> Response:
    try:
        async with ctx.db.session_scope() as session:
            await hours_admin.set_emergency(session, active == "1", text_hi, text_en, pu.user.username, utcnow(),
                                            ctx.prompts.render if ctx.prompts else None)
    except DomainError as exc:
        return await wallboard_page(request, ctx, pu, status=exc.status, emergency_error=exc.message)
    except PromptError as exc:
        return await wallboard_page(request, ctx, pu, status=503, emergency_error=str(exc))
    return redirect("/supervisor?saved=emergency#emergency")


@router.post("/supervisor/emergency/recording")
async def emergency_recording(request: Request, ctx: AppContext = Depends(get_ctx),
                              pu: PageUser = Depends(form_user("supervisor", "admin")),
                              language: str = Form(default="")) -> Response:
    """A recorded emergency message in one language (replaces its text-to-speech)."""
    form = await request.form()
    file = form.get("file")
    data = await file.read(UPLOAD_MAX_BYTES + 1) if file is not None and not isinstance(file, str) else b""
    try:
        if not data:
            raise InvalidInput("choose a WAV or MP3 recording", field="file")
        async with ctx.db.session_scope() as session:
            assert ctx.prompts is not None
            await voice_admin.upload(session, ctx.prompts, hours_admin.EMERGENCY_PROMPT, language, data,
                                     pu.user.username, utcnow())
    except DomainError as exc:
        message = exc.message if exc.status != 404 else "save the message's text first, then its recording"
        return await wallboard_page(request, ctx, pu, status=exc.status, emergency_error=message)
    return redirect("/supervisor?saved=emergency#emergency")
