"""Recorded voices on `/admin` (section "voices"): upload a recording for a prompt, listen to it,
go back to the spoken text. The API is agent_console/routes/api_voices.py."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from common.context import AppContext
from agent_console.deps import get_ctx
from agent_console.pages import PageUser, form_user
from agent_console.routes.pages_admin import _apply
from grievance.errors import InvalidInput
from grievance.service import utcnow
from ivr import voice_admin
from ivr.voices import UPLOAD_MAX_BYTES

router = APIRouter(include_in_schema=False)


@router.post("/admin/prompts")
async def upload(request: Request, ctx: AppContext = Depends(get_ctx), pu: PageUser = Depends(form_user("admin")),
                 name: str = Form(default=""), language: str = Form(default="")) -> Response:
    form = await request.form()
    file = form.get("file")
    data = b""
    if file is not None and not isinstance(file, str):
        data = await file.read(UPLOAD_MAX_BYTES + 1)

    async def change(session):  # type: ignore[no-untyped-def]
        if not data:
            raise InvalidInput("choose a WAV or MP3 recording", field="file")
        assert ctx.prompts is not None
        await voice_admin.upload(session, ctx.prompts, name.strip(), language, data, pu.user.username, utcnow())

    return await _apply(request, pu, ctx, "voices", change)


@router.post("/admin/prompts/{name}/{language}/delete")
async def remove(request: Request, name: str, language: str, ctx: AppContext = Depends(get_ctx),
                 pu: PageUser = Depends(form_user("admin"))) -> Response:
    async def change(session):  # type: ignore[no-untyped-def]
        assert ctx.prompts is not None
        await voice_admin.remove(session, ctx.prompts, name, language)

    return await _apply(request, pu, ctx, "voices", change)
