"""The lazy header paths (`peek`, the one-findall split) agree with a plain line-by-line split."""
from __future__ import annotations

import pytest

from cti.ami.framing import AmiFramer, AmiMessage
from tests.traces import TRACES, ami

CAPTURES = sorted(p.name[:-4] for p in (TRACES / "ami").glob("*.txt") if not p.name.endswith(".actions.txt"))


def reference(raw: str) -> list[tuple[str, str]]:
    """Each line cut at its first ': ', else its first ':' (the documented rule)."""
    items = []
    for line in raw.split("\r\n"):
        key, sep, value = line.partition(": ")
        if not sep:
            key, _, value = line.partition(":")
        items.append((key, value))
    return items


@pytest.mark.parametrize("name", CAPTURES)
def test_split_and_peek_match_the_reference_on_real_captures(name: str) -> None:
    for msg in AmiFramer(max_message_bytes=1 << 20).feed(ami(name)):
        expected = reference(msg.raw)
        assert msg.items == expected
        first: dict[str, str] = {}
        for key, value in expected:
            first.setdefault(key, value)
        for key in [*first, "Variable", "Application", "Nope", "Event"]:
            fresh = AmiMessage(None, msg.raw)
            assert fresh.peek(key) == first.get(key), (name, key)


@pytest.mark.parametrize("raw", [
    "Event: VarSet\r\nVariable:HELPLINE_X\r\nValue: 1",          # no space after the colon
    "Event: VarSet\r\nA:b: c\r\nVariable: X\r\nVariable: Y",    # colon in a name; repeated header
    "Event: Newexten\r\nAppData: a: b\r\nApplication: AGI",     # ': ' inside a value
    "Event: VarSet\r\nValue: x\ny\r\nVariable: HELPLINE_Z",     # a lone LF inside a value
    "Event: VarSet\r\nValue: x\rVariable: no\r\nVariable: yes",  # a lone CR inside a value
    "Event: X\r\n: empty name\r\nKey: v",
])
def test_unusual_lines_split_and_peek_like_the_reference(raw: str) -> None:
    expected = reference(raw)
    assert AmiMessage(None, raw).items == expected
    first: dict[str, str] = {}
    for key, value in expected:
        first.setdefault(key, value)
    for key in [*first, "Variable", "Application", "Missing"]:
        assert AmiMessage(None, raw).peek(key) == first.get(key), key
