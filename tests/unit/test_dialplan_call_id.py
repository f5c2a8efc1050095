"""The dialplan's part of issue 16's second round, read as Asterisk runs it (the real-Asterisk
tests test_softphone_pbx.py and test_video_pbx.py run the same lines):

- every agent's phone a queue or an agent-to-agent Dial rings gets the call's id (Linkedid, the
  screen pop's call.id) in the INVITE as X-Helpline-Call, from a predial handler;
- a video call from the page reaches helpline-video only with a valid ticket, one call per ticket at
  a time, and with the application down it is refused (cause 38), never sent to the voice queues.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from ivr.dialplan_check import check_dialplan

ROOT = Path(__file__).resolve().parents[2]
DIALPLANS = ROOT / "dialplans"
EXTENSIONS = (DIALPLANS / "extensions_helpline.conf").read_text(encoding="utf-8")
PREDIAL = "b(helpline-member-predial^s^1)"


def context(name: str) -> list[str]:
    body = re.search(rf"(?ms)^\[{re.escape(name)}\]\n(.*?)(?=^\[|\Z)", EXTENSIONS)
    assert body, name
    return [line.split(";", 1)[0].strip() for line in body.group(1).splitlines()
            if line.split(";", 1)[0].strip()]


def code() -> list[str]:
    return [line.split(";", 1)[0].strip() for line in EXTENSIONS.splitlines() if line.split(";", 1)[0].strip()]


def labelled(lines: list[str], label: str) -> int:
    return next(i for i, line in enumerate(lines) if f"n({label})," in line)


def first(lines: list[str], text: str, start: int = 0) -> int:
    return next(i for i, line in enumerate(lines) if i >= start and text in line)


def test_every_queue_and_agent_dial_sends_the_call_id_to_the_agents_phone() -> None:
    queues = [line for line in code() if re.search(r"\bQueue\(", line)]
    assert len(queues) == 2 and all(re.search(r"Queue\([^,]+,c\w*" + re.escape(PREDIAL), q) for q in queues), queues
    dials = [line for line in context("helpline-agents") if "Dial(PJSIP/" in line]
    assert len(dials) == 2 and all(line.endswith(f",30,{PREDIAL})") for line in dials)
    handler = context("helpline-member-predial")
    assert handler == [
        'exten => s,1,GotoIf($["${CHANNEL(channeltype)}" != "PJSIP"]?done)',
        "same => n,Set(PJSIP_HEADER(add,X-Helpline-Call)=${CHANNEL(linkedid)})",
        "same => n(done),Return()",
    ]
    # the header the desk reads (the softphone's X-Helpline-Call) is the one the dialplan adds
    assert '"X-Helpline-Call"' in (ROOT / "agent_console" / "static" / "softphone.js").read_text()


def test_the_checker_follows_predial_handlers(tmp_path: Path) -> None:
    target = tmp_path / "dialplans"
    shutil.copytree(DIALPLANS, target)
    path = target / "extensions_helpline.conf"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("ctb(helpline-member-predial^s^1)", "ctb(helpline-member-predail^s^1)", 1))
    line = text[:text.index("ctb(helpline-member-predial^s^1)")].count("\n") + 1
    problems = [(p.line, p.message) for p in check_dialplan(target)]
    assert problems == [(line, "Queue() target helpline-member-predail,s,1: no context 'helpline-member-predail'")]
    # with no predial option left at all, the handler's Return() belongs to no subroutine
    path.write_text(text.replace(PREDIAL, "").replace("ctb(", "ct("))
    assert [p.message for p in check_dialplan(target)] == [
        "Return() in helpline-member-predial, which no Gosub calls"]


def test_a_video_call_joins_the_queue_only_with_a_valid_ticket_used_once_at_a_time() -> None:
    web = context("helpline-video-web")
    ticket = first(web, "Set(HELPLINE_VIDEO_TICKET=${FILTER(0-9a-f.,${PJSIP_HEADER(read,X-Helpline-Ticket)})})")
    check = first(web, "Gosub(helpline-agi,s,1(video-ticket,${HELPLINE_VIDEO_TICKET},return))")
    ok = first(web, '"${HELPLINE_VIDEO_OK}" != "1"]?refused)')
    group = first(web, "Set(GROUP(helpline-video-ticket)=${HELPLINE_VIDEO_TICKET})")
    count = first(web, "${GROUP_COUNT(${HELPLINE_VIDEO_TICKET}@helpline-video-ticket)} > 1]?refused)")
    queue = first(web, "Queue(helpline-video,")
    assert ticket < check < ok < group < count < queue
    # never answered here: the call rings (option r) until an agent answers, so the page waits
    # for an interpreter until then and every refusal is a final SIP response
    assert not [line for line in web if "Answer(" in line or "Progress(" in line]
    assert re.match(r"same => n,Queue\(helpline-video,[a-z]*r[a-z]*b\(", web[queue]), web[queue]
    assert web[ok - 1].endswith("?down)") and "HELPLINE_AGI_FAILED" in web[ok - 1]  # failure is not "no ticket"
    assert web[labelled(web, "refused")].endswith("Hangup(21)")
    # nothing before the ticket check leaves the context; the only jumps before the queue go to labels here
    jumps = [line for line in web[:queue] if re.search(r"\b(Goto|GotoIf|Gosub)\(", line)]
    for line in jumps:
        target = re.search(r"\?(\w+)\)$", line)
        assert target or "Gosub(helpline-agi" in line or "Gosub(helpline-set-language" in line, line


def test_the_application_down_refuses_a_video_call_instead_of_the_voice_queue() -> None:
    web = context("helpline-video-web")
    down = labelled(web, "down")
    assert web[down + 1] == "same => n,Hangup(38)"  # SIP 500: the page says "a technical problem"
    for script in ("video-ticket", "hours"):
        at = first(web, f"Gosub(helpline-agi,s,1({script},")
        assert web[at].endswith(",return))") and web[at + 1].endswith("?down)"), web[at:at + 2]
    assert not any("helpline-failure" in line or "helpline-agent" in line for line in web)
    agi = context("helpline-agi")
    failed = labelled(agi, "failed")
    assert agi[failed + 1] == 'same => n,GotoIf($["${ARG3}" = "return"]?back)'
    assert agi[failed + 2] == "same => n,Goto(helpline-failure,s,1)"
    assert agi[labelled(agi, "back")] == "same => n(back),Return()"
    # a flow that fails on a live server: the FastAGI server sends the call to [helpline-failure],
    # which sends a page call back to `down` before any apology or queue
    assert web[0] == "exten => video,1,NoOp(Sign-language video call from the web page)"
    assert web[1] == "same => n,Set(HELPLINE_VIDEO_WEB=1)"
    failure = context("helpline-failure")
    assert failure[1] == 'same => n,GotoIf($["${HELPLINE_VIDEO_WEB}" = "1"]?helpline-video-web,video,down)'
    assert [line for line in code() if "Set(HELPLINE_VIDEO_WEB" in line] == ["same => n,Set(HELPLINE_VIDEO_WEB=1)"]
    # the voice callers keep the apology-then-agent path: no other Gosub asks to come back
    returns = [line for line in code() if "Gosub(helpline-agi," in line and ",return))" in line]
    assert len(returns) == 2 and all("video-ticket" in line or "hours,helpline-video" in line for line in returns)


def test_the_page_says_a_technical_problem_for_cause_38() -> None:
    page = (ROOT / "agent_console" / "static" / "video.js").read_text()
    assert re.search(r'status === 500\) return "video\.err\.technical"', page)
