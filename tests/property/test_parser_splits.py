"""Split-invariance of both protocol parsers (hypothesis): any split of the same bytes gives the
same messages, the same error counts, and only the documented error type is ever raised.

The byte strategies are built from the protocols' own tokens (CR, LF, ':', ' ', digits,
`agi_` keys, reply codes, the AMI banner) mixed with arbitrary bytes, so the edge cases the
parsers care about (CRLF runs, lone CR or LF, colon-less lines, huge numbers, limits) come up
often.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cti.ami.framing import AmiFramer
from ivr.fastagi.errors import ProtocolError
from ivr.fastagi.protocol import AgiParser, Environment, HangupNotice, Reply

# Derandomized: the suite gives the same verdict on every run (the longer random search is
# bench/protocol_fuzz.py, run on demand).
SETTINGS = settings(max_examples=400, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

AMI_TOKENS = [b"\r\n", b"\r\n\r\n", b"\r", b"\n", b":", b": ", b"Event", b"Response: Success",
              b"ActionID: 1", b"-", b" ", b"\xe0\xa4\xb9", b"\xe0", b"Asterisk Call Manager/11.0.0\r\n",
              b"Value: a:b", b"\x00"]
AGI_TOKENS = [b"\n", b"\r\n", b"\r", b"agi_request: agi://x/status\n", b"agi_arg_1: 5\n", b"agi_",
              b": ", b"200 result=", b"1", b"-1", b" (", b")", b" endpos=", b"9" * 30, b"HANGUP\n",
              b"510 Invalid or unknown command\n", b"520-Invalid command syntax.\n",
              b"520 End of proper usage.\n", b"511 Command Not Permitted\n", b"\xe0\xa4", b"\xff", b" "]


def _stream(tokens: list[bytes]) -> st.SearchStrategy[bytes]:
    piece = st.one_of(st.sampled_from(tokens), st.binary(min_size=1, max_size=6))
    return st.lists(piece, max_size=40).map(b"".join)


def _cuts(data: bytes) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(0, len(data)), max_size=12).map(sorted)


def _pieces(data: bytes, cuts: list[int]) -> list[bytes]:
    out, start = [], 0
    for cut in [*cuts, len(data)]:
        out.append(data[start:cut])
        start = cut
    return out


# --- AMI -----------------------------------------------------------------------------------------

def _ami(pieces: list[bytes], limit: int) -> tuple[list[tuple[list[tuple[str, str]], str]], tuple[int, int, int], str | None]:
    framer = AmiFramer(max_message_bytes=limit)
    messages = []
    for piece in pieces:
        messages.extend((m.items, m.raw) for m in framer.feed(piece))
    return messages, (framer.errors, framer.oversized, framer.messages), framer.banner


@SETTINGS
@given(st.data(), _stream(AMI_TOKENS), st.sampled_from([65536, 24, 9]))
def test_ami_framer_gives_the_same_messages_whatever_the_split(data: st.DataObject, stream: bytes,
                                                                limit: int) -> None:
    whole = _ami([stream], limit)
    split = _ami(_pieces(stream, data.draw(_cuts(stream))), limit)
    bytewise = _ami([stream[i:i + 1] for i in range(len(stream))], limit)
    assert split == whole
    assert bytewise == whole


@SETTINGS
@given(_stream(AMI_TOKENS))
def test_ami_framer_delivers_only_headers_with_a_name(stream: bytes) -> None:
    framer = AmiFramer()
    for message in framer.feed(stream):
        for key, _value in message.items:
            assert key and "\r" not in key and "\n" not in key


class _CheckingFramer(AmiFramer):
    __slots__ = ()
    check_every_line = True


@SETTINGS
@given(_stream(AMI_TOKENS), st.sampled_from([65536, 24, 9]))
def test_ami_fast_check_agrees_with_checking_every_line(stream: bytes, limit: int) -> None:
    fast, careful = AmiFramer(max_message_bytes=limit), _CheckingFramer(max_message_bytes=limit)
    assert [m.items for m in fast.feed(stream)] == [m.items for m in careful.feed(stream)]
    assert (fast.errors, fast.oversized, fast.messages) == (careful.errors, careful.oversized, careful.messages)


def test_ami_colon_less_line_starting_with_cr_is_malformed() -> None:
    framer = AmiFramer()
    assert framer.feed(b"Event: A\r\n\rjunk\r\n\r\n") == []
    assert framer.errors == 1


def test_ami_colon_less_line_ending_in_a_lone_lf_is_malformed() -> None:
    framer = AmiFramer()
    assert framer.feed(b"Event: A\r\njunk\n\r\n\r\n") == []
    assert framer.errors == 1


def test_ami_issue_example_is_the_same_whole_and_bytewise() -> None:
    data = b"-\r:\r\n\r\n\r\n"
    assert _ami([data], 65536) == _ami([bytes([b]) for b in data], 65536)


def test_ami_message_of_exactly_the_limit_is_kept_whatever_the_split() -> None:
    message = b"Event: " + b"x" * 17  # 24 bytes
    data = message + b"\r\n\r\n"
    assert _ami([data], 24)[0] == _ami([bytes([b]) for b in data], 24)[0]
    assert len(_ami([data], 24)[0]) == 1


# --- FastAGI -------------------------------------------------------------------------------------

def _agi(pieces: list[bytes], **limits: int) -> tuple[list[object], str | None]:
    parser = AgiParser(**limits)
    events: list[object] = []
    try:
        for piece in pieces:
            parser.receive_data(piece)
            events.extend(parser.events_received())
        parser.receive_eof()
    except ProtocolError:
        events.extend(parser.events_received())
        return events, "error"
    # any other exception type fails the test by propagating
    return events, None


def _normal(result: tuple[list[object], str | None]) -> tuple[list[object], str | None]:
    events, error = result
    for event in events:
        assert isinstance(event, (Environment, Reply, HangupNotice))
    return events, error


@SETTINGS
@given(st.data(), _stream(AGI_TOKENS), st.sampled_from([{}, {"max_line": 16, "max_env_bytes": 40, "max_env_lines": 3,
                                                            "max_block_lines": 2}]))
def test_agi_parser_gives_the_same_events_whatever_the_split(data: st.DataObject, stream: bytes,
                                                              limits: dict[str, int]) -> None:
    whole = _normal(_agi([stream], **limits))
    split = _normal(_agi(_pieces(stream, data.draw(_cuts(stream))), **limits))
    bytewise = _normal(_agi([stream[i:i + 1] for i in range(len(stream))], **limits))
    # After an error the events before it are the same; the error itself is the same.
    assert split[1] == whole[1] and bytewise[1] == whole[1]
    if whole[1] is None:
        assert split == whole and bytewise == whole
    else:
        shortest = min(len(whole[0]), len(split[0]), len(bytewise[0]))
        assert whole[0][:shortest] == split[0][:shortest] == bytewise[0][:shortest]


def test_agi_huge_endpos_is_a_protocol_error() -> None:
    parser = AgiParser()
    parser.receive_data(b"agi_request: agi://x/y\n\n")
    parser.events_received()
    try:
        parser.receive_data(b"200 result=0 endpos=" + b"9" * 4301 + b"\n")
    except ProtocolError:
        return
    events = parser.events_received()
    assert all(isinstance(e, Reply) for e in events)


def test_agi_environment_limit_is_the_same_whole_and_split() -> None:
    line = b"agi_x: " + b"y" * 93 + b"\n"  # 101 bytes
    env = line * 648 + b"agi_z: " + b"w" * 13 + b"\n" + b"\n"  # 65,448 + 21 + 1 bytes
    for size in range(len(env) - 3, len(env) + 3):
        limits = {"max_env_bytes": size, "max_env_lines": 1000}
        whole = _agi([env], **limits)
        split = _agi([bytes([b]) for b in env], **limits)
        assert whole == split, size
        assert (whole[1] is None) == (len(env) <= size), size


def test_ami_lone_cr_and_lone_lf_far_apart_do_not_hide_a_bad_header_name() -> None:
    framer = AmiFramer()
    assert framer.feed(b"a\rK: v\nL: w\r\n\r\n") == []  # the name "a\rK" holds a CR
    assert framer.errors == 1
    assert [m.items for m in framer.feed(b"K: a\rb: c\nd: e\r\n\r\n")] == [[("K", "a\rb: c\nd: e")]]


def test_ami_name_with_a_cr_before_the_colon_space_is_malformed() -> None:
    # Found by hypothesis: the name is cut at the first ': ', so '-:\r' would have been a name.
    framer = AmiFramer()
    assert framer.feed(b"-:\r: x\r\n\r\n") == []
    assert framer.errors == 1


def test_ami_lone_cr_then_lone_lf_before_a_colon_is_malformed() -> None:
    # Found by a differential run: with the bytes between them deleted, the lone CR and LF of
    # "a:b\rc\n:d" look like a CRLF ending a line with a colon; the line is still malformed.
    framer = AmiFramer()
    assert framer.feed(b"A: 1\r\na:b\rc\n:d: v\r\n\r\n") == []
    assert framer.errors == 1
