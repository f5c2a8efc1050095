"""AMI framing on the exact bytes a real Asterisk 22 sent (../shared/asterisk-traces/ami)."""
from __future__ import annotations

import logging
import random

import pytest

from cti.ami.errors import InvalidHeader
from cti.ami.framing import AmiFramer, AmiMessage, encode_action
from tests.traces import TRACES, ami, ami_actions

CAPTURES = sorted(p.name[:-4] for p in (TRACES / "ami").glob("*.txt") if not p.name.endswith(".actions.txt"))
BANNER = "Asterisk Call Manager/11.0.0"


def parse_whole(data: bytes) -> tuple[AmiFramer, list[AmiMessage]]:
    framer = AmiFramer(max_message_bytes=1 << 20)
    return framer, framer.feed(data)


def parse_pieces(data: bytes, cuts: list[int]) -> tuple[AmiFramer, list[AmiMessage]]:
    framer = AmiFramer(max_message_bytes=1 << 20)
    out: list[AmiMessage] = []
    start = 0
    for cut in [*cuts, len(data)]:
        out.extend(framer.feed(data[start:cut]))
        start = cut
    return framer, out


def test_every_capture_is_found() -> None:
    assert len(CAPTURES) == 18
    assert {"burst", "login-ok", "queue-admin", "originate-busy-channelid"} <= set(CAPTURES)


@pytest.mark.parametrize("name", CAPTURES)
def test_capture_parses_the_same_whole_in_random_splits_and_bytewise(name: str) -> None:
    data = ami(name)
    framer, whole = parse_whole(data)
    assert framer.banner == BANNER
    assert framer.errors == 0 and framer.buffered == 0
    assert whole and all(m.items for m in whole)
    # Every message round-trips to its exact bytes.
    assert b"".join(m.to_bytes() for m in whole) == data[len(BANNER) + 2:]

    rng = random.Random(name)
    for _ in range(3):
        cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randint(1, 400))))
        split_framer, pieces = parse_pieces(data, cuts)
        assert [m.items for m in pieces] == [m.items for m in whole]
        assert split_framer.banner == BANNER

    head = data if len(data) < 120_000 else data[:data.index(b"\r\n\r\n", 100_000) + 4]
    byte_framer, bytewise = parse_pieces(head, list(range(1, len(head))))
    assert [m.items for m in bytewise] == [m.items for m in whole[:len(bytewise)]]
    assert byte_framer.buffered == 0 and byte_framer.errors == 0


@pytest.mark.parametrize("name", CAPTURES)
def test_headers_are_the_same_whichever_accessor_comes_first(name: str) -> None:
    data = ami(name)
    items_first = AmiFramer().feed(data)
    get_first = AmiFramer().feed(data)
    for a, b in zip(items_first, get_first):
        pairs = a.items
        b.get("Event")
        assert b.items == pairs
        expected: dict[str, str] = {}
        for key, value in pairs:
            expected.setdefault(key, value)
        assert a.as_dict() == b.as_dict() == expected


def test_first_repeated_header_wins_through_every_path() -> None:
    data = b"Event: X\r\nVariable: A=1\r\nVariable: B=2\r\n\r\n"
    (by_get,) = AmiFramer().feed(data)
    assert by_get.get("Variable") == "A=1"
    assert by_get.items == [("Event", "X"), ("Variable", "A=1"), ("Variable", "B=2")]
    (by_items,) = AmiFramer().feed(data)
    assert len(by_items.items) == 3 and by_items.get("Variable") == "A=1"


def test_burst_message_counts_match_the_readme() -> None:
    _, messages = parse_whole(ami("burst"))
    assert len(messages) == 2176
    events = [m.event for m in messages]
    assert events.count("VarSet") == 867
    assert events.count("Newexten") == 361
    assert events.count("RTCPSent") == 144
    assert events.count("DeviceStateChange") == 57
    assert events.count("QueueMemberStatus") == 48
    abandons = [m for m in messages if m.event == "QueueCallerAbandon"]
    assert sorted(m.get("HoldTime") for m in abandons) == ["11"] * 5 + ["60"] * 3


