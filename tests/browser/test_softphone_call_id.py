"""The desk softphone and the screen pop are one call (issue 16): the PBX's INVITE carries the call's
id in X-Helpline-Call (the dialplan's predial handler), the pop carries the same id (call.id, the
Linkedid). In Debian chromium with fake media, on the fake AMI replaying a real capture and a
SIP-over-WebSocket peer calling like Asterisk: the panel says "same call" when they agree, says
clearly when the ringing call is not the pop's, a ringing call that is the pop's replaces one that
is not, and auto-answer takes only the pop's call (or, with no pop at all, after a few seconds)."""
from __future__ import annotations

import re
import time

import httpx
import pytest
from playwright.async_api import expect

from agent_console.softphone import password
from cti.ami.framing import AmiMessage
from tests.browser.test_softphone import EXT, FAKE_MEDIA, _bundle, _desk  # noqa: F401 (fixture)
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.browser import chromium, new_page, shot
from tests.fakes.cti_stack import CtiStack
from tests.fakes.desk import cut_after, events, variant
from tests.fakes.sip_ws import FakeSipServer

pytestmark = pytest.mark.browser
HEADER = "X-Helpline-Call"


def _call_id(items: list[AmiMessage]) -> str:
    return next(m.get("Linkedid") for m in items if m.event == "Newchannel" and m.get("Uniqueid") == m.get("Linkedid"))


async def test_the_softphone_matches_its_ringing_call_to_the_screen_pop(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeSipServer({EXT: password("test-secret", EXT)}) as sip:
        monkeypatch.setenv("HELPLINE_SOFTPHONE_WS_URL", sip.url)
        monkeypatch.setenv("HELPLINE_SOFTPHONE_SIP_DOMAIN", sip.domain)
        async with FakeAmiServer(auth_fail_delay=0.05) as ami, CtiStack(sqlite_url, ami) as stack, chromium(*FAKE_MEDIA) as browser:
            base = stack.url("")
            await stack.user("agent1", extension=EXT)
            admin = await stack.user("boss", "admin")
            first = events("inbound-answered", time.time())
            a = _call_id(first)
            ring_a, rest_a = cut_after(first, "AgentCalled")
            async with new_page(browser, permissions=["microphone"]) as page:
                await _desk(page, base)
                await page.click("#btn-login")
                await expect(page.locator("#sp-state")).to_have_attribute("data-state", "registered", timeout=30000)
                match = page.locator("#sp-match")

                # the pop rings for call A, then the INVITE for call A: the same call, said so
                for msg in ring_a:
                    ami.emit(msg)
                await expect(page.locator("#call-card")).to_have_attribute("data-call-id", a)
                call_a = await sip.invite(EXT, headers={HEADER: a})
                await expect(match).to_have_attribute("data-match", "same")
                await expect(match).to_have_text("Same call as the screen pop.")
                assert await page.evaluate("() => Softphone.callId()") == a
                await shot(page, "desk-softphone-same-call")

                # a second INVITE while A rings (not the pop's call): busy, A keeps ringing
                stray = await sip.invite(EXT, headers={HEADER: "1700000000.77"})
                await sip.until(lambda: stray.final != 0)
                assert stray.final == 486 and call_a.final == 0
                await expect(match).to_have_attribute("data-match", "same")

                # the agent declines A; then a call that is not the pop's rings: said clearly
                await page.click("#sp-decline")
                await sip.until(lambda: call_a.final != 0)
                other = await sip.invite(EXT, headers={HEADER: "1700000000.88"})
                await expect(match).to_have_attribute("data-match", "other")
                await expect(match).to_have_class(re.compile(r"\berror\b"))
                await expect(match).to_contain_text(f"this ringing call is 1700000000.88, the screen pop shows {a}")
                await expect(page.locator("#softphone")).to_have_attribute("data-match", "other")
                await shot(page, "desk-softphone-other-call")

                # the pop's own call comes: it replaces the other one, which is declined
                again_a = await sip.invite(EXT, headers={HEADER: a})
                await sip.until(lambda: other.final != 0)
                assert other.final == 486
                await expect(match).to_have_attribute("data-match", "same")
                await expect(match).to_contain_text("Another ringing call was declined")
                await page.click("#sp-answer")
                await sip.until(lambda: again_a.answered.is_set())
                await page.click("#sp-hangup")
                await sip.until(lambda: again_a.requests_named("BYE") or None)
                await expect(match).to_be_hidden()
                for msg in rest_a:  # call A ends on the PBX too: the pop is over
                    ami.emit(msg)
                await expect(page.locator("#call-card")).to_have_class(re.compile(r"\bended\b"))

                # auto-answer: only the pop's call, never another one ringing first
                async with httpx.AsyncClient(base_url=base) as http:
                    r = await http.put("/api/v1/admin/users/agent1/media", json={"auto_answer": True},
                                       headers={"Authorization": f"Bearer {admin}"})
                    assert r.status_code == 200, r.text
                await page.reload()
                await expect(page.locator("#sp-state")).to_have_attribute("data-state", "registered", timeout=30000)
                second = events(variant("inbound-answered", "919800000042", 42), time.time())
                b = _call_id(second)
                ring_b, rest_b = cut_after(second, "AgentCalled")
                for msg in ring_b:
                    ami.emit(msg)
                await expect(page.locator("#call-card")).to_have_attribute("data-call-id", b)
                wrong = await sip.invite(EXT, headers={HEADER: a})  # A is over: not the call on screen
                await expect(match).to_have_attribute("data-match", "other")
                right = await sip.invite(EXT, headers={HEADER: b})
                await sip.until(lambda: right.answered.is_set())
                assert wrong.final == 486  # declined, never answered
                await expect(match).to_have_attribute("data-match", "same")
                await page.click("#sp-hangup")
                await sip.until(lambda: right.requests_named("BYE") or None)
                for msg in rest_b:
                    ami.emit(msg)
                await expect(page.locator("#call-card")).to_have_class(re.compile(r"\bended\b"))

                # a queue call whose pop never comes (the CTI slow or away): said, then answered anyway
                lonely = await sip.invite(EXT, headers={HEADER: "1700000000.99"})
                await expect(match).to_have_attribute("data-match", "waiting")
                await expect(match).to_have_text("Waiting for the screen pop of this call…")
                await sip.until(lambda: lonely.answered.is_set(), timeout=20)
                await page.click("#sp-hangup")
                await sip.until(lambda: lonely.requests_named("BYE") or None)
                assert page.problems == []  # type: ignore[attr-defined]
