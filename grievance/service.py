"""Complaint services: register, assign, dispose, record feedback, transfer.

Each writes its event rows in the caller's transaction (the caller owns `session_scope()`);
a refusal raises a DomainError before anything is written.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from grievance import numbers, routing
from grievance.calendar import ConfigCalendar, WorkingCalendar
from grievance.errors import Forbidden, InvalidInput, LimitReached, NotFound
from grievance.feedback import enqueue_feedback_call
from grievance.lifecycle import Action, Actor, Effect, State, Transition, decide
from grievance.phones import normalise_phone
from storage.models import Citizen, Complaint, ComplaintEvent
from storage.queries import citizens as citizen_q
from storage.queries import complaints as complaint_q
from storage.queries import reference

# The ways a complaint comes in (DESIGN §9). Staff enter walk-ins, tehsil diwas hearings, the
# district portal and letters by hand or by import.
CHANNELS = ("phone", "ivr", "web", "whatsapp", "walk_in", "tehsil_diwas", "portal", "letter", "email", "app")
LANGUAGES = ("hi", "en")
MAX_DESCRIPTION = 4000


@dataclass(frozen=True)
class Who:
    """Who acts: the actor kind of the state machine and a name for the audit trail."""

    kind: Actor
    name: str
    officer_code: str | None = None


SYSTEM = Who(Actor.SYSTEM, "system")


@dataclass(frozen=True)
class Policy:
    timezone: ZoneInfo
    max_complaints_per_phone_per_month: int = 10
    feedback_delay: timedelta = timedelta(minutes=60)
    calling_window: tuple[str, str] = ("09:00", "21:00")
    feedback_max_attempts: int = 3
    # Working-day deadlines (categories with sla_working_days) count on this calendar.
    calendar: WorkingCalendar | None = None
    # Default escalation rule (a category may set its own): overdue by N days → flag, by M → L2.
    flag_after_days: int = 1
    escalate_after_days: int = 3

    @classmethod
    def from_settings(cls, settings: Any, calendar: WorkingCalendar | None = None) -> "Policy":
        return cls(
            timezone=ZoneInfo(settings.timezone),
            max_complaints_per_phone_per_month=settings.max_complaints_per_phone_per_month,
            feedback_delay=timedelta(minutes=settings.feedback_delay_minutes),
            calling_window=tuple(t.strftime("%H:%M") for t in settings.window),  # type: ignore[arg-type]
            feedback_max_attempts=settings.feedback_max_attempts,
            calendar=calendar or ConfigCalendar.from_settings(settings),
            flag_after_days=getattr(settings, "escalation_flag_days", 1),
            escalate_after_days=getattr(settings, "escalation_escalate_days", 3),
        )


@dataclass(frozen=True)
class NewComplaint:
    phone: str
    name: str
    district: str
    department: str
    category: str
    description: str
    language: str = "hi"
    channel: str = "phone"


# How an officer's disposal ended. "Not in our remit" is a transfer and "needs a field visit" an
# interim reply (grievance.officer_actions), never a disposal.
DISPOSAL_KINDS = ("resolved", "partially_resolved")
NOT_DISPOSALS = {
    "not_our_remit": "a complaint outside your remit is transferred, not disposed: use Transfer",
    "field_visit": "a complaint that needs a field visit stays open: send an interim reply with the expected date",
}
MIN_REPORT_LETTERS = 8
MIN_REPORT_WORDS = 2


def check_report(report: str) -> str:
    """An action report says what was done: refuse ".", "done", "ok" and the like with a clear message."""
    report = (report or "").strip()
    if not report:
        raise InvalidInput("an action report is required to dispose a complaint", field="report")
    if len(report) > MAX_DESCRIPTION:
        raise InvalidInput(f"the report is longer than {MAX_DESCRIPTION} characters", field="report")
    letters = sum(1 for ch in report if unicodedata.category(ch)[0] in "LM")
    if letters < MIN_REPORT_LETTERS or len(report.split()) < MIN_REPORT_WORDS:
        raise InvalidInput("the action report is too short: say what was done, where and when "
                           "(e.g. \"Transformer replaced on 22 Nov, supply restored\")", field="report",
                           min_letters=MIN_REPORT_LETTERS, min_words=MIN_REPORT_WORDS)
    return report


def check_disposal_kind(kind: str | None) -> str:
    kind = (kind or "resolved").strip()
    if kind in NOT_DISPOSALS:
        raise InvalidInput(NOT_DISPOSALS[kind], field="kind")
    if kind not in DISPOSAL_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(DISPOSAL_KINDS)}", field="kind")
    return kind


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


async def register(session: AsyncSession, data: NewComplaint, who: Who, policy: Policy,
                   now: datetime | None = None) -> Complaint:
    """Register a complaint and assign it to the L1 officer of its department and district."""
    now = now or utcnow()
    phone = normalise_phone(data.phone)
    name = " ".join(data.name.split())
    description = data.description.strip()
    if not name:
        raise InvalidInput("the citizen's name is required", field="citizen.name")
    if len(name) > 150:
        raise InvalidInput("the citizen's name is longer than 150 characters", field="citizen.name")
    if not description:
        raise InvalidInput("the description of the complaint is required", field="description")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"the description is longer than {MAX_DESCRIPTION} characters", field="description")
    if data.language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}", field="citizen.language")
    if data.channel not in CHANNELS:
        raise InvalidInput(f"channel must be one of {', '.join(CHANNELS)}", field="channel")
    if await reference.get_district(session, data.district) is None:
        raise InvalidInput(f"unknown district {data.district!r}", field="citizen.district")
    if await reference.get_department(session, data.department) is None:
        raise InvalidInput(f"unknown department {data.department!r}", field="department")
    category = await reference.get_category(session, data.category)
    if category is None:
        raise InvalidInput(f"unknown category {data.category!r}", field="category")
    local = now.astimezone(policy.timezone)
    month = numbers.yymm(local)
    # Taking the month's sequence first locks its row until commit (PostgreSQL), so two
    # registrations for one phone cannot both pass the limit check below.
    sequence = await complaint_q.next_sequence(session, month)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)
    used = await complaint_q.count_for_phone_since(session, phone, month_start)
    if used >= policy.max_complaints_per_phone_per_month:
        raise LimitReached(
            f"this phone number has already registered {used} complaints this month "
            f"(the limit is {policy.max_complaints_per_phone_per_month})",
            limit=policy.max_complaints_per_phone_per_month,
        )
    route = await routing.route(session, department=data.department, district=data.district,
                                category=category, level=1, at=now, calendar=policy.calendar, tz=policy.timezone)

    citizen = await citizen_q.find(session, phone, name)
    if citizen is None:
        citizen = await citizen_q.add(session, Citizen(
            phone=phone, name=name, district_code=data.district, language=data.language, created_at=now))
    number = numbers.make(month, sequence)
    complaint = await complaint_q.add(session, Complaint(
        number=number, citizen_id=citizen.id, phone=phone, district_code=data.district,
        department_code=data.department, category_code=category.code, description=description,
        channel=data.channel, state=State.REGISTERED.value, level=1, registered_at=now,
        registered_by=who.name, reopen_count=0, escalated=False,
    ))
    await _event(session, complaint, who, "register", None, State.REGISTERED, now, {"channel": data.channel})
    transition = decide(complaint.state, Action.ASSIGN, Actor.SYSTEM)
    complaint.officer_code = route.officer.code
    complaint.assigned_at = now
    complaint.due_at = route.due_at
    complaint.state = transition.to_state.value
    await _event(session, complaint, SYSTEM, "assign", transition.from_state, transition.to_state, now,
                 {"officer": route.officer.code, "due_at": route.due_at.isoformat()})
    return complaint


async def get(session: AsyncSession, number: str, *, for_update: bool = False) -> Complaint:
    try:
        cleaned = numbers.validate(number)
    except numbers.BadComplaintNumber as exc:
        raise InvalidInput(str(exc), field="number") from exc
    complaint = await complaint_q.by_number(session, cleaned, for_update=for_update)
    if complaint is None:
        raise NotFound(f"no complaint has the number {cleaned}", number=cleaned)
    return complaint


async def get_by_id(session: AsyncSession, complaint_id: int) -> Complaint:
    complaint = await complaint_q.by_id(session, complaint_id)
    if complaint is None:
        raise NotFound(f"no complaint has the id {complaint_id}")
    return complaint


async def dispose(session: AsyncSession, number: str, report: str, who: Who, policy: Policy,
                  now: datetime | None = None, kind: str = "resolved") -> Complaint:
    """The officer holding the complaint disposes it with an action report and how it ended
    (resolved, partially resolved); feedback is queued."""
    now = now or utcnow()
    if not (report or "").strip():
        raise InvalidInput("an action report is required to dispose a complaint", field="report")
    complaint = await get(session, number, for_update=True)
    transition = decide(complaint.state, Action.DISPOSE, who.kind)
    _check_holder(complaint, who)
    report = check_report(report)  # after the holder check: a stranger hears "not yours", not "too short"
    kind = check_disposal_kind(kind)
    if complaint.level == 2:
        complaint.l2_report = report
    else:
        complaint.l1_report = report
    complaint.state = transition.to_state.value
    complaint.disposed_at = now
    complaint.disposal_kind = kind
    await _event(session, complaint, who, "dispose", transition.from_state, transition.to_state, now,
                 {"report": report, "level": complaint.level, "kind": kind})
    if Effect.QUEUE_FEEDBACK in transition.effects:
        await enqueue_feedback_call(session, complaint, now + policy.feedback_delay, now, policy)
    return complaint


async def record_feedback(session: AsyncSession, number: str, result: str, who: Who, policy: Policy,
                          now: datetime | None = None, detail: dict[str, Any] | None = None) -> Complaint:
    """Apply the citizen's feedback on a disposed complaint (satisfied, dissatisfied, unreachable)."""
    now = now or utcnow()
    try:
        action = Action(result)
    except ValueError:
        action = None
    if action not in (Action.SATISFIED, Action.DISSATISFIED, Action.UNREACHABLE):
        raise InvalidInput("result must be satisfied, dissatisfied or unreachable", field="result")
    complaint = await get(session, number, for_update=True)
    transition = decide(complaint.state, action, who.kind, reopen_count=complaint.reopen_count)
    await _apply_feedback(session, complaint, transition, who, now, detail or {}, policy)
    return complaint


