"""One call id and DTMF both ways, on the real Asterisk (issue 16): the desk softphone (chromium,
fake microphone) takes a SIPp caller from helpline-hi. The INVITE Asterisk sends the browser carries
X-Helpline-Call (the dialplan's predial handler) equal to the screen pop's call.id on /ws/agent and
to AgentCalled's Linkedid; the desk says "same call". The caller's RFC 2833 digits cross the bridge
to the softphone (AMI DTMFEnd Sent on the agent's channel), and the agent's keypad digit reaches the
caller's channel (DTMFEnd Sent there)."""
from __future__ import annotations

import re

from playwright.async_api import expect

from tests.fakes.browser import chromium, login, new_page, shot, join_with_softphone
from tests.integration.harness.lab import PASSWORD, Lab, receive_until, until
from tests.integration.harness.sip import Caller

FAKE_MEDIA = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              "--allow-loopback-in-peer-connection")
EXT = "agent3003"
CALLER = "9876500033"


def _dtmf(ami_events: list, channel_prefix: str, direction: str, digit: str) -> list:
    return [e for e in ami_events if e.event == "DTMFEnd" and (e.get("Channel") or "").startswith(channel_prefix)
            and e.get("Direction") == direction and e.get("Digit") == digit]


async def test_the_agents_invite_carries_the_pops_call_id_and_digits_cross_both_ways(lab: Lab) -> None:
    agent = await lab.user("idagent", extension=EXT)
    ws = await lab.socket("/ws/agent", agent)
    lab.pbx.rx("pjsip set logger on")
    try:
        async with lab.observer() as ami, chromium(*FAKE_MEDIA) as browser, \
                new_page(browser, permissions=["microphone"]) as page:
            await login(page, lab.server.url, "idagent", PASSWORD)
            await join_with_softphone(page)
            lab.logged_in.append(agent)
            # Hindi, 1 = register a complaint (an agent), then the caller keeps pressing 7 every 1.5 s:
            # digits that reach the agent once bridged (7 means nothing to the queue while waiting)
            steps: list[tuple[str, object]] = [
                ("pause", 1200), ("dtmf", "1"), ("pause", 900), ("dtmf", "1"),
                ("pause", lab.prompt_ms("hi", "queue-connecting"))]
            for _ in range(40):
                steps += [("pause", 1100), ("dtmf", "7")]
            caller = await lab.call(Caller(caller=CALLER, steps=steps, wait_bye=True, max_wait_ms=60000))
            called = await ami.wait(lambda e: e.event == "AgentCalled" and e.get("CallerIDNum") == CALLER,
                                    90, "AgentCalled")
            pop = await receive_until(ws, "call.ringing", 30)
            linkedid = called.get("Linkedid")
            assert pop["call"]["id"] == linkedid

            # the INVITE the browser got names the pop's call; the desk says so
            await expect(page.locator("#sp-answer")).to_be_visible(timeout=30000)
            assert await page.evaluate("() => Softphone.callId()") == linkedid
            await expect(page.locator("#sp-match")).to_have_attribute("data-match", "same", timeout=30000)
            await expect(page.locator("#sp-caller")).to_have_text("98765 00033")  # the number once, grouped
            await expect(page.locator("#call-card")).to_have_attribute("data-call-id", linkedid)
            # Asterisk's own log of the INVITE it sent (pjsip logger): the header is on the wire
            # (to the browser's WebSocket; the request URI is the contact JsSIP registered)
            invites = [m for m in lab.pbx.full_log().split("<--- ")
                       if m.startswith("Transmitting SIP request") and " to WS:" in m.split("\n", 1)[0]
                       and "\nINVITE sip:" in m[:400]]
            assert invites, "no INVITE to the softphone in the pjsip log"
            assert any(re.search(rf"\nX-Helpline-Call: {re.escape(linkedid)}\r?\n", m) for m in invites), \
                invites[-1][:1500]
            await shot(page, "desk-softphone-same-call-real-asterisk")

            await page.click("#sp-answer")
            connect = await ami.wait(lambda e: e.event == "AgentConnect" and e.get("Linkedid") == linkedid,
                                     30, "AgentConnect")
            agent_channel = connect.get("DestChannel") or ""
            caller_channel = connect.get("Channel") or ""
            assert agent_channel.startswith(f"PJSIP/{EXT}-") and caller_channel.startswith("PJSIP/trunk-"), connect

            # the caller's digit: received from SIPp, then sent by Asterisk to the softphone
            sent_to_agent = await ami.wait(
                lambda e: e.event == "DTMFEnd" and e.get("Channel") == agent_channel and e.get("Direction") == "Sent"
                and e.get("Digit") == "7", 30, "the caller's 7 sent to the softphone")
            assert _dtmf(ami.events, caller_channel, "Received", "7")
            # the agent's keypad: RFC 4733 from the browser, then on to the caller's phone
            start = len(ami.events)
            await page.click('#sp-dtmf button[data-digit="5"]')
            await ami.wait(lambda e: e.event == "DTMFEnd" and e.get("Channel") == agent_channel
                           and e.get("Direction") == "Received" and e.get("Digit") == "5",
                           15, "the softphone's 5 at Asterisk", start=start)
            await ami.wait(lambda e: e.event == "DTMFEnd" and e.get("Channel") == caller_channel
                           and e.get("Direction") == "Sent" and e.get("Digit") == "5",
                           15, "the agent's 5 sent to the caller", start=start)
            await page.click("#sp-hangup")
            assert await caller.finished(30) == 0, caller.errors()
            await expect(page.locator("#sp-call")).to_be_hidden()
            sevens = len(_dtmf(ami.events, agent_channel, "Sent", "7"))
        print(f"\ncall id {linkedid}: pop, INVITE header and AgentCalled agree; the caller's 7 reached the "
              f"softphone {sevens} times (first at {sent_to_agent.get('Timestamp')}), the agent's 5 reached the caller")
    finally:
        lab.pbx.rx("pjsip set logger off")
        await ws.close()
