"""The desk softphone in Debian chromium with fake media (`--use-fake-device-for-media-stream`),
against a SIP-over-WebSocket peer that registers and calls like Asterisk's WebSocket transport:
the JsSIP bundle registers when the agent joins the queues (with the password Helpline derives),
shows the state, rings, answers (button and auto-answer), mutes, holds, sends keypad digits,
transfers and hangs up; a dropped socket is said and registration comes back by itself; a refused
microphone is said and the call is handed back to the queue."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from agent_console.softphone import password
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.browser import chromium, login, new_page, shot
from tests.fakes.cti_stack import CtiStack
from tests.fakes.sip_ws import FakeSipServer

pytestmark = pytest.mark.browser

BUNDLE = Path(__file__).resolve().parents[2] / "agent_console" / "static" / "jssip.js"
FAKE_MEDIA = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream")
EXT = "agent1001"


@pytest.fixture(autouse=True)
def _bundle() -> None:
    if not BUNDLE.exists():
        import os
        if os.environ.get("CI") == "true":
            pytest.fail("the JsSIP bundle is missing: scripts/setup.sh runs scripts/build-softphone.sh")
        pytest.skip("the JsSIP bundle is not built (scripts/build-softphone.sh)")


async def _desk(page: Page, base: str) -> None:
    await login(page, base, "agent1")
    await expect(page.locator("#softphone")).to_be_visible()
    await expect(page.locator("#sp-state")).to_have_attribute("data-state", "off")


async def test_softphone_registers_rings_answers_and_controls_the_call(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeSipServer({EXT: password("test-secret", EXT)}) as sip:
        monkeypatch.setenv("HELPLINE_SOFTPHONE_WS_URL", sip.url)
        monkeypatch.setenv("HELPLINE_SOFTPHONE_SIP_DOMAIN", sip.domain)
        async with FakeAmiServer(auth_fail_delay=0.05) as ami, CtiStack(sqlite_url, ami) as stack, \
                chromium(*FAKE_MEDIA) as browser:
            base = stack.url("")
            await stack.user("agent1", extension=EXT)
            admin = await stack.user("boss", "admin")
            async with new_page(browser, permissions=["microphone"]) as page:
                await _desk(page, base)
                assert sip.registrations == []  # not before the agent joins the queues
                await page.click("#btn-login")
                await ami.wait_for_action("QueueAdd")
                await expect(page.locator("#sp-state")).to_have_attribute("data-state", "registered", timeout=30000)
                assert sip.refused == [] and len(sip.registrations) == 1

                # a queue call rings the browser; the agent answers with the button
                call = await sip.invite(EXT)
                await expect(page.locator("#sp-answer")).to_be_visible()
                await expect(page.locator("#sp-caller")).to_contain_text("98123 45678")
                await shot(page, "desk-softphone-ringing")
                await page.click("#sp-answer")
                await sip.until(lambda: call.answered.is_set())
                answer = next(r for r in call.responses if r.status == 200).body
                assert "m=audio" in answer and "PCMU/8000" in answer and "a=fingerprint:" in answer
                await expect(page.locator("#sp-hangup")).to_be_visible()

                await page.click("#sp-mute")
                await expect(page.locator("#sp-mute")).to_have_attribute("aria-pressed", "true")
                assert await page.evaluate(
                    "() => Softphone.session().connection.getSenders().every(s => !s.track || !s.track.enabled)")
                await page.click("#sp-mute")
                assert await page.evaluate(
                    "() => Softphone.session().connection.getSenders().some(s => s.track && s.track.enabled)")

                await page.click('#sp-dtmf button[data-digit="5"]')
                info = await sip.until(lambda: call.requests_named("INFO") or None)
                assert "Signal=5" in info[0].body
                await expect(page.locator("#sp-dtmf-sent")).to_have_text("5")

                await page.click("#sp-hold")
                reinvite = await sip.until(lambda: call.requests_named("INVITE") or None)
                assert "a=sendonly" in reinvite[0].body
                await expect(page.locator("#sp-hold")).to_have_attribute("aria-pressed", "true")
                await shot(page, "desk-softphone-on-hold")
                await page.click("#sp-hold")
                await expect(page.locator("#sp-hold")).to_have_attribute("aria-pressed", "false")

                await page.fill("#sp-transfer-to", "2002")
                await page.click("#sp-transfer")
                refer = await sip.until(lambda: call.requests_named("REFER") or None)
                assert "sip:2002@helpline.test" in refer[0].header("Refer-To")

                await page.click("#sp-hangup")
                await sip.until(lambda: call.requests_named("BYE") or None)
                await expect(page.locator("#sp-call")).to_be_hidden()

                # the caller hangs up first
                second = await sip.invite(EXT)
                await page.click("#sp-answer")
                await sip.until(lambda: second.answered.is_set())
                await sip.hang_up(second)
                await expect(page.locator("#sp-call")).to_be_hidden()

                # the socket drops: said at once, then JsSIP reconnects and registers again
                sip.drop(refuse_s=4.0)
                await expect(page.locator("#sp-state")).to_have_attribute("data-state", "disconnected")
                await expect(page.locator("#sp-msg")).to_contain_text("dropped")
                await shot(page, "desk-softphone-socket-dropped")
                await expect(page.locator("#sp-state")).to_have_attribute("data-state", "registered", timeout=40000)
                await expect(page.locator("#sp-msg")).to_contain_text("registered again")
                assert len(sip.registrations) >= 2

                # auto-answer, set by the administrator: the next call is answered without a click
                async with httpx.AsyncClient(base_url=base) as http:
                    r = await http.put("/api/v1/admin/users/agent1/media", json={"auto_answer": True},
                                       headers={"Authorization": f"Bearer {admin}"})
                    assert r.status_code == 200 and r.json()["auto_answer"] is True
                await page.reload()
                await expect(page.locator("#sp-state")).to_have_attribute("data-state", "registered", timeout=30000)
                auto = await sip.invite(EXT)
                await sip.until(lambda: auto.answered.is_set())
                await page.click("#sp-hangup")
                await sip.until(lambda: auto.requests_named("BYE") or None)

                # leaving the queues unregisters
                await page.click("#btn-leave")
                await expect(page.locator("#sp-state")).to_have_attribute("data-state", "off", timeout=30000)
                await sip.until(lambda: EXT not in sip.contact)
                assert page.problems == []  # type: ignore[attr-defined]


async def test_a_refused_microphone_is_said_and_the_call_goes_back(sqlite_url: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeSipServer({EXT: password("test-secret", EXT)}) as sip:
        monkeypatch.setenv("HELPLINE_SOFTPHONE_WS_URL", sip.url)
        async with FakeAmiServer(auth_fail_delay=0.05) as ami, CtiStack(sqlite_url, ami) as stack, \
                chromium("--use-fake-device-for-media-stream") as browser:  # no fake "allow": the prompt is refused
            base = stack.url("")
            await stack.user("agent1", extension=EXT)
            async with new_page(browser) as page:
                await _desk(page, base)
                await page.click("#btn-login")
                await expect(page.locator("#sp-state")).to_have_attribute("data-state", "registered", timeout=30000)
                call = await sip.invite(EXT)
                await page.click("#sp-answer")
                await sip.until(lambda: call.final != 0)
                assert call.final == 480  # not answered: app_queue rings the next agent
                await expect(page.locator("#softphone")).to_have_attribute("data-error", "sp.mic_refused")
                await expect(page.locator("#sp-msg")).to_contain_text("microphone is blocked")
                await shot(page, "desk-softphone-mic-refused")


async def test_without_a_websocket_url_the_desk_has_no_softphone(sqlite_url: str) -> None:
    async with FakeAmiServer(auth_fail_delay=0.05) as ami, CtiStack(sqlite_url, ami) as stack, \
            chromium() as browser:
        await stack.user("agent1", extension=EXT)
        async with new_page(browser) as page:
            await login(page, stack.url(""), "agent1")
            await expect(page.locator("#call-card")).to_be_visible()
            await expect(page.locator("#softphone")).to_be_hidden()


async def test_a_sign_language_agent_answers_a_video_call_with_the_camera(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeSipServer({EXT: password("test-secret", EXT)}) as sip:
        monkeypatch.setenv("HELPLINE_SOFTPHONE_WS_URL", sip.url)
        async with FakeAmiServer(auth_fail_delay=0.05) as ami, CtiStack(sqlite_url, ami) as stack, \
                chromium(*FAKE_MEDIA) as browser:
            await stack.user("agent1", extension=EXT)
            async with new_page(browser, permissions=["microphone", "camera"]) as page:
                await _desk(page, stack.url(""))
                await page.click("#btn-login")
                await expect(page.locator("#sp-state")).to_have_attribute("data-state", "registered", timeout=30000)
                call = await sip.invite(EXT, caller="video", name="Video page", video=True)
                await page.click("#sp-answer")
                await sip.until(lambda: call.answered.is_set())
                answer = next(r for r in call.responses if r.status == 200).body
                video_part = answer[answer.index("m=video"):]
                assert video_part.startswith("m=video 9 ") and "VP8/90000" in video_part and "a=sendrecv" in video_part
                await expect(page.locator("#sp-video")).to_be_visible()
                assert await page.evaluate(
                    "() => Softphone.session().connection.getSenders().some(s => s.track && s.track.kind === 'video')")
                await shot(page, "desk-softphone-video-call")
                await page.click("#sp-hangup")
                await sip.until(lambda: call.requests_named("BYE") or None)
                await expect(page.locator("#sp-video")).to_be_hidden()
