"""The administrator's page (`/admin`): users, officers, departments, categories with SLA days, pause reasons."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from agent_console.auth import ROLES
from common.context import AppContext
from agent_console.deps import get_ctx
from agent_console.pages import PageUser, form_user, page_role, redirect, render
from agent_console.sessions import announce_signed_out
from agent_console import admin
from grievance.errors import DomainError, InvalidInput
from helpline.users import create_user
from grievance.service import utcnow
from ivr import hours_admin
from storage.queries import qa as qa_q
from storage.queries import desk_settings, reference
from storage.queries import hours as hours_q
from storage.queries import prompts as prompt_q
from ivr import voice_admin
from ivr.prompts import PromptError
from storage.queries import users as user_q

router = APIRouter(include_in_schema=False)
SECTIONS = ("users", "officers", "departments", "categories", "pause_reasons", "queues", "dispositions", "handover",
            "hours", "holidays", "voices", "qa", "media")


def _int(value: str, field: str) -> int:
    try:
        return int(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"{field} must be a whole number", field=field) from exc


async def _page(request: Request, pu: PageUser, ctx: AppContext, *, status: int = 200, **values: Any) -> Response:
    async with ctx.db.session_scope() as session:
        data = {
            "users": await user_q.all_users(session), "officers": await reference.officers(session),
            "departments": await reference.departments(session), "categories": await reference.categories(session),
            "pause_reasons": await reference.pause_reasons(session), "districts": await reference.districts(session),
            "queue_settings": await desk_settings.queue_settings(session),
            "disposition_list": await desk_settings.dispositions(session),
            "hours": await hours_admin.hours_view(session, hours_admin.DEFAULT_QUEUE, utcnow(), ctx.tz),
            "all_holidays": await hours_q.holidays(session),
            "recordings": await prompt_q.recordings(session),
            "prompt_names": sorted((await voice_admin.known_prompts(session)).get("en", {})),
            "qa_criteria": await qa_q.criteria(session),
        }
    return render(request, "admin.html", pu.lang, pu=pu, status=status, roles=ROLES, sections=SECTIONS,
                  retention_days=ctx.settings.recording_retention_days, **data, **values)


@router.get("/admin")
async def admin_page(request: Request, saved: str | None = None, listen: str | None = None, lang: str | None = None,
                     ctx: AppContext = Depends(get_ctx), pu: PageUser = Depends(page_role("admin"))) -> Response:
    heard = None
    if listen and lang in ("hi", "en") and len(listen) <= 64 and all(c.isalnum() or c == "-" for c in listen):
        heard = {"name": listen.lower(), "lang": lang}
    return await _page(request, pu, ctx, saved=saved in SECTIONS and saved, listen=heard)


async def _apply(request: Request, pu: PageUser, ctx: AppContext, section: str,
                 change: Callable[[AsyncSession], Awaitable[Any]]) -> Response:
    try:
        async with ctx.db.session_scope() as session:
            await change(session)
    except DomainError as exc:
        return await _page(request, pu, ctx, status=exc.status, error=exc.message, error_section=section)
    except PromptError as exc:  # text-to-speech failed: nothing was saved
        return await _page(request, pu, ctx, status=503, error=str(exc), error_section=section)
    return redirect(f"/admin?saved={section}#{section}")


@router.post("/admin/users")
async def add_user(request: Request, ctx: AppContext = Depends(get_ctx), pu: PageUser = Depends(form_user("admin")),
                   username: str = Form(default=""), role: str = Form(default=""), password: str = Form(default=""),
                   officer: str = Form(default=""), extension: str = Form(default=""),
                   district: str = Form(default="")) -> Response:
    return await _apply(request, pu, ctx, "users", lambda s: create_user(
        s, username.strip(), role, password, officer=officer.strip() or None, extension=extension.strip() or None,
        district=district.strip() or None))


@router.post("/admin/users/{username}")
async def change_user(request: Request, username: str, ctx: AppContext = Depends(get_ctx),
                      pu: PageUser = Depends(form_user("admin")), active: str = Form(default=""),
                      password: str = Form(default="")) -> Response:
    return await _apply(request, pu, ctx, "users", lambda s: admin.update_user(
        s, username, active={"1": True, "0": False}.get(active), password=password or None,
        acting_user_id=pu.user.id, on_signed_out=lambda user_id: announce_signed_out(ctx, user_id)))


@router.post("/admin/officers")
async def put_officer(request: Request, ctx: AppContext = Depends(get_ctx), pu: PageUser = Depends(form_user("admin")),
                      code: str = Form(default=""), name_en: str = Form(default=""), name_hi: str = Form(default=""),
                      department: str = Form(default=""), district: str = Form(default=""),
                      level: str = Form(default="1"), designation: str = Form(default=""),
                      active: str = Form(default="")) -> Response:
    return await _apply(request, pu, ctx, "officers", lambda s: admin.put_officer(
        s, code, admin.Names(name_en, name_hi), department=department, district=district or None,
        level=_int(level, "level"),
        designation=designation, active=active == "1"))


@router.post("/admin/departments")
async def put_department(request: Request, ctx: AppContext = Depends(get_ctx),
                         pu: PageUser = Depends(form_user("admin")), code: str = Form(default=""),
                         name_en: str = Form(default=""), name_hi: str = Form(default="")) -> Response:
    async def change(s: AsyncSession) -> None:
        await admin.put_department(s, code, admin.Names(name_en, name_hi),
                                   speak=lambda d: voice_admin.render_department(s, ctx.prompts, d))

    return await _apply(request, pu, ctx, "departments", change)


@router.post("/admin/categories")
async def put_category(request: Request, ctx: AppContext = Depends(get_ctx),
                       pu: PageUser = Depends(form_user("admin")), code: str = Form(default=""),
                       department: str = Form(default=""), name_en: str = Form(default=""),
                       name_hi: str = Form(default=""), sla_days: str = Form(default="")) -> Response:
    return await _apply(request, pu, ctx, "categories", lambda s: admin.put_category(
        s, code, department, admin.Names(name_en, name_hi), _int(sla_days, "sla_days")))


@router.post("/admin/pause_reasons")
async def put_pause_reason(request: Request, ctx: AppContext = Depends(get_ctx),
                           pu: PageUser = Depends(form_user("admin")), code: str = Form(default=""),
                           name_en: str = Form(default=""), name_hi: str = Form(default="")) -> Response:
    return await _apply(request, pu, ctx, "pause_reasons",
                        lambda s: admin.put_pause_reason(s, code, admin.Names(name_en, name_hi)))


@router.post("/admin/pause_reasons/{code}/delete")
async def delete_pause_reason(request: Request, code: str, ctx: AppContext = Depends(get_ctx),
                              pu: PageUser = Depends(form_user("admin"))) -> Response:
    return await _apply(request, pu, ctx, "pause_reasons", lambda s: admin.delete_pause_reason(s, code))
