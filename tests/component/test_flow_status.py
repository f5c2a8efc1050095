"""complaint-status through the real FastAGI server, a fake Asterisk and a real database."""
from __future__ import annotations

from datetime import timedelta

from grievance import numbers
from tests.fakes.agi_peer import TimedOut, wait_until
from tests.fakes.flow_world import Clock, flow_world
from tests.traces import agi_transcript

NOTHING = None


def digits_of(number: str) -> list[str]:
    return [f"helpline/num-{d}" for d in number]


def mistype_check_digit(number: str) -> str:
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not numbers.is_valid(wrong)
    return wrong


async def test_found_is_spoken_in_hindi_with_state_department_level_and_due_date(db_url: str) -> None:
    async with flow_world(db_url) as world:
        number = await world.complaint("at_l1")
        call = await world.peer.call("complaint-status", env={"agi_context": "helpline-main", "agi_extension": "2"},
                                     digits=[number + "#"])
    assert call.verbs[:2] == ["ANSWER", "GET DATA"]
    assert call.commands[1] == "GET DATA helpline/status-enter-number 6000 11"
    assert call.variables == {"HELPLINE_COMPLAINT_NO": number, "HELPLINE_STATUS_RESULT": "found",
                              "HELPLINE_NEXT": "menu"}
    # registered 20 Nov 2026 10:00 IST, ELE-SUPPLY has 2 SLA days: due 22 November 2026
    assert call.prompts == [
        "helpline/status-enter-number", "helpline/status-your-complaint", *digits_of(number),
        "helpline/state-at-l1", "helpline/status-department", "helpline/dept-ele", "helpline/level-1",
        "helpline/status-due-date", "helpline/num-22", "helpline/month-11", "helpline/num-2",
        "helpline/thousand", "helpline/num-26",
    ]
    assert world.unknown_prompts(call) == []
    assert call.closed_by == "server" and call.transcript[-1] == ("A", "HANGUP")
    assert world.server.sessions == 1 and world.server.errors == 0


async def test_overdue_escalated_complaint_in_english(db_url: str) -> None:
    clock = Clock()
    async with flow_world(db_url, clock=clock) as world:
        number = await world.complaint("at_l2")
        clock.now += timedelta(days=30)
        call = await world.peer.call("complaint-status", env={"agi_language": "en"}, digits=[number])
    assert call.variables["HELPLINE_STATUS_RESULT"] == "found"
    spoken = call.prompts[1:]
    assert spoken[len(number) + 1:len(number) + 5] == [
        "helpline/state-at-l2", "helpline/status-department", "helpline/dept-ele", "helpline/level-2"]
    # escalated at 20 Nov + 2 SLA days; English reads the year as "two thousand twenty six"
    assert spoken[-6:] == ["helpline/num-22", "helpline/month-11", "helpline/num-2", "helpline/thousand",
                           "helpline/num-26", "helpline/status-overdue"]
    assert world.unknown_prompts(call, "en") == []


async def test_disposed_complaint_says_its_disposal_date(sqlite_url: str) -> None:
    async with flow_world(sqlite_url) as world:
        number = await world.complaint("disposed")
        call = await world.peer.call("complaint-status", digits=[number])
    assert "helpline/state-disposed" in call.prompts
    assert call.prompts[-6:] == ["helpline/status-disposed-on", "helpline/num-20", "helpline/month-11",
                                 "helpline/num-2", "helpline/thousand", "helpline/num-26"]
    assert "helpline/status-due-date" not in call.prompts


async def test_valid_number_that_does_not_exist(db_url: str) -> None:
    async with flow_world(db_url) as world:
        await world.complaint("at_l1")
        missing = numbers.make("2611", 999_999)
        call = await world.peer.call("complaint-status", digits=[missing])
    assert call.variables == {"HELPLINE_STATUS_RESULT": "not-found", "HELPLINE_NEXT": "menu"}
    assert call.prompts == ["helpline/status-enter-number", "helpline/complaint-not-found"]