async def _apply_feedback(session: AsyncSession, complaint: Complaint, transition: Transition, who: Who,
                          now: datetime, detail: dict[str, Any], policy: Policy | None = None) -> None:
    calendar, tz = (policy.calendar, policy.timezone) if policy else (None, None)
    complaint.feedback = transition.action.value
    info: dict[str, Any] = {"feedback": transition.action.value, **detail}
    name = "feedback"
    if Effect.STAMP_CLOSED in transition.effects:
        complaint.closed_at = now
    if Effect.REOPEN in transition.effects:
        complaint.reopen_count += 1
        category = await reference.get_category(session, complaint.category_code)
        assert category is not None
        officer = await reference.get_officer(session, complaint.officer_code) if complaint.officer_code else None
        if officer is None or not officer.active:  # the L1 officer has left: route afresh
            route = await routing.route(session, department=complaint.department_code,
                                        district=complaint.district_code, category=category, level=1, at=now,
                                        calendar=calendar, tz=tz)
            complaint.officer_code = route.officer.code
            info["officer"] = route.officer.code
        complaint.assigned_at = now
        complaint.due_at = routing.due_for(now, category, calendar, tz)
        complaint.flagged_at = None
        complaint.disposed_at = None
        name = "reopen"
        info["due_at"] = complaint.due_at.isoformat()
    if Effect.ROUTE_L2 in transition.effects:
        category = await reference.get_category(session, complaint.category_code)
        assert category is not None
        route = await routing.route(session, department=complaint.department_code,
                                    district=complaint.district_code, category=category, level=2, at=now,
                                    calendar=calendar, tz=tz)
        complaint.level = 2
        complaint.escalated = True
        complaint.officer_code = route.officer.code
        complaint.assigned_at = now
        complaint.due_at = route.due_at
        complaint.disposed_at = None
        complaint.flagged_at = None
        name = "escalate"
        info.update(officer=route.officer.code, due_at=route.due_at.isoformat())
    complaint.state = transition.to_state.value
    await _event(session, complaint, who, name, transition.from_state, transition.to_state, now, info)


