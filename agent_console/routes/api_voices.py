"""Recorded voices (administrator): upload a recording for any prompt in one language (it
replaces the text-to-speech), listen to what Asterisk plays, go back to the spoken text."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import FileResponse
from sqlalchemy.ext.asyncio import AsyncSession

from common.context import AppContext
from agent_console.deps import CurrentUser, get_ctx, get_session, require
from agent_console.errors import ApiError
from agent_console.responses import PromptRecordingList, PromptRecordingOut, PromptRemoved
from agent_console.schemas import SIGNED_IN, errors
from grievance.errors import InvalidInput, NotFound
from grievance.service import utcnow
from ivr import hours_admin, voice_admin
from ivr.prompts import PromptError
from ivr.voices import UPLOAD_MAX_BYTES, PromptRenderer
from storage.queries import prompts as prompt_q

router = APIRouter(prefix="/api/v1", tags=["voices"], responses=errors(400, *SIGNED_IN, 404))
ADMIN = require("admin")
PromptName = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")]
Lang = Annotated[Literal["hi", "en"], Path()]
AUDIO_UPLOAD = {"requestBody": {"required": True, "content": {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary",
                                            "description": "the WAV or MP3 file (any content type: audio/wav, audio/mpeg)"}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                       "properties": {"file": {"type": "string", "format": "binary"}}}}}}}
AUDIO = {200: {"content": {"audio/wav": {}}, "description": "the prompt as Asterisk plays it (8 kHz mono WAV)"}}


def supervisors_record(name: str) -> bool:
    """The prompts a supervisor may record: the emergency message and announcements' message and question."""
    return name == hours_admin.EMERGENCY_PROMPT or name.startswith("announce-")


def renderer(ctx: AppContext) -> PromptRenderer:
    if ctx.prompts is None:
        raise ApiError(503, "tts_failed", "no sounds folder is configured (HELPLINE_SOUNDS_DIR)")
    return ctx.prompts


@router.get("/admin/prompts", response_model=PromptRecordingList)
async def list_recordings(ctx: AppContext = Depends(get_ctx), session: AsyncSession = Depends(get_session, scope="function"),
                          _user: CurrentUser = Depends(ADMIN)) -> dict[str, Any]:
    """Uploaded recordings, and the names of every prompt that can have one."""
    known = await voice_admin.known_prompts(session)
    return {"recordings": [voice_admin.recording_json(r, ctx.tz) for r in await prompt_q.recordings(session)],
            "prompts": sorted(known.get("en", {}))}


@router.put("/admin/prompts/{name}/{lang}", response_model=PromptRecordingOut, openapi_extra=AUDIO_UPLOAD,
            responses=errors(503))
async def upload_recording(name: PromptName, lang: Lang, request: Request, ctx: AppContext = Depends(get_ctx),
                           session: AsyncSession = Depends(get_session, scope="function"),
                           user: CurrentUser = Depends(require("admin", "supervisor"))) -> dict[str, Any]:
    """A WAV or MP3 recording (the raw body or a form's `file`, up to 20 MB): converted to 8 kHz mono, normalised,
    and played instead of the text-to-speech of that prompt in that language. Supervisors may
    record the `emergency` prompt and announcement campaigns' `announce-<id>[-confirm]` only."""
    if user.role != "admin" and not supervisors_record(name):
        raise ApiError(403, "forbidden", "supervisors record the emergency message and announcements' prompts only; "
                                         "other prompts are the administrator's")
    too_large = ApiError(413, "too_large", f"the recording is larger than {UPLOAD_MAX_BYTES // (1024 * 1024)} MB")
    data = bytearray()
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InvalidInput("send the recording as the form field 'file'", field="file")
        data += await upload.read(UPLOAD_MAX_BYTES + 1)
    else:
        async for chunk in request.stream():
            data += chunk
            if len(data) > UPLOAD_MAX_BYTES:
                raise too_large
    if len(data) > UPLOAD_MAX_BYTES:
        raise too_large
    row = await voice_admin.upload(session, renderer(ctx), name, lang, bytes(data), user.username, utcnow())
    return voice_admin.recording_json(row, ctx.tz)


@router.get("/admin/prompts/{name}/{lang}/audio", response_class=FileResponse, responses=AUDIO)
async def prompt_audio(name: PromptName, lang: Lang, ctx: AppContext = Depends(get_ctx),
                       _user: CurrentUser = Depends(require("admin", "supervisor"))) -> FileResponse:
    """Listen to the prompt as Asterisk plays it (the recording, or the rendered text)."""
    path = renderer(ctx).path(name, lang)
    if not path.is_file():
        raise NotFound(f"prompt {name!r} has no sound file in {lang} yet (run helpline prompts build)")
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "no-store"})


@router.delete("/admin/prompts/{name}/{lang}", response_model=PromptRemoved, responses=errors(503))
async def remove_recording(name: PromptName, lang: Lang, ctx: AppContext = Depends(get_ctx),
                           session: AsyncSession = Depends(get_session, scope="function"),
                           _user: CurrentUser = Depends(ADMIN)) -> dict[str, Any]:
    """Back to the text-to-speech voice (rendered again before this answers)."""
    try:
        await voice_admin.remove(session, renderer(ctx), name, lang)
    except PromptError as exc:
        raise ApiError(503, "tts_failed", f"the text could not be spoken: {exc}") from None
    return {"name": name, "language": lang}


__all__ = ["router", "InvalidInput"]
