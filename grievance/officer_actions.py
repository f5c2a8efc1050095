"""What an officer does with a complaint besides disposing it (issue 13):

- an interim reply ("action started, expected by …"): the complaint stays open, the promised date
  is kept and shown, an `interim` event tells the citizen (the notifier reads events);
- L2 returns a complaint to L1 with a direction (`return`, deadline restarts at L1);
- a transfer request to another district's officer (or any other L1 officer): the complaint stays
  with the requester until the receiving officer or a supervisor accepts it (then it moves, its
  deadline restarts) or refuses it; the reason and the decision are in the history.
Each writes its events in the caller's transaction; a refusal raises before anything is written.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from grievance import routing, service
from grievance.errors import Conflict, Forbidden, InvalidInput, NotFound
from grievance.lifecycle import Action, Actor, State, decide
from storage.models import Complaint, Officer, TransferRequest
from storage.queries import reference
from storage.queries import transfer_requests as request_q

MAX_TEXT = 2000
MAX_INTERIM_DAYS = 180
MANAGERS = (Actor.SUPERVISOR, Actor.ADMIN)


def _text(value: str, field: str, what: str, minimum: int = 5) -> str:
    value = " ".join((value or "").split())
    if len(value) < minimum:
        raise InvalidInput(f"{what} is required (at least {minimum} characters)", field=field)
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"{what} is longer than {MAX_TEXT} characters", field=field)
    return value


def _holder(complaint: Complaint, who: service.Who) -> None:
    if who.kind is not Actor.OFFICER or complaint.officer_code != who.officer_code:
        raise Forbidden("only the officer holding this complaint can do this", number=complaint.number)


async def interim(session: AsyncSession, number: str, text: str, expected_on: date | str | None,
                  who: service.Who, policy: service.Policy, now: datetime | None = None) -> Complaint:
    """Record that action has started and by when it is expected; the complaint stays open."""
    now = now or service.utcnow()
    text = _text(text, "text", "what has been started")
    if isinstance(expected_on, str):
        try:
            expected_on = date.fromisoformat(expected_on.strip()) if expected_on.strip() else None
        except ValueError:
            raise InvalidInput("the expected date must be a date (YYYY-MM-DD)", field="expected_on") from None
    if expected_on is None:
        raise InvalidInput("the date by which the action is expected is required", field="expected_on")
    today = now.astimezone(policy.timezone).date()
    if not today <= expected_on <= today + timedelta(days=MAX_INTERIM_DAYS):
        raise InvalidInput(f"the expected date must be between today and {MAX_INTERIM_DAYS} days from now",
                           field="expected_on")
    complaint = await service.get(session, number, for_update=True)
    if complaint.state not in (State.AT_L1.value, State.AT_L2.value):
        raise Conflict(f"complaint {complaint.number} is {complaint.state}: an interim reply is for an open complaint",
                       number=complaint.number)
    _holder(complaint, who)
    complaint.expected_at = datetime.combine(expected_on, time(18, 0), policy.timezone).astimezone(now.tzinfo)
    await service._event(session, complaint, who, "interim", complaint.state, complaint.state, now,
                         {"text": text, "expected_on": expected_on.isoformat()})
    return complaint


async def return_to_l1(session: AsyncSession, number: str, direction: str, who: service.Who,
                       policy: service.Policy, now: datetime | None = None) -> Complaint:
    """L2 sends the complaint back to the L1 officer with a direction; L1's deadline restarts."""
    now = now or service.utcnow()
    direction = _text(direction, "direction", "a direction for the L1 officer", 10)
    complaint = await service.get(session, number, for_update=True)
    transition = decide(complaint.state, Action.RETURN, who.kind)
    _holder(complaint, who)
    category = await reference.get_category(session, complaint.category_code)
    if category is None:
        raise NotFound(f"category {complaint.category_code!r} is gone")
    route = await routing.route(session, department=complaint.department_code, district=complaint.district_code,
                                category=category, level=1, at=now, calendar=policy.calendar, tz=policy.timezone)
    info = {"direction": direction, "from_officer": complaint.officer_code, "officer": route.officer.code,
            "due_at": route.due_at.isoformat()}
    complaint.level = 1
    complaint.officer_code = route.officer.code
    complaint.assigned_at = now
    complaint.due_at = route.due_at
    complaint.flagged_at = None
    complaint.state = transition.to_state.value
    await service._event(session, complaint, who, "return", transition.from_state, transition.to_state, now, info)
    return complaint


