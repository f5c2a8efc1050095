"""Who does not reach the sign-language queue, on the real Asterisk (issue 16). The guest endpoint's
password is in every visitor's page, so it proves nothing: the ticket is the credential.

- A browser that knows the guest password but brings no ticket, or a forged one, is refused (SIP
  403) before the queue: no QueueCallerJoin, FastAGI video-ticket said "refused".
- A valid ticket carries one call at a time: a second call with the same ticket while the first
  waits for an interpreter is refused; the first goes on.
- With the application down (FastAGI unreachable) the page's call is refused with "a technical
  problem" (cause 38, SIP 500), never sent to the voice queues' apology and agents.
- The dialplan never answers a page call itself (it rings until an agent answers), so the queue's
  own refusals reach the page as final SIP responses, each in its words: nobody logged in to
  helpline-video (JOINEMPTY, cause 17, 486) and nobody answering within HELPLINE_QUEUE_MAX_WAIT
  (TIMEOUT, cause 19, 480), after "waiting for an interpreter"; a waiting call sent to the FULL
  exit (cause 34, 503) reads "the queue is full".
"""
from __future__ import annotations

import socket
from typing import Any

import pytest
from playwright.async_api import Page, expect

from agent_console.softphone import password
from cti.ami.framing import AmiMessage
from ivr import scripts
from ivr.fastagi import AgiChannel
from ivr.fastagi.server import FastAgiServer
from storage.queries import rate_counters
from tests.fakes.browser import chromium, login, new_page, shot, join_with_softphone
from tests.integration.harness.lab import PASSWORD, Lab, Observer, until
from tests.integration.harness.serve import SECRET_KEY
from tests.integration.harness.sip import free_port

FAKE_MEDIA = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              "--allow-loopback-in-peer-connection")
EXT = "agent3004"


@pytest.fixture(autouse=True)
async def _ticket_allowance(lab: Lab) -> None:
    """Every browser here is 127.0.0.1, and the page hands out 5 tickets per address per 10
    minutes: each test starts with its address's allowance fresh (as 10 minutes later)."""
    async with lab.db() as database, database.session_scope() as session:
        await rate_counters.clear(session, "video:127.0.0.1")

# A video call made by hand with the page's JsSIP bundle, as a script that read the page would:
# resolves with the SIP status that ended it, or "ringing" (180: the call waits in window.calls[name]).
CALL = """async ({cfg, name, headers}) => new Promise((resolve) => {
  window.calls = window.calls || {};
  const ua = new JsSIP.UA({sockets: [new JsSIP.WebSocketInterface(cfg.ws_url)], uri: cfg.uri,
    authorization_user: cfg.authorization_user, password: cfg.password, register: false, session_timers: false});
  ua.on("connected", () => {
    const s = ua.call(cfg.target, {mediaConstraints: {audio: true, video: true}, pcConfig: {iceServers: []},
      extraHeaders: headers, eventHandlers: {
        progress: (e) => { if (e.response && e.response.status_code === 180) resolve("ringing"); },
        accepted: () => resolve("accepted"),
        failed: (e) => { ua.stop(); resolve(e.message && e.message.status_code ? e.message.status_code : e.cause); },
        ended: () => ua.stop(),
      }});
    window.calls[name] = s;
  });
  ua.start();
})"""


def _guest(lab: Lab) -> dict[str, Any]:
    """What any visitor of /video can read: the guest endpoint, its password, the address to call."""
    domain = "127.0.0.1"
    return {"ws_url": lab.pbx.ws_url, "uri": f"sip:video-guest@{domain}", "authorization_user": "video-guest",
            "password": password(SECRET_KEY, "video-guest"), "target": f"sip:video@{domain}"}


def _guest_channels(ami: Observer, start: int = 0) -> set[str]:
    return {e.get("Channel") for e in ami.events[start:]
            if e.event == "Newchannel" and (e.get("Channel") or "").startswith("PJSIP/video-guest-")}


def _joined(ami: Observer, channels: set[str]) -> list[str]:
    return [e.get("Channel") for e in ami.events if e.event == "QueueCallerJoin" and e.get("Channel") in channels]


