"""Hand-over to an agent in a real browser: a citizen asks for a person on WhatsApp, an agent takes
the conversation on /agent/whatsapp, sees the citizen's history, replies (the reply reaches the
fake Graph API), registers a complaint from the chat, closes it; a second agent cannot take it.
Supervisors see the message backlog. Screenshots of both pages."""
from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from playwright.async_api import expect

from grievance import service
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Who
from messaging.run import run_messaging
from messaging.whatsapp.signature import HEADER, sign
from tests.conftest import make_settings
from tests.fakes import whatsapp_meta as meta
from tests.fakes.browser import chromium, login, new_page, shot
from tests.fakes.cti_stack import CtiStack
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.messaging_stack import APP_SECRET
from tests.helpers import make_user

pytestmark = pytest.mark.browser
CITIZEN = "919812345678"
REPLY = "We are looking into it — हम जल्द मदद करेंगे <b>now</b>"


async def webhook(base: str, payload: dict) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    async with httpx.AsyncClient() as http:
        response = await http.post(base + "/webhooks/whatsapp", content=body, headers={HEADER: sign(APP_SECRET, body)})
    assert response.status_code == 200, response.text


async def test_agent_takes_replies_registers_and_closes(sqlite_url: str) -> None:
    async with FakeGraphApi() as graph, CtiStack(sqlite_url, None) as stack, chromium() as browser:
        stack.settings = make_settings(sqlite_url, quiet_hours="", whatsapp_app_secret=APP_SECRET,
                                       whatsapp_token=graph.token, whatsapp_phone_number_id=graph.phone_number_id,
                                       whatsapp_api_url=graph.api_url)
        stack.ctx.settings = stack.settings
        stop = asyncio.Event()
        messaging = asyncio.create_task(run_messaging(stack.ctx, stop))
        try:
            base = stack.url("")
            await stack.user("agent1001", extension="agent1001")
            await stack.user("agent1002", extension="agent1002")
            await make_user(stack.db, "super", "supervisor")
            async with stack.db.session_scope() as session:
                earlier = await service.register(session, NewComplaint(
                    phone="+" + CITIZEN, name="सीता देवी", district="LKO", department="FCS", category="FCS-RATION",
                    description="राशन नहीं मिला"), Who(Actor.AGENT, "agent9"), stack.ctx.policy)
                await service.dispose(session, earlier.number, "राशन दे दिया गया",
                                      Who(Actor.OFFICER, "o", earlier.officer_code), stack.ctx.policy)
            await webhook(base, meta.text(CITIZEN, "hello", name="Sita"))
            await webhook(base, meta.button_reply(CITIZEN, "lang:en"))
            await webhook(base, meta.list_reply(CITIZEN, "m:agent"))
            await graph.wait_for(lambda got: any("connecting you to a person" in json.dumps(m["body"]) for m in got))

            async with new_page(browser) as page:
                await login(page, base, "agent1001")
                await page.click("text=WhatsApp")
                await expect(page).to_have_url(base + "/agent/whatsapp")
                item = page.locator(".wa-item").first
                await expect(item).to_contain_text("+" + CITIZEN)
                await item.click()
                await expect(page.locator("#wa-transcript")).to_contain_text("hello")
                await expect(page.locator("#wa-complaints")).to_contain_text(earlier.number)
                await page.click("#wa-take")
                await expect(page.locator("#wa-reply")).to_be_visible()
                # the citizen says on the chat they are not satisfied: the agent records it
                await page.click(".fb-dissatisfied")
                await expect(page.locator("#wa-msg")).to_contain_text(f"complaint {earlier.number} is now With L1 officer")
                # a second agent is refused: one agent at a time
                async with httpx.AsyncClient(base_url=base) as http:
                    token = await stack.user("agent1002", extension="agent1002")
                    conflict = await http.post("/api/v1/whatsapp/conversations/1/take",
                                               headers={"Authorization": f"Bearer {token}"})
                assert conflict.status_code == 409 and conflict.json()["error"]["id"] == "conflict"
                # the citizen writes: it shows up live
                await webhook(base, meta.text(CITIZEN, "my ration card was cancelled"))
                await expect(page.locator("#wa-transcript")).to_contain_text("my ration card was cancelled")
                await page.fill("#wa-reply", REPLY)
                await page.click("#wa-send")
                await graph.wait_for(lambda got: any(m["body"].get("text", {}).get("body") == REPLY for m in got))
                await expect(page.locator("#wa-transcript")).to_contain_text("हम जल्द मदद करेंगे <b>now</b>")
                await page.click("#wa-register-box summary")
                await page.select_option("#r-department", "FCS")
                await page.select_option("#r-category", "FCS-RATION")
                await page.fill("#r-description", "राशन कार्ड निरस्त कर दिया गया")
                await shot(page, "whatsapp-conversation")
                await page.click("#r-submit")
                await expect(page.locator("#wa-msg")).to_contain_text("registered")
                number = (await page.locator("#wa-msg").text_content() or "").split()[1]
                await graph.wait_for(lambda got: any(number in json.dumps(m["body"], ensure_ascii=False) for m in got))
                await page.click("#wa-close")
                await expect(page.locator("#wa-state")).to_contain_text("Closed")
                await expect(page.locator("#wa-none")).to_be_visible()
                async with page.expect_navigation():
                    await page.click("#lang-switch")
                await expect(page.locator("#wa-queue-title")).to_contain_text("प्रतीक्षा में और मेरी")
                await webhook(base, meta.text(CITIZEN, "hello"))
                await webhook(base, meta.text(CITIZEN, "बिजली का बिल गलत आया है"))  # free text: to a person
                await expect(page.locator(".wa-item").first).to_contain_text("प्रतीक्षा में")
                await page.locator(".wa-item").first.click()
                await expect(page.locator("#wa-transcript")).to_contain_text("बिजली का बिल गलत आया है")
                await shot(page, "whatsapp-queue-hi")
                assert page.problems == []  # type: ignore[attr-defined]

            async with stack.db.session_scope() as session:
                created = await service.get(session, number)
            assert created.channel == "whatsapp" and created.phone == "+" + CITIZEN

            async with new_page(browser) as page:
                await login(page, base, "super")
                await page.click("text=Messages")
                await expect(page.locator("h1")).to_contain_text("Messages")
                await expect(page.locator("#m-channels")).to_contain_text("whatsapp")
                await shot(page, "supervisor-messages")
        finally:
            stop.set()
            await asyncio.gather(messaging, return_exceptions=True)
