"""hours and voice-complaint through the real FastAGI server, with the clock injected."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from ivr import hours_admin
from storage.models import CallbackRequest
from storage.queries import hours as hours_q
from tests.fakes.flow_world import CALLER, TZ, Clock, flow_world

# Friday 4 December 2026, 02:00 IST (Thursday 20:30 UTC)
NIGHT = datetime(2026, 12, 3, 20, 30, tzinfo=timezone.utc)
# the same Friday, 10:00 IST
MORNING = datetime(2026, 12, 4, 4, 30, tzinfo=timezone.utc)


async def office_hours(world, queue: str = "helpline-hi") -> None:  # type: ignore[no-untyped-def]
    async with world.db.session_scope() as session:
        await hours_admin.set_hours(session, queue, ["mon", "tue", "wed", "thu", "fri", "sat"], "08:00", "20:00",
                                    "admin", world.clock())


async def test_outside_hours_the_queue_is_closed_and_opens_in_the_morning(db_url: str) -> None:
    clock = Clock(NIGHT)
    async with flow_world(db_url, clock=clock) as world:
        await office_hours(world)
        night = await world.peer.call("hours", args=["helpline-hi"], caller=CALLER)
        clock.now = MORNING
        morning = await world.peer.call("hours", args=["helpline-hi"], caller=CALLER)
        english = await world.peer.call("hours", caller=CALLER, env={"agi_language": "en"})
    assert night.variables == {"HELPLINE_OPEN": "0", "HELPLINE_CLOSED_REASON": "hours", "HELPLINE_EMERGENCY": ""}
    assert morning.variables["HELPLINE_OPEN"] == "1" and morning.variables["HELPLINE_CLOSED_REASON"] == ""
    # helpline-en has no hours set: open all the time
    assert english.variables["HELPLINE_OPEN"] == "1"
    assert "STREAM FILE" not in night.verbs and not night.failed


async def test_the_queue_comes_from_helpline_queue_or_the_language(db_url: str) -> None:
    async with flow_world(db_url, clock=Clock(NIGHT)) as world:
        await office_hours(world, "helpline-en")
        by_variable = await world.peer.call("hours", variables={"HELPLINE_QUEUE": "helpline-en"})
        by_language = await world.peer.call("hours", env={"agi_language": "en"})
        hindi = await world.peer.call("hours", env={"agi_language": "hi"})
        bogus = await world.peer.call("hours", args=["helpline-xx"], env={"agi_language": "en"})
    assert by_variable.variables["HELPLINE_OPEN"] == "0"
    assert by_language.variables["HELPLINE_OPEN"] == "0"
    assert hindi.variables["HELPLINE_OPEN"] == "1"
    assert bogus.variables["HELPLINE_OPEN"] == "0"


async def test_a_holiday_closes_the_day_and_says_so(db_url: str) -> None:
    async with flow_world(db_url, clock=Clock(MORNING)) as world:
        await office_hours(world)
        async with world.db.session_scope() as session:
            await hours_admin.add_holiday(session, "2026-12-04", "Helpline holiday", "अवकाश", "admin")
        call = await world.peer.call("hours", args=["helpline-hi"])
    assert call.variables["HELPLINE_OPEN"] == "0"
    assert call.variables["HELPLINE_CLOSED_REASON"] == "holiday"


async def test_the_emergency_message_is_announced_while_it_is_on(db_url: str) -> None:
    rendered: list[tuple[str, dict[str, str]]] = []

    async def render(name: str, texts) -> None:  # type: ignore[no-untyped-def]
        rendered.append((name, dict(texts)))

    async with flow_world(db_url, clock=Clock(MORNING)) as world:
        async with world.db.session_scope() as session:
            await hours_admin.set_emergency(session, True, "बाढ़ की चेतावनी", "Flood warning", "sup", MORNING, render)
        on = await world.peer.call("hours")
        async with world.db.session_scope() as session:
            await hours_admin.set_emergency(session, False, None, None, "sup", MORNING, render)
            row = await hours_q.emergency(session)
        off = await world.peer.call("hours")
    assert on.variables["HELPLINE_EMERGENCY"] == "helpline/emergency"
    assert on.variables["HELPLINE_OPEN"] == "1"
    assert off.variables["HELPLINE_EMERGENCY"] == ""
    assert rendered == [("emergency", {"hi": "बाढ़ की चेतावनी", "en": "Flood warning"})]  # switching off renders nothing
    assert row is not None and row.text_en == "Flood warning" and row.version == 1


async def test_a_recorded_complaint_is_a_callback_request_with_its_recording(db_url: str) -> None:
    async with flow_world(db_url, clock=Clock(NIGHT)) as world:
        call = await world.peer.call("voice-complaint", caller=CALLER, env={"agi_language": "en"})
        again = await world.peer.call("voice-complaint", caller=CALLER)
        anonymous = await world.peer.call("voice-complaint", caller="anonymous")
        async with world.db.sessions() as session:
            rows = list((await session.scalars(select(CallbackRequest))).all())
    assert len(rows) == 1  # one open request per number: the second recording replaces the name
    row = rows[0]
    assert row.kind == "voicemail" and row.state == "open" and row.language == "en"
    assert row.recording == f"complaint-{row.id}-{int(NIGHT.timestamp())}"
    assert call.variables["HELPLINE_CALLBACK"] == str(row.id)
    assert again.variables["HELPLINE_RECORDING"] == row.recording
    assert anonymous.variables == {"HELPLINE_RECORDING": "", "HELPLINE_CALLBACK": ""}
    assert not any("9812345678" in line for line in call.commands + call.verbose)


async def test_after_hours_the_caller_hears_when_agents_are_back(db_url: str) -> None:
    from ivr.speech import year_prompts

    async with flow_world(db_url, clock=Clock(NIGHT)) as world:
        await office_hours(world)
        call = await world.peer.call("hours", args=["say"], variables={"HELPLINE_QUEUE": "helpline-hi"})
        async with world.db.session_scope() as session:
            await hours_admin.set_hours(session, "helpline-en", ["sat"], "09:30", "13:00", "admin", NIGHT)
        english = await world.peer.call("hours", args=["say"], variables={"HELPLINE_QUEUE": "helpline-en"},
                                        env={"agi_language": "en"})
        open_queue = await world.peer.call("hours", args=["say"], variables={"HELPLINE_QUEUE": "helpline-video"})
    assert call.variables["HELPLINE_OPEN"] == "0"
    # Friday 4 December 2026, 08:00 (IST): "... 4 December 2026 को 8 बजे से उपलब्ध होंगे"
    assert call.prompts == ["helpline/hours-opens-before", "helpline/num-4", "helpline/month-12",
                            *year_prompts(2026, "hi"), "helpline/hours-opens-at", "helpline/num-8",
                            "helpline/hours-opens-oclock"]
    assert english.prompts[-5:] == ["helpline/hours-opens-at", "helpline/num-9", "helpline/hours-opens-and",
                                    "helpline/num-30", "helpline/hours-opens-minutes"]
    assert english.prompts[1:3] == ["helpline/num-5", "helpline/month-12"]  # Saturday 5 December
    assert open_queue.prompts == [] and open_queue.variables["HELPLINE_OPEN"] == "1"
    assert world.unknown_prompts(call) == [] and world.unknown_prompts(english, "en") == []