async def transfer(session: AsyncSession, number: str, department: str, reason: str, who: Who,
                   now: datetime | None = None, category: str | None = None,
                   policy: Policy | None = None) -> Complaint:
    """Reassign a complaint that belongs to another department; its deadline restarts at L1."""
    now = now or utcnow()
    reason = reason.strip()
    if not reason:
        raise InvalidInput("a reason is required to transfer a complaint", field="reason")
    if await reference.get_department(session, department) is None:
        raise InvalidInput(f"unknown department {department!r}", field="department")
    complaint = await get(session, number, for_update=True)
    transition = decide(complaint.state, Action.TRANSFER, who.kind)
    _check_holder(complaint, who)
    if department == complaint.department_code:
        raise InvalidInput("the complaint is already with this department", field="department")
    new_category = await _category_for(session, department, category)
    route = await routing.route(session, department=department, district=complaint.district_code,
                                category=new_category, level=1, at=now,
                                calendar=policy.calendar if policy else None, tz=policy.timezone if policy else None)
    info = {"from_department": complaint.department_code, "to_department": department, "reason": reason,
            "officer": route.officer.code, "due_at": route.due_at.isoformat()}
    complaint.department_code = department
    complaint.category_code = new_category.code
    complaint.level = 1
    complaint.officer_code = route.officer.code
    complaint.assigned_at = now
    complaint.due_at = route.due_at
    complaint.flagged_at = None
    complaint.expected_at = None
    complaint.state = transition.to_state.value
    await _event(session, complaint, who, "transfer", transition.from_state, transition.to_state, now, info)
    return complaint


async def _category_for(session: AsyncSession, department: str, code: str | None):  # type: ignore[no-untyped-def]
    if code:
        category = await reference.get_category(session, code)
        if category is None or category.department_code != department:
            raise InvalidInput(f"category {code!r} is not a category of {department!r}", field="category")
        return category
    options = [c for c in await reference.categories(session) if c.department_code == department]
    if not options:
        raise InvalidInput(f"department {department!r} has no categories", field="department")
    return max(options, key=lambda c: (c.sla_days, c.code))


def _check_holder(complaint: Complaint, who: Who) -> None:
    if who.kind is Actor.OFFICER and complaint.officer_code != who.officer_code:
        raise Forbidden("this complaint is assigned to another officer", number=complaint.number)


async def _event(session: AsyncSession, complaint: Complaint, who: Who, action: str, from_state: State | str | None,
                 to_state: State | str, now: datetime, detail: dict[str, Any]) -> None:
    await complaint_q.add_event(session, ComplaintEvent(
        complaint_id=complaint.id, at=now, actor_kind=who.kind.value, actor=who.name, action=action,
        from_state=None if from_state is None else str(State(from_state).value),
        to_state=State(to_state).value, detail=detail,
    ))
