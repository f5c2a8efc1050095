"""Originate outcomes classified from the real Asterisk 22 captures, in any event order."""
from __future__ import annotations

import pytest

from cti import events as ev
from cti.ami.framing import AmiFramer
from dialer.outcomes import AttemptTrack, classify
from tests.traces import ami

EXPECTED = {
    "originate-answered": "answered",
    "originate-busy": "busy",
    "originate-busy-channelid": "busy",
    "originate-no-answer": "no_answer",
    "originate-congestion": "congestion",
    "originate-unregistered": "failed",
    "originate-unreachable": "unreachable",
}


def typed(name: str) -> list[object]:
    out = []
    for msg in AmiFramer().feed(ami(name)):
        if msg.event in ("OriginateResponse", "DialEnd", "Hangup", "Newstate", "Newchannel", "DialBegin",
                         "HangupRequest"):
            event = ev.from_ami(msg)
            assert event is not None
            out.append(event)
    return out


@pytest.mark.parametrize("capture,outcome", sorted(EXPECTED.items()))
def test_capture_outcome(capture: str, outcome: str) -> None:
    track = AttemptTrack("x")
    for event in typed(capture):
        track.feed(event)
    assert track.finished
    assert track.outcome == outcome


@pytest.mark.parametrize("capture", ["originate-busy", "originate-congestion", "originate-no-answer"])
def test_order_of_response_and_hangup_does_not_matter(capture: str) -> None:
    events = typed(capture)
    response = next(e for e in events if isinstance(e, ev.OriginateResponse))
    others = [e for e in events if e is not response]
    # Asterisk creates the channel before it can answer the Originate; after that, any order
    created = next(i for i, e in enumerate(others) if isinstance(e, ev.Newchannel)) + 1
    for position in range(created, len(others) + 1):
        track = AttemptTrack("x")
        seen = [*others[:position], response, *others[position:]]
        for i, event in enumerate(seen):
            track.feed(event)
            if i < len(seen) - 1 and track.finished:
                # finished early only when everything that decides the outcome is in
                assert track.outcome == EXPECTED[capture]
        assert track.outcome == EXPECTED[capture]


def test_failure_response_waits_for_the_hangup_of_a_created_channel() -> None:
    events = typed("originate-busy")
    track = AttemptTrack("x")
    for event in events:
        if isinstance(event, ev.Hangup):
            break
        track.feed(event)
    assert track.responded and not track.finished


def test_reason_zero_alone_is_failed_and_nothing_is_unknown() -> None:
    assert classify(reason=0, dial_status=None, cause=None, ringing=False) == "failed"
    assert classify(reason=None, dial_status=None, cause=None, ringing=False) == "unknown"
    assert classify(reason=0, dial_status=None, cause=17, ringing=False) == "busy"
    assert classify(reason=0, dial_status=None, cause=34, ringing=False) == "congestion"
    assert classify(reason=3, dial_status=None, cause=19, ringing=True) == "no_answer"
