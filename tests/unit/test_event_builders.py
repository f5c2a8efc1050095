"""Typed events read in place from the framer's text are exactly those built from the headers dict.

`from_ami` builds a kept event from the framer's text (cti.event_builders' raw builders); the
reference is the dict builder over `AmiMessage.headers()`, which is what `from_ami` did
before. Both are run on every message of every capture and on unusual and random header
lines (no space after the colon, a colon in a name, repeated headers, lone CR or LF in
values, missing or bad values): same event, or the same error, or the raw builder hands over
(`Slow`).
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cti import events as ev
from cti.ami.framing import AmiFramer, AmiMessage
from cti.event_builders import Slow
from tests.traces import ami, ami_names

SETTINGS = settings(max_examples=600, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def by_dict(name: str, raw: str, now: float) -> object:
    try:
        return ev._BUILDERS[name](AmiMessage(None, raw).headers(), now)
    except (KeyError, ValueError) as exc:
        return (type(exc), exc.args)


def in_place(name: str, raw: str, now: float) -> object:
    try:
        return ev._RAW_BUILDERS[name](raw, now)
    except Slow:
        return Slow
    except (KeyError, ValueError) as exc:
        return (type(exc), exc.args)


def event_name(raw: str) -> str:
    end = raw.find("\r\n")
    return raw[7:end] if end >= 0 else raw[7:]


@pytest.mark.parametrize("capture", ami_names())
def test_every_event_of_every_capture_reads_in_place_as_from_the_dict(capture: str) -> None:
    checked = 0
    for msg in AmiFramer(max_message_bytes=1 << 20).feed(ami(capture)):
        raw = msg.raw
        if not raw.startswith("Event: ") or event_name(raw) not in ev._BUILDERS:
            continue
        name = event_name(raw)
        expected = by_dict(name, raw, 12.5)
        got = in_place(name, raw, 12.5)
        assert got is not Slow, (capture, raw)  # Asterisk's own lines never need the dict
        assert got == expected, (capture, raw)
        assert type(got) is type(expected)
        assert ev.from_ami(AmiMessage(None, raw), 12.5) == ev.from_ami(AmiMessage(msg.items), 12.5)
        checked += 1
    assert checked or capture.startswith(("login", "ping"))


@pytest.mark.parametrize("raw", [
    "Event: Hangup\r\nChannel:PJSIP/x\r\nUniqueid: 1\r\nCause: 16",       # no space after the colon
    "Event: Hangup\r\nChannel:x: PJSIP/y\r\nChannel: PJSIP/z\r\nUniqueid: 1",  # a colon in a name
    "Event: Hangup\r\nChannel: a\r\nChannel: b\r\nUniqueid: 1\r\nUniqueid: 2",  # repeated headers
    "Event: Hangup\r\nChannel: a\nUniqueid: 9\r\nUniqueid: 1",             # a lone LF in a value
    "Event: Hangup\r\nChannel: a\rUniqueid: 9\r\nUniqueid: 1\r",           # lone CRs
    "Event: Hangup\r\nChannel: a\r\nUniqueid: 1\r\nCause: x16",            # a bad number
    "Event: Hangup\r\nUniqueid: 1\r\nCause: 16",                           # a required header missing
    "Event: Hangup\r\nChannel: a\r\nUniqueid: 1\r\nCause:",                # ends with an empty no-space line
    "Event: Hangup\r\nChannel: a\r\nUniqueid: 1\r\nCallerIDNum: ",         # ends with an empty value
    "Event: DialBegin\r\nDestChannel: d\r\nDestUniqueid: 2\r\nDestLinkedid:7",  # a fallback, unusual
    "Event: DialBegin\r\nDestChannel: d\r\nDestUniqueid: 2\r\nDestLinkedid: 7",
    "Event: QueueEntry\r\nQueue: q\r\nChannel: c\r\nCallerID: 98",
    "Event: Newexten\r\nChannel: c\r\nUniqueid: 1\r\nExten: 5\r\nApplication: AGI\r\nTimestamp: 3.5",
    "Event: Shutdown\r\nShutdown: Cleanly\r\nRestart: True",
    "Event: CoreShowChannel\r\nChannel: c\r\nUniqueid: 1\r\nDuration: 01:02:03",
    "Event: CoreShowChannel\r\nChannel: c\r\nUniqueid: 1\r\nDuration: 1:x",
])
def test_unusual_lines_read_in_place_as_from_the_dict(raw: str) -> None:
    (msg,) = AmiFramer().feed(raw.encode() + b"\r\n\r\n")
    assert msg.raw == raw
    name = event_name(raw)
    got = in_place(name, raw, 1.0)
    assert got is Slow or got == by_dict(name, raw, 1.0)
    assert ev.from_ami(AmiMessage(None, raw), 1.0) == ev.from_ami(AmiMessage(AmiMessage(None, raw).items), 1.0)


def _captured() -> list[list[tuple[str, str]]]:
    """The header lines of every typed event in the captures (one of each shape)."""
    seen: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for capture in ami_names():
        for msg in AmiFramer(max_message_bytes=1 << 20).feed(ami(capture)):
            if msg.event in ev._BUILDERS:
                seen.setdefault(tuple(k for k, _ in msg.items), msg.items)
    return list(seen.values())


_CAPTURED = _captured()
_EDITS = st.lists(st.tuples(
    st.sampled_from(["no space", "colon in name", "repeat", "drop", "lone CR", "lone LF", "bad number",
                     "empty", "unknown"]),
    st.integers(1, 60)), max_size=4)


@SETTINGS
@given(st.sampled_from(_CAPTURED), _EDITS)
def test_edited_captured_events_read_in_place_as_from_the_dict(items: list[tuple[str, str]],
                                                             edits: list[tuple[str, int]]) -> None:
    """Asterisk's own events with lines made unusual: the same event, or the same error."""
    lines = [f"{k}: {v}" for k, v in items]
    edited = {0}  # never the Event line, one edit per line
    for edit, at in edits:
        i = at % len(lines)
        if i in edited:
            continue
        edited.add(i)
        name, _, value = lines[i].partition(": ")
        lines[i] = {"no space": f"{name}:{value}", "colon in name": f"{name}:x: {value}",
                    "repeat": lines[i], "drop": "", "lone CR": f"{name}: {value}\r9",
                    "lone LF": f"{name}: 9\n{value}", "bad number": f"{name}: x{value}",
                    "empty": f"{name}: ", "unknown": f"{name}: <unknown>"}[edit]
        if edit == "repeat":
            lines.insert(i, f"{name}: 7{value}")
            edited = {j + (j >= i) for j in edited} | {i}
    data = "\r\n".join(line for line in lines if line) + "\r\n\r\n"
    (msg,) = AmiFramer().feed(data.encode())
    raw = msg.raw
    got = in_place(event_name(raw), raw, 2.0)
    assert got is Slow or got == by_dict(event_name(raw), raw, 2.0), raw
    if not any(edit in ("no space", "colon in name") for edit, _ in edits):
        assert got is not Slow
