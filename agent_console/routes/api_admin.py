"""Administration API (role admin): users, officers, departments, categories and SLA days, pause reasons."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from common.context import AppContext
from agent_console.deps import CurrentUser, get_ctx, get_session, require
from agent_console.schemas import UserOut, UsersOut, DistrictCode, Role, CodePath, Password, SIGNED_IN, Strict, UsernamePath, errors
from agent_console.sessions import announce_signed_out
from agent_console import admin
from agent_console.responses import CategorySaved, Named, OfficerList, OfficerSaved
from agent_console.errors import ApiError
from helpline.users import create_user
from ivr import voice_admin
from ivr.prompts import PromptError
from storage.queries import reference
from storage.queries import users as user_q

router = APIRouter(prefix="/api/v1/admin", tags=["admin"], responses=errors(400, *SIGNED_IN, 404, 409))
ADMIN = Depends(require("admin"))


class UserIn(Strict):
    username: str = Field(min_length=2, max_length=64)
    role: Role
    password: Password
    officer: str | None = Field(default=None, max_length=32)
    extension: str | None = Field(default=None, max_length=32)
    district: str | None = Field(default=None, max_length=16, description="a collector's district")


class UserPatch(Strict):
    active: bool | None = None
    password: Password | None = None
    ui_language: str | None = Field(default=None, max_length=2)


class NamesIn(Strict):
    name_en: str = Field(min_length=1, max_length=150)
    name_hi: str = Field(min_length=1, max_length=150)


class CategoryIn(NamesIn):
    department: str = Field(min_length=1, max_length=16)
    sla_days: int


class OfficerIn(NamesIn):
    department: str = Field(min_length=1, max_length=16)
    district: DistrictCode | None = None
    level: int
    designation: str = Field(default="", max_length=150)
    active: bool = True


def _names(body: NamesIn) -> admin.Names:
    return admin.Names(body.name_en, body.name_hi)


@router.get("/users", response_model=UsersOut)
async def list_users(session: AsyncSession = Depends(get_session, scope="function"), _u: CurrentUser = ADMIN) -> dict[str, Any]:
    return {"users": [admin.user_json(u) for u in await user_q.all_users(session)]}


@router.post("/users", status_code=201, response_model=UserOut)
async def add_user(body: UserIn, session: AsyncSession = Depends(get_session, scope="function"),
                   _u: CurrentUser = ADMIN) -> dict[str, Any]:
    user = await create_user(session, body.username, body.role, body.password, officer=body.officer or None,
                             extension=body.extension or None, district=body.district or None)
    return admin.user_json(user)


@router.patch("/users/{username}", response_model=UserOut)
async def patch_user(username: UsernamePath, body: UserPatch, ctx: AppContext = Depends(get_ctx),
                     session: AsyncSession = Depends(get_session, scope="function"), me: CurrentUser = ADMIN) -> dict[str, Any]:
    user = await admin.update_user(session, username, active=body.active, password=body.password,
                                   ui_language=body.ui_language, acting_user_id=me.id,
                                   on_signed_out=lambda user_id: announce_signed_out(ctx, user_id))
    return admin.user_json(user)


@router.get("/officers", response_model=OfficerList)
async def list_officers(session: AsyncSession = Depends(get_session, scope="function"), _u: CurrentUser = ADMIN) -> dict[str, Any]:
    return {"officers": [
        {"code": o.code, "name_en": o.name_en, "name_hi": o.name_hi, "designation": o.designation,
         "department": o.department_code, "district": o.district_code, "level": o.level, "active": o.active}
        for o in await reference.officers(session)]}


@router.put("/officers/{code}", response_model=OfficerSaved)
async def put_officer(code: CodePath, body: OfficerIn, session: AsyncSession = Depends(get_session, scope="function"),
                      _u: CurrentUser = ADMIN) -> dict[str, Any]:
    o = await admin.put_officer(session, code, _names(body), department=body.department, district=body.district,
                                level=body.level, designation=body.designation, active=body.active)
    return {"code": o.code, "department": o.department_code, "district": o.district_code, "level": o.level,
            "active": o.active}


@router.put("/departments/{code}", response_model=Named, responses=errors(503))
async def put_department(code: CodePath, body: NamesIn, ctx: AppContext = Depends(get_ctx),
                         session: AsyncSession = Depends(get_session, scope="function"),
                         _u: CurrentUser = ADMIN) -> dict[str, Any]:
    """A new department's name is spoken (Hindi, English) for the IVR before this answers."""
    try:
        d = await admin.put_department(session, code, _names(body),
                                       speak=lambda draft: voice_admin.render_department(session, ctx.prompts, draft))
    except PromptError as exc:
        raise ApiError(503, "tts_failed", f"the department's name could not be spoken: {exc}") from None
    return {"code": d.code, "name_en": d.name_en, "name_hi": d.name_hi}


@router.put("/categories/{code}", response_model=CategorySaved)
async def put_category(code: CodePath, body: CategoryIn, session: AsyncSession = Depends(get_session, scope="function"),
                       _u: CurrentUser = ADMIN) -> dict[str, Any]:
    c = await admin.put_category(session, code, body.department, _names(body), body.sla_days)
    return {"code": c.code, "department": c.department_code, "name_en": c.name_en, "name_hi": c.name_hi,
            "sla_days": c.sla_days}


@router.put("/pause-reasons/{code}", response_model=Named)
async def put_pause_reason(code: CodePath, body: NamesIn, session: AsyncSession = Depends(get_session, scope="function"),
                           _u: CurrentUser = ADMIN) -> dict[str, Any]:
    r = await admin.put_pause_reason(session, code, _names(body))
    return {"code": r.code, "name_en": r.name_en, "name_hi": r.name_hi}


@router.delete("/pause-reasons/{code}", status_code=204)
async def delete_pause_reason(code: CodePath, session: AsyncSession = Depends(get_session, scope="function"),
                              _u: CurrentUser = ADMIN) -> Response:
    await admin.delete_pause_reason(session, code)
    return Response(status_code=204)
