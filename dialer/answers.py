"""What an answered outbound call records: feedback on a complaint, survey answers, and the
attempt's answer time and result.

The IVR flows (ivr/flows/feedback_call.py, survey.py) call these inside their own
`session_scope()`; the dialer reads `CallAttempt.result` when it settles the attempt. These
functions stamp `answered_at` and `result` only: the attempt's `state`, `outcome`,
`hangup_cause` and `ended_at`, and the contact's state, are the dialer's (from AMI).

Attempt results written here: satisfied, dissatisfied, no-input, not-eligible (the complaint
no longer waits for feedback), hangup (answered, hung up before answering), and for surveys
completed / partial (some questions answered) / no-input.

Surveys: `Campaign.survey` is a list of questions
`{"id": "q1", "prompt_hi": "...", "prompt_en": "...", "digits": {"1": "yes", "2": "no"}}`.
Question texts differ per campaign, so each is a rendered prompt named
`survey-<campaign id>-<question id>` (`survey_prompt_name`); `survey_manifest()` gives the
texts per language for the prompt builder, which must render them before the campaign dials.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from grievance.errors import InvalidInput, NotFound
from grievance.lifecycle import Actor
from grievance.service import Policy, Who, record_feedback
from storage.models import SurveyAnswer
from storage.queries import attempts as attempt_q
from storage.queries.attempts import AttemptContext

DIALER = Who(Actor.DIALER, "dialer")
FEEDBACK_DIGITS = {"1": "satisfied", "2": "dissatisfied"}
AWAITING_FEEDBACK = ("disposed", "disposed_l2")

_QUESTION_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
_DIGIT = re.compile(r"[0-9]")
MAX_QUESTIONS = 20
MAX_MEANING = 100
MAX_PROMPT = 500


@dataclass(frozen=True, slots=True)
class FeedbackOutcome:
    """The answer given and the complaint's state before and after it."""

    result: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class SurveyQuestion:
    id: str
    prompt_hi: str
    prompt_en: str
    digits: dict[str, str]  # digit → meaning

    def meaning(self, digit: str) -> str:
        return self.digits[digit]


async def load_attempt(session: AsyncSession, attempt_id: int) -> AttemptContext:
    found = await attempt_q.load(session, attempt_id)
    if found is None:
        raise NotFound(f"no call attempt has the id {attempt_id}", attempt=attempt_id)
    return found


async def mark_answered(session: AsyncSession, attempt_id: int, now: datetime) -> AttemptContext:
    """Load the attempt and stamp its answer time (kept if already set)."""
    found = await load_attempt(session, attempt_id)
    await attempt_q.mark_answered(session, found.attempt, now)
    return found


async def record_result(session: AsyncSession, attempt_id: int, result: str, now: datetime) -> None:
    """Store the attempt's result (answered time stamped too, if missing)."""
    found = await load_attempt(session, attempt_id)
    await attempt_q.mark_answered(session, found.attempt, now)
    await attempt_q.set_result(session, found.attempt, result)


def awaiting_feedback(found: AttemptContext) -> bool:
    return found.complaint is not None and found.complaint.state in AWAITING_FEEDBACK


async def apply_feedback_answer(session: AsyncSession, attempt_id: int, digit: str, policy: Policy,
                                now: datetime) -> FeedbackOutcome:
    """Apply the digit pressed on a feedback call (1 satisfied, 2 dissatisfied) to the complaint.

    Goes through grievance.service.record_feedback as the dialer, so the lifecycle decides
    (close, reopen at L1, escalate to L2); the attempt gets the answer as its result.
    Raises InvalidInput for another digit or an attempt without a complaint, and
    TransitionRefused when the complaint no longer waits for feedback.
    """
    result = FEEDBACK_DIGITS.get(digit)
    if result is None:
        raise InvalidInput("a feedback answer is 1 (satisfied) or 2 (dissatisfied)", field="digit")
    found = await load_attempt(session, attempt_id)
    if found.complaint is None:
        raise InvalidInput(f"call attempt {attempt_id} is not a feedback call", attempt=attempt_id)
    before = found.complaint.state
    complaint = await record_feedback(session, found.complaint.number, result, DIALER, policy, now,
                                      detail={"attempt": attempt_id, "channel": "call"})
    await attempt_q.mark_answered(session, found.attempt, now)
    await attempt_q.set_result(session, found.attempt, result)
    return FeedbackOutcome(result=result, before=before, after=complaint.state)


