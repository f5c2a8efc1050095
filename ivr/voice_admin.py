"""Recorded voices: an administrator's recording replaces the text-to-speech of one prompt in
one language; texts saved in the pages (departments, campaigns, the emergency message) are
spoken by the server. The caller owns the transaction.

Every prompt the IVR can play is known here (`known_prompts`): the shipped manifests
(config/prompts), live campaigns' questions and messages, the emergency message, and
departments added in the administrator's page (`dept-<code>`). `helpline prompts build` renders
the same set and leaves uploaded recordings alone (`recorded_keys`).
"""
from __future__ import annotations

import asyncio
import functools
import logging
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dialer.survey_prompts import merged, survey_manifests
from grievance.errors import InvalidInput, NotFound
from ivr import hours_admin
from ivr.flows.complaint_status import department_prompt as dept_prompt
from ivr.manifest import load_manifests
from ivr.speech import LANGUAGES
from ivr.voices import PromptRenderer, UploadError, convert_upload, install
from storage.models import PromptRecording
from storage.queries import hours as hours_q
from storage.queries import prompts as prompt_q
from storage.queries import reference

log = logging.getLogger(__name__)


@functools.cache
def shipped() -> dict[str, dict[str, str]]:
    return load_manifests()


async def dynamic_manifests(session: AsyncSession) -> dict[str, dict[str, str]]:
    """Prompts whose texts live in the database: campaigns, the emergency message, new departments."""
    out = await survey_manifests(session)
    emergency = await hours_q.emergency(session)
    if emergency is not None:
        for lang, text in (("hi", emergency.text_hi), ("en", emergency.text_en)):
            if text:
                out.setdefault(lang, {})[hours_admin.EMERGENCY_PROMPT] = text
    for lang, prompts in department_manifest(await reference.departments(session)).items():
        out.setdefault(lang, {}).update(prompts)
    return out


def department_manifest(departments: Any) -> dict[str, dict[str, str]]:
    """`dept-<code>` for departments the shipped manifests do not speak already."""
    out: dict[str, dict[str, str]] = {"hi": {}, "en": {}}
    for d in departments:
        name = dept_prompt(d.code)
        if name not in shipped().get("en", {}):
            out["hi"][name] = d.name_hi
            out["en"][name] = d.name_en
    return out


async def known_prompts(session: AsyncSession) -> dict[str, dict[str, str]]:
    return merged(shipped(), await dynamic_manifests(session))


async def recorded_keys(session: AsyncSession) -> set[str]:
    """`lang/name` of every uploaded recording (what `prompts build` must not overwrite)."""
    return {f"{lang}/{name}" for name, lang in await prompt_q.recorded_prompts(session)}


def _check(known: dict[str, dict[str, str]], name: str, lang: str) -> str:
    if lang not in LANGUAGES:
        raise InvalidInput("the language is hi or en", field="language")
    if name not in known.get(lang, {}):
        raise NotFound(f"no prompt is called {name[:64]!r}", field="name")
    return known[lang][name]


async def upload(session: AsyncSession, renderer: PromptRenderer, name: str, lang: str, data: bytes, by: str,
                 now: datetime) -> PromptRecording:
    """Convert the recording (WAV or MP3 → 8 kHz mono, normalised) and put it in place of the prompt."""
    _check(await known_prompts(session), name, lang)
    try:
        converted = await asyncio.to_thread(convert_upload, data)
    except UploadError as exc:
        raise InvalidInput(str(exc), field="file") from None
    row = await prompt_q.put_recording(session, name, lang, converted.sha256, converted.duration_s, by, now)
    await asyncio.to_thread(install, renderer.path(name, lang), converted.wav)
    log.info("prompt %s/%s: recording of %.1f s uploaded by %s", lang, name, converted.duration_s, by)
    return row


async def remove(session: AsyncSession, renderer: PromptRenderer, name: str, lang: str) -> str:
    """Back to the spoken text: the recording's row goes and the text is rendered again."""
    text = _check(await known_prompts(session), name, lang)
    if not await prompt_q.remove_recording(session, name, lang):
        raise NotFound(f"prompt {name!r} has no recording in {lang}", field="name")
    await renderer.render(name, {lang: text})
    return name


async def render_department(session: AsyncSession, renderer: PromptRenderer | None, department: Any) -> None:
    """Speak a department's name (code, name_hi, name_en) unless it ships with a prompt. Called
    before the department is written, so no write lock is held while espeak runs and a failure
    saves nothing."""
    if renderer is None:
        return
    manifest = department_manifest([department])
    recorded = await prompt_q.recorded_prompts(session)
    await renderer.render_all(manifest, recorded)


def recording_json(row: PromptRecording, tz: Any) -> dict[str, Any]:
    return {"name": row.name, "language": row.language, "duration_s": row.duration_s, "sha256": row.sha256,
            "uploaded_by": row.uploaded_by, "uploaded_at": row.uploaded_at.astimezone(tz).isoformat(),
            "audio": f"/api/v1/admin/prompts/{row.name}/{row.language}/audio"}
