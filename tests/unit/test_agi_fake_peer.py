"""The fake Asterisk answers like the captures: environment bytes and replies, no sockets."""
from __future__ import annotations

import pytest

from tests.fakes.agi_peer import (
    AgiCall,
    AsteriskSim,
    FakeAgiPeer,
    TimedOut,
    asterisk_args,
    environment_lines,
)
from tests.traces import agi_raw, agi_transcript


def raw_environment(name: str) -> bytes:
    raw = agi_raw(name)
    return raw[: raw.index(b"\n\n") + 2]


def encode(lines: list[str]) -> bytes:
    return "".join(line + "\n" for line in lines).encode()


def test_default_environment_is_the_captured_one() -> None:
    peer = FakeAgiPeer("127.0.0.1", 4573)
    values = peer.environment("caller-lookup")
    assert encode(environment_lines(values)) == raw_environment("caller-lookup")


def test_environment_overrides_reproduce_feedback_call() -> None:
    peer = FakeAgiPeer("127.0.0.1", 4573)
    values = peer.environment(
        "feedback-call", args=["42"], caller="1076",
        env={"calleridname": "Helpline 1076", "channel": "PJSIP/sipp-uas-00000009",
             "uniqueid": "1795362165.9", "dnid": "unknown", "context": "helpline-feedback",
             "extension": "s", "priority": "3", "threadid": "139869459936960"},
    )
    assert encode(environment_lines(values)) == raw_environment("feedback-call")


def test_environment_key_can_be_removed() -> None:
    values = FakeAgiPeer("127.0.0.1", 4573).environment("x", env={"agi_network_script": None})
    assert "agi_network_script" not in values


def sim_for(name: str, **kwargs: object) -> AsteriskSim:
    env = dict(line.split(": ", 1) for side, line in agi_transcript(name)
               if side == "A" and ": " in line and line.startswith("agi_"))
    call = AgiCall(script=env["agi_network_script"], env=env)
    options: dict[str, object] = dict(variables={}, digits=(), hangup_at=None,
                                      exit_on_hangup=False, missing_files=(), missing_apps=())
    options.update(kwargs)
    return AsteriskSim(call, **options)  # type: ignore[arg-type]


def exchanges(name: str) -> list[tuple[str, list[str]]]:
    """(command, reply lines without HANGUP notices) pairs of a capture."""
    out: list[tuple[str, list[str]]] = []
    seen_env = False
    for side, line in agi_transcript(name):
        if side == "S":
            out.append((line, []))
        elif side == "A" and seen_env and out and line != "HANGUP":
            out[-1][1].append(line)
        elif side == "A" and line == "":
            seen_env = True
    return [pair for pair in out if pair[1]]


@pytest.mark.parametrize(("name", "options"), [
    ("caller-lookup", {}),
    ("complaint-status", {"digits": ["25110004271"]}),
    ("feedback-call", {"digits": ["2"]}),
    ("errors", {"variables": {"HELPLINE_CALLER_KNOWN": "1"}, "missing_files": {"no-such-prompt"},
                "missing_apps": {"NoSuchApplication"}, "digits": [None, "123#", TimedOut("12")]}),
    ("hangup-during-get-data", {"variables": {"HELPLINE_CALLER_KNOWN": "0"},
                                "hangup_at": "GET DATA"}),
])
def test_sim_answers_every_captured_command_like_asterisk(
        name: str, options: dict[str, object]) -> None:
    sim = sim_for(name, **options)
    for command, reply in exchanges(name):
        assert sim.answer(command).lines == reply, command


def test_hangup_at_sends_notice_and_exit_on_hangup_closes() -> None:
    sim = sim_for("complaint-status", hangup_at=2, exit_on_hangup=True)
    assert sim.answer("ANSWER").hangup is False
    sim.answer('STREAM FILE x ""')
    answer = sim.answer("GET DATA beep 5000 11")
    assert (answer.lines, answer.hangup, answer.close) == (["200 result=-1"], True, True)
    assert sim.call.hung_up


def test_exec_during_and_after_hangup() -> None:
    sim = sim_for("complaint-status", hangup_at="EXEC")
    answer = sim.answer("EXEC Playback auth-thankyou")
    assert (answer.lines, answer.hangup) == (["200 result=-1"], True)
    assert sim.answer("EXEC Playback auth-thankyou").lines == ["200 result=-1"]
    assert sim.answer('SAY DIGITS 1076 ""').lines[0].startswith("511 ")
    assert sim.answer("VERBOSE done 1").lines == ["200 result=1"]


def test_get_data_digit_forms() -> None:
    sim = sim_for("errors", digits=["25110004271", "", TimedOut(), "9#"])
    assert sim.answer("GET DATA beep 5000 4").lines == ["200 result=2511"]
    assert sim.answer("GET DATA beep 5000 4").lines == ["200 result= (timeout)"]
    assert sim.answer("GET DATA beep 5000 4").lines == ["200 result= (timeout)"]
    assert sim.answer("GET DATA beep 5000 4").lines == ["200 result=9"]
    assert sim.answer("GET DATA beep 5000 4").lines == ["200 result= (timeout)"]  # exhausted


def test_wait_for_digit_and_set_goto() -> None:
    sim = sim_for("caller-lookup", digits=["7", None])
    assert sim.answer("WAIT FOR DIGIT 5000").lines == ["200 result=55"]
    assert sim.answer("WAIT FOR DIGIT 5000").lines == ["200 result=0"]
    for line in ("SET CONTEXT helpline-failure", "SET EXTENSION s", "SET PRIORITY 1"):
        assert sim.answer(line).lines == ["200 result=0"]
    assert sim.call.goto == ("helpline-failure", "s", "1")
    assert sim.answer("GET VARIABLE CHANNEL(language)").lines == ["200 result=1 (hi)"]


def test_asterisk_args_edge_cases() -> None:
    assert asterisk_args("  A   B  ") == ["A", "B"]
    assert asterisk_args('A "" ""') == ["A", "", ""]
    assert asterisk_args("A b\\ c") == ["A", "b c"]
    assert asterisk_args('A x"y z"') == ["A", "xy z"]
