"""feedback-call (outbound): the dialer's call about a disposed complaint was answered.

The attempt id comes as the script's argument (else HELPLINE_ATTEMPT). The attempt is stamped
answered first, so a citizen who hangs up at once still counts as reached. The citizen hears
"this is the 1076 helpline calling about your complaint number <digits>, disposed on <date>:
press 1 if satisfied, 2 if not" (the question up to three times); the answer goes through
dialer.answers.apply_feedback_answer (the lifecycle closes, reopens or escalates) and the
outcome is said. HELPLINE_FEEDBACK_RESULT and the attempt's result get satisfied,
dissatisfied, no-input (no valid digit after three tries: the dialer decides on retries),
not-eligible (the complaint no longer waits for feedback, e.g. answered inbound meanwhile) or
hangup (hung up before answering). An unknown attempt raises, so the call goes to the
failure context.
"""
from __future__ import annotations

from dialer import answers
from grievance.errors import TransitionRefused
from ivr import variables as v
from ivr.fastagi import AgiChannel, AgiHangup
from ivr.flows.common import (
    FlowDeps,
    ask_choice,
    attempt_id,
    feedback_prompt,
    language,
    logger,
    mark_hangup,
    p,
    play,
)
from ivr.speech import date_prompts, digits_prompts


async def run(channel: AgiChannel, deps: FlowDeps) -> None:
    attempt = await attempt_id(channel)
    async with deps.db.session_scope() as session:
        found = await answers.mark_answered(session, attempt, deps.clock())
        awaiting = answers.awaiting_feedback(found)
        complaint = found.complaint
    call = _Attempt(attempt, deps)
    try:
        await channel.answer()
        if complaint is None or not awaiting:
            await call.settle(channel, "not-eligible", [p("feedback-call-already")])
            return
        await channel.set_variable(v.COMPLAINT_NO, complaint.number)
        lang = language(channel)
        intro = [p("feedback-call-intro"), *digits_prompts(complaint.number, lang)]
        if complaint.disposed_at is not None:
            disposed = complaint.disposed_at.astimezone(deps.tz).date()
            intro += [p("feedback-call-disposed-on"), *date_prompts(disposed, lang)]
        digit = await ask_choice(channel, deps, p("feedback-ask"), answers.FEEDBACK_DIGITS, intro=intro)
        if digit is None:
            await call.settle(channel, "no-input", [p("feedback-no-answer"), p("feedback-call-goodbye")])
            return
        try:
            async with deps.db.session_scope() as session:
                outcome = await answers.apply_feedback_answer(session, attempt, digit, deps.policy, deps.clock())
        except TransitionRefused:
            await call.settle(channel, "not-eligible", [p("feedback-call-already")])
            return
        call.recorded = True
        logger.info("feedback-call attempt %d: complaint %s %s: %s -> %s", attempt, complaint.number,
                    outcome.result, outcome.before, outcome.after)
        said = p(feedback_prompt(outcome.result, outcome.before, outcome.after))
        await call.settle(channel, outcome.result, [said, p("feedback-call-goodbye")])
    except AgiHangup:
        if not call.recorded:
            await call.store("hangup")
            await mark_hangup(channel, v.FEEDBACK_RESULT)
        raise


class _Attempt:
    """The attempt's result: stored once, then told to the dialplan and the caller."""

    def __init__(self, attempt: int, deps: FlowDeps) -> None:
        self.attempt = attempt
        self.deps = deps
        self.recorded = False

    async def store(self, result: str) -> None:
        async with self.deps.db.session_scope() as session:
            await answers.record_result(session, self.attempt, result, self.deps.clock())
        self.recorded = True

    async def settle(self, channel: AgiChannel, result: str, prompts: list[str]) -> None:
        if not self.recorded:
            await self.store(result)
        await channel.set_variable(v.FEEDBACK_RESULT, result)
        await play(channel, prompts)
