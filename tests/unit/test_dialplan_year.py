"""The dialplan's answers to hours, holidays, the emergency message and a failed application
(issue 14), read from dialplans/ as Asterisk reads them (one context at a time)."""
from __future__ import annotations

import re
from pathlib import Path

DIALPLANS = Path(__file__).resolve().parents[2] / "dialplans"
EXTENSIONS = (DIALPLANS / "extensions_helpline.conf").read_text(encoding="utf-8")
QUEUES = (DIALPLANS / "queues_helpline.conf").read_text(encoding="utf-8")


def context(name: str) -> list[str]:
    """The context's lines without comments, in order."""
    body = re.search(rf"(?ms)^\[{re.escape(name)}\]\n(.*?)(?=^\[|\Z)", EXTENSIONS)
    assert body, name
    return [line.split(";", 1)[0].strip() for line in body.group(1).splitlines()
            if line.split(";", 1)[0].strip()]


def exten(name: str, ext: str) -> list[str]:
    lines, out, inside = context(name), [], False
    for line in lines:
        if line.startswith("exten =>"):
            inside = line.startswith(f"exten => {ext},")
        if inside:
            out.append(line)
    assert out, (name, ext)
    return out


def test_hours_are_asked_on_arrival_and_before_each_queue() -> None:
    inbound = exten("helpline-inbound", "1076")
    assert inbound.index("same => n,Gosub(helpline-agi,s,1(hours))") > inbound.index(
        "same => n,Gosub(helpline-agi,s,1(caller-lookup))")
    # menu 9 ([helpline-video]) only tells the video page's address; video calls from the page ask
    # the hours of helpline-video in [helpline-video-web] (issue 16)
    web = exten("helpline-video-web", "video")
    ask = next(i for i, line in enumerate(web) if "1(hours,helpline-video," in line)
    closed = next(i for i, line in enumerate(web) if '"${HELPLINE_OPEN}" = "0"' in line)
    assert ask < closed and any("n(closed),Hangup(" in line for line in web)
    for ctx in ("helpline-agent",):
        lines = exten(ctx, "s")
        skip = next(i for i, line in enumerate(lines) if "HELPLINE_AGI_FAILED" in line)
        ask = next(i for i, line in enumerate(lines) if "1(hours,${HELPLINE_QUEUE})" in line)
        closed = next(i for i, line in enumerate(lines) if '"${HELPLINE_OPEN}" = "0"' in line)
        assert skip < ask < closed and "helpline-closed,s,1" in lines[closed]
        assert lines[skip].endswith("?connect)") and any("n(connect)," in line for line in lines)


def test_the_emergency_message_plays_once_before_the_main_menu() -> None:
    lines = exten("helpline-main", "s")
    assert lines[0] == "exten => s,1,GotoIf($[${LEN(${HELPLINE_EMERGENCY})} = 0]?complaints)"
    assert lines[1:3] == ["same => n,Playback(${HELPLINE_EMERGENCY})", "same => n,Set(HELPLINE_EMERGENCY=)"]
    assert any("Background(helpline/main-register" in line for line in lines[3:])


def test_after_hours_menu_offers_self_service_callback_and_a_recorded_complaint() -> None:
    arrival = exten("helpline-closed", "s")
    says = next(i for i, line in enumerate(arrival) if "1(hours,say)" in line)
    assert says < next(i for i, line in enumerate(arrival) if "Background(helpline/closed-menu)" in line)
    assert "Goto(helpline-callback,s,1)" in exten("helpline-closed", "1")[-1]
    assert "1(complaint-status)" in " ".join(exten("helpline-closed", "2"))
    assert "1(feedback)" in " ".join(exten("helpline-closed", "3"))
    record = exten("helpline-closed", "4")
    stored = next(i for i, line in enumerate(record) if "1(voice-complaint)" in line)
    recording = next(i for i, line in enumerate(record) if line.startswith("same => n,Record("))
    assert stored < recording
    assert "Record(${HELPLINE_RECORDINGS}/${HELPLINE_RECORDING}.wav,3,180,k)" in record[recording]
    for key in ("i", "t"):
        assert any("helpline-goodbye,s,1" in line for line in exten("helpline-closed", key))
    refused = exten("helpline-callback", "s")
    assert any('"${HELPLINE_OPEN}" = "0"]?giveup' in line for line in refused)  # never back to a closed queue


def test_with_the_application_down_no_offer_that_needs_it() -> None:
    busy = exten("helpline-queue-exit", "busy")
    assert busy[0] == "exten => busy,1,GotoIf($[${LEN(${HELPLINE_AGI_FAILED})} > 0]?down)"
    down = next(i for i, line in enumerate(busy) if "n(down)," in line)
    assert "Playback(helpline/call-later)" in busy[down] and busy[down + 1] == "same => n,Hangup()"
    assert "?busy,down)" in exten("helpline-queue-exit", "TIMEOUT")[1]
    queue = exten("helpline-queue", "s")  # no AGI before the queue either (a second apology, a longer wait)
    skip = next(i for i, line in enumerate(queue) if "HELPLINE_AGI_FAILED" in line)
    assert queue[skip].endswith("?wait)") and skip < next(i for i, line in enumerate(queue) if "1(recording," in line)
    keys = exten("helpline-queue-keys", "1")
    failed = next(i for i, line in enumerate(keys) if "HELPLINE_AGI_FAILED" in line)
    assert failed < next(i for i, line in enumerate(keys) if "Goto(helpline-callback,s,1)" in line)
    assert keys[-1] == "same => n,Goto(helpline-queue,s,1)"


def test_waiting_callers_hear_the_expected_wait_in_our_words() -> None:
    settings = dict(re.findall(r"(?m)^([a-z-]+)\s*=\s*([^;\n]*?)\s*(?:;.*)?$", QUEUES.split("[helpline-hi]")[0]))
    assert settings["announce-holdtime"] == "yes" and settings["announce-round-seconds"] == "0"
    assert settings["queue-holdtime"] == "helpline/queue-holdtime-before"
    assert settings["queue-minutes"] == "helpline/queue-holdtime-minutes"
    assert settings["queue-minute"] == "helpline/queue-holdtime-minute"
