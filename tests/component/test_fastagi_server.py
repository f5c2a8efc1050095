"""FastAgiServer over real sockets against the fake Asterisk, checked against the captures."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from common.privacy import mask_phone
from ivr.fastagi import (
    AgiChannel,
    AgiHangup,
    DeadChannel,
    FastAgiServer,
    GetDataResult,
    InvalidCommand,
    Route,
    UnknownApplication,
    UsageError,
)
from tests.fakes.agi_peer import AgiCall, FakeAgiPeer, TimedOut, wait_until
from tests.traces import agi_transcript

FAILOVER = [
    "SET VARIABLE HELPLINE_AGI_FAILED 1",
    "SET CONTEXT helpline-failure",
    "SET EXTENSION s",
    "SET PRIORITY 1",
]


@asynccontextmanager
async def running(routes: dict[str, Route], **options: Any) -> AsyncIterator[
        tuple[FastAgiServer, FakeAgiPeer]]:
    async with FastAgiServer(routes, "127.0.0.1", 0, **options) as server:
        async with FakeAgiPeer("127.0.0.1", server.port) as peer:
            yield server, peer
        await wait_until(lambda: server.active == 0)


def capture_env(name: str) -> dict[str, str]:
    env = {}
    for side, line in agi_transcript(name):
        if side == "A" and line.startswith("agi_"):
            key, _, value = line.partition(": ")
            env[key] = value
    return env


def capture_lines(name: str, stop_at_note: str | None = None) -> list[tuple[str, str]]:
    out = []
    for side, line in agi_transcript(name):
        if side == "#" and stop_at_note and line.startswith(stop_at_note):
            break
        if side != "#":
            out.append((side, line))
    return out


# -- the recording server's flows, rebuilt on AgiChannel ----------------------------------

async def caller_lookup(channel: AgiChannel) -> None:
    await channel.get_variable("CHANNEL(language)")
    assert channel.caller is not None
    known = int(channel.caller[-1]) % 2 == 0
    await channel.verbose(f"caller-lookup caller={mask_phone(channel.caller)} known={int(known)}")
    await channel.set_variable("HELPLINE_CALLER_KNOWN", int(known))
    if known:
        await channel.set_variable("HELPLINE_OPEN_COMPLAINTS", 1)


def complaint_status(seen: dict[str, object]) -> Route:
    async def route(channel: AgiChannel) -> None:
        await channel.answer()
        await channel.stream_file("vm-enter-num-to-call")
        try:
            data = await channel.get_data("beep", 5000, 11)
        except AgiHangup:
            seen["hung_up"] = channel.hung_up
            for probe in (channel.stream_file("beep"), channel.say_digits("1076")):
                try:
                    await probe
                except AgiHangup:
                    seen.setdefault("refused", 0)
                    seen["refused"] = int(seen["refused"]) + 1  # type: ignore[call-overload]
            seen["known"] = await channel.get_variable("HELPLINE_CALLER_KNOWN")
            await channel.set_variable("HELPLINE_STATUS_RESULT", "hangup-during-get-data")
            await channel.verbose("complaint-status: caller hung up (hangup-during-get-data)")
            return
        seen["data"] = data
        await channel.say_digits(data.digits)
        await channel.set_variable("HELPLINE_COMPLAINT_NO", data.digits)
        await channel.verbose(f"complaint-status complaint={data.digits} state=at_l1")
        await channel.exec("Playback", "auth-thankyou")
    return route


async def feedback_call(channel: AgiChannel) -> None:
    await channel.answer()
    await channel.stream_file("if-correct-press")
    answer = await channel.get_data("beep", 5000, 1)
    await channel.set_variable("HELPLINE_FEEDBACK", answer.digits or "none")
    await channel.verbose(f"feedback-call attempt={channel.args[0]} answer={answer.digits}")


def agi_errors(seen: dict[str, object]) -> Route:
    async def route(channel: AgiChannel) -> None:
        await channel.command("NOOP", "probe", "start")
        with pytest.raises(InvalidCommand):
            await channel.command("FOO BAR")
        with pytest.raises(UsageError) as get_data_usage:
            await channel.command("GET DATA")
        seen["usage"] = get_data_usage.value.usage
        with pytest.raises(UsageError):
            await channel.command("SAY NUMBER")
        seen["known"] = await channel.get_variable("HELPLINE_CALLER_KNOWN")
        seen["not_set"] = await channel.get_variable("HELPLINE_NOT_SET")
        seen["full"] = await channel.get_full_variable("${CALLERID(num)}")
        for name, value in (("HELPLINE_NOTE", "value with spaces  and two spaces"),
                            ("HELPLINE_TEXT_HI", "शिकायत की स्थिति: लंबित"),
                            ("HELPLINE_QUOTED", 'say "namaste" now')):
            await channel.set_variable(name, value)
            seen[name] = await channel.get_variable(name)
        seen["missing_file"] = await channel.stream_file("no-such-prompt")
        with pytest.raises(UnknownApplication):
            await channel.exec("NoSuchApplication", "foo")
        seen["silent"] = await channel.get_data("beep", 3000, 4)
        seen["hash"] = await channel.get_data("beep", 6000, 10)
        seen["partial"] = await channel.get_data("beep", 3000, 4)
        await channel.verbose("agi-errors done")
        seen["hung_up"] = channel.hung_up
    return route


# -- replays of the captures --------------------------------------------------------------

async def test_caller_lookup_replays_capture_exactly() -> None:
    async with running({"caller-lookup": caller_lookup}) as (server, peer):
        call = await peer.call("caller-lookup", env=capture_env("caller-lookup"))
    assert call.protocol_lines() == capture_lines("caller-lookup")
    assert call.variables == {"HELPLINE_CALLER_KNOWN": "1", "HELPLINE_OPEN_COMPLAINTS": "1"}
    assert (server.sessions, server.errors, call.closed_by) == (1, 0, "server")


async def test_complaint_status_replays_capture_exactly() -> None:
    seen: dict[str, object] = {}
    async with running({"complaint-status": complaint_status(seen)}) as (server, peer):
        call = await peer.call("complaint-status", env=capture_env("complaint-status"),
                               digits=["25110004271"])
    assert call.protocol_lines() == capture_lines("complaint-status")
    assert seen["data"] == GetDataResult("25110004271", timed_out=False)
    assert call.said == [("DIGITS", "25110004271")]
    assert call.prompts == ["vm-enter-num-to-call", "beep", "auth-thankyou"]
    assert server.sessions == 1


async def test_feedback_call_replays_capture_with_args() -> None:
    async with running({"feedback-call": feedback_call}) as (server, peer):
        call = await peer.call("feedback-call", env=capture_env("feedback-call"), digits=["2"])
    assert server.sessions == 1
    assert call.protocol_lines() == capture_lines("feedback-call")
    assert call.variables == {"HELPLINE_FEEDBACK": "2"}
    assert call.verbose == ["feedback-call attempt=42 answer=2"]


async def test_errors_capture_replayed_with_every_reply_form(
        caplog: pytest.LogCaptureFixture) -> None:
    seen: dict[str, object] = {}
    caplog.set_level(logging.WARNING, logger="ivr.fastagi")
    async with running({"agi-errors": agi_errors(seen)}, hangup_grace=0.1) as (server, peer):
        call = await peer.call(
            "agi-errors", env=capture_env("errors"),
            variables={"HELPLINE_CALLER_KNOWN": "1"}, missing_files={"no-such-prompt"},
            missing_apps={"NoSuchApplication"}, digits=[None, "123#", TimedOut("12")],
        )
    assert call.protocol_lines() == capture_lines("errors")
    assert server.errors == 0 and server.sessions == 1
    assert seen["usage"] == (
        "Stream the given <replaceable>file</replaceable>, and receive DTMF data.\n"
        "Returns the digits received from the channel at the other end.")
    assert (seen["known"], seen["not_set"], seen["full"]) == ("1", None, "919800000008")
    assert seen["HELPLINE_NOTE"] == "value with spaces  and two spaces"
    assert seen["HELPLINE_TEXT_HI"] == "शिकायत की स्थिति: लंबित"
    assert seen["HELPLINE_QUOTED"] == 'say "namaste" now'
    assert seen["missing_file"] is None and seen["hung_up"] is False  # -1 alone: no hang-up
    assert [(r.digits, r.timed_out) for r in (seen["silent"], seen["hash"], seen["partial"])] == [  # type: ignore[attr-defined]
        ("", True), ("123", False), ("12", True)]
    assert any("STREAM FILE no-such-prompt returned -1" in r.getMessage() for r in caplog.records
               if r.levelno == logging.WARNING)


async def test_hangup_during_get_data_like_the_capture() -> None:
    seen: dict[str, object] = {}
    async with running({"complaint-status": complaint_status(seen)}) as (server, peer):
        call = await peer.call("complaint-status", env=capture_env("hangup-during-get-data"),
                               variables={"HELPLINE_CALLER_KNOWN": "0"}, hangup_at="GET DATA")
    expected = capture_lines("hangup-during-get-data")
    # The capture's two probes that got 511 are refused locally: nothing is sent for them.
    for probe in ('STREAM FILE beep ""', 'SAY DIGITS 1076 ""'):
        at = expected.index(("S", probe))
        assert expected[at + 1][1].startswith("511 ")
        del expected[at:at + 2]
    assert call.protocol_lines() == expected
    assert seen == {"hung_up": True, "refused": 2, "known": "0"}
    assert call.variables == {"HELPLINE_STATUS_RESULT": "hangup-during-get-data"}
    assert (server.sessions, server.errors) == (1, 0)


async def test_hangup_with_agiexitonhangup_like_the_capture() -> None:
    seen: dict[str, object] = {}
    async with running({"complaint-status": complaint_status(seen)}) as (server, peer):
        call = await peer.call(
            "complaint-status", env=capture_env("hangup-during-get-data-exitonhangup"),
            hangup_at="GET DATA", exit_on_hangup=True)
        await wait_until(lambda: server.active == 0)
    assert call.protocol_lines() == capture_lines("hangup-during-get-data-exitonhangup",
                                                  stop_at_note="EOF from Asterisk")
    assert call.closed_by == "asterisk"
    assert (server.hangups, server.errors) == (1, 0)  # AgiHangup escaping a route is no error


async def test_hangup_notice_arriving_late_is_still_a_hangup() -> None:
    seen: dict[str, object] = {}
    async with running({"complaint-status": complaint_status(seen)}) as (_, peer):
        await peer.call("complaint-status", hangup_at="GET DATA", hangup_delay=0.1)
    assert seen["hung_up"] is True and seen["refused"] == 2


async def test_hangup_notice_before_next_command() -> None:
    async def route(channel: AgiChannel) -> None:
        await channel.set_variable("A", "1")  # the peer hangs up during this dead-safe command
        await channel.verbose("still fine")
        await channel.stream_file("beep")  # refused: raises AgiHangup, nothing sent

    async with running({"s": route}) as (server, peer):
        call = await peer.call("s", hangup_at=0)
    assert call.commands == ["SET VARIABLE A 1", 'VERBOSE "still fine" 1']
    assert server.hangups == 1 and call.hung_up


async def test_caller_gone_before_first_command() -> None:
    seen: dict[str, object] = {}

    async def route(channel: AgiChannel) -> None:
        seen["known"] = await channel.get_variable("HELPLINE_CALLER_KNOWN")
        seen["hung_up"] = channel.hung_up
        await channel.answer()

    async with running({"s": route}) as (server, peer):
        call = await peer.call("s", hangup_after_env=True,
                               variables={"HELPLINE_CALLER_KNOWN": "1"})
    assert seen == {"known": "1", "hung_up": True}
    assert call.commands == ["GET VARIABLE HELPLINE_CALLER_KNOWN"]
    assert server.hangups == 1 and not call.failed


async def test_511_without_notice_raises_dead_channel() -> None:
    seen: dict[str, object] = {}

    async def route(channel: AgiChannel) -> None:
        try:
            await channel.stream_file("beep")
        except DeadChannel as exc:
            seen["reply"] = exc.reply.text if exc.reply else None
            seen["hung_up"] = channel.hung_up
            raise

    async with running({"s": route}) as (server, peer):
        call = await peer.call("s", replies=[
            "511 Command Not Permitted on a dead channel or intercept routine"])
    assert seen["hung_up"] is True and str(seen["reply"]).startswith("511 ")
    assert server.hangups == 1 and server.errors == 0
    assert not call.failed  # a dead channel is not sent to the failure context


# -- routing and failure context -----------------------------------------------------------

async def test_route_sees_environment_args_and_sets_variables() -> None:
    seen: dict[str, object] = {}

    async def route(channel: AgiChannel) -> None:
        seen.update(script=channel.script, args=channel.args, caller=channel.caller,
                    uniqueid=channel.uniqueid, language=channel.language)
        await channel.set_variable("HELPLINE_RESULT", "ok")
        await channel.goto("helpline-main", "s", "menu")

    async with running({"survey": route}) as (server, peer):
        call = await peer.call("survey", args=["77", "x y"], env={"calleridname": "unknown"},
                               caller="unknown", trickle=True)
    assert seen == {"script": "survey", "args": ["77", "x y"], "caller": None,
                    "uniqueid": "1795362053.0", "language": "hi"}
    assert call.variables == {"HELPLINE_RESULT": "ok"}
    assert call.goto == ("helpline-main", "s", "menu")
    assert server.sessions == 1


async def test_script_taken_from_request_when_network_script_missing() -> None:
    async with running({"caller-lookup": caller_lookup}) as (server, peer):
        call = await peer.call("caller-lookup", env={"agi_network_script": None})
    assert call.variables["HELPLINE_CALLER_KNOWN"] == "1"
    assert server.sessions == 1


async def test_unknown_script_goes_to_failure_context(caplog: pytest.LogCaptureFixture) -> None:
    async with running({"caller-lookup": caller_lookup}) as (server, peer):
        call = await peer.call("no-such-script")
    assert call.commands == FAILOVER
    assert call.failed and call.goto == ("helpline-failure", "s", "1")
    assert (server.unknown_scripts, server.errors, server.sessions) == (1, 1, 0)
    assert any(r.levelno == logging.ERROR and "no-such-script" in r.getMessage()
               for r in caplog.records)


async def test_failing_route_goes_to_failure_context_with_traceback(
        caplog: pytest.LogCaptureFixture) -> None:
    async def route(channel: AgiChannel) -> None:
        await channel.answer()
        raise RuntimeError("database is down")

    async with running({"s": route}, failure_context="apology") as (server, peer):
        call = await peer.call("s")
    assert call.commands == ["ANSWER", "SET VARIABLE HELPLINE_AGI_FAILED 1",
                             "SET CONTEXT apology", "SET EXTENSION s", "SET PRIORITY 1"]
    assert server.errors == 1
    records = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert records and records[0].exc_info is not None
    assert "database is down" in str(records[0].exc_info[1])
    assert "919812345678" not in caplog.text


async def test_failing_route_after_hangup_sends_nothing_more() -> None:
    async def route(channel: AgiChannel) -> None:
        with contextlib.suppress(AgiHangup):
            await channel.get_data("beep", 5000, 11)
        raise RuntimeError("bug after the hang-up")

    async with running({"s": route}) as (server, peer):
        call = await peer.call("s", hangup_at="GET DATA")
    assert call.commands == ["GET DATA beep 5000 11"]
    assert server.errors == 1 and not call.failed


async def test_newline_in_argument_is_refused_and_call_fails_over() -> None:
    async def route(channel: AgiChannel) -> None:
        await channel.set_variable("HELPLINE_NAME", "x\nHANGUP")

    async with running({"s": route}) as (server, peer):
        call = await peer.call("s")
    assert call.commands == FAILOVER
    assert "HANGUP" not in call.verbs and server.errors == 1


async def test_gosub_trying_reply_is_skipped() -> None:
    results: list[int] = []

    async def route(channel: AgiChannel) -> None:
        results.append(await channel.exec("Gosub", "sub-apology,s,1"))

    def handler(line: str) -> list[str] | None:
        if line.startswith("EXEC Gosub"):
            return ["100 result=0 Trying...", "200 result=0 Gosub complete"]
        return None

    async with running({"s": route}) as (_, peer):
        call = await peer.call("s", handler=handler)
    assert results == [0]
    assert call.commands == ["EXEC Gosub sub-apology,s,1"]


async def test_wait_for_digit_and_say_number() -> None:
    got: list[object] = []

    async def route(channel: AgiChannel) -> None:
        got.append(await channel.wait_for_digit(3000))
        got.append(await channel.wait_for_digit(3000))
        got.append(await channel.say_number(42))
        await channel.hangup()
        got.append(channel.hung_up)

    async with running({"s": route}) as (_, peer):
        call = await peer.call("s", digits=["5"])
    assert got == ["5", None, None, True]
    assert call.said == [("NUMBER", "42")]
    assert call.commands[-1] == "HANGUP" and call.hung_up


async def test_fifty_concurrent_sessions() -> None:
    async def route(channel: AgiChannel) -> None:
        data = await channel.get_data("beep", 5000, 11)
        await asyncio.sleep(0.01)
        await channel.set_variable("HELPLINE_ECHO", f"{channel.args[0]}:{data.digits}")

    async with running({"echo": route}) as (server, peer):
        calls: list[AgiCall] = await asyncio.gather(*(
            peer.call("echo", args=[str(i)], digits=[f"{i:011d}"]) for i in range(50)))
    assert [c.variables["HELPLINE_ECHO"] for c in calls] == [f"{i}:{i:011d}" for i in range(50)]
    assert (server.sessions, server.errors, server.connections) == (50, 0, 50)
    assert len({c.env["agi_uniqueid"] for c in calls}) == 50


async def test_a_session_is_an_ordinary_task_between_its_commands() -> None:
    """A session is an ordinary task: its own current_task, asyncio.timeout, other futures (a
    database's) between commands, wait_for around a command."""
    seen: list[object] = []
    loop = asyncio.get_running_loop()

    async def route(channel: AgiChannel) -> None:
        task = asyncio.current_task()
        language = await channel.get_variable("CHANNEL(language)")
        async with asyncio.timeout(5):
            await channel.set_variable("HELPLINE_LANG", language or "")
        other: asyncio.Future[str] = loop.create_future()
        loop.call_later(0.01, other.set_result, "row")
        row = await other
        await asyncio.wait_for(channel.set_variable("HELPLINE_ROW", row), 5)
        seen.append(asyncio.current_task() is task)

    async with running({"mixed": route}) as (server, peer):
        calls = await asyncio.gather(*(peer.call("mixed") for _ in range(5)))
    assert seen == [True] * 5
    assert all(call.variables == {"HELPLINE_LANG": "hi", "HELPLINE_ROW": "row"} for call in calls)
    assert (server.sessions, server.errors) == (5, 0)


def test_route_table_is_copied() -> None:
    routes: dict[str, Callable[[AgiChannel], Any]] = {"a": caller_lookup}
    server = FastAgiServer(routes, "127.0.0.1", 0)
    routes["b"] = caller_lookup
    assert list(server.routes) == ["a"] and server.port == 0
