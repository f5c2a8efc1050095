"""survey (outbound): the dialer's scheme-survey call was answered; ask the campaign's questions.

The attempt id comes as the script's argument (else HELPLINE_ATTEMPT); the attempt is stamped
answered first. Questions come from `Campaign.survey` (validated by
dialer.answers.survey_questions). Their texts are per campaign, so each question is played
from its own rendered prompt `helpline/survey-<campaign id>-<question id>` (the prompt builder
renders dialer.answers.survey_manifest() before the campaign dials); the intro and thanks are
fixed prompts. Each question accepts only its own digits, three tries; an answer is stored at
once with its meaning (a hang-up keeps the answers given so far), a question with no valid
answer is skipped. HELPLINE_SURVEY_DONE is 1 when every question was answered, and the
attempt's result is completed, partial, no-input or hangup. A campaign of kind `announcement`
is played by ivr.flows.announcement instead (same context, same script).
"""
from __future__ import annotations

from dialer import announcements, answers
from ivr import variables as v
from ivr.fastagi import AgiChannel, AgiHangup
from ivr.flows import announcement
from ivr.flows.common import FlowDeps, ask_choice, attempt_id, logger, p, play
from ivr.manifest import prompt_path


async def run(channel: AgiChannel, deps: FlowDeps) -> None:
    attempt = await attempt_id(channel)
    async with deps.db.session_scope() as session:
        found = await answers.mark_answered(session, attempt, deps.clock())
        campaign_id, kind = found.campaign.id, found.campaign.kind
        confirm = dict(found.campaign.confirm or {})
        questions = answers.survey_questions(found.campaign.survey) if kind != announcements.KIND else []
    if kind == announcements.KIND:
        await announcement.run(channel, deps, attempt, campaign_id, confirm)
        return
    if not questions:
        # refused when created or started (dialer.admin); a campaign written some other way
        # thanks the citizen and says so in the attempt, rather than apologising for a failure
        logger.error("survey attempt %d: campaign %d has no questions", attempt, campaign_id)
        await _store(deps, attempt, "no-questions")
        await channel.answer()
        await play(channel, [p("survey-thanks")])
        return
    answered = 0
    try:
        await channel.answer()
        intro = [p("survey-intro")]
        for question in questions:
            prompt = prompt_path(answers.survey_prompt_name(campaign_id, question.id))
            digit = await ask_choice(channel, deps, prompt, question.digits, intro=intro)
            intro = []
            if digit is None:
                continue
            async with deps.db.session_scope() as session:
                await answers.store_survey_answer(session, attempt, question, digit, deps.clock())
            answered += 1
    except AgiHangup:
        await _store(deps, attempt, "hangup")
        raise
    done = answered == len(questions)
    result = "completed" if done else "partial" if answered else "no-input"
    await _store(deps, attempt, result)
    await channel.set_variable(v.SURVEY_DONE, "1" if done else "0")
    logger.info("survey attempt %d: campaign %d: %d of %d answered", attempt, campaign_id, answered, len(questions))
    await play(channel, [p("survey-thanks")])


async def _store(deps: FlowDeps, attempt: int, result: str) -> None:
    async with deps.db.session_scope() as session:
        await answers.record_result(session, attempt, result, deps.clock())
