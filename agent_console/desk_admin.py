"""What the administrator sets for the desk (wrap-up per queue, the disposition list, an officer's
phone for transfers), and the transfer targets an agent can pick from."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from agent_console.admin import Names, code
from cti.call_control import QUEUES
from grievance.errors import InvalidInput, NotFound
from grievance.phones import normalise_phone
from storage.models import DispositionReason, QaCriterion, QueueSetting
from storage.queries import desk_settings, qa as qa_q, reference
from storage.queries import users as user_q

MAX_WRAPUP_S = 600
MAX_QA_WEIGHT = 10


async def put_queue(session: AsyncSession, queue: str, wrapup_s: int, record: bool | None = None) -> QueueSetting:
    """Wrap-up length and (when given) whether the queue's calls are recorded."""
    if queue not in QUEUES:
        raise InvalidInput(f"queue must be one of {', '.join(QUEUES)}", field="queue")
    if not 0 <= wrapup_s <= MAX_WRAPUP_S:
        raise InvalidInput(f"wrap-up is 0 to {MAX_WRAPUP_S} seconds", field="wrapup_s")
    return await desk_settings.put_queue_setting(session, queue, wrapup_s, record)


async def put_disposition(session: AsyncSession, key: str, name_en: str, name_hi: str,
                          active: bool) -> DispositionReason:
    names = Names(name_en, name_hi).checked()
    key = code(key).lower()
    if not active and len([r for r in await desk_settings.dispositions(session, active_only=True)
                           if r.code != key]) == 0:
        raise InvalidInput("keep at least one disposition active", field="active")
    return await desk_settings.put_disposition(session, key, names["name_en"], names["name_hi"], active)


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


async def set_officer_phone(session: AsyncSession, officer_code: str, phone: str, email: str | None = None) -> None:
    """The officer's phone (transfers, WhatsApp/SMS reminders) and, when given, e-mail (reminders)."""
    officer = await reference.get_officer(session, officer_code)
    if officer is None:
        raise NotFound(f"no officer {officer_code!r}", field="code")
    officer.phone = normalise_phone(phone) if phone.strip() else None
    if email is not None:
        email = email.strip()
        if email and (len(email) > 254 or not EMAIL.fullmatch(email)):
            raise InvalidInput("an e-mail address looks like name@example.in", field="email")
        officer.email = email or None
    await session.flush()


async def transfer_targets(session: AsyncSession, cti: Any) -> dict[str, Any]:
    agents = []
    for user in await user_q.all_users(session):
        if user.active and user.extension and user.role in ("agent", "supervisor"):
            state = cti.agent_view(user.extension)["state"] if cti is not None else "logged_out"
            agents.append({"extension": user.extension, "name": user.username, "state": state})
    officers = [{"code": o.code, "name_en": o.name_en, "name_hi": o.name_hi, "department": o.department_code,
                 "district": o.district_code, "level": o.level}
                for o in await reference.officers(session) if o.active and o.phone]
    return {"agents": agents, "queues": list(QUEUES), "officers": officers}


async def put_qa_criterion(session: AsyncSession, key: str, name_en: str, name_hi: str, weight: int,
                           active: bool) -> QaCriterion:
    names = Names(name_en, name_hi).checked()
    if len(names["name_en"]) > 100 or len(names["name_hi"]) > 100:
        raise InvalidInput("a criterion's name is at most 100 characters", field="name_en")
    if not 1 <= weight <= MAX_QA_WEIGHT:
        raise InvalidInput(f"weight is 1 to {MAX_QA_WEIGHT}", field="weight")
    key = code(key).lower()
    if not active and not [c for c in await qa_q.criteria(session, active_only=True) if c.code != key]:
        raise InvalidInput("keep at least one criterion active", field="active")
    return await qa_q.put_criterion(session, key, names["name_en"], names["name_hi"], weight, active)


async def set_media(session: AsyncSession, username: str, sign_language: bool | None,
                    auto_answer: bool | None) -> Any:
    """A user's sign-language video skill (queue login adds helpline-video) and softphone auto-answer."""
    row = await user_q.by_username(session, username)
    if row is None:
        raise NotFound(f"no user {username!r}", field="username")
    if sign_language is not None:
        row.sign_language = sign_language
    if auto_answer is not None:
        row.auto_answer = auto_answer
    await session.flush()
    return row
