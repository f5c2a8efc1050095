"""feedback (inbound): the caller types the number of a disposed complaint and says whether
the action taken satisfied them.

The number is read and checked like complaint-status (three tries, check digit before any
lookup). Feedback is taken only from the phone the complaint was registered from: the caller
id must be that number, otherwise (another phone, or no caller id) the caller hears that
feedback is taken only from that phone and nothing changes (HELPLINE_FEEDBACK_RESULT=
not-eligible). This keeps anyone who learns a complaint number from closing or reopening
someone else's complaint; an agent can still record feedback after speaking with the citizen.

A complaint waiting for feedback (disposed, disposed_l2) gets "1 satisfied / 2 not satisfied"
(three tries) and grievance.service.record_feedback as the IVR; the caller hears the outcome
(closed, sent back to the officer, sent to the senior officer, or closed because L2's decision
is final). Any other state: "not waiting for feedback" (not-eligible). Results go to
HELPLINE_FEEDBACK_RESULT and HELPLINE_COMPLAINT_NO; no valid number or no answer after three
tries sends the caller to an agent (HELPLINE_NEXT=agent).
"""
from __future__ import annotations

from dialer.answers import AWAITING_FEEDBACK, FEEDBACK_DIGITS
from grievance import numbers
from grievance.errors import TransitionRefused
from grievance.lifecycle import Actor
from grievance.service import Who, record_feedback
from ivr import variables as v
from ivr.fastagi import AgiChannel, AgiHangup
from ivr.flows.common import (
    FlowDeps,
    ask_choice,
    ask_complaint_number,
    caller_phone,
    feedback_prompt,
    logger,
    mark_hangup,
    p,
    play,
)
from ivr.flows.complaint_status import lookup

IVR = Who(Actor.IVR, "ivr")


async def run(channel: AgiChannel, deps: FlowDeps) -> None:
    try:
        await _run(channel, deps)
    except AgiHangup:
        await mark_hangup(channel, v.FEEDBACK_RESULT)
        raise


async def _run(channel: AgiChannel, deps: FlowDeps) -> None:
    await channel.answer()
    number = preset_number(channel.args[0] if channel.args else None)
    if number is None:  # the agent's desk gives the number (helpline-desk-feedback); else the caller types it
        entry = await ask_complaint_number(channel, deps, p("feedback-enter-number"))
        number = entry.number
        if number is None:
            await _finish(channel, entry.failure, "agent")
            return
    status = await lookup(deps, number)
    if status is None:
        await _finish(channel, "not-found", "menu", [p("complaint-not-found")])
        return
    await channel.set_variable(v.COMPLAINT_NO, number)
    if caller_phone(channel) != status.phone:
        await _finish(channel, "not-eligible", "menu", [p("feedback-wrong-phone")])
        return
    if status.state not in AWAITING_FEEDBACK:
        await _finish(channel, "not-eligible", "menu", [p("feedback-not-awaiting")])
        return
    digit = await ask_choice(channel, deps, p("feedback-ask"), FEEDBACK_DIGITS)
    if digit is None:
        await _finish(channel, "no-input", "agent")
        return
    result = FEEDBACK_DIGITS[digit]
    try:
        async with deps.db.session_scope() as session:
            complaint = await record_feedback(session, number, result, IVR, deps.policy, deps.clock(),
                                              detail={"channel": "ivr", "uniqueid": channel.uniqueid})
            after = complaint.state
    except TransitionRefused:
        # answered meanwhile (the feedback call, an agent): nothing to change
        await _finish(channel, "not-eligible", "menu", [p("feedback-not-awaiting")])
        return
    logger.info("feedback %s: complaint %s %s: %s -> %s", channel.uniqueid, number, result, status.state, after)
    await _finish(channel, result, "hangup", [p(feedback_prompt(result, status.state, after))])


def preset_number(value: str | None) -> str | None:
    """The script's argument: HELPLINE_COMPLAINT_NO set by the desk before the redirect, if valid."""
    try:
        return numbers.validate(value) if value else None
    except numbers.BadComplaintNumber:
        return None


async def _finish(channel: AgiChannel, result: str, next_step: str, prompts: list[str] | None = None) -> None:
    await channel.set_variable(v.FEEDBACK_RESULT, result)
    await channel.set_variable(v.NEXT, next_step)
    await play(channel, prompts or [])
