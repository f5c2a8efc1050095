"""feedback-call and survey (answered dialer calls) through the real FastAGI server."""
from __future__ import annotations


from storage.queries import attempts as attempt_q
from storage.queries import complaints as complaint_q
from tests.fakes.flow_world import FlowWorld, flow_world
from tests.traces import agi_transcript

SURVEY = [
    {"id": "ration", "prompt_hi": "क्या आपको इस महीने राशन मिला? हाँ के लिए 1, नहीं के लिए 2 दबाएँ।",
     "prompt_en": "Did you get your ration this month? Press 1 for yes, 2 for no.",
     "digits": {"1": "yes", "2": "no"}},
    {"id": "quality", "prompt_hi": "राशन की गुणवत्ता: अच्छी 1, ठीक 2, ख़राब 3।",
     "prompt_en": "Ration quality: good 1, fair 2, poor 3.",
     "digits": {"1": "good", "2": "fair", "3": "poor"}},
]


def capture_env(name: str) -> dict[str, str]:
    """The agi_* environment of a capture, minus what the fake peer fills per call."""
    env = {}
    for side, line in agi_transcript(name):
        if side == "A" and line.startswith("agi_") and not line.startswith(("agi_network_script", "agi_request",
                                                                             "agi_arg_")):
            key, _, value = line.partition(": ")
            env[key] = value
    return env


FEEDBACK_CALL_ENV = capture_env("feedback-call")  # agi_callerid 1076, context helpline-feedback


async def answers_of(world: FlowWorld, attempt: int) -> list[tuple[str, str, str]]:
    async with world.db.sessions() as session:
        return [(a.question, a.digit, a.meaning) for a in await attempt_q.survey_answers(session, attempt)]


async def test_feedback_call_dissatisfied_reopens_and_settles_the_attempt(db_url: str) -> None:
    async with flow_world(db_url) as world:
        number = await world.complaint("disposed")
        attempt = await world.attempt(number=number)
        call = await world.peer.call("feedback-call", env=FEEDBACK_CALL_ENV, args=[str(attempt)], digits=["2"])
        complaint = await world.state_of(number)
        row = await world.attempt_row(attempt)
        async with world.db.sessions() as session:
            last = (await complaint_q.events(session, complaint.id))[-1]
    assert call.verbs[0] == "ANSWER"
    assert call.prompts == [
        "helpline/feedback-call-intro", *[f"helpline/num-{d}" for d in number],
        "helpline/feedback-call-disposed-on", "helpline/num-20", "helpline/month-11", "helpline/num-2",
        "helpline/thousand", "helpline/num-26",
        "helpline/feedback-ask", "helpline/feedback-reopened", "helpline/feedback-call-goodbye",
    ]
    assert call.variables == {"HELPLINE_COMPLAINT_NO": number, "HELPLINE_FEEDBACK_RESULT": "dissatisfied"}
    assert complaint.state == "at_l1" and complaint.reopen_count == 1
    assert (last.action, last.actor_kind, last.actor) == ("reopen", "dialer", "dialer")
    assert last.detail["attempt"] == attempt
    assert row.result == "dissatisfied" and row.answered_at == world.clock()
    assert row.state == "originating" and row.outcome is None  # the dialer's to settle from AMI
    assert world.unknown_prompts(call) == []


async def test_feedback_call_attempt_from_the_channel_variable_and_no_answer(db_url: str) -> None:
    async with flow_world(db_url) as world:
        number = await world.complaint("disposed")
        attempt = await world.attempt(number=number)
        call = await world.peer.call("feedback-call", env=FEEDBACK_CALL_ENV,
                                     variables={"HELPLINE_ATTEMPT": str(attempt)}, digits=[None, "7", None])
        complaint = await world.state_of(number)
        row = await world.attempt_row(attempt)
    assert call.commands[0] == "GET VARIABLE HELPLINE_ATTEMPT"
    assert call.verbs.count("GET DATA") == 3
    assert complaint.state == "disposed"
    assert row.result == "no-input" and row.answered_at is not None
    assert call.variables["HELPLINE_FEEDBACK_RESULT"] == "no-input"
    assert call.prompts[-2:] == ["helpline/feedback-no-answer", "helpline/feedback-call-goodbye"]


