"""Where the real Asterisk 22 captures live (../shared/asterisk-traces beside the checkout)."""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TRACES = Path(os.environ.get("HELPLINE_TRACES", REPO.parent / "shared" / "asterisk-traces"))


def ami(name: str) -> bytes:
    """The exact bytes Asterisk sent on one AMI connection (ami/NAME.txt)."""
    return (TRACES / "ami" / f"{name}.txt").read_bytes()


def ami_actions(name: str) -> bytes:
    return (TRACES / "ami" / f"{name}.actions.txt").read_bytes()


def agi_raw(name: str) -> bytes:
    """The exact bytes Asterisk sent on one FastAGI connection (agi/NAME.raw)."""
    return (TRACES / "agi" / f"{name}.raw").read_bytes()


def agi_transcript(name: str) -> list[tuple[str, str]]:
    """The transcript as (direction, line) pairs: 'A' Asterisk, 'S' server, '#' note."""
    out: list[tuple[str, str]] = []
    for line in (TRACES / "agi" / f"{name}.txt").read_text(encoding="utf-8").split("\n"):
        if line.startswith("A> "):
            out.append(("A", line[3:]))
        elif line.startswith("S> "):
            out.append(("S", line[3:]))
        elif line.startswith("## "):
            out.append(("#", line[3:]))
    return out
