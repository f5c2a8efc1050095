"""The sans-I/O FastAGI parser fed the exact bytes of every capture, split every way."""
from __future__ import annotations

import enum
import random
import re

import pytest

from ivr.fastagi import (
    HANGUP,
    AgiParser,
    Environment,
    HangupNotice,
    ProtocolError,
    Reply,
    UnsafeArgument,
    format_command,
    quote,
)
from tests.fakes.agi_peer import asterisk_args
from tests.traces import TRACES, agi_raw, agi_transcript

CAPTURES = sorted(p.stem for p in (TRACES / "agi").glob("*.raw"))


def test_every_capture_is_covered() -> None:
    assert CAPTURES == [
        "caller-lookup", "complaint-status", "errors", "feedback-call",
        "hangup-during-get-data", "hangup-during-get-data-exitonhangup",
    ]


def expected_from_transcript(name: str) -> tuple[dict[str, str], list[tuple[str, int | None]]]:
    """The environment and (reply text | 'HANGUP', code) read off the .txt, independently."""
    lines = [line for side, line in agi_transcript(name) if side == "A"]
    blank = lines.index("")
    env = {}
    for line in lines[:blank]:
        key, _, value = line.partition(": ")
        env[key] = value
    events: list[tuple[str, int | None]] = []
    block: list[str] = []
    for line in lines[blank + 1:]:
        if block:
            block.append(line)
            if line.startswith("520 "):
                events.append(("\n".join(block), 520))
                block = []
        elif line.startswith("520-"):
            block = [line]
        elif line == "HANGUP":
            events.append(("HANGUP", None))
        else:
            events.append((line, int(line[:3])))
    return env, events


def parse_chunks(chunks: list[bytes]) -> list[object]:
    parser = AgiParser()
    events: list[object] = []
    for chunk in chunks:
        parser.receive_data(chunk)
        events.extend(parser.events_received())
    parser.receive_eof()
    return events


def splits(data: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(data)), rng.randint(1, 12)))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


def simplify(events: list[object]) -> tuple[dict[str, str], list[tuple[str, int | None]]]:
    assert isinstance(events[0], Environment)
    out: list[tuple[str, int | None]] = []
    for event in events[1:]:
        if isinstance(event, HangupNotice):
            out.append(("HANGUP", None))
        else:
            assert isinstance(event, Reply)
            out.append((event.text, event.code))
    return events[0].values, out


@pytest.mark.parametrize("name", CAPTURES)
def test_capture_whole(name: str) -> None:
    assert simplify(parse_chunks([agi_raw(name)])) == expected_from_transcript(name)


@pytest.mark.parametrize("name", CAPTURES)
def test_capture_one_byte_at_a_time(name: str) -> None:
    data = agi_raw(name)
    events = parse_chunks([data[i:i + 1] for i in range(len(data))])
    assert simplify(events) == expected_from_transcript(name)


@pytest.mark.parametrize("name", CAPTURES)
@pytest.mark.parametrize("seed", range(20))
def test_capture_random_splits(name: str, seed: int) -> None:
    events = parse_chunks(splits(agi_raw(name), seed))
    assert simplify(events) == expected_from_transcript(name)


def test_environment_of_caller_lookup() -> None:
    env = parse_chunks([agi_raw("caller-lookup")])[0]
    assert isinstance(env, Environment)
    assert env.values["agi_network_script"] == "caller-lookup"
    assert env.values["agi_request"] == "agi://127.0.0.1:4573/caller-lookup"
    assert env.values["agi_callerid"] == "919812345678"
    assert env.values["agi_accountcode"] == ""
    assert len(env.values) == 22 and env.args == []


def test_feedback_call_args_and_reply() -> None:
    events = parse_chunks([agi_raw("feedback-call")])
    env = events[0]
    assert isinstance(env, Environment)
    assert env.args == ["42"]
    assert env.values["agi_calleridname"] == "Helpline 1076"
    assert env.values["agi_request"] == "agi://127.0.0.1:4573/feedback-call"  # args not in URL
    get_data = events[3]
    assert isinstance(get_data, Reply) and (get_data.result, get_data.data) == ("2", None)


