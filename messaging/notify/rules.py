"""Who is told what about one audit-trail event (pure: facts in, notices out).

Citizens hear of registration (number and due date, whatever the channel it came by), the
disposal with the officer's report, a reopening, an escalation, a transfer and the closure; a
failed feedback call brings a feedback request by WhatsApp (buttons that record the feedback).
Officers hear of each complaint that comes to them: a new one, a reopened one, an escalated or
transferred one (any event that names a new holder). Events that change nothing a person
waits for (feedback recorded on the way to a closure, notes) tell no one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

CITIZEN, OFFICER = "citizen", "officer"
PENDING_AT_OFFICER = ("at_l1", "at_l2")


@dataclass(frozen=True, slots=True)
class EventFacts:
    id: int
    action: str
    from_state: str | None
    to_state: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ComplaintFacts:
    number: str
    officer_code: str | None
    due_at: datetime | None
    department: str
    category: str
    district: str
    description: str
    report: str | None


@dataclass(frozen=True, slots=True)
class Notice:
    to: str
    purpose: str
    params: dict[str, Any] = field(default_factory=dict)
    officer_code: str | None = None
    whatsapp_only: bool = False


def decide(event: EventFacts, complaint: ComplaintFacts) -> list[Notice]:
    detail = event.detail or {}
    due = detail.get("due_at") or (complaint.due_at.isoformat() if complaint.due_at else "")
    base = {"number": complaint.number, "due": due, "department": detail.get("to_department") or complaint.department}
    out: list[Notice] = []
    citizen = _citizen_purpose(event)
    if citizen == "disposed":
        out.append(Notice(CITIZEN, citizen, {**base, "report": detail.get("report") or complaint.report or ""}))
    elif citizen == "interim":
        out.append(Notice(CITIZEN, citizen, {**base, "due": detail.get("expected_on") or due,
                                             "report": detail.get("text") or ""}))
    elif citizen == "feedback_request":
        out.append(Notice(CITIZEN, citizen, {**base, "report": complaint.report or ""}, whatsapp_only=True))
    elif citizen is not None:
        out.append(Notice(CITIZEN, citizen, base))
    if event.action == "flag" and detail.get("l2_officer"):  # the deadline rules: L2 is told
        out.append(Notice(OFFICER, "overdue_flag", {**base, "days": detail.get("days_overdue", "")},
                          officer_code=str(detail["l2_officer"])))
    officer = _new_holder(event, complaint)
    if officer is not None:
        out.append(Notice(OFFICER, "assigned", {
            **base, "category": complaint.category, "district": complaint.district,
            "description": complaint.description[:200]}, officer_code=officer))
    return out


def _citizen_purpose(event: EventFacts) -> str | None:
    action, to_state = event.action, event.to_state
    if action == "assign" and event.from_state == "registered":
        return "registered"
    if action == "dispose":
        return "disposed"
    if action == "reopen":
        return "reopened"
    if action == "escalate":
        return "escalated"
    if action in ("transfer", "accept_transfer"):
        return "transferred"
    if action == "interim":
        return "interim"
    if action == "feedback_call_failed":
        return "feedback_request"
    if to_state == "closed" and event.from_state != "closed":
        return "closed"
    return None


def _new_holder(event: EventFacts, complaint: ComplaintFacts) -> str | None:
    """The officer a complaint has just come to, if this event handed it to one."""
    if event.to_state not in PENDING_AT_OFFICER:
        return None
    named = (event.detail or {}).get("officer")
    if named:
        return str(named)
    if event.action == "reopen":  # back to the same L1 officer
        return complaint.officer_code
    return None
