"""The public sign-language video page in Debian chromium with a fake camera and microphone, at
390x844 (a phone) and 1366x768: consent first, then a video call (audio and video offered) that
carries the ticket Helpline issued to the guest endpoint's authenticated INVITE; a full queue and
a refused camera are said in words; a connected call shows the caller's own camera and ends with
BYE."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from agent_console import video
from agent_console.softphone import password
from tests.fakes.browser import chromium, new_page, shot
from tests.fakes.cti_stack import CtiStack
from tests.fakes.sip_ws import FakeSipServer

pytestmark = pytest.mark.browser

BUNDLE = Path(__file__).resolve().parents[2] / "agent_console" / "static" / "jssip.js"
FAKE_MEDIA = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream")


@pytest.fixture(autouse=True)
def _bundle() -> None:
    if not BUNDLE.exists():
        import os
        if os.environ.get("CI") == "true":
            pytest.fail("the JsSIP bundle is missing: scripts/setup.sh runs scripts/build-softphone.sh")
        pytest.skip("the JsSIP bundle is not built (scripts/build-softphone.sh)")


async def test_a_citizen_calls_from_the_page(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "test-secret"
    async with FakeSipServer({video.GUEST: password(secret, video.GUEST)},
                             ticket_ok=lambda t: video.valid(secret, t)) as sip:
        monkeypatch.setenv("HELPLINE_SOFTPHONE_WS_URL", sip.url)
        monkeypatch.setenv("HELPLINE_SOFTPHONE_SIP_DOMAIN", sip.domain)
        async with CtiStack(sqlite_url, None) as stack, chromium(*FAKE_MEDIA) as browser:
            base = stack.url("")
            async with new_page(browser, permissions=["camera", "microphone"]) as page:
                await page.set_viewport_size({"width": 390, "height": 844})
                await page.goto(base + "/video?lang=hi")
                await expect(page.locator("h1")).to_have_text("सांकेतिक भाषा वीडियो सहायता")
                await expect(page.locator("#video-start")).to_be_disabled()
                await shot(page, "video-page-hi-phone")
                await page.click("#lang-switch")
                await expect(page.locator("h1")).to_have_text("Sign-language video help")
                await page.check("#video-consent")

                # first try: every interpreter busy and the queue full (Asterisk: FULL -> Hangup(34) -> 503)
                await page.click("#video-start")
                first = await sip.until(lambda: sip.guest_calls[0] if sip.guest_calls else None)
                assert "m=audio" in first.invite.body and "m=video" in first.invite.body
                assert first.invite.header("X-Helpline-Lang") == "en"
                await expect(page.locator("#video-status")).to_contain_text("Waiting for a sign-language interpreter")
                # 180 only: still waiting, nothing says "connected"; no PBX here, so no count of who waits
                await expect(page.locator("body")).to_have_attribute("data-video", "waiting")
                await expect(page.locator("#video-hangup")).to_be_visible()
                await expect(page.locator("#video-queue")).to_be_hidden()
                await shot(page, "video-page-waiting-phone")
                await sip.guest_answer(first, 503)
                await expect(page.locator("#video-status")).to_contain_text("queue is full")
                await expect(page.locator("#video-start")).to_be_visible()

                # then: outside the video queue's service hours (Hangup(27) -> 502)
                await page.click("#video-start")
                closed = await sip.until(lambda: sip.guest_calls[1] if len(sip.guest_calls) > 1 else None)
                await sip.guest_answer(closed, 502)
                await expect(page.locator("#video-status")).to_contain_text("not on duty now")

                # last try: an interpreter answers
                await page.click("#video-start")
                second = await sip.until(lambda: sip.guest_calls[2] if len(sip.guest_calls) > 2 else None)
                await expect(page.locator("#video-status")).to_have_attribute("data-key", "video.status.waiting")
                await sip.guest_answer(second, 200)
                await expect(page.locator("#video-status")).to_contain_text("Connected")
                await page.wait_for_function("() => { const v = document.getElementById('video-local');"
                                             " return v.srcObject && v.videoWidth > 0; }", timeout=15000)
                await page.set_viewport_size({"width": 1366, "height": 768})
                await shot(page, "video-page-connected")
                await page.click("#video-hangup")
                await sip.until(lambda: any(r.method == "BYE" for r in second.requests) or None)
                await expect(page.locator("#video-status")).to_contain_text("The call has ended")
                assert sip.refused == []  # both INVITEs proved the guest password
                assert all(video.valid(secret, g.invite.header("X-Helpline-Ticket")) for g in sip.guest_calls)
                assert page.problems == []  # type: ignore[attr-defined]


async def test_a_refused_camera_is_said(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeSipServer({}) as sip:
        monkeypatch.setenv("HELPLINE_SOFTPHONE_WS_URL", sip.url)
        async with CtiStack(sqlite_url, None) as stack, chromium("--use-fake-device-for-media-stream") as browser:
            async with new_page(browser) as page:
                await page.set_viewport_size({"width": 390, "height": 844})
                await page.goto(stack.url("/video?lang=en"))
                await page.check("#video-consent")
                await page.click("#video-start")
                await expect(page.locator("#video-status")).to_contain_text("camera or microphone is blocked")
                await expect(page.locator("#video-start")).to_be_visible()
                await shot(page, "video-page-camera-refused-phone")
                assert sip.guest_calls == []