def fields(event: object) -> object:
    if isinstance(event, HangupNotice):
        return "HANGUP"
    assert isinstance(event, Reply)
    return (event.code, event.result, event.data, event.endpos)


def test_errors_capture_fields() -> None:
    events = parse_chunks([agi_raw("errors")])
    assert [fields(e) for e in events[1:]] == [
        (200, "0", None, None),  # NOOP probe start
        (510, "", None, None),  # FOO BAR
        (520, "", None, None),  # GET DATA (no args)
        (520, "", None, None),  # SAY NUMBER (no args)
        (200, "1", "1", None),
        (200, "0", None, None),  # HELPLINE_NOT_SET
        (200, "1", "919800000008", None),  # GET FULL VARIABLE
        (200, "1", None, None),
        (200, "1", "value with spaces  and two spaces", None),
        (200, "1", None, None),
        (200, "1", "शिकायत की स्थिति: लंबित", None),
        (200, "1", None, None),
        (200, "1", 'say "namaste" now', None),
        (200, "-1", None, 0),  # STREAM FILE of a missing file: not a hang-up
        (200, "-2", None, None),  # EXEC NoSuchApplication
        (200, "", "timeout", None),  # GET DATA, caller silent
        (200, "123", None, None),  # 123#
        (200, "12", "timeout", None),  # 12 then silence
        (200, "1", None, None),  # VERBOSE
        "HANGUP",
    ]
    usage_get_data, usage_say_number = events[3], events[4]
    assert isinstance(usage_get_data, Reply) and isinstance(usage_say_number, Reply)
    assert usage_get_data.usage == (
        "Stream the given <replaceable>file</replaceable>, and receive DTMF data.\n"
        "Returns the digits received from the channel at the other end."
    )
    assert usage_say_number.usage.startswith("Say a given number, returning early")
    assert "\n" not in usage_say_number.usage
    assert usage_say_number.text.endswith("\n520 End of proper usage.")
    assert events[2].text == "510 Invalid or unknown command"  # type: ignore[attr-defined]


def test_stream_file_endpos_and_hangup_captures() -> None:
    events = parse_chunks([agi_raw("complaint-status")])
    assert fields(events[2]) == (200, "0", None, 16184)
    hung = parse_chunks([agi_raw("hangup-during-get-data")])
    tail = [fields(e) for e in hung[3:]]
    assert tail[:2] == [(200, "-1", None, None), "HANGUP"]
    assert tail[2:4] == [(511, "", None, None)] * 2
    assert tail[4:] == [(200, "1", "0", None), (200, "1", None, None), (200, "1", None, None),
                        "HANGUP"]
    exit_on_hangup = parse_chunks([agi_raw("hangup-during-get-data-exitonhangup")])
    assert [fields(e) for e in exit_on_hangup[3:]] == [(200, "-1", None, None), "HANGUP", "HANGUP"]


@pytest.mark.parametrize(("line", "expected"), [
    (b"200 result=1 (a (b) c)", (200, "1", "a (b) c", None)),
    (b"200 result=1 (x) endpos=3)", (200, "1", "x) endpos=3", None)),
    (b"200 result=1 ()", (200, "1", "", None)),
    (b"200 result=0 (timeout) endpos=1234", (200, "0", "timeout", 1234)),
    (b"200 result=0 Gosub complete", (200, "0", None, None)),
    (b"100 result=0 Trying...", (100, "0", None, None)),
    (b"511 Command Not Permitted on a dead channel or intercept routine", (511, "", None, None)),
    (b"200 result=1\r", (200, "1", None, None)),
])
def test_reply_shapes(line: bytes, expected: tuple[object, ...]) -> None:
    parser = AgiParser()
    parser.receive_data(b"agi_network: yes\n\n" + line + b"\n")
    events = parser.events_received()
    assert fields(events[1]) == expected


