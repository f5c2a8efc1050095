"""Sign-language video on the real Asterisk (issue 16): a citizen's browser on the public page
/video (fake camera and microphone) calls through the guest endpoint with Helpline's ticket, the
dialplan's FastAGI `video-ticket` admits it to helpline-video, and a sign-language agent's desk
softphone answers with its camera: video packets flow both ways (both browsers' getStats).
Until the agent answers, the page says "waiting for a sign-language interpreter" (the dialplan
does not answer the call: it rings, 180, while the agent's phone rings) and the guest channel is
not up; only the agent's answer brings "Connected" (200 OK).
Browsers and Asterisk share one host and Chrome gathers candidates on every interface, so ICE
fails now and then: one retry, and the tries are reported."""
from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from storage.queries import rate_counters
from tests.fakes.browser import chromium, login, new_page, shot, join_with_softphone
from tests.integration.harness.lab import PASSWORD, Lab, Observer, until

FAKE_MEDIA = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              "--allow-loopback-in-peer-connection")
EXT = "agent3002"


@pytest.fixture(autouse=True)
async def _ticket_allowance(lab: Lab) -> None:
    """Every browser here is 127.0.0.1, and the page hands out 5 tickets per address per 10
    minutes: each test starts with its address's allowance fresh (as 10 minutes later)."""
    async with lab.db() as database, database.session_scope() as session:
        await rate_counters.clear(session, "video:127.0.0.1")

VIDEO_IN = """async (which) => {
  const s = which === "agent" ? Softphone.session() : VideoCall.session();
  if (!s || !s.connection) return 0;
  let n = 0;
  (await s.connection.getStats()).forEach((r) => { if (r.type === "inbound-rtp" && r.kind === "video") n += r.packetsReceived; });
  return n;
}"""


async def _one_call(lab: Lab, ami: Observer, agent_page: Page, citizen: Page, shots: bool) -> tuple[int, int]:
    start = len(ami.events)
    await citizen.goto(lab.server.url + "/video?lang=en")
    await citizen.check("#video-consent")
    await citizen.click("#video-start")
    status = citizen.locator("#video-status")
    await expect(status).to_have_attribute("data-key", "video.status.waiting", timeout=60000)
    await expect(agent_page.locator("#sp-answer")).to_be_visible(timeout=60000)
    # the agent's phone rings: the citizen still waits for an interpreter, the call is not up
    await expect(status).to_contain_text("Waiting for a sign-language interpreter")
    # how many wait, from the CTI (GET /api/v1/video/queue): this citizen alone
    await expect(citizen.locator("#video-queue")).to_have_text("Nobody else is waiting: you are next.", timeout=20000)
    assert await citizen.evaluate("() => document.body.dataset.video") == "waiting"
    assert await citizen.evaluate("() => VideoCall.session().isInProgress()")
    guest = next(e.get("Channel") for e in ami.events[start:]
                 if e.event == "QueueCallerJoin" and (e.get("Channel") or "").startswith("PJSIP/video-guest-"))
    assert not [e for e in ami.events[start:] if e.get("Channel") == guest and e.event == "Newstate"
                and e.get("ChannelState") == "6"], "the guest channel was answered before the agent"
    if shots:
        await shot(citizen, "video-page-waiting-real-asterisk")
        await citizen.set_viewport_size({"width": 390, "height": 844})
        await shot(citizen, "video-page-waiting-real-asterisk-phone")
        await citizen.set_viewport_size({"width": 1366, "height": 768})
    await agent_page.click("#sp-answer")
    await expect(status).to_have_attribute("data-key", "video.status.connected", timeout=30000)
    await expect(status).to_contain_text("Connected")
    await expect(citizen.locator("#video-queue")).to_be_hidden()
    await ami.wait(lambda e: e.get("Channel") == guest and e.event == "Newstate" and e.get("ChannelState") == "6",
                   20, "the guest channel answered by the bridge", start)
    try:
        await until(lambda: agent_page.evaluate(VIDEO_IN, "agent"), 20, "video from the citizen")
        await until(lambda: citizen.evaluate(VIDEO_IN, "citizen"), 20, "video from the agent")
        await agent_page.wait_for_timeout(3000)
        if shots:
            await shot(citizen, "video-page-connected-real-asterisk")
        return await agent_page.evaluate(VIDEO_IN, "agent"), await citizen.evaluate(VIDEO_IN, "citizen")
    finally:
        await citizen.click("#video-hangup")
        await expect(agent_page.locator("#sp-call")).to_be_hidden(timeout=20000)


async def test_a_citizen_on_the_video_page_reaches_a_sign_language_agent(lab: Lab) -> None:
    admin = await lab.user("videoadmin", "admin")
    agent = await lab.user("signagent", extension=EXT)
    async with lab.http() as http:
        r = await http.put("/api/v1/admin/users/signagent/media", json={"sign_language": True}, headers=admin)
        assert r.status_code == 200, r.text
    async with lab.observer() as ami, chromium(*FAKE_MEDIA) as browser, \
            new_page(browser, permissions=["microphone", "camera"]) as agent_page, \
            new_page(browser, permissions=["microphone", "camera"]) as citizen:
        await login(agent_page, lab.server.url, "signagent", PASSWORD)
        await join_with_softphone(agent_page)
        lab.logged_in.append(agent)
        tries, failures = 0, []
        result = None
        while result is None and tries < 2:  # ICE on a shared host: one retry
            tries += 1
            try:
                result = await _one_call(lab, ami, agent_page, citizen, shots=tries == 1)
            except AssertionError as exc:
                failures.append(str(exc)[:200])
        print(f"\nvideo page -> sign-language agent: {tries} tries, {len(failures)} failed ICE/media: {failures}; "
              f"video packets in (agent, citizen): {result}")
        assert result is not None, failures
        agent_in, citizen_in = result
        await shot(citizen, "video-page-real-asterisk")
    assert agent_in > 20 and citizen_in > 20, result
