"""What an ended attempt means for its contact (and, for feedback calls, its complaint).

- answered with a final answer (feedback satisfied / dissatisfied / not-eligible; survey
  completed / partial) → contact completed. The answer itself was applied by the AGI flow
  (dialer/answers.py).
- anything else (busy, no answer, congestion, unreachable, failed, unknown, answered without
  an answer) → queued again after the campaign's retry delay for that outcome, or, after
  `max_attempts`, failed; a feedback complaint is then closed with feedback `unreachable`.
- a cancelled campaign's contact is cancelled instead of queued again.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dialer import answers
from dialer.campaigns import retry_delay
from grievance.errors import DomainError
from grievance.feedback import note_unanswered_call
from grievance.service import Policy, record_feedback
from storage.models import CampaignContact
from storage.queries import complaints as complaint_q
from storage.queries import dialer as dialer_q

log = logging.getLogger(__name__)

FINAL_RESULTS = {"feedback": frozenset({"satisfied", "dissatisfied", "not-eligible"}),
                 "survey": frozenset({"completed", "partial", "no-questions"}),
                 "announcement": frozenset({"heard", "confirmed", "not-confirmed"})}


@dataclass(frozen=True, slots=True)
class Settled:
    attempt_id: int
    outcome: str
    result: str | None
    contact_state: str


def contact_fate(kind: str, outcome: str, result: str | None, attempts: int, max_attempts: int) -> tuple[str, str]:
    """(contact state, outcome used for the retry delay): completed, queued or failed."""
    if outcome == "answered" and result in FINAL_RESULTS.get(kind, ()):
        return "completed", outcome
    retry_as = outcome
    if outcome == "answered":
        retry_as = "no_input" if result in ("no-input", "hangup") else "failed"
    if attempts >= max_attempts:
        return "failed", retry_as
    return "queued", retry_as


async def settle(session: AsyncSession, attempt_id: int, outcome: str, cause: int | None, now: datetime,
                 policy: Policy) -> Settled | None:
    """End an open attempt and move its contact on; None when the attempt was already ended."""
    if not await dialer_q.end_attempt(session, attempt_id, outcome=outcome, cause=cause, at=now):
        return None
    found = await dialer_q.attempt_with_contact(session, attempt_id)
    assert found is not None
    attempt, contact, campaign = found
    state, retry_as = contact_fate(campaign.kind, outcome, attempt.result, contact.attempts, campaign.max_attempts)
    last = attempt.result if outcome == "answered" and attempt.result else outcome
    if state == "queued" and campaign.state == "cancelled":
        state = "cancelled"
    if state == "queued":
        due = now + retry_delay(campaign.retry_minutes or {}, retry_as)
        await dialer_q.finish_contact(session, contact.id, state="queued", outcome=last, next_attempt_at=due)
        if campaign.kind == "feedback" and contact.attempts == 1:
            await note_unanswered(session, contact, now, {"attempt": attempt_id, "outcome": last})
    else:
        await dialer_q.finish_contact(session, contact.id, state=state, outcome=last)
        if state == "failed" and campaign.kind == "feedback":
            await close_unreachable(session, contact, policy, now, {"attempt": attempt_id, "attempts": contact.attempts})
    return Settled(attempt_id, outcome, attempt.result, state)


async def note_unanswered(session: AsyncSession, contact: CampaignContact, now: datetime,
                          detail: dict[str, object]) -> None:
    """The first feedback call went unanswered: say so in the complaint's history (a citizen on
    WhatsApp is then asked there, with buttons)."""
    if contact.complaint_id is None:
        return
    complaint = await complaint_q.by_id(session, contact.complaint_id)
    if complaint is not None and complaint.state in answers.AWAITING_FEEDBACK:
        await note_unanswered_call(session, complaint, now, detail)


async def close_unreachable(session: AsyncSession, contact: CampaignContact, policy: Policy, now: datetime,
                            detail: dict[str, object]) -> None:
    """Close a feedback contact's complaint as unreachable, if it still waits for feedback."""
    if contact.complaint_id is None:
        return
    found = await dialer_q.complaint_state(session, contact.complaint_id)
    if found is None or found[1] not in answers.AWAITING_FEEDBACK:
        return
    try:
        await record_feedback(session, found[0], "unreachable", answers.DIALER, policy, now, detail=detail)
    except DomainError as exc:
        log.warning("dialer: complaint %s not closed as unreachable: %s", found[0], exc.message)