def test_hangup_before_and_between_replies() -> None:
    parser = AgiParser()
    parser.receive_data(b"agi_network: yes\n\nHANGUP\n200 result=-1\nHANGUP\nHANGUP\n")
    assert [fields(e) for e in parser.events_received()[1:]] == [
        "HANGUP", (200, "-1", None, None), "HANGUP", "HANGUP"]
    assert HangupNotice() == HANGUP


def test_args_sorted_numerically_and_crlf_environment() -> None:
    parser = AgiParser()
    lines = [f"agi_arg_{i}: a{i}" for i in (2, 10, 1, 3, 4, 5, 6, 7, 8, 9)]
    parser.receive_data(("\r\n".join(["agi_network: yes", *lines]) + "\r\n\r\n").encode())
    env = parser.next_event()
    assert isinstance(env, Environment)
    assert env.args == [f"a{i}" for i in range(1, 11)]
    assert env.values["agi_network"] == "yes"


def test_utf8_split_inside_a_character() -> None:
    data = "agi_calleridname: सुनीता\n\n200 result=1 (लंबित)\n".encode()
    cut = data.index("लं".encode()) + 1
    events = parse_chunks([data[:5], data[5:cut], data[cut:]])
    assert isinstance(events[0], Environment) and events[0].values["agi_calleridname"] == "सुनीता"
    assert fields(events[1]) == (200, "1", "लंबित", None)


@pytest.mark.parametrize("data", [
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"agi_network yes\n\n",
    b"network: yes\n\n",
    b"\n",
    b"agi_network: yes\n\nhello\n",
    b"agi_network: yes\n\n20 result=0\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n",
])
def test_garbage_is_a_protocol_error(data: bytes) -> None:
    parser = AgiParser()
    with pytest.raises(ProtocolError):
        parser.receive_data(data)
    with pytest.raises(ProtocolError):  # the parser stays failed
        parser.receive_data(b"200 result=0\n")


def test_garbage_one_byte_at_a_time() -> None:
    parser = AgiParser()
    with pytest.raises(ProtocolError):
        for byte in b"agi_network: yes\n\nHTTP/1.1 200 OK\n":
            parser.receive_data(bytes([byte]))


def test_line_limit() -> None:
    parser = AgiParser(max_line=100)
    parser.receive_data(b"agi_network: " + b"x" * 87 + b"\n")  # exactly 100 bytes
    with pytest.raises(ProtocolError, match="longer than 100"):
        parser.receive_data(b"agi_x: " + b"y" * 200)  # no newline yet: refused anyway
    endless = AgiParser()
    with pytest.raises(ProtocolError):
        for _ in range(100):
            endless.receive_data(b"z" * 1000)
    long_reply = AgiParser(max_line=100)
    long_reply.receive_data(b"agi_network: yes\n\n")
    with pytest.raises(ProtocolError):
        long_reply.receive_data(b"200 result=1 (" + b"v" * 200 + b")\n")


def test_environment_limits() -> None:
    many = "".join(f"agi_v{i}: {i}\n" for i in range(300)).encode() + b"\n"
    with pytest.raises(ProtocolError, match="environment too large"):
        AgiParser().receive_data(many)
    with pytest.raises(ProtocolError, match="environment too large"):
        parser = AgiParser()
        for i in range(300):
            parser.receive_data(f"agi_v{i}: {i}\n".encode())
    big = "".join(f"agi_v{i}: {'x' * 4000}\n" for i in range(20)).encode() + b"\n"
    with pytest.raises(ProtocolError, match="environment too large"):
        AgiParser().receive_data(big)


def test_usage_block_limit() -> None:
    parser = AgiParser(max_block_lines=10)
    parser.receive_data(b"agi_network: yes\n\n520-Invalid\n")
    with pytest.raises(ProtocolError, match="usage block"):
        parser.receive_data(b"text\n" * 20)


