"""Reassignment inside a department: a supervisor gives a complaint to another officer of the same
department and level, or an administrator hands every open complaint of a departing officer over.

Not a lifecycle transition (the state stays at_l1 / at_l2): the officer changes and an event row
`reassign` records who, from whom, to whom and why. The deadline is kept: the citizen's clock does
not restart because the department reshuffles its work (a transfer to another department, which
does restart it, is grievance.service.transfer).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from grievance import service
from grievance.errors import Forbidden, InvalidInput, NotFound, TransitionRefused
from grievance.lifecycle import Actor
from storage.models import Complaint, Officer
from storage.queries import complaint_lists
from storage.queries import reference

OPEN_AT_OFFICER = ("at_l1", "at_l2")
MANAGERS = (Actor.SUPERVISOR, Actor.ADMIN)


async def _officer(session: AsyncSession, code: str) -> Officer:
    officer = await reference.get_officer(session, (code or "").strip())
    if officer is None:
        raise InvalidInput(f"unknown officer {code!r}", field="officer")
    if not officer.active:
        raise InvalidInput(f"officer {officer.code} is not active", field="officer")
    return officer


def _check(complaint: Complaint, officer: Officer) -> None:
    if complaint.state not in OPEN_AT_OFFICER:
        raise TransitionRefused(f"complaint {complaint.number} is {complaint.state}: only a complaint with an "
                                "officer can be reassigned", number=complaint.number)
    if officer.code == complaint.officer_code:
        raise InvalidInput(f"complaint {complaint.number} is already with {officer.code}", field="officer")
    if officer.department_code != complaint.department_code:
        raise InvalidInput(f"{officer.code} is an officer of {officer.department_code}, not of "
                           f"{complaint.department_code}; transfer the complaint to that department instead",
                           field="officer")
    if officer.level != complaint.level:
        raise InvalidInput(f"{officer.code} is an L{officer.level} officer; the complaint is at L{complaint.level}",
                           field="officer")


async def _move(session: AsyncSession, complaint: Complaint, officer: Officer, reason: str, who: service.Who,
                now: datetime) -> None:
    detail = {"from_officer": complaint.officer_code, "officer": officer.code, "reason": reason}
    complaint.officer_code = officer.code
    await service._event(session, complaint, who, "reassign", complaint.state, complaint.state, now, detail)


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("a reason is required to reassign a complaint", field="reason")
    return reason[:1000]


async def reassign(session: AsyncSession, number: str, officer_code: str, reason: str, who: service.Who,
                   now: datetime | None = None) -> Complaint:
    if who.kind not in MANAGERS:
        raise Forbidden("only a supervisor or an administrator reassigns complaints")
    now = now or service.utcnow()
    reason = _reason(reason)
    complaint = await service.get(session, number, for_update=True)
    officer = await _officer(session, officer_code)
    _check(complaint, officer)
    await _move(session, complaint, officer, reason, who, now)
    return complaint


async def handover(session: AsyncSession, from_code: str, to_code: str, reason: str, who: service.Who,
                   now: datetime | None = None) -> list[str]:
    """Every open complaint of `from_code` to `to_code` (same department and level); returns their numbers."""
    if who.kind not in MANAGERS:
        raise Forbidden("only a supervisor or an administrator hands complaints over")
    now = now or service.utcnow()
    reason = _reason(reason)
    leaving = await reference.get_officer(session, (from_code or "").strip())
    if leaving is None:
        raise NotFound(f"unknown officer {from_code!r}", field="from")
    officer = await _officer(session, to_code)
    if officer.code == leaving.code:
        raise InvalidInput("hand the complaints over to another officer", field="to")
    moved = []
    for complaint in await complaint_lists.open_of_officer(session, leaving.code, OPEN_AT_OFFICER):
        _check(complaint, officer)
        await _move(session, complaint, officer, reason, who, now)
        moved.append(complaint.number)
    return moved
