"""Creating users (`helpline users create`, demo data, tests)."""
from __future__ import annotations

import asyncio
import re

from sqlalchemy.ext.asyncio import AsyncSession

from agent_console.auth import ROLES, hash_password
from grievance.errors import Conflict, InvalidInput
from grievance.service import utcnow
from storage.models import User
from storage.queries import reference
from storage.queries import users as user_q
from ivr.scripts import AGENT_EXTENSION

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
MIN_PASSWORD = 8
# The queues an agent can serve: helpline-hi, helpline-en, helpline-video (sign language).
AGENT_QUEUES = ("hi", "en", "video")


async def create_user(session: AsyncSession, username: str, role: str, password: str, *,
                      officer: str | None = None, extension: str | None = None,
                      languages: str = "hi,en", district: str | None = None) -> User:
    if not _USERNAME.fullmatch(username):
        raise InvalidInput("username: 2-64 characters, lowercase letters, digits, '.', '_' or '-'", field="username")
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"the password needs at least {MIN_PASSWORD} characters", field="password")
    if role == "officer":
        if not officer:
            raise InvalidInput("an officer user needs an officer code", field="officer",
                               cli_message="an officer user needs --officer CODE")
        if await reference.get_officer(session, officer) is None:
            raise InvalidInput(f"unknown officer code {officer!r}", field="officer")
    elif officer:
        raise InvalidInput("only officer users have an officer code", field="officer",
                           cli_message="--officer applies to officer users only")
    if role == "collector":
        if not district:
            raise InvalidInput("a collector user needs a district", field="district",
                               cli_message="a collector user needs --district CODE")
        district = district.strip().upper()
        if await reference.get_district(session, district) is None:
            raise InvalidInput(f"unknown district {district!r}", field="district")
    elif district:
        raise InvalidInput("only collector users have a district (the state nodal officer sees every district)",
                           field="district", cli_message="--district applies to collector users only")
    if role == "agent" and not extension:
        raise InvalidInput("an agent user needs an extension: the name of its phone's PJSIP endpoint, "
                           "such as agent1001", field="extension",
                           cli_message="an agent user needs --extension (its PJSIP endpoint)")
    if extension is not None and not AGENT_EXTENSION.fullmatch(extension):
        raise InvalidInput("extension: lowercase letters and digits starting with a letter (agent1001), or 2XXX (the PJSIP endpoint name)", field="extension")
    if await user_q.by_username(session, username) is not None:
        raise Conflict(f"user {username!r} already exists", field="username")
    if extension and await user_q.by_extension(session, extension) is not None:
        raise Conflict(f"extension {extension!r} already belongs to another user", field="extension")
    for lang in languages.split(","):
        if lang not in AGENT_QUEUES:
            raise InvalidInput("languages: a comma-separated list of hi, en, video (the queues the agent serves)",
                               field="languages")
    return await user_q.add(session, User(
        username=username, password_hash=await asyncio.to_thread(hash_password, password), role=role, officer_code=officer,
        extension=extension, languages=languages, active=True, created_at=utcnow(), district_code=district or None,
    ))
