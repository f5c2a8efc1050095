"""The real Asterisk 22 captures the tests replay: `tests/fixtures/asterisk-traces/`.

A copy of `../shared/asterisk-traces/` (its README says how they were captured), kept in the
repository so a clone tests without `../shared`. `HELPLINE_TRACES` may point elsewhere.
Every `Timestamp:` in them comes from the lab's clock on the day of the capture: tests never
compare those with the present; the fakes move them to the present (`tests/fakes/stamps.py`).
"""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TRACES = Path(os.environ.get("HELPLINE_TRACES", REPO / "tests" / "fixtures" / "asterisk-traces"))


def ami(name: str) -> bytes:
    """The exact bytes Asterisk sent on one AMI connection (ami/NAME.txt)."""
    return (TRACES / "ami" / f"{name}.txt").read_bytes()


def ami_names() -> list[str]:
    """Every AMI capture (not the actions files)."""
    return sorted(p.stem for p in (TRACES / "ami").glob("*.txt") if not p.stem.endswith(".actions"))


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
