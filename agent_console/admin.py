"""Administration of users and reference data, with the checks that keep routing working."""
from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from agent_console.auth import ROLES, hash_password
from grievance.errors import Conflict, InvalidInput, NotFound
from helpline.users import MIN_PASSWORD
from storage.models import Category, Department, Officer, PauseReason, User
from storage.queries import admin as admin_q
from storage.queries import reference
from storage.queries import users as user_q

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
_LANGS = ("hi", "en")


@dataclass(frozen=True)
class Names:
    name_en: str
    name_hi: str

    def checked(self) -> dict[str, str]:
        en, hi = " ".join(self.name_en.split()), " ".join(self.name_hi.split())
        if not en or not hi:
            raise InvalidInput("both the English and the Hindi name are required", field="name_en")
        if len(en) > 150 or len(hi) > 150:
            raise InvalidInput("a name is at most 150 characters", field="name_en")
        return {"name_en": en, "name_hi": hi}


def code(value: str, max_len: int = 32) -> str:
    value = value.strip()
    if not _CODE.fullmatch(value) or len(value) > max_len:
        raise InvalidInput(f"code: letters, digits, '_' or '-', at most {max_len} characters", field="code")
    return value


async def put_department(session: AsyncSession, key: str, names: Names,
                         speak: Callable[[Any], Awaitable[None]] | None = None) -> Department:
    """Create or rename a department; `speak(draft)` (its name for the IVR) runs first, once
    the input is valid, so nothing is saved when it fails."""
    values = names.checked()
    draft = Department(code=code(key, 16), **values)
    if speak is not None:
        await speak(draft)
    return await admin_q.put(session, Department, draft.code, values)


async def put_category(session: AsyncSession, key: str, department: str, names: Names, sla_days: int) -> Category:
    if await reference.get_department(session, department) is None:
        raise InvalidInput(f"unknown department {department!r}", field="department")
    if not 1 <= sla_days <= 365:
        raise InvalidInput("SLA days must be between 1 and 365", field="sla_days")
    existing = await reference.get_category(session, code(key))
    if existing is not None and existing.department_code != department:
        raise Conflict(f"category {existing.code} belongs to department {existing.department_code}", field="code")
    return await admin_q.put(session, Category, code(key), {**names.checked(), "department_code": department,
                                                            "sla_days": sla_days})


async def put_officer(session: AsyncSession, key: str, names: Names, *, department: str, district: str | None,
                      level: int, designation: str = "", active: bool = True) -> Officer:
    if await reference.get_department(session, department) is None:
        raise InvalidInput(f"unknown department {department!r}", field="department")
    if district and await reference.get_district(session, district) is None:
        raise InvalidInput(f"unknown district {district!r}", field="district")
    if level not in (1, 2):
        raise InvalidInput("level must be 1 or 2", field="level")
    key = code(key)
    if not active and await admin_q.open_complaints_of_officer(session, key):
        raise Conflict(f"officer {key} still holds open complaints; transfer them first", field="active")
    return await admin_q.put(session, Officer, key, {
        **names.checked(), "department_code": department, "district_code": district or None, "level": level,
        "designation": " ".join(designation.split())[:150], "active": active})


async def put_pause_reason(session: AsyncSession, key: str, names: Names) -> PauseReason:
    return await admin_q.put(session, PauseReason, code(key), names.checked())


async def delete_pause_reason(session: AsyncSession, key: str) -> None:
    if not await admin_q.delete_pause_reason(session, key):
        raise NotFound(f"no pause reason {key!r}", code=key)


async def update_user(session: AsyncSession, username: str, *, active: bool | None = None,
                      password: str | None = None, ui_language: str | None = None,
                      acting_user_id: int | None = None,
                      on_signed_out: Callable[[int], None] | None = None) -> User:
    """Change a user; a new password or disabling ends the user's sessions (`on_signed_out(id)`)."""
    user = await user_q.by_username(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}", username=username)
    values: dict[str, Any] = {}
    if active is not None:
        if not active and user.id == acting_user_id:
            raise InvalidInput("you cannot disable your own account", field="active")
        values["active"] = active
        if not active:
            values["token_version"] = user.token_version + 1  # open websockets close too
    if password is not None:
        if len(password) < MIN_PASSWORD:
            raise InvalidInput(f"the password needs at least {MIN_PASSWORD} characters", field="password")
        values["password_hash"] = await asyncio.to_thread(hash_password, password)  # never on the loop
        values["token_version"] = user.token_version + 1  # the old password's sessions end
    if ui_language is not None:
        if ui_language not in _LANGS:
            raise InvalidInput("ui_language must be hi or en", field="ui_language")
        values["ui_language"] = ui_language
    changed = await admin_q.set_user_fields(session, user, **values)
    if "token_version" in values and on_signed_out is not None:
        on_signed_out(changed.id)
    return changed


def user_json(user: User) -> dict[str, Any]:
    return {"username": user.username, "role": user.role, "officer": user.officer_code,
            "extension": user.extension, "active": user.active, "ui_language": user.ui_language}


__all__ = ["ROLES", "Names", "put_department", "put_category", "put_officer", "put_pause_reason",
           "delete_pause_reason", "update_user", "user_json"]