def survey_questions(raw: Any) -> list[SurveyQuestion]:
    """Validate a campaign's survey JSON; InvalidInput names the first problem."""
    if not isinstance(raw, list):
        raise InvalidInput("a survey is a list of questions", field="survey")
    if len(raw) > MAX_QUESTIONS:
        raise InvalidInput(f"a survey has at most {MAX_QUESTIONS} questions", field="survey")
    questions: list[SurveyQuestion] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"survey[{i}]"
        if not isinstance(item, dict):
            raise InvalidInput(f"{where} is not an object", field=where)
        qid = item.get("id")
        if not isinstance(qid, str) or not _QUESTION_ID.fullmatch(qid):
            raise InvalidInput(f"{where}.id must be 1-32 lowercase letters, digits or '-'", field=where)
        if qid in seen:
            raise InvalidInput(f"{where}.id {qid!r} is used twice", field=where)
        seen.add(qid)
        prompts = {}
        for key in ("prompt_hi", "prompt_en"):
            text = item.get(key)
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_PROMPT or "\n" in text:
                raise InvalidInput(f"{where}.{key} must be one line of 1-{MAX_PROMPT} characters", field=where)
            prompts[key] = text.strip()
        digits = item.get("digits")
        if not isinstance(digits, dict) or not digits:
            raise InvalidInput(f"{where}.digits must map digits to meanings", field=where)
        for digit, meaning in digits.items():
            if not isinstance(digit, str) or not _DIGIT.fullmatch(digit):
                raise InvalidInput(f"{where}.digits: {digit!r} is not a keypad digit 0-9", field=where)
            if not isinstance(meaning, str) or not meaning.strip() or len(meaning) > MAX_MEANING:
                raise InvalidInput(f"{where}.digits[{digit}] must be a meaning of 1-{MAX_MEANING} characters",
                                   field=where)
        questions.append(SurveyQuestion(qid, prompts["prompt_hi"], prompts["prompt_en"],
                                        {d: m.strip() for d, m in digits.items()}))
    return questions


def survey_prompt_name(campaign_id: int, question_id: str) -> str:
    """The rendered prompt of one campaign question: `survey-<campaign>-<question>`."""
    return f"survey-{campaign_id}-{question_id}"


def survey_manifest(campaign_id: int, questions: list[SurveyQuestion]) -> dict[str, dict[str, str]]:
    """Language → prompt name → text, for rendering a campaign's questions."""
    return {
        "hi": {survey_prompt_name(campaign_id, q.id): q.prompt_hi for q in questions},
        "en": {survey_prompt_name(campaign_id, q.id): q.prompt_en for q in questions},
    }


async def store_survey_answer(session: AsyncSession, attempt_id: int, question: SurveyQuestion, digit: str,
                              now: datetime) -> SurveyAnswer:
    """Store (or replace) the answer to one question of the attempt, with its meaning."""
    if digit not in question.digits:
        raise InvalidInput(f"{digit!r} is not an answer to question {question.id!r}", field="digit")
    found = await load_attempt(session, attempt_id)
    existing = await attempt_q.survey_answer(session, attempt_id, question.id)
    if existing is not None:
        existing.digit = digit
        existing.meaning = question.meaning(digit)
        existing.at = now
        await session.flush()
        return existing
    return await attempt_q.add_survey_answer(session, SurveyAnswer(
        attempt_id=attempt_id, contact_id=found.contact.id, question=question.id, digit=digit,
        meaning=question.meaning(digit), at=now,
    ))
