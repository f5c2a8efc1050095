"""An answered call of an announcement campaign (dialed into helpline-survey like a survey; the
survey flow hands it here by the campaign's kind).

Plays the message (`helpline/announce-<campaign>`), then "to hear it again, press 1" (at most
three plays); then, when the campaign asks one, the confirmation question (its own digits,
three tries; the first digit listed confirms; the answer is stored like a survey answer with the
question id `confirm`). The attempt's result: hangup (hung up before the end of the message),
heard, confirmed or not-confirmed (dialer.announcements).
"""
from __future__ import annotations

from dialer import announcements, answers
from ivr import variables as v
from ivr.fastagi import AgiChannel, AgiHangup
from ivr.flows.common import FlowDeps, ask_choice, logger, p, play
from ivr.manifest import prompt_path

MAX_PLAYS = 3


async def run(channel: AgiChannel, deps: FlowDeps, attempt: int, campaign_id: int, confirm: dict | None) -> None:
    question = announcements.confirm_question(confirm)
    heard = False
    result = "hangup"
    try:
        await channel.answer()
        message = prompt_path(announcements.message_prompt(campaign_id))
        for plays in range(1, MAX_PLAYS + 1):
            await channel.stream_file(message)
            heard = True
            if plays == MAX_PLAYS:
                break
            again = await channel.get_data(p("announce-again"), deps.choice_timeout_ms, 1)
            if again.digits != "1":
                break
        result = "heard"
        if question is not None:
            digit = await ask_choice(channel, deps, prompt_path(announcements.confirm_prompt(campaign_id)),
                                     question.digits)
            if digit is not None:
                async with deps.db.session_scope() as session:
                    await answers.store_survey_answer(session, attempt, question, digit, deps.clock())
            result = "confirmed" if digit == announcements.confirming_digit(question) else "not-confirmed"
    except AgiHangup:
        await _store(deps, attempt, "heard" if heard else "hangup")
        raise
    await _store(deps, attempt, result)
    await channel.set_variable(v.SURVEY_DONE, "1")
    logger.info("announcement attempt %d: campaign %d: %s", attempt, campaign_id, result)
    await play(channel, [p("announce-thanks")])


async def _store(deps: FlowDeps, attempt: int, result: str) -> None:
    async with deps.db.session_scope() as session:
        await answers.record_result(session, attempt, result, deps.clock())