@pytest.mark.parametrize(("data", "message"), [
    (b"agi_network: yes\nagi_chan", "inside a line"),
    (b"agi_network: yes\n", "inside the environment"),
    (b"agi_network: yes\n\n520-Invalid command syntax.  Proper usage follows:\nUsage\n",
     "usage block"),
    (b"agi_network: yes\n\n200 res", "inside a line"),
])
def test_truncated_input(data: bytes, message: str) -> None:
    parser = AgiParser()
    parser.receive_data(data)
    with pytest.raises(ProtocolError, match=message):
        parser.receive_eof()


def test_clean_eof_and_data_after_eof() -> None:
    parser = AgiParser()
    parser.receive_eof()  # nothing sent at all: not an error for the parser
    with pytest.raises(ProtocolError):
        parser.receive_data(b"agi_network: yes\n")


def test_too_many_events_are_counted() -> None:
    parser = AgiParser()
    parser.receive_data(b"agi_network: yes\n\n" + b"HANGUP\n" * 100)
    assert parser.queued == 101


# -- command formatting ---------------------------------------------------------------------

def server_lines(name: str) -> list[str]:
    return [line for side, line in agi_transcript(name) if side == "S"]


@pytest.mark.parametrize(("verb", "args", "line"), [
    ("GET VARIABLE", ["CHANNEL(language)"], "GET VARIABLE CHANNEL(language)"),
    ("VERBOSE", ["caller-lookup caller=XXXXXXXX5678 known=1", 1],
     'VERBOSE "caller-lookup caller=XXXXXXXX5678 known=1" 1'),
    ("SET VARIABLE", ["HELPLINE_CALLER_KNOWN", "1"], "SET VARIABLE HELPLINE_CALLER_KNOWN 1"),
    ("ANSWER", [], "ANSWER"),
    ("STREAM FILE", ["vm-enter-num-to-call", ""], 'STREAM FILE vm-enter-num-to-call ""'),
    ("GET DATA", ["beep", 5000, 11], "GET DATA beep 5000 11"),
    ("SAY DIGITS", ["25110004271", ""], 'SAY DIGITS 25110004271 ""'),
    ("EXEC", ["Playback", "auth-thankyou"], "EXEC Playback auth-thankyou"),
    ("SET VARIABLE", ["HELPLINE_NOTE", "value with spaces  and two spaces"],
     'SET VARIABLE HELPLINE_NOTE "value with spaces  and two spaces"'),
    ("SET VARIABLE", ["HELPLINE_TEXT_HI", "शिकायत की स्थिति: लंबित"],
     'SET VARIABLE HELPLINE_TEXT_HI "शिकायत की स्थिति: लंबित"'),
    ("SET VARIABLE", ["HELPLINE_QUOTED", 'say "namaste" now'],
     'SET VARIABLE HELPLINE_QUOTED "say \\"namaste\\" now"'),
    ("GET FULL VARIABLE", ["${CALLERID(num)}"], "GET FULL VARIABLE ${CALLERID(num)}"),
])
def test_format_reproduces_captured_commands(verb: str, args: list[str | int], line: str) -> None:
    assert format_command(verb, *args) == (line + "\n").encode()
    captured = {s for name in CAPTURES for s in server_lines(name)}
    assert line in captured


@pytest.mark.parametrize("value", [
    "", " ", "plain", 'say "namaste" now', "back\\slash", 'end\\', '\\"', "tab\there",
    "  lead and trail  ", "शिकायत की स्थिति: लंबित", '"', '""', "a\\\\b",
])
def test_quoting_round_trips_through_asterisk_parser(value: str) -> None:
    line = format_command("SET VARIABLE", "X", value).decode()
    assert line.endswith("\n") and "\n" not in line[:-1]
    assert asterisk_args(line[:-1]) == ["SET", "VARIABLE", "X", value]