async def test_feedback_call_on_a_complaint_already_answered(sqlite_url: str) -> None:
    async with flow_world(sqlite_url) as world:
        number = await world.complaint("disposed")
        attempt = await world.attempt(number=number)
        await world.peer.call("feedback", caller="919812345678", digits=[number, "1"])  # answered inbound
        call = await world.peer.call("feedback-call", env=FEEDBACK_CALL_ENV, args=[str(attempt)], digits=["2"])
        complaint = await world.state_of(number)
        row = await world.attempt_row(attempt)
    assert complaint.state == "closed" and complaint.feedback == "satisfied"
    assert "GET DATA" not in call.verbs
    assert call.prompts == ["helpline/feedback-call-already"]
    assert row.result == "not-eligible"


async def test_feedback_call_hangup_before_answering(sqlite_url: str) -> None:
    async with flow_world(sqlite_url) as world:
        number = await world.complaint("disposed")
        attempt = await world.attempt(number=number)
        call = await world.peer.call("feedback-call", env=FEEDBACK_CALL_ENV, args=[str(attempt)],
                                     hangup_at="GET DATA")
        row = await world.attempt_row(attempt)
        complaint = await world.state_of(number)
    assert complaint.state == "disposed"
    assert row.result == "hangup" and row.answered_at is not None
    assert call.variables["HELPLINE_FEEDBACK_RESULT"] == "hangup"
    assert world.server.hangups == 1 and world.server.errors == 0


async def test_unknown_attempt_goes_to_the_failure_context(db_url: str) -> None:
    async with flow_world(db_url) as world:
        call = await world.peer.call("feedback-call", env=FEEDBACK_CALL_ENV, args=["999999"])
        garbage = await world.peer.call("survey", args=["12; DROP"])
    for c in (call, garbage):
        assert c.failed and c.goto == ("helpline-failure", "s", "1")
        assert "STREAM FILE" not in c.verbs and "GET DATA" not in c.verbs
    assert world.server.errors == 2


async def test_survey_answers_are_stored_with_their_meanings(db_url: str) -> None:
    async with flow_world(db_url) as world:
        attempt = await world.attempt(survey=SURVEY)
        row = await world.attempt_row(attempt)
        campaign = row.campaign_id
        call = await world.peer.call("survey", env=FEEDBACK_CALL_ENV | {"agi_context": "helpline-survey"},
                                     args=[str(attempt)], digits=["1", "7", "3"])
        stored = await answers_of(world, attempt)
        row = await world.attempt_row(attempt)
    assert call.prompts == [
        "helpline/survey-intro", f"helpline/survey-{campaign}-ration",
        f"helpline/survey-{campaign}-quality", "helpline/input-invalid-choice", "helpline/input-try-again",
        f"helpline/survey-{campaign}-quality", "helpline/survey-thanks",
    ]
    assert stored == [("ration", "1", "yes"), ("quality", "3", "poor")]
    assert call.variables == {"HELPLINE_SURVEY_DONE": "1"}
    assert row.result == "completed" and row.answered_at is not None
    assert world.unknown_prompts(call) == []


async def test_survey_partly_answered_then_hangup_keeps_the_answers(sqlite_url: str) -> None:
    async with flow_world(sqlite_url) as world:
        attempt = await world.attempt(survey=SURVEY)
        partial = await world.peer.call("survey", args=[str(attempt)], digits=["2", None, None, None])
        first = await answers_of(world, attempt)
        first_row = await world.attempt_row(attempt)
        again = await world.attempt(survey=SURVEY)
        hung = await world.peer.call("survey", args=[str(again)], digits=["1"], hangup_at=3)
        kept = await answers_of(world, again)
        again_row = await world.attempt_row(again)
    assert first == [("ration", "2", "no")]
    assert partial.variables == {"HELPLINE_SURVEY_DONE": "0"} and first_row.result == "partial"
    assert hung.commands[3].startswith("GET DATA helpline/survey-")
    assert kept == [("ration", "1", "yes")] and again_row.result == "hangup"