@pytest.mark.parametrize(("name", "response", "reason"), [
    ("originate-answered", "Success", "4"),
    ("originate-busy", "Failure", "0"),
    ("originate-busy-channelid", "Failure", "0"),
    ("originate-congestion", "Failure", "0"),
    ("originate-no-answer", "Failure", "3"),
    ("originate-unreachable", "Failure", "3"),
    ("originate-unregistered", "Failure", "0"),
])
def test_originate_response_reason_per_capture(name: str, response: str, reason: str) -> None:
    _, messages = parse_whole(ami(name))
    (result,) = [m for m in messages if m.event == "OriginateResponse"]
    # An event that also carries a Response header is still an event.
    assert result.event == "OriginateResponse"
    assert result.get("Response") == result.response == response
    assert result.get("Reason") == reason
    assert result.action_id == f"dialer-{name.removeprefix('originate-')}-42"


def test_busy_with_channel_id_carries_it_everywhere() -> None:
    _, messages = parse_whole(ami("originate-busy-channelid"))
    channel_events = [m for m in messages if m.get("Channel", "").startswith("PJSIP/sipp-uas-")]
    assert channel_events and {m.get("Uniqueid") for m in channel_events} == {"helpline-dialer-42-0001"}
    (result,) = [m for m in messages if m.event == "OriginateResponse"]
    assert result.get("Uniqueid") == "helpline-dialer-42-0001"


def test_devanagari_value_with_colon_space_is_intact() -> None:
    _, messages = parse_whole(ami("agi-errors"))
    (varset,) = [m for m in messages if m.event == "VarSet" and m.get("Variable") == "HELPLINE_TEXT_HI"]
    assert varset.get("Value") == "शिकायत की स्थिति: लंबित"
    quoted = [m for m in messages if m.event == "VarSet" and m.get("Variable") == "HELPLINE_QUOTED"]
    # AMI shows the value as the AGI command wrote it, backslashes included.
    assert quoted[0].get("Value") == 'say \\"namaste\\" now'


def test_split_inside_a_multibyte_character_decodes_once_complete() -> None:
    data = ami("agi-errors")
    start = data.index("शिकायत".encode())
    _, whole = parse_whole(data)
    for offset in range(1, 4):  # inside the first three-byte character
        _, pieces = parse_pieces(data, [start + offset])
        assert [m.items for m in pieces] == [m.items for m in whole]


def test_empty_values_keep_their_place() -> None:
    _, messages = parse_whole(ami("queue-admin"))
    added = next(m for m in messages if m.event == "QueueMemberAdded")
    assert added.get("PausedReason") == ""
    assert ("PausedReason", "") in added.items
    newchannel = next(m for m in parse_whole(ami("originate-busy"))[1] if m.event == "Newchannel")
    assert newchannel.get("AccountCode") == ""
    assert newchannel.get("Missing") is None and newchannel.get("Missing", "x") == "x"


def test_rtp_quality_values_keep_leading_spaces_and_equals() -> None:
    _, messages = parse_whole(ami("inbound-answered"))
    loss = next(m for m in messages if m.event == "VarSet" and m.get("Variable") == "RTPAUDIOQOSLOSS")
    assert loss.get("Value").startswith("  minrxlost=")
    assert loss.get("Value").endswith(";")


def test_values_with_colons_and_security_events() -> None:
    _, messages = parse_whole(ami("queue-admin"))
    bad = next(m for m in messages if m.event == "RequestBadFormat")
    assert bad.get("RequestType") == "Action: NoSuchAction"
    auth = next(m for m in messages if m.event == "SuccessfulAuth")
    assert auth.get("EventTV") == "2026-11-22T15:40:52.109+0000"
    error = next(m for m in messages if m.action_id == "queue-admin-13")
    assert error.response == "Error" and error.event is None
    assert error.get("Message") == ("Invalid/unknown command: NoSuchAction. "
                                    "Use Action: ListCommands to show available commands.")


def test_list_items_have_action_id_last_and_no_privilege() -> None:
    _, messages = parse_whole(ami("queue-admin"))
    member = next(m for m in messages if m.event == "QueueMember")
    assert member.items[-1] == ("ActionID", "queue-admin-5")
    assert "Privilege" not in member
    complete = next(m for m in messages if m.event == "QueueStatusComplete" and m.action_id == "queue-admin-6")
    assert complete.get("EventList") == "Complete" and complete.get("ListItems") == "5"