async def test_wrong_check_digit_is_refused_before_lookup_then_retry_succeeds(db_url: str) -> None:
    async with flow_world(db_url) as world:
        number = await world.complaint("at_l1")
        # the mistyped number differs only in its check digit from a real complaint: it must be
        # refused as invalid, never looked up (a lookup would say "not found")
        call = await world.peer.call("complaint-status", digits=[mistype_check_digit(number), number])
    assert call.prompts[:4] == ["helpline/status-enter-number", "helpline/complaint-number-invalid",
                                "helpline/input-try-again", "helpline/status-enter-number"]
    assert "helpline/complaint-not-found" not in call.prompts
    assert call.variables["HELPLINE_STATUS_RESULT"] == "found"
    assert call.variables["HELPLINE_COMPLAINT_NO"] == number


async def test_garbage_three_times_goes_to_an_agent(sqlite_url: str) -> None:
    async with flow_world(sqlite_url) as world:
        number = await world.complaint("at_l1")
        call = await world.peer.call("complaint-status",
                                     digits=["12*4#", TimedOut(number[:6]), mistype_check_digit(number)])
    assert call.verbs.count("GET DATA") == 3
    assert call.variables == {"HELPLINE_STATUS_RESULT": "invalid-number", "HELPLINE_NEXT": "agent"}
    assert call.prompts == [
        "helpline/status-enter-number", "helpline/complaint-number-invalid", "helpline/input-try-again",
        "helpline/status-enter-number", "helpline/complaint-number-invalid", "helpline/input-try-again",
        "helpline/status-enter-number", "helpline/complaint-number-invalid",
    ]
    assert world.server.errors == 0


async def test_nothing_typed_three_times(sqlite_url: str) -> None:
    async with flow_world(sqlite_url) as world:
        call = await world.peer.call("complaint-status", digits=[NOTHING, NOTHING, NOTHING])
    assert [r for r in call.replies if r[0].startswith("200 result= ")] == [["200 result= (timeout)"]] * 3
    assert call.variables == {"HELPLINE_STATUS_RESULT": "no-input", "HELPLINE_NEXT": "agent"}
    assert call.prompts.count("helpline/input-none") == 3
    assert call.prompts.count("helpline/input-try-again") == 2


async def test_hangup_during_get_data_as_captured(db_url: str) -> None:
    capture = [line for side, line in agi_transcript("hangup-during-get-data") if side == "A"]
    assert capture[capture.index("200 result=-1") + 1] == "HANGUP"
    async with flow_world(db_url) as world:
        call = await world.peer.call("complaint-status", caller="919800000007", hangup_at="GET DATA")
        await wait_until(lambda: world.server.active == 0)
    # the same bytes as the capture: result -1, then HANGUP; the flow sends nothing that needs
    # the channel afterwards, only the dead-safe SET VARIABLE, then closes
    assert call.verbs == ["ANSWER", "GET DATA", "SET VARIABLE"]
    assert call.replies[1] == ["200 result=-1"]
    assert ("A", "HANGUP") in call.transcript[call.transcript.index(("A", "200 result=-1")):]
    assert call.variables == {"HELPLINE_STATUS_RESULT": "hangup"}
    assert call.closed_by == "server"
    assert world.server.hangups == 1 and world.server.errors == 0


async def test_hangup_with_agiexitonhangup_asterisk_closes_first(sqlite_url: str) -> None:
    async with flow_world(sqlite_url) as world:
        call = await world.peer.call("complaint-status", hangup_at="GET DATA", exit_on_hangup=True)
        await wait_until(lambda: world.server.active == 0)
    assert call.closed_by == "asterisk"
    assert call.verbs[:2] == ["ANSWER", "GET DATA"]
    assert "STREAM FILE" not in call.verbs
    assert world.server.hangups == 1 and world.server.errors == 0


async def test_hangup_while_the_status_is_spoken(sqlite_url: str) -> None:
    async with flow_world(sqlite_url) as world:
        number = await world.complaint("at_l1")
        call = await world.peer.call("complaint-status", digits=[number], hangup_at=6)
        await wait_until(lambda: world.server.active == 0)
    assert call.verbs[-1] == "SET VARIABLE" and call.variables["HELPLINE_STATUS_RESULT"] == "hangup"
    assert call.verbs.count("STREAM FILE") == 2  # the one hung up on, nothing after it
    assert world.server.hangups == 1 and world.server.errors == 0