async def _receiver(session: AsyncSession, code: str) -> Officer:
    officer = await reference.get_officer(session, (code or "").strip())
    if officer is None:
        raise InvalidInput(f"unknown officer {code!r}", field="officer")
    if not officer.active:
        raise InvalidInput(f"officer {officer.code} is not active", field="officer")
    if officer.level != 1:
        raise InvalidInput("a complaint is transferred to an L1 officer", field="officer")
    return officer


async def request_transfer(session: AsyncSession, number: str, officer_code: str, reason: str,
                           who: service.Who, now: datetime | None = None) -> TransferRequest:
    """The holder asks to hand the complaint to another L1 officer (another district's, say)."""
    now = now or service.utcnow()
    reason = _text(reason, "reason", "a reason for the transfer", 10)
    officer = await _receiver(session, officer_code)
    complaint = await service.get(session, number, for_update=True)
    decide(complaint.state, Action.TRANSFER, who.kind)
    _holder(complaint, who)
    if officer.code == complaint.officer_code:
        raise InvalidInput("the complaint is already with this officer", field="officer")
    if await request_q.pending_for_complaint(session, complaint.id) is not None:
        raise Conflict(f"a transfer of complaint {complaint.number} is already waiting for a decision",
                       number=complaint.number)
    row = await request_q.add(session, TransferRequest(
        complaint_id=complaint.id, from_officer_code=complaint.officer_code, to_officer_code=officer.code,
        reason=reason, state="pending", requested_by=who.name, requested_at=now))
    await service._event(session, complaint, who, "request_transfer", complaint.state, complaint.state, now,
                         {"request": row.id, "to_officer": officer.code, "to_district": officer.district_code,
                          "to_department": officer.department_code, "reason": reason})
    return row


async def decide_transfer(session: AsyncSession, request_id: int, accept: bool, note: str, who: service.Who,
                          policy: service.Policy, now: datetime | None = None) -> Complaint:
    """The receiving officer (or a supervisor) accepts (the complaint moves, deadline restarts) or refuses."""
    now = now or service.utcnow()
    note = " ".join((note or "").split())[:MAX_TEXT]
    if not accept and len(note) < 5:
        raise InvalidInput("say why the transfer is refused (at least 5 characters)", field="note")
    row = await request_q.by_id(session, request_id, for_update=True)
    if row is None:
        raise NotFound(f"no transfer request {request_id}", request=request_id)
    if row.state != "pending":
        raise Conflict(f"this transfer request was already {row.state}", request=request_id)
    if not (who.kind in MANAGERS or (who.kind is Actor.OFFICER and who.officer_code == row.to_officer_code)):
        raise Forbidden("only the receiving officer or a supervisor decides a transfer request")
    complaint = await service.get_by_id(session, row.complaint_id)
    row.decided_by, row.decided_at, row.note = who.name, now, note or None
    if not accept:
        row.state = "refused"
        await service._event(session, complaint, who, "refuse_transfer", complaint.state, complaint.state, now,
                             {"request": row.id, "to_officer": row.to_officer_code, "note": note})
        return complaint
    if complaint.officer_code != row.from_officer_code:
        raise Conflict("the complaint has moved since the request: ask again", number=complaint.number)
    # the state machine's transfer rule (the decider acts for the helpline, whatever their role)
    transition = decide(complaint.state, Action.TRANSFER, Actor.SUPERVISOR)
    officer = await _receiver(session, row.to_officer_code)
    category = await reference.get_category(session, complaint.category_code)
    if category is None or category.department_code != officer.department_code:
        category = await service._category_for(session, officer.department_code, None)
    info = {"request": row.id, "reason": row.reason, "note": note, "from_officer": complaint.officer_code,
            "officer": officer.code, "from_district": complaint.district_code,
            "to_district": officer.district_code or complaint.district_code,
            "from_department": complaint.department_code, "to_department": officer.department_code}
    complaint.department_code = officer.department_code
    complaint.category_code = category.code
    if officer.district_code:
        complaint.district_code = officer.district_code
    complaint.level = 1
    complaint.officer_code = officer.code
    complaint.assigned_at = now
    complaint.due_at = routing.due_for(now, category, policy.calendar, policy.timezone)
    complaint.flagged_at = None
    complaint.expected_at = None
    complaint.state = transition.to_state.value
    info["due_at"] = complaint.due_at.isoformat()
    row.state = "accepted"
    await service._event(session, complaint, who, "accept_transfer", transition.from_state, transition.to_state, now,
                         info)
    return complaint
