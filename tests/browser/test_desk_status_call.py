"""A status call on the agent desk (issue 13), in Debian chromium at 1366x768: the complaint opened
from the search shows the officer's interim reply (what was started, expected by when) and the
transfer waiting for a decision, so the agent can tell the citizen; a WhatsApp conversation the agent
has taken registers its complaint in the chat, channel whatsapp. Screenshots go to
test-artifacts/screenshots/."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from grievance import officer_actions, service
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Who
from storage.models import ChatConversation, Complaint, User
from tests.fakes.browser import chromium, login, new_page, shot
from tests.fakes.cti_stack import CtiStack

pytestmark = pytest.mark.browser

L1 = Who(Actor.OFFICER, "o.lko", "ELE-LKO-L1")
GROUPED_NUMBER = re.compile(r"^\d{4} \d{6} \d$")


async def test_status_call_shows_the_interim_reply_and_whatsapp_registers_as_whatsapp(sqlite_url: str) -> None:
    async with CtiStack(sqlite_url, None) as stack, chromium() as browser:
        await stack.user("agent1001", extension="agent1001")
        today = service.utcnow().astimezone(stack.ctx.tz).date()
        expected = (today + timedelta(days=5)).isoformat()
        async with stack.db.session_scope() as session:
            c = await service.register(session, NewComplaint(
                phone="9812345678", name="सीता देवी", district="LKO", department="ELE", category="ELE-SUPPLY",
                description="गाँव में तीन दिन से बिजली नहीं"), Who(Actor.AGENT, "agent1002"), stack.ctx.policy)
            number = c.number
            await officer_actions.interim(session, number, "Lineman sent; a new transformer is ordered",
                                          expected, L1, stack.ctx.policy)
            await officer_actions.request_transfer(session, number, "ELE-KNP-L1",
                                                   "The village is across the district line, in Kanpur", L1)
        async with new_page(browser) as page:
            await login(page, stack.url(""), "agent1001")
            await page.fill("#q", number)
            await page.press("#q", "Enter")
            await page.click(f'#search-table a[data-complaint="{number}"]')
            panel = page.locator("#complaint-panel")
            await expect(panel).to_be_visible()
            await expect(page.locator("#cp-interim")).to_contain_text("Lineman sent; a new transformer is ordered")
            await expect(page.locator("#cp-expected")).to_have_text(f"Action expected by {expected}")
            await expect(page.locator("#cp-transfer")).to_contain_text("Transfer waiting for a decision")
            await expect(page.locator("#cp-transfer-to")).to_contain_text("(ELE-KNP-L1)")
            await expect(page.locator("#cp-transfer")).to_contain_text("across the district line")
            history = page.locator("#cp-history li")
            await expect(history.filter(has_text="Interim reply")).to_contain_text(f"Action expected by {expected}")
            await expect(page.locator("#cp-interim")).to_be_in_viewport()
            await shot(page, "desk-status-call-interim")
            await page.click("#cp-close")
            await expect(panel).to_be_hidden()

            # --- a WhatsApp conversation this agent took: the desk registers it in the chat ---------
            now = service.utcnow()
            async with stack.db.session_scope() as session:
                agent = (await session.scalars(select(User).where(User.username == "agent1001"))).one()
                session.add(ChatConversation(
                    phone="+919811111111", profile_name="Ram", state="agent", step="agent", data={}, language="hi",
                    agent_user_id=agent.id, agent_name="agent1001", opened_at=now - timedelta(minutes=5),
                    queued_at=now - timedelta(minutes=4), taken_at=now - timedelta(minutes=3), last_inbound_at=now))
            await page.fill("#f-phone", "98111 11111")
            await page.press("#f-phone", "Tab")
            await expect(page.locator("#f-channel")).to_be_visible()
            await expect(page.locator("#f-channel")).to_contain_text("WhatsApp")
            await page.fill("#f-name", "Ram Prasad")
            await page.select_option("#f-district", "LKO")
            await page.select_option("#f-department", "ELE")
            await page.select_option("#f-category", "ELE-SUPPLY")
            await page.fill("#f-description", "Pole fell on the road near the school")
            await page.click("#register-submit")
            await expect(page.locator("#created-number")).to_have_text(GROUPED_NUMBER)
            created = (await page.locator("#created-number").get_attribute("data-number")) or ""
            await shot(page, "desk-whatsapp-registered")
            assert page.problems == []  # type: ignore[attr-defined]
        async with stack.db.sessions() as session:
            row = (await session.scalars(select(Complaint).where(Complaint.number == created))).one()
        assert row.channel == "whatsapp" and row.phone == "+919811111111"
