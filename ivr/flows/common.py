"""What every flow shares: its dependencies, the caller's language, prompt lists, and asking
for digits up to three times.

Flows play `helpline/<name>` prompts from `config/prompts/<lang>/flows.txt`; Asterisk picks
the language folder from CHANNEL(language), which the dialplan sets from HELPLINE_LANG before
each AGI() (so `agi_language` is the caller's language).
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from grievance import numbers
from grievance.errors import InvalidInput
from grievance.phones import normalise_phone
from grievance.service import Policy
from ivr import variables as v
from ivr.fastagi import AgiChannel, AgiError
from ivr.manifest import prompt_path
from ivr.speech import LANGUAGES
from recordings.files import RecordingFolder
from storage.db import Database

logger = logging.getLogger("ivr.flows")

DEFAULT_LANGUAGE = "hi"
TRIES = 3
# GET DATA waits this long for the first digit after the prompt, and between digits.
NUMBER_TIMEOUT_MS = 6000
CHOICE_TIMEOUT_MS = 5000


class FlowError(Exception):
    """The call cannot be served as asked (e.g. no such attempt); the server fails it over."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class FlowDeps:
    """The services flows use, built once by the composition root (see ivr.routes)."""

    db: Database
    policy: Policy
    tz: ZoneInfo
    clock: Callable[[], datetime] = field(default=utcnow)
    tries: int = TRIES
    number_timeout_ms: int = NUMBER_TIMEOUT_MS
    choice_timeout_ms: int = CHOICE_TIMEOUT_MS
    recordings: RecordingFolder | None = None  # where the `recording` flow names calls' files
    secret_key: str = ""  # checks the video page's tickets (`video-ticket`)


Flow = Callable[[AgiChannel, FlowDeps], Awaitable[None]]


def p(name: str) -> str:
    """The prompt path of a flows.txt prompt name."""
    return prompt_path(name)


def language(channel: AgiChannel) -> str:
    """The caller's language (`hi` or `en`): the channel's, Hindi when it is anything else."""
    lang = channel.language
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def caller_phone(channel: AgiChannel) -> str | None:
    """The caller's number in canonical form, or None (anonymous, unknown or not Indian)."""
    raw = channel.caller
    if raw is None:
        return None
    try:
        return normalise_phone(raw, from_pbx=True)
    except InvalidInput:
        return None


async def attempt_id(channel: AgiChannel) -> int:
    """The dialer's attempt id: the script's argument, else HELPLINE_ATTEMPT; FlowError if none."""
    raw = channel.args[0].strip() if channel.args and channel.args[0].strip() else None
    if raw is None:
        raw = (await channel.get_variable(v.ATTEMPT) or "").strip()
    if not raw.isdigit() or len(raw) > 18:
        raise FlowError(f"{channel.script}: no valid attempt id (got {raw[:20]!r})")
    return int(raw)


async def play(channel: AgiChannel, prompts: Iterable[str]) -> None:
    """Play prompt paths one after another (STREAM FILE, no escape digits)."""
    for prompt in prompts:
        await channel.stream_file(prompt)


@dataclass(frozen=True, slots=True)
class NumberEntry:
    """What `ask_complaint_number` got: a valid number, or None after the last try."""

    number: str | None
    typed: bool  # the caller typed something at least once

    @property
    def failure(self) -> str:
        """The result value for a call that gave no valid number."""
        return "invalid-number" if self.typed else "no-input"


async def ask_complaint_number(channel: AgiChannel, deps: FlowDeps, prompt: str) -> NumberEntry:
    """Play `prompt` and read an 11-digit complaint number, up to `deps.tries` times.

    Nothing typed, a wrong length, a non-digit or a wrong check digit costs one try; the
    caller hears why and, while tries remain, is asked again. No lookup happens here.
    """
    typed = False
    for attempt in range(1, deps.tries + 1):
        result = await channel.get_data(prompt, deps.number_timeout_ms, numbers.LENGTH)
        last = attempt == deps.tries
        if not result.digits:
            await play(channel, _retry("input-none", last))
            continue
        typed = True
        try:
            return NumberEntry(numbers.validate(result.digits), typed)
        except numbers.BadComplaintNumber as exc:
            logger.info("%s %s: try %d: %s", channel.script, channel.uniqueid, attempt, exc)
            await play(channel, _retry("complaint-number-invalid", last))
    return NumberEntry(None, typed)


async def ask_choice(channel: AgiChannel, deps: FlowDeps, prompt: str, choices: Collection[str],
                     *, intro: Iterable[str] = ()) -> str | None:
    """Ask for one digit among `choices` (GET DATA of one digit); the digit or None.

    `intro` prompts are played once before the first question.
    """
    await play(channel, intro)
    for attempt in range(1, deps.tries + 1):
        result = await channel.get_data(prompt, deps.choice_timeout_ms, 1)
        last = attempt == deps.tries
        if not result.digits:
            await play(channel, _retry("input-none", last))
        elif result.digits in choices:
            return result.digits
        else:
            await play(channel, _retry("input-invalid-choice", last))
    return None


def _retry(reason: str, last: bool) -> list[str]:
    return [p(reason)] if last else [p(reason), p("input-try-again")]


async def mark_hangup(channel: AgiChannel, variable: str) -> None:
    """Record a hang-up in `variable` (SET VARIABLE still works on a dead channel), best effort."""
    if not channel.usable:
        return
    try:
        await channel.set_variable(variable, "hangup")
    except AgiError:
        pass


def feedback_prompt(result: str, before: str, after: str) -> str:
    """What the caller hears once feedback is recorded, from the complaint's state change."""
    if after == "at_l1":
        return "feedback-reopened"
    if after == "at_l2":
        return "feedback-escalated"
    if before == "disposed_l2" and result == "dissatisfied":
        return "feedback-final"
    return "feedback-closed"