async def test_without_a_valid_ticket_a_call_never_reaches_the_queue(lab: Lab) -> None:
    async with lab.observer() as ami, chromium(*FAKE_MEDIA) as browser, \
            new_page(browser, permissions=["microphone", "camera"]) as page:
        await page.goto(lab.server.url + "/video?lang=en")
        cfg = _guest(lab)
        no_ticket = await page.evaluate(CALL, {"cfg": cfg, "name": "none", "headers": ["X-Helpline-Lang: en"]})
        forged = await page.evaluate(CALL, {"cfg": cfg, "name": "forged", "headers": [
            "X-Helpline-Ticket: 9999999999.0123456789abcdef.0123456789abcdef0123456789abcdef"]})
        assert no_ticket == 403 and forged == 403, (no_ticket, forged)
        channels = _guest_channels(ami)
        assert len(channels) == 2 and _joined(ami, channels) == []
    log = lab.pbx.full_log()
    assert not any(f'Queue("{c}"' in log for c in channels)
    refused = [line for line in log.splitlines() if "Hangup(" in line and any(f'"{c}", "21"' in line for c in channels)]
    assert len(refused) == 2, refused


async def _sign_agent(lab: Lab, page: Page) -> dict[str, str]:
    admin = await lab.user("refusaladmin", "admin")
    agent = await lab.user("signagent4", extension=EXT)
    async with lab.http() as http:
        r = await http.put("/api/v1/admin/users/signagent4/media", json={"sign_language": True}, headers=admin)
        assert r.status_code == 200, r.text
    await login(page, lab.server.url, "signagent4", PASSWORD)
    await join_with_softphone(page)
    lab.logged_in.append(agent)
    return agent


async def test_a_ticket_carries_one_call_at_a_time(lab: Lab) -> None:
    async with lab.observer() as ami, chromium(*FAKE_MEDIA) as browser, \
            new_page(browser, permissions=["microphone", "camera"]) as agent_page, \
            new_page(browser, permissions=["microphone", "camera"]) as citizen:
        await _sign_agent(lab, agent_page)  # rings, and does not answer: the first call waits
        await citizen.goto(lab.server.url + "/video?lang=en")
        ticket = await citizen.evaluate(
            "async () => (await fetch('/api/v1/video/ticket', {method: 'POST'})).json()")
        headers = [f"X-Helpline-Ticket: {ticket['ticket']}", "X-Helpline-Lang: en"]
        start = len(ami.events)
        first = await citizen.evaluate(CALL, {"cfg": ticket, "name": "first", "headers": headers})
        assert first == "ringing"  # not answered: waiting in helpline-video
        await expect(agent_page.locator("#sp-answer")).to_be_visible(timeout=30000)
        second = await citizen.evaluate(CALL, {"cfg": ticket, "name": "second", "headers": headers})
        assert second == 403
        channels = _guest_channels(ami, start)
        joined = _joined(ami, channels)
        assert len(channels) == 2 and len(joined) == 1, (channels, joined)
        assert await citizen.evaluate("() => window.calls.first.isInProgress()")
        await citizen.evaluate("() => window.calls.first.terminate()")
        await expect(agent_page.locator("#sp-call")).to_be_hidden(timeout=20000)


