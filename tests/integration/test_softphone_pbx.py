"""The desk softphone on the real Asterisk (issue 16): Debian chromium with a fake microphone
registers the agent's WebRTC endpoint over Asterisk's WebSocket transport when the agent joins
the queues, takes a SIPp caller from helpline-hi, and audio flows both ways (the browser's
getStats counts packets from the caller's tone; Asterisk counts packets from the browser's fake
microphone); the agent's keypad digit reaches Asterisk; the agent's hang-up ends the caller's call."""
from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.fakes.browser import chromium, login, new_page, shot, join_with_softphone
from tests.integration.harness.lab import PASSWORD, Lab, until
from tests.integration.test_recording import TalkingCaller, tone

FAKE_MEDIA = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              "--allow-loopback-in-peer-connection")
EXT = "agent3001"

INBOUND_AUDIO = """async () => {
  const s = Softphone.session();
  if (!s || !s.connection) return 0;
  let n = 0;
  (await s.connection.getStats()).forEach((r) => { if (r.type === "inbound-rtp" && r.kind === "audio") n += r.packetsReceived; });
  return n;
}"""


def _received_by_asterisk(text: str, channel_prefix: str) -> int:
    """Packets Asterisk received on the channel (`pjsip show channelstats`: Receive Count column)."""
    found = re.search(rf"\b{re.escape(channel_prefix)}-\S+\s+\S+\s+\S+\s+(\d+)", text)  # channel, uptime, codec, count
    return int(found.group(1)) if found else 0


async def test_the_softphone_takes_a_queue_call_with_audio_both_ways(lab: Lab) -> None:
    agent = await lab.user("webagent", extension=EXT)
    async with chromium(*FAKE_MEDIA) as browser, new_page(browser, permissions=["microphone"]) as page:
        await login(page, lab.server.url, "webagent", PASSWORD)
        await expect(page.locator("#softphone")).to_be_visible()
        await join_with_softphone(page)
        lab.logged_in.append(agent)
        assert "agent3001" in lab.pbx.rx("pjsip show contacts")
        steps: list[tuple[str, object]] = [
            ("pause", 1200), ("dtmf", "1"), ("pause", 900), ("dtmf", "1"),
            ("pause", lab.prompt_ms("hi", "queue-connecting"))]
        caller = await lab.call(TalkingCaller(caller="9876500031", steps=steps, wait_bye=True, max_wait_ms=90000,
                                              sound=tone(lab.root)))
        await expect(page.locator("#sp-answer")).to_be_visible(timeout=60000)
        await page.click("#sp-answer")
        await expect(page.locator("#sp-hangup")).to_be_visible(timeout=20000)
        await until(lambda: page.evaluate(INBOUND_AUDIO), 30, "RTP from the caller in the browser")
        await page.wait_for_timeout(2000)  # a little conversation: 20 ms packets, about 100 each way
        received = await page.evaluate(INBOUND_AUDIO)
        stats = lab.pbx.rx("pjsip show channelstats")
        from_browser = _received_by_asterisk(stats, EXT)
        await shot(page, "desk-softphone-real-asterisk")
        # the agent's keypad: RFC 4733 in the media, as Asterisk's full log shows it
        await page.click('#sp-dtmf button[data-digit="5"]')
        await until(lambda: re.search(r"DTMF end '5' received on PJSIP/agent3001", lab.pbx.full_log()), 15,
                    "the softphone's digit 5 at Asterisk")
        await page.click("#sp-hangup")
        assert await caller.finished(30) == 0, caller.errors()
        await expect(page.locator("#sp-call")).to_be_hidden()
    print(f"\nsoftphone on Asterisk: the browser received {received} RTP packets from the caller, "
          f"Asterisk {from_browser} from the browser")
    assert received > 25 and from_browser > 25, stats  # 2 s of 20 ms packets each way, give or take
