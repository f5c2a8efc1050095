"""Sign-language video on the real Asterisk (issue 16): a citizen's browser on the public page
/video (fake camera and microphone) calls through the guest endpoint with Helpline's ticket, the
dialplan's FastAGI `video-ticket` admits it to helpline-video, and a sign-language agent's desk
softphone answers with its camera: video packets flow both ways (both browsers' getStats).
Browsers and Asterisk share one host and Chrome gathers candidates on every interface, so ICE
fails now and then: one retry, and the tries are reported."""
from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.fakes.browser import chromium, login, new_page, shot
from tests.integration.harness.lab import PASSWORD, Lab, until

FAKE_MEDIA = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              "--allow-loopback-in-peer-connection")
EXT = "agent3002"

VIDEO_IN = """async (which) => {
  const s = which === "agent" ? Softphone.session() : VideoCall.session();
  if (!s || !s.connection) return 0;
  let n = 0;
  (await s.connection.getStats()).forEach((r) => { if (r.type === "inbound-rtp" && r.kind === "video") n += r.packetsReceived; });
  return n;
}"""


async def _one_call(lab: Lab, agent_page: Page, citizen: Page) -> tuple[int, int]:
    await citizen.goto(lab.server.url + "/video?lang=en")
    await citizen.check("#video-consent")
    await citizen.click("#video-start")
    await expect(agent_page.locator("#sp-answer")).to_be_visible(timeout=60000)
    await agent_page.click("#sp-answer")
    await expect(citizen.locator("#video-status")).to_contain_text("Connected", timeout=30000)
    try:
        await until(lambda: agent_page.evaluate(VIDEO_IN, "agent"), 20, "video from the citizen")
        await until(lambda: citizen.evaluate(VIDEO_IN, "citizen"), 20, "video from the agent")
        await agent_page.wait_for_timeout(3000)
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
    async with chromium(*FAKE_MEDIA) as browser, new_page(browser, permissions=["microphone", "camera"]) as agent_page, \
            new_page(browser, permissions=["microphone", "camera"]) as citizen:
        await login(agent_page, lab.server.url, "signagent", PASSWORD)
        await agent_page.click("#btn-login")
        await expect(agent_page.locator("#sp-state")).to_have_attribute("data-state", "registered", timeout=20000)
        lab.logged_in.append(agent)
        tries, failures = 0, []
        result = None
        while result is None and tries < 2:  # ICE on a shared host: one retry
            tries += 1
            try:
                result = await _one_call(lab, agent_page, citizen)
            except AssertionError as exc:
                failures.append(str(exc)[:200])
        print(f"\nvideo page -> sign-language agent: {tries} tries, {len(failures)} failed ICE/media: {failures}; "
              f"video packets in (agent, citizen): {result}")
        assert result is not None, failures
        agent_in, citizen_in = result
        await shot(citizen, "video-page-real-asterisk")
    assert agent_in > 20 and citizen_in > 20, result