async def _refused_as_technical(lab: Lab, agi_url: str, shots: bool) -> list[AmiMessage]:
    """With HELPLINE_AGI at `agi_url`, a citizen starts a call on the page: the page says "a
    technical problem"; returns the AMI events of the guest channel."""
    async with lab.observer() as ami, chromium(*FAKE_MEDIA) as browser, \
            new_page(browser, permissions=["microphone", "camera"]) as citizen:
        r = await ami.send("Setvar", Variable="HELPLINE_AGI", Value=agi_url)
        assert r.get("Response") == "Success"
        try:
            start = len(ami.events)
            await citizen.goto(lab.server.url + "/video?lang=en")
            await citizen.check("#video-consent")
            await citizen.click("#video-start")
            await expect(citizen.locator("#video-status")).to_have_attribute("data-key", "video.err.technical",
                                                                               timeout=30000)
            await expect(citizen.locator("#video-status")).to_contain_text("technical problem")
            await expect(citizen.locator("#video-start")).to_be_visible()
            if shots:
                await shot(citizen, "video-page-technical-problem")
                await citizen.set_viewport_size({"width": 390, "height": 844})
                await shot(citizen, "video-page-technical-problem-phone")
        finally:
            await ami.send("Setvar", Variable="HELPLINE_AGI", Value=f"agi://127.0.0.1:{lab.server.agi_port}")
        channels = _guest_channels(ami, start)
        assert len(channels) == 1
        channel = next(iter(channels))
        mine = [e for e in ami.events[start:] if e.get("Channel") == channel]
    assert not [e for e in mine if e.event in ("QueueCallerJoin", "AgentCalled")]
    hangup = next(e for e in mine if e.event == "Hangup")
    assert hangup.get("Cause") == "38", hangup
    played = [f for f, _ in lab.played(channel)]
    assert played == [], played  # no apology ("sorry-technical"), no queue prompt: nothing to hear
    return mine


def _failed(mine: list[AmiMessage]) -> list[str]:
    return [e.get("Value") for e in mine if e.event == "VarSet" and e.get("Variable") == "HELPLINE_AGI_FAILED"]


async def test_with_the_application_down_the_page_says_so_and_no_queue_takes_the_call(lab: Lab) -> None:
    closed = free_port(socket.SOCK_STREAM, both=False)  # nothing listens here: FastAGI is "down"
    mine = await _refused_as_technical(lab, f"agi://127.0.0.1:{closed}", shots=True)
    assert _failed(mine) == ["video-ticket"]


async def test_a_failing_ticket_check_is_refused_not_sent_to_the_voice_queues(lab: Lab) -> None:
    """The FastAGI server up but the flow failing: the server's own fail-over sends the call to
    [helpline-failure] (SET CONTEXT), which hands a page call back to its refusal."""
    async def broken(channel: AgiChannel) -> None:
        raise RuntimeError("video-ticket broke (the test's)")

    async with FastAgiServer({"video-ticket": broken}, "127.0.0.1", 0,
                             failure_context=scripts.FAILURE_CONTEXT) as server:
        mine = await _refused_as_technical(lab, f"agi://127.0.0.1:{server.port}", shots=False)
        assert server.errors == 1
    assert _failed(mine) == ["1"]  # set by the FastAGI server's fail-over
    contexts = [e.get("Context") for e in mine if e.event == "Newexten"]
    assert "helpline-failure" in contexts and contexts[-1] == "helpline-video-web", contexts
    assert not [c for c in contexts if c in ("helpline-agent", "helpline-queue")]


async def _refused_in_the_queue(lab: Lab, ami: Observer, citizen: Page, key: str, words: str,
                                waits: str = "", lang: str = "en") -> AmiMessage:
    """A citizen starts a call on the page (in `lang`); the queue refuses it: the page says `words`
    (after "waiting for an interpreter" and the queue line `waits`, when given, screenshot) and
    offers the start button again. Returns the guest channel's Hangup."""
    start = len(ami.events)
    await citizen.goto(lab.server.url + f"/video?lang={lang}")
    await citizen.check("#video-consent")
    await citizen.click("#video-start")
    status = citizen.locator("#video-status")
    if waits:
        await expect(status).to_have_attribute("data-key", "video.status.waiting", timeout=30000)
        await expect(citizen.locator("#video-queue")).to_have_text(waits, timeout=20000)
        await shot(citizen, f"video-page-waiting-{lang}-real-asterisk-phone")
    await expect(status).to_have_attribute("data-key", key, timeout=60000)
    await expect(status).to_contain_text(words)
    await expect(citizen.locator("#video-start")).to_be_visible()
    channels = _guest_channels(ami, start)
    assert len(channels) == 1
    channel = next(iter(channels))
    mine = [e for e in ami.events[start:] if e.get("Channel") == channel]
    assert _joined(ami, channels) == ([channel] if waits else [])
    assert not [e for e in mine if e.event == "Newstate" and e.get("ChannelState") == "6"]  # never answered
    return await ami.wait(lambda e: e.event == "Hangup" and e.get("Channel") == channel, 20, "guest hangup", start)