def test_quoting_random_round_trip() -> None:
    rng = random.Random(7)
    alphabet = 'ab "\\\t(),=$ह'
    for _ in range(500):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert asterisk_args(format_command("VERBOSE", value, 1).decode()[:-1]) == [
            "VERBOSE", value, "1"]


@pytest.mark.parametrize("value", ["a\nHANGUP", "a\r", "nul\0", "\n"])
def test_newlines_are_refused(value: str) -> None:
    with pytest.raises(UnsafeArgument):
        format_command("SET VARIABLE", "X", value)
    with pytest.raises(ValueError):
        quote(value)


@pytest.mark.parametrize("verb", ["SET VARIABLE\nHANGUP", "", "set variable", "GET  DATA"])
def test_bad_verbs_are_refused(verb: str) -> None:
    with pytest.raises(UnsafeArgument):
        format_command(verb)


def test_asterisk_parser_on_captured_lines() -> None:
    assert asterisk_args('SET VARIABLE HELPLINE_QUOTED "say \\"namaste\\" now"') == [
        "SET", "VARIABLE", "HELPLINE_QUOTED", 'say "namaste" now']
    assert asterisk_args('STREAM FILE beep ""') == ["STREAM", "FILE", "beep", ""]
    assert asterisk_args("NOOP probe start") == ["NOOP", "probe", "start"]


def test_cached_command_lines_keep_argument_types_apart() -> None:
    class Mode(str, enum.Enum):
        A = "a"

    assert format_command("VERBOSE", "x", 1) == b"VERBOSE x 1\n"
    assert format_command("VERBOSE", "x", True) == b"VERBOSE x True\n"  # True == 1
    assert format_command("VERBOSE", "x", 1) == b"VERBOSE x 1\n"
    assert format_command("SET VARIABLE", "X", "a") == b"SET VARIABLE X a\n"
    assert format_command("SET VARIABLE", "X", Mode.A) == (
        "SET VARIABLE X " + quote(str(Mode.A)) + "\n").encode()  # Mode.A == "a"


def test_plain_arguments_go_bare_exactly_as_the_rule_says() -> None:
    for code in [*range(0x10000), *range(0x1F600, 0x1F650), 0xE0001, 0x10FFFF]:
        char = chr(code)
        if 0xD800 <= code < 0xE000 or char in "\n\r\0":
            continue
        for value in (char, "a" + char, char + "b"):
            assert (quote(value) == value) == bool(re.match(r"[^\s\"\\\x00]+\Z", value))


def test_environment_get_reads_the_block_as_values_does() -> None:
    block = (b"agi_network: yes\nagi_network_script: s\nagi_callerid: 919812345678\n"
             b"agi_calleridname:  two spaces: and a colon\nagi_callerid_extra: no\n"
             b"agi_empty:\nagi_dnid: 1076\nagi_dnid: 1077\n\n")
    parser = AgiParser()
    parser.receive_data(block)
    env = parser.next_event()
    assert isinstance(env, Environment)
    names = ["agi_network", "agi_network_script", "agi_callerid", "agi_calleridname",
             "agi_callerid_extra", "agi_empty", "agi_dnid", "agi_missing", "agi_call", "callerid"]
    lazy = {name: env.get(name, "-") for name in names}  # before the dict exists
    assert lazy["agi_calleridname"] == " two spaces: and a colon"  # one space taken, as values
    assert lazy["agi_dnid"] == "1077"  # the last line of a name wins, as values
    assert lazy["agi_empty"] == "" and lazy["agi_missing"] == "-" and lazy["agi_call"] == "-"
    assert lazy["callerid"] == "-"  # a name matches whole, from the start of a line
    assert lazy == {name: env.values.get(name, "-") for name in names}
    assert {name: env.get(name, "-") for name in names} == lazy  # and after it exists
    # The same environment line by line (split reads) is equal, and reads the same.
    split = AgiParser()
    for i in range(len(block)):
        split.receive_data(block[i:i + 1])
    env_split = split.next_event()
    assert env_split == env and {name: env_split.get(name, "-") for name in names} == lazy
