"""The dialplan tries a second FastAGI host before the failure path (issue 10).

No Asterisk here: the order of [helpline-agi] is checked as the dialplan runs it (the lab tests
run it on a real Asterisk)."""
from __future__ import annotations

import re
from pathlib import Path

from ivr.dialplan_check import check_dialplan

DIALPLANS = Path(__file__).resolve().parents[2] / "dialplans"


def _context(name: str) -> list[str]:
    text = (DIALPLANS / "extensions_helpline.conf").read_text()
    body = text.split(f"[{name}]\n", 1)[1].split("\n[", 1)[0]
    return [line.strip() for line in body.splitlines() if line.strip() and not line.startswith(";")]


def test_second_agi_host_is_tried_before_the_failure_path() -> None:
    lines = _context("helpline-agi")
    agis = [i for i, line in enumerate(lines) if "AGI(${HELPLINE_AGI" in line]
    firsts = [i for i in agis if "${HELPLINE_AGI}/" in lines[i]]
    seconds = [i for i in agis if "${HELPLINE_AGI2}/" in lines[i]]
    assert len(firsts) == 2 and len(seconds) == 2  # without and with the script's argument
    label = {m.group(1): i for i, line in enumerate(lines) if (m := re.match(r"same => n\((\w+)\)", line))}
    failure = next(i for i, line in enumerate(lines) if "Goto(helpline-failure" in line)
    first_check = lines[label["check"]]
    assert "FAILURE" in first_check and first_check.endswith("?second)")  # a failure goes to the second host
    assert max(firsts) < label["second"] < min(seconds) < label["check2"] < label["failed"] < failure
    assert "${LEN(${HELPLINE_AGI2})} = 0]?failed" in lines[label["second"]]  # none set: straight to failure
    globals_text = (DIALPLANS / "extensions_helpline_globals.conf").read_text()
    assert "\nHELPLINE_AGI2=\n" in globals_text


def test_dialplan_check_accepts_the_second_host() -> None:
    problems = [p for p in check_dialplan(DIALPLANS) if "HELPLINE_AGI2" in p.message]
    assert problems == []
