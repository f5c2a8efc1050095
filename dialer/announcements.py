"""Announcement (broadcast) campaigns: a message played to every contact, "press 1 to hear it
again", and an optional confirmation question ("press 1 if you have received the instructions").

The message is `Campaign.message` = {"hi": text, "en": text}; the confirmation, when asked, is
`Campaign.confirm` = {"prompt_hi", "prompt_en", "digits": {digit: meaning}}, and the first digit
listed is the one that confirms. Both are spoken by the server when the campaign is created
(ivr.voices) as `announce-<id>` and `announce-<id>-confirm`, and `helpline prompts build` keeps
them (dialer.survey_prompts); an uploaded recording replaces the voice in its language.

Results per attempt (written by ivr/flows/announcement.py): `hangup` (answered, hung up before
the end of the message: tried again), `heard` (heard to the end; no question, or hung up before
answering it), `confirmed`, `not-confirmed` (asked, another digit or none).
"""
from __future__ import annotations

from typing import Any

from dialer.answers import MAX_PROMPT, SurveyQuestion, survey_questions
from grievance.errors import InvalidInput

KIND = "announcement"
CONFIRM_ID = "confirm"
MAX_MESSAGE = 2000
RESULTS = ("hangup", "heard", "confirmed", "not-confirmed")
HEARD = frozenset({"heard", "confirmed", "not-confirmed"})


def check_message(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise InvalidInput('an announcement needs "message": {"hi": text, "en": text}', field="message")
    out = {}
    for lang in ("hi", "en"):
        text = raw.get(lang)
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_MESSAGE:
            raise InvalidInput(f"message.{lang} must be a text of 1-{MAX_MESSAGE} characters", field="message")
        out[lang] = text.strip()
    extra = set(raw) - {"hi", "en"}
    if extra:
        raise InvalidInput(f"message has only hi and en, not {', '.join(sorted(extra))}", field="message")
    return out


def check_confirm(raw: Any) -> dict[str, Any]:
    """The confirmation question, or {} when none is asked."""
    if raw is None or raw == {}:
        return {}
    if not isinstance(raw, dict):
        raise InvalidInput('"confirm" is {"prompt_hi", "prompt_en", "digits"}', field="confirm")
    question = survey_questions([{**raw, "id": CONFIRM_ID}])[0]
    return {"prompt_hi": question.prompt_hi, "prompt_en": question.prompt_en, "digits": question.digits}


def confirm_question(confirm: dict[str, Any] | None) -> SurveyQuestion | None:
    if not confirm:
        return None
    return SurveyQuestion(CONFIRM_ID, confirm["prompt_hi"], confirm["prompt_en"], dict(confirm["digits"]))


def confirming_digit(question: SurveyQuestion) -> str:
    return next(iter(question.digits))


def message_prompt(campaign_id: int) -> str:
    return f"announce-{campaign_id}"


def confirm_prompt(campaign_id: int) -> str:
    return f"announce-{campaign_id}-confirm"


def manifest(campaign_id: int, message: dict[str, str], confirm: dict[str, Any] | None) -> dict[str, dict[str, str]]:
    """Language → prompt name → text of one announcement campaign."""
    out: dict[str, dict[str, str]] = {lang: {message_prompt(campaign_id): text} for lang, text in message.items()}
    if confirm:
        out["hi"][confirm_prompt(campaign_id)] = confirm["prompt_hi"]
        out["en"][confirm_prompt(campaign_id)] = confirm["prompt_en"]
    return out


def result_columns(result: str | None, answered: bool, asks: bool) -> list[str]:
    """answered, heard_to_end, confirmed ("" when no question is asked) for the results CSV."""
    heard = result in HEARD
    confirmed = "" if not asks else ("yes" if result == "confirmed" else "no")
    return ["yes" if answered else "no", "yes" if heard else "no", confirmed if answered else ("" if not asks else "no")]


__all__ = ["KIND", "MAX_PROMPT", "RESULTS", "check_confirm", "check_message", "manifest"]
