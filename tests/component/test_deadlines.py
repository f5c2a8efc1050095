"""Deadlines that act (issue 13), driven by an injected clock over days: overdue by N days → flagged
and the L2 officer told; by M days → escalated to L2; each step an event of the system in the
history; per-category rules; SLA in working days with holidays from the settings; the server's
job runs the rules; a flag and an interim reply become notices."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import update

from common.context import AppContext
from grievance import service
from grievance.calendar import ConfigCalendar, add_working_days, parse_holidays
from grievance.deadlines import DeadlineJob, apply_rules
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Who
from messaging.notify import rules
from storage.db import Database
from storage.models import Category
from storage.queries import complaints as complaint_q

T0 = datetime(2026, 3, 2, 5, 0, tzinfo=timezone.utc)  # a Monday, 10:30 in Lucknow
AGENT = Who(Actor.AGENT, "a1")


async def _register(db: Database, ctx: AppContext, category: str = "ELE-SUPPLY", department: str = "ELE",
                    at: datetime = T0, phone: str = "9812345678") -> str:
    async with db.session_scope() as session:
        c = await service.register(session, NewComplaint(
            phone=phone, name="Test Citizen", district="LKO", department=department, category=category,
            description="No power"), AGENT, ctx.policy, now=at)
        return c.number


async def _complaint(db: Database, number: str):  # type: ignore[no-untyped-def]
    async with db.sessions() as session:
        c = await complaint_q.by_number(session, number)
        return c, [(e.action, e.actor_kind, e.detail) for e in await complaint_q.events(session, c.id)]


async def test_overdue_complaints_are_flagged_then_escalated_as_days_pass(db: Database, ctx: AppContext) -> None:
    number = await _register(db, ctx)  # ELE-SUPPLY: 2 days; default rule: flag after 1, escalate after 3
    policy = replace(ctx.policy, flag_after_days=1, escalate_after_days=3)
    clock = {"now": T0}
    job = DeadlineJob(db, policy, clock=lambda: clock["now"])
    due = T0 + timedelta(days=2)
    for at, flagged, escalated in ((T0 + timedelta(days=1), [], []),        # not due yet
                                   (due + timedelta(hours=3), [], []),      # overdue by 0 whole days
                                   (due + timedelta(days=1, hours=1), [number], []),
                                   (due + timedelta(days=2), [], []),       # flagged once only
                                   (due + timedelta(days=3, hours=1), [], [number]),
                                   (due + timedelta(days=9), [], [])):      # at L2 now: the L1 rules are done
        clock["now"] = at
        outcome = await job.tick()
        assert (outcome.flagged, outcome.escalated) == (flagged, escalated), at
    c, events = await _complaint(db, number)
    assert (c.state, c.level, c.officer_code, c.escalated) == ("at_l2", 2, "ELE-LKO-L2", True)
    assert c.due_at == due + timedelta(days=3, hours=1) + timedelta(days=2)  # L2's deadline from the escalation
    assert [(a, k) for a, k, _ in events] == [("register", "agent"), ("assign", "system"), ("flag", "system"),
                                              ("escalate", "system")]
    flag, escalate = events[2][2], events[3][2]
    assert flag["l2_officer"] == "ELE-LKO-L2" and flag["days_overdue"] == 1
    assert escalate["rule"] == "overdue" and escalate["days_overdue"] == 3 and escalate["officer"] == "ELE-LKO-L2"


async def test_rules_per_category_and_untouched_complaints(db: Database, ctx: AppContext) -> None:
    async with db.session_scope() as session:  # this category: flag at once, escalate after 1 day
        await session.execute(update(Category).where(Category.code == "ELE-BILL")
                              .values(flag_after_days=0, escalate_after_days=1))
    bill = await _register(db, ctx, "ELE-BILL")  # 10 days
    supply = await _register(db, ctx, "ELE-SUPPLY", phone="9812345679")  # 2 days, default rule
    disposed = await _register(db, ctx, "ELE-SUPPLY", phone="9812345670")
    async with db.session_scope() as session:
        await service.dispose(session, disposed, "Line repaired and tested.", Who(Actor.OFFICER, "o", "ELE-LKO-L1"),
                              ctx.policy, now=T0 + timedelta(hours=1))
    policy = replace(ctx.policy, flag_after_days=2, escalate_after_days=5)
    for days, flagged, escalated in ((3, [], []),            # supply overdue 1 day: under the default 2
                                     (4, [supply], []),      # supply overdue 2 days → flagged
                                     (7, [], [supply]),      # supply overdue 5 days → escalated
                                     (10, [bill], []),       # bill overdue 0 days: its own rule flags at once
                                     (11, [], [bill])):      # bill overdue 1 day: its own rule escalates
        async with db.session_scope() as session:
            out = await apply_rules(session, policy, T0 + timedelta(days=days, hours=2))
        assert (out.flagged, out.escalated) == (flagged, escalated), days
    assert (await _complaint(db, disposed))[0].state == "disposed"  # a disposed complaint is never touched


async def test_working_day_sla_skips_the_weekly_off_and_holidays(db: Database, ctx: AppContext) -> None:
    calendar = ConfigCalendar(parse_holidays("2026-03-04, 2026-03-05"), frozenset({6}))
    policy = replace(ctx.policy, calendar=calendar)
    async with db.session_scope() as session:
        await session.execute(update(Category).where(Category.code == "ELE-TRANS").values(sla_working_days=True))
    async with db.session_scope() as session:  # ELE-TRANS: 3 working days from Monday 2 March
        c = await service.register(session, NewComplaint(
            phone="9812345678", name="Test Citizen", district="LKO", department="ELE", category="ELE-TRANS",
            description="Transformer burnt"), AGENT, policy, now=T0)
        # Tue 3 counts; Wed 4, Thu 5 are holidays; Fri 6, Sat 7 count → due Saturday 7 March, same time
        assert c.due_at == datetime(2026, 3, 7, 5, 0, tzinfo=timezone.utc)
        other = await service.register(session, NewComplaint(
            phone="9812345679", name="Test Citizen", district="LKO", department="ELE", category="ELE-SUPPLY",
            description="No power"), AGENT, policy, now=T0)
        assert other.due_at == T0 + timedelta(days=2)  # calendar days where the category says nothing
    tz = ctx.tz
    saturday = datetime(2026, 3, 7, 12, 0, tzinfo=timezone.utc)
    assert add_working_days(saturday, 1, calendar, tz) == datetime(2026, 3, 9, 12, 0, tzinfo=timezone.utc)  # Sun off
    assert not calendar.is_working_day(date(2026, 3, 8)) and calendar.is_working_day(date(2026, 3, 9))


def test_settings_holidays_are_checked() -> None:
    from config.settings import Settings

    s = Settings(holidays="2026-01-26, 2026-08-15", weekly_off="sun")
    assert ConfigCalendar.from_settings(s).holidays == {date(2026, 1, 26), date(2026, 8, 15)}
    for bad in ({"holidays": "26/01/2026"}, {"weekly_off": "funday"},
                {"weekly_off": "mon,tue,wed,thu,fri,sat,sun"}):
        try:
            Settings(**bad)
        except ValueError as exc:
            assert "HELPLINE_" in str(exc)
        else:
            raise AssertionError(f"accepted {bad}")


def test_flag_tells_l2_and_interim_tells_the_citizen() -> None:
    complaint = rules.ComplaintFacts("26030000014", "ELE-LKO-L1", T0, "ELE", "ELE-SUPPLY", "LKO", "No power", None)
    flag = rules.EventFacts(7, "flag", "at_l1", "at_l1", {"days_overdue": 1, "l2_officer": "ELE-LKO-L2", "officer": None})
    assert [(n.to, n.purpose, n.officer_code, n.params["days"]) for n in rules.decide(flag, complaint)] == [
        ("officer", "overdue_flag", "ELE-LKO-L2", 1)]
    interim = rules.EventFacts(8, "interim", "at_l1", "at_l1", {"text": "Lineman sent", "expected_on": "2026-03-05"})
    [notice] = rules.decide(interim, complaint)
    assert (notice.to, notice.purpose, notice.params["due"], notice.params["report"]) == (
        "citizen", "interim", "2026-03-05", "Lineman sent")


async def test_helpline_serve_runs_the_rules(db: Database, ctx: AppContext) -> None:
    import asyncio

    from helpline import wiring
    from helpline.jobs import run_jobs

    assert run_jobs in wiring.components(ctx.settings, None)
    number = await _register(db, ctx, at=service.utcnow() - timedelta(days=30))  # long overdue
    stop = asyncio.Event()
    task = asyncio.create_task(run_jobs(ctx, stop))
    async with asyncio.timeout(30):
        while "deadlines" not in ctx.services or ctx.services["deadlines"].runs < 1:
            await asyncio.sleep(0.02)
    stop.set()
    await task
    c, events = await _complaint(db, number)
    assert c.state == "at_l2" and events[-1][0] == "escalate"


async def test_the_helpline_holiday_calendar_counts_for_working_days(db: Database, ctx: AppContext) -> None:
    """A holiday the administrator adds (the IVR's calendar) is skipped by working-day deadlines
    once the server's job has reloaded the calendar."""
    import asyncio

    from grievance.calendar import HelplineCalendar
    from helpline.jobs import run_jobs
    from storage.models import Holiday

    calendar = ctx.calendar
    assert isinstance(calendar, HelplineCalendar)
    async with db.session_scope() as session:
        session.add(Holiday(day="2026-03-03", name_en="Holi", name_hi="होली", added_by="admin"))
        await session.execute(update(Category).where(Category.code == "ELE-TRANS").values(sla_working_days=True))
    stop = asyncio.Event()
    task = asyncio.create_task(run_jobs(ctx, stop))
    async with asyncio.timeout(30):
        while "deadlines" not in ctx.services or ctx.services["deadlines"].runs < 1:
            await asyncio.sleep(0.02)
    stop.set()
    await task
    assert not calendar.is_working_day(date(2026, 3, 3))
    async with db.session_scope() as session:  # 3 working days from Monday 2 March: Wed 4, Thu 5, Fri 6
        c = await service.register(session, NewComplaint(
            phone="9812345678", name="Test Citizen", district="LKO", department="ELE", category="ELE-TRANS",
            description="Transformer burnt"), AGENT, ctx.policy, now=T0)
        assert c.due_at == datetime(2026, 3, 6, 5, 0, tzinfo=timezone.utc)