def test_repeated_headers_kept_in_order() -> None:
    framer = AmiFramer()
    (originate, *_rest) = [m for m in framer.feed(ami_actions("originate-busy")) if m.get("Action") == "Originate"]
    assert originate.getall("Variable") == ["HELPLINE_ATTEMPT=42", "HELPLINE_COMPLAINT_NO=25110004271"]
    assert originate.get("Variable") == "HELPLINE_ATTEMPT=42"
    assert originate.as_dict()["Variable"] == "HELPLINE_ATTEMPT=42"
    assert [k for k, _ in originate.items].count("Variable") == 2


def test_login_bad_secret_is_one_error_response() -> None:
    framer, messages = parse_whole(ami("login-bad-secret"))
    assert [m.items for m in messages] == [[("Response", "Error"), ("ActionID", "login-bad-1"),
                                            ("Message", "Authentication failed")]]


def test_malformed_message_is_skipped_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    framer = AmiFramer()
    caplog.set_level(logging.WARNING)
    data = (b"Asterisk Call Manager/11.0.0\r\n"
            b"Event: A\r\nthis line has no colon 919812345678\r\n\r\n"
            b"Event: B\r\nKey: v\r\n\r\n"
            b": empty key\r\nEvent: C\r\n\r\n"
            b"\x00\xff\xfe garbage\r\n\r\n"
            b"Event: D\r\nCompact:value\r\n\r\n")
    messages = framer.feed(data)
    assert [m.event for m in messages] == ["B", "D"]
    assert messages[1].get("Compact") == "value"
    assert framer.errors == 3
    assert "malformed" in caplog.text
    assert "919812345678" not in caplog.text and "5678" in caplog.text


def test_garbage_split_across_feeds_does_not_lose_the_next_message() -> None:
    framer = AmiFramer()
    data = b"Event: A\r\nno colon here\r\n\r\nEvent: B\r\nX: 1\r\n\r\n"
    out = []
    for i in range(len(data)):
        out.extend(framer.feed(data[i:i + 1]))
    assert [m.event for m in out] == ["B"] and framer.errors == 1


def test_oversize_message_in_one_feed_is_dropped() -> None:
    framer = AmiFramer(max_message_bytes=1000)
    big = b"Event: Big\r\n" + b"".join(b"K%d: %s\r\n" % (i, b"v" * 50) for i in range(100)) + b"\r\n"
    messages = framer.feed(b"Event: A\r\nX: 1\r\n\r\n" + big + b"Event: B\r\nX: 2\r\n\r\n")
    assert [m.event for m in messages] == ["A", "B"]
    assert framer.oversized == 1 and framer.errors == 1


def test_oversize_message_arriving_in_pieces_is_skipped_to_its_end() -> None:
    framer = AmiFramer(max_message_bytes=1000)
    big = b"Event: Big\r\n" + b"".join(b"K%d: %s\r\n" % (i, b"v" * 50) for i in range(100)) + b"\r\n"
    stream = big + b"Event: After\r\nX: 1\r\n\r\n"
    out = []
    for start in range(0, len(stream), 7):
        out.extend(framer.feed(stream[start:start + 7]))
        assert framer.buffered <= 1000 + 7
    assert [m.event for m in out] == ["After"]
    assert framer.oversized == 1


def test_end_marker_straddling_feeds_while_skipping() -> None:
    framer = AmiFramer(max_message_bytes=100)
    framer.feed(b"Event: Big\r\nK: " + b"x" * 200 + b"\r\n\r")
    assert framer.oversized == 1
    messages = framer.feed(b"\nEvent: Next\r\nX: 1\r\n\r\n")
    assert [m.event for m in messages] == ["Next"]


def test_truncated_frame_waits_and_reset_forgets_it() -> None:
    framer = AmiFramer()
    assert framer.feed(b"Asterisk Call Manager/11.0.0\r\nEvent: Half\r\nKey: va") == []
    assert framer.banner == BANNER and framer.buffered > 0
    assert [m.get("Key") for m in framer.feed(b"lue\r\n\r\n")] == ["value"]
    framer.feed(b"Event: Cut\r\nKe")
    framer.reset()
    assert framer.banner is None and framer.buffered == 0
    messages = framer.feed(b"Asterisk Call Manager/11.0.0\r\nEvent: Fresh\r\nA: b\r\n\r\n")
    assert [m.event for m in messages] == ["Fresh"]


