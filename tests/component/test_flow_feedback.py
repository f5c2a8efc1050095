"""feedback (inbound) through the real FastAGI server, a fake Asterisk and a real database."""
from __future__ import annotations

from storage.queries import complaints as complaint_q
from tests.fakes.flow_world import CALLER, FlowWorld, flow_world


async def events_of(world: FlowWorld, number: str) -> list[tuple[str, str, str]]:
    async with world.db.sessions() as session:
        complaint = await complaint_q.by_number(session, number)
        assert complaint is not None
        return [(e.action, e.actor_kind, e.to_state) for e in await complaint_q.events(session, complaint.id)]


async def test_dissatisfied_first_time_reopens_at_l1(db_url: str) -> None:
    async with flow_world(db_url) as world:
        number = await world.complaint("disposed")
        call = await world.peer.call("feedback", caller=CALLER, digits=[number, "2"])
        complaint = await world.state_of(number)
        events = await events_of(world, number)
    assert call.commands[1] == "GET DATA helpline/feedback-enter-number 6000 11"
    assert call.commands[2] == f"SET VARIABLE HELPLINE_COMPLAINT_NO {number}"
    assert call.commands[3] == "GET DATA helpline/feedback-ask 5000 1"
    assert complaint.state == "at_l1" and complaint.reopen_count == 1 and complaint.feedback == "dissatisfied"
    assert events[-1] == ("reopen", "ivr", "at_l1")
    assert call.variables == {"HELPLINE_COMPLAINT_NO": number, "HELPLINE_FEEDBACK_RESULT": "dissatisfied",
                              "HELPLINE_NEXT": "hangup"}
    assert call.prompts[-1] == "helpline/feedback-reopened"
    assert world.unknown_prompts(call) == []


async def test_dissatisfied_again_escalates_to_l2(db_url: str) -> None:
    async with flow_world(db_url) as world:
        number = await world.complaint("disposed_again")
        call = await world.peer.call("feedback", caller=CALLER, env={"agi_language": "en"}, digits=[number, "2"])
        complaint = await world.state_of(number)
        events = await events_of(world, number)
    assert complaint.state == "at_l2" and complaint.level == 2 and complaint.officer_code == "ELE-LKO-L2"
    assert events[-1] == ("escalate", "ivr", "at_l2")
    assert call.prompts[-1] == "helpline/feedback-escalated"
    assert world.unknown_prompts(call, "en") == []


async def test_satisfied_closes(sqlite_url: str) -> None:
    async with flow_world(sqlite_url) as world:
        number = await world.complaint("disposed")
        call = await world.peer.call("feedback", caller=CALLER, digits=[number, "1"])
        complaint = await world.state_of(number)
    assert complaint.state == "closed" and complaint.feedback == "satisfied"
    assert call.variables["HELPLINE_FEEDBACK_RESULT"] == "satisfied"
    assert call.prompts[-1] == "helpline/feedback-closed"


async def test_dissatisfied_after_l2_disposal_closes_as_final(sqlite_url: str) -> None:
    async with flow_world(sqlite_url) as world:
        number = await world.complaint("disposed_l2")
        call = await world.peer.call("feedback", caller=CALLER, digits=[number, "2"])
        complaint = await world.state_of(number)
    assert complaint.state == "closed" and complaint.feedback == "dissatisfied"
    assert call.prompts[-1] == "helpline/feedback-final"


async def test_other_phone_or_no_caller_id_cannot_give_feedback(db_url: str) -> None:
    async with flow_world(db_url) as world:
        number = await world.complaint("disposed")
        other = await world.peer.call("feedback", caller="919800000001", digits=[number, "1"])
        anonymous = await world.peer.call("feedback", caller="anonymous", digits=[number, "1"])
        complaint = await world.state_of(number)
    assert complaint.state == "disposed" and complaint.feedback is None
    for call in (other, anonymous):
        assert call.variables["HELPLINE_FEEDBACK_RESULT"] == "not-eligible"
        assert call.prompts[-1] == "helpline/feedback-wrong-phone"
        assert "helpline/feedback-ask" not in call.prompts


async def test_complaint_not_awaiting_feedback(sqlite_url: str) -> None:
    async with flow_world(sqlite_url) as world:
        number = await world.complaint("at_l1")
        call = await world.peer.call("feedback", caller=CALLER, digits=[number])
        complaint = await world.state_of(number)
    assert complaint.state == "at_l1"
    assert call.variables["HELPLINE_FEEDBACK_RESULT"] == "not-eligible"
    assert call.variables["HELPLINE_NEXT"] == "menu"
    assert call.prompts[-1] == "helpline/feedback-not-awaiting"


async def test_no_valid_answer_three_times_changes_nothing(sqlite_url: str) -> None:
    async with flow_world(sqlite_url) as world:
        number = await world.complaint("disposed")
        call = await world.peer.call("feedback", caller=CALLER, digits=[number, "9", None, "5"])
        complaint = await world.state_of(number)
    assert complaint.state == "disposed"
    assert call.verbs.count("GET DATA") == 4
    assert call.variables["HELPLINE_FEEDBACK_RESULT"] == "no-input"
    assert call.variables["HELPLINE_NEXT"] == "agent"
    assert call.prompts[2:] == [
        "helpline/input-invalid-choice", "helpline/input-try-again", "helpline/feedback-ask",
        "helpline/input-none", "helpline/input-try-again", "helpline/feedback-ask",
        "helpline/input-invalid-choice",
    ]


async def test_hangup_before_answering_changes_nothing(sqlite_url: str) -> None:
    async with flow_world(sqlite_url) as world:
        number = await world.complaint("disposed")
        call = await world.peer.call("feedback", caller=CALLER, digits=[number], hangup_at=3)
        complaint = await world.state_of(number)
    assert call.commands[3].startswith("GET DATA helpline/feedback-ask")
    assert complaint.state == "disposed"
    assert call.variables["HELPLINE_FEEDBACK_RESULT"] == "hangup"
    assert world.server.hangups == 1 and world.server.errors == 0