async def test_with_no_interpreter_logged_in_the_page_says_so(lab: Lab) -> None:
    async with lab.observer() as ami, chromium(*FAKE_MEDIA) as browser, \
            new_page(browser, permissions=["microphone", "camera"]) as citizen:
        # the other tests' sign-language agents are logged out after them
        await until(lambda: "No Members" in lab.pbx.rx("queue show helpline-video"), 30, "an empty helpline-video")
        hangup = await _refused_in_the_queue(lab, ami, citizen, "video.err.no_agent",
                                             "No sign-language interpreter is available")
        assert hangup.get("Cause") == "17", hangup
        assert citizen.problems == []  # type: ignore[attr-defined]


async def test_nobody_answering_in_time_is_said_after_the_wait(lab: Lab) -> None:
    async with lab.observer() as ami, chromium(*FAKE_MEDIA) as browser, \
            new_page(browser, permissions=["microphone", "camera"]) as agent_page, \
            new_page(browser, permissions=["microphone", "camera"]) as citizen:
        await _sign_agent(lab, agent_page)  # rings, and does not answer
        r = await ami.send("Setvar", Variable="HELPLINE_QUEUE_MAX_WAIT", Value="5")
        assert r.get("Response") == "Success"
        try:
            await citizen.set_viewport_size({"width": 390, "height": 844})
            # in Hindi: "waiting for an interpreter, you are next", then "nobody could answer in time"
            hangup = await _refused_in_the_queue(lab, ami, citizen, "video.err.timeout", "समय पर कोई उत्तर नहीं दे सका",
                                                 waits="और कोई प्रतीक्षा में नहीं है: अगली बारी आपकी है।", lang="hi")
            await shot(citizen, "video-page-timeout-hi-real-asterisk-phone")
        finally:
            await ami.send("Setvar", Variable="HELPLINE_QUEUE_MAX_WAIT", Value="120")
        assert hangup.get("Cause") == "19", hangup
        await expect(agent_page.locator("#sp-call")).to_be_hidden(timeout=20000)


async def test_a_full_queue_is_said_as_such(lab: Lab) -> None:
    """app_queue says FULL at maxlen (10); the ticket is refused before that (HELPLINE_VIDEO_QUEUE_MAX),
    so ten waiting browsers would prove only the ticket. What is checked here is the dialplan's
    answer to FULL for a call already ringing: AMI Redirect of a waiting page call to
    [helpline-video-web-exit] FULL -> cause 34 -> SIP 503 -> "the queue is full"."""
    async with lab.observer() as ami, chromium(*FAKE_MEDIA) as browser, \
            new_page(browser, permissions=["microphone", "camera"]) as agent_page, \
            new_page(browser, permissions=["microphone", "camera"]) as citizen:
        await _sign_agent(lab, agent_page)  # rings, and does not answer: the call waits
        start = len(ami.events)
        await citizen.goto(lab.server.url + "/video?lang=en")
        await citizen.check("#video-consent")
        await citizen.click("#video-start")
        status = citizen.locator("#video-status")
        await expect(status).to_have_attribute("data-key", "video.status.waiting", timeout=30000)
        joined = await ami.wait(lambda e: e.event == "QueueCallerJoin"
                                and (e.get("Channel") or "").startswith("PJSIP/video-guest-"), 20, "the page's call", start)
        channel = joined.get("Channel")
        r = await ami.send("Redirect", Channel=channel, Context="helpline-video-web-exit", Exten="FULL", Priority="1")
        assert r.get("Response") == "Success", r
        await expect(status).to_have_attribute("data-key", "video.err.queue_full", timeout=20000)
        await expect(status).to_contain_text("the queue is full")
        await expect(citizen.locator("#video-start")).to_be_visible()
        hangup = await ami.wait(lambda e: e.event == "Hangup" and e.get("Channel") == channel, 20, "guest hangup", start)
        assert hangup.get("Cause") == "34", hangup
        assert not [e for e in ami.events[start:] if e.get("Channel") == channel and e.event == "Newstate"
                    and e.get("ChannelState") == "6"]
        await expect(agent_page.locator("#sp-call")).to_be_hidden(timeout=20000)