def test_banner_split_and_stream_without_banner() -> None:
    framer = AmiFramer()
    assert framer.feed(b"Asterisk Call") == [] and framer.banner is None
    assert framer.feed(b" Manager/11.0.0\r") == []
    assert framer.feed(b"\nResponse: Success\r\nActionID: 1\r\n\r\n")[0].response == "Success"
    assert framer.banner == BANNER
    plain = AmiFramer()
    assert [m.event for m in plain.feed(b"Event: X\r\nA: b\r\n\r\n")] == ["X"]
    assert plain.banner is None


def test_extra_blank_lines_between_messages() -> None:
    framer = AmiFramer()
    messages = framer.feed(b"Event: A\r\nX: 1\r\n\r\n\r\n\r\nEvent: B\r\nX: 2\r\n\r\n\r\nEvent: C\r\nX: 3\r\n\r\n")
    assert [m.event for m in messages] == ["A", "B", "C"]
    assert [m.get("X") for m in messages] == ["1", "2", "3"] and framer.errors == 0


def test_message_api() -> None:
    msg = AmiMessage([("Event", "VarSet"), ("Variable", "A"), ("Value", "x: y=z"), ("Variable", "B")])
    assert msg.event == "VarSet" and msg.response is None and msg.action_id is None
    assert msg.get("Variable") == "A" and msg.getall("Variable") == ["A", "B"]
    assert msg.as_dict() == {"Event": "VarSet", "Variable": "A", "Value": "x: y=z"}
    assert msg.to_bytes() == b"Event: VarSet\r\nVariable: A\r\nValue: x: y=z\r\nVariable: B\r\n\r\n"
    assert AmiFramer().feed(msg.to_bytes()) == [msg]
    assert AmiMessage.build(("Response", "Success"), ActionID="7").action_id == "7"
    with pytest.raises(TypeError):
        AmiMessage()


def test_encode_action_matches_the_captured_bytes() -> None:
    for name in ("queue-admin", "originate-busy-channelid", "login-ok", "burst"):
        data = ami_actions(name)
        rebuilt = b""
        for action in AmiFramer().feed(data):
            rest = [(k, v) for k, v in action.items if k not in ("Action", "ActionID")]
            rebuilt += encode_action(action.get("Action"), action.action_id, rest)
        assert rebuilt == data


def test_encode_action_refuses_header_injection() -> None:
    with pytest.raises(InvalidHeader):
        encode_action("QueueAdd", "1", [("Queue", "helpline-hi\r\nAction: Originate")])
    with pytest.raises(InvalidHeader):
        encode_action("QueueAdd", "1", [("Bad Name", "x")])
    with pytest.raises(InvalidHeader):
        encode_action("Ping\n", "1", [])
    with pytest.raises(InvalidHeader):
        encode_action("Ping", "1\r", [])
    assert encode_action("QueuePause", "9", [("Paused", True), ("Penalty", 0)]) == (
        b"Action: QueuePause\r\nActionID: 9\r\nPaused: true\r\nPenalty: 0\r\n\r\n")


@pytest.mark.parametrize("capture", CAPTURES)
def test_a_reused_read_buffer_gives_the_same_messages(capture: str) -> None:
    # The client reads every chunk into one buffer and hands the framer a view of it: what
    # the framer keeps (messages, the unfinished tail, the banner) must not change when the
    # buffer is overwritten by the next read.
    data = ami(capture)
    _, expected = parse_whole(data)
    framer, buffer = AmiFramer(max_message_bytes=1 << 20), bytearray(97)
    view, got = memoryview(buffer), []
    for start in range(0, len(data), 97):
        piece = data[start:start + 97]
        view[:len(piece)] = piece
        got.extend(framer.feed(view[:len(piece)]))
        view[:] = b"\x00" * len(buffer)
    assert [m.items for m in got] == [m.items for m in expected]
    assert framer.banner == BANNER
