"""Deadlines that act (issue 13). Per category (or the settings' default): a complaint overdue at L1
by `flag_after_days` days is flagged and the L2 officer told (a `flag` event, which the notifier
turns into a message to L2); overdue by `escalate_after_days` days it is escalated to L2 (an
`escalate` event, deadline restarts at L2). Each step is an event of actor `system` in the history.

`apply_rules(session, policy, now)` is pure of time (the clock is passed in) and idempotent: a
complaint is flagged once, and an escalated one is no longer at L1. `DeadlineJob` runs it every
few minutes inside `helpline serve`.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from grievance import routing, service
from grievance.errors import DomainError
from grievance.lifecycle import Action, Actor, Effect, decide
from storage.models import Category, Complaint
from storage.queries import deadlines as deadline_q
from storage.queries import reference

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class Outcome:
    flagged: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)


def days_overdue(due_at: datetime, now: datetime) -> int:
    """Whole days past the deadline (0 on the day it passed)."""
    return max(0, (now - due_at) // timedelta(days=1))


def rule_of(category: Category | None, policy: service.Policy) -> tuple[int, int]:
    flag = category.flag_after_days if category and category.flag_after_days is not None else policy.flag_after_days
    escalate = (category.escalate_after_days if category and category.escalate_after_days is not None
                else policy.escalate_after_days)
    return flag, max(escalate, flag)


async def apply_rules(session: AsyncSession, policy: service.Policy, now: datetime, *,
                      limit: int = BATCH) -> Outcome:
    """Flag and escalate what the rules say, as of `now`, in the caller's transaction."""
    outcome = Outcome()
    categories = {c.code: c for c in await reference.categories(session)}
    earliest = min([policy.flag_after_days, *(c.flag_after_days for c in categories.values()
                                              if c.flag_after_days is not None)])
    for complaint in await deadline_q.overdue_at_l1(session, now - timedelta(days=earliest), limit):
        assert complaint.due_at is not None
        category = categories.get(complaint.category_code)
        flag_days, escalate_days = rule_of(category, policy)
        late = days_overdue(complaint.due_at, now)
        try:
            if late >= escalate_days and category is not None:
                await _escalate(session, complaint, category, late, escalate_days, policy, now)
                outcome.escalated.append(complaint.number)
            elif late >= flag_days and complaint.flagged_at is None:
                await _flag(session, complaint, late, flag_days, now)
                outcome.flagged.append(complaint.number)
        except DomainError as exc:  # e.g. no L2 officer configured: leave it, say why
            log.warning("deadline rules: complaint %s left as it is: %s", complaint.number, exc.message)
    return outcome


async def _flag(session: AsyncSession, complaint: Complaint, late: int, rule: int, now: datetime) -> None:
    l2 = await reference.find_officer(session, complaint.department_code, complaint.district_code, 2)
    complaint.flagged_at = now
    await service._event(session, complaint, service.SYSTEM, "flag", complaint.state, complaint.state, now,
                         {"days_overdue": late, "rule_days": rule, "l2_officer": l2.code if l2 else None,
                          "officer": None})


async def _escalate(session: AsyncSession, complaint: Complaint, category: Category, late: int, rule: int,
                    policy: service.Policy, now: datetime) -> None:
    transition = decide(complaint.state, Action.ESCALATE, Actor.SYSTEM)
    assert Effect.ROUTE_L2 in transition.effects
    route = await routing.route(session, department=complaint.department_code, district=complaint.district_code,
                                category=category, level=2, at=now, calendar=policy.calendar, tz=policy.timezone)
    info: dict[str, Any] = {"rule": "overdue", "days_overdue": late, "rule_days": rule,
                            "from_officer": complaint.officer_code, "officer": route.officer.code,
                            "due_at": route.due_at.isoformat()}
    complaint.level = 2
    complaint.escalated = True
    complaint.officer_code = route.officer.code
    complaint.assigned_at = now
    complaint.due_at = route.due_at
    complaint.flagged_at = None
    complaint.state = transition.to_state.value
    await service._event(session, complaint, service.SYSTEM, "escalate", transition.from_state,
                         transition.to_state, now, info)


class DeadlineJob:
    """Runs the rules every `interval` seconds (and data retention, when given) until `stop`."""

    def __init__(self, db: Any, policy: service.Policy, *, clock: Callable[[], datetime] = service.utcnow,
                 interval: float = 300.0, extra: Callable[[AsyncSession, datetime], Any] | None = None,
                 before: Callable[[AsyncSession, datetime], Any] | None = None) -> None:
        self.db, self.policy, self.clock, self.interval, self.extra = db, policy, clock, interval, extra
        self.before = before
        self.runs = 0

    async def tick(self) -> Outcome:
        now = self.clock()
        if self.before is not None:
            async with self.db.session_scope() as session:
                await self.before(session, now)
        async with self.db.session_scope() as session:
            outcome = await apply_rules(session, self.policy, now)
        if self.extra is not None:
            async with self.db.session_scope() as session:
                await self.extra(session, now)
        self.runs += 1
        if outcome.flagged or outcome.escalated:
            log.info("deadline rules: %d flagged, %d escalated", len(outcome.flagged), len(outcome.escalated))
        return outcome

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:  # noqa: BLE001 - a failed pass is retried at the next one
                log.exception("deadline rules: pass failed; retrying")
            try:
                async with asyncio.timeout(self.interval):
                    await stop.wait()
            except TimeoutError:
                pass
