"""complaint-status: the caller types a complaint number and hears where it stands.

The number is read with GET DATA (11 digits at most, `#` ends early) and checked with its
Verhoeff digit before any lookup; nothing typed, a wrong length or a wrong check digit costs
one of three tries. Three failures set HELPLINE_STATUS_RESULT (invalid-number, or no-input if
nothing was ever typed) and HELPLINE_NEXT=agent. A valid number that does not exist is said so
(not-found). A found complaint is spoken in the channel's language: the number digit by digit,
its state, department, officer level, and the due date (open complaints; "the due date has
passed" when overdue) or the disposal / closing date. HELPLINE_COMPLAINT_NO and
HELPLINE_STATUS_RESULT=found are set before speaking, so an agent's screen pop has them even if
the caller moves on. A caller who hangs up ends the flow (HELPLINE_STATUS_RESULT=hangup).
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from grievance.routing import is_overdue
from ivr import variables as v
from ivr.fastagi import AgiChannel, AgiHangup
from ivr.flows.common import FlowDeps, ask_complaint_number, language, logger, mark_hangup, p, play
from ivr.speech import date_prompts, digits_prompts
from storage.queries import ivr_lookup
from storage.queries.ivr_lookup import ComplaintStatus

OPEN_AT_OFFICER = ("registered", "at_l1", "at_l2")


async def run(channel: AgiChannel, deps: FlowDeps) -> None:
    try:
        await _run(channel, deps)
    except AgiHangup:
        await mark_hangup(channel, v.STATUS_RESULT)
        raise


async def _run(channel: AgiChannel, deps: FlowDeps) -> None:
    await channel.answer()
    entry = await ask_complaint_number(channel, deps, p("status-enter-number"))
    number = entry.number
    if number is None:
        await channel.set_variable(v.STATUS_RESULT, entry.failure)
        await channel.set_variable(v.NEXT, "agent")
        return
    status = await lookup(deps, number)
    if status is None:
        await channel.set_variable(v.STATUS_RESULT, "not-found")
        await channel.set_variable(v.NEXT, "menu")
        await play(channel, [p("complaint-not-found")])
        return
    await channel.set_variable(v.COMPLAINT_NO, number)
    await channel.set_variable(v.STATUS_RESULT, "found")
    await channel.set_variable(v.NEXT, "menu")
    logger.info("complaint-status %s: complaint %s state=%s", channel.uniqueid, number, status.state)
    await play(channel, status_prompts(status, language(channel), deps.tz, deps.clock()))


async def lookup(deps: FlowDeps, number: str) -> ComplaintStatus | None:
    async with deps.db.sessions() as session:
        return await ivr_lookup.complaint_status(session, number)


def status_prompts(status: ComplaintStatus, lang: str, tz: ZoneInfo, now: datetime) -> list[str]:
    """What the caller hears about a found complaint, as prompt paths."""
    prompts = [p("status-your-complaint"), *digits_prompts(status.number, lang), p(state_prompt(status.state))]
    prompts += [p("status-department"), p(department_prompt(status.department_code))]
    prompts.append(p(f"level-{2 if status.level >= 2 else 1}"))
    if status.state in OPEN_AT_OFFICER and status.due_at is not None:
        prompts += [p("status-due-date"), *date_prompts(status.due_at.astimezone(tz).date(), lang)]
        if is_overdue(status.state, status.due_at, now):
            prompts.append(p("status-overdue"))
    elif status.state in ("disposed", "disposed_l2") and status.disposed_at is not None:
        prompts += [p("status-disposed-on"), *date_prompts(status.disposed_at.astimezone(tz).date(), lang)]
    elif status.state == "closed" and status.closed_at is not None:
        prompts += [p("status-closed-on"), *date_prompts(status.closed_at.astimezone(tz).date(), lang)]
    return prompts


def state_prompt(state: str) -> str:
    """`at_l1` → `state-at-l1` (prompt names use dashes)."""
    return "state-" + state.replace("_", "-")


def department_prompt(code: str) -> str:
    """`ELE` → `dept-ele`: one prompt per department code."""
    return "dept-" + code.lower().replace("_", "-")

