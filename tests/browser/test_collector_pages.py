"""The district collector's day at 1366x768 and on a 390x844 phone, and the staff entry page, in
Debian chromium: one click from the day to today's complaints and to any complaint of the district.
Screenshots: test-artifacts/screenshots/collector-*.png, entry-*.png."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.async_api import expect

from grievance import service
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Who
from helpline.users import create_user
from tests.fakes.browser import PHONE, chromium, login, new_page, shot
from tests.fakes.cti_stack import CtiStack
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


async def test_collector_day_and_staff_entry(sqlite_url: str) -> None:
    async with CtiStack(sqlite_url, None) as stack, chromium() as browser:
        base = stack.url("")
        async with stack.db.session_scope() as session:
            await create_user(session, "dm.lko", "collector", PASSWORD, district="LKO")
        numbers = []
        for i, (dept, cat, district) in enumerate((("ELE", "ELE-SUPPLY", "LKO"), ("FCS", "FCS-RATION", "LKO"),
                                                   ("REV", "REV-CERT", "LKO"), ("ELE", "ELE-SUPPLY", "VNS"))):
            async with stack.db.session_scope() as session:
                c = await service.register(session, NewComplaint(
                    phone=f"98123456{i:02d}", name=f"नागरिक {i}", district=district, department=dept, category=cat,
                    description="गाँव में समस्या, कृपया जल्दी देखें"), Who(Actor.AGENT, "agent1001"), stack.ctx.policy,
                    now=service.utcnow() - timedelta(days=6 if i == 0 else 0))
                numbers.append(c.number)
        async with new_page(browser) as page:
            await login(page, base, "dm.lko")
            await expect(page).to_have_url(re.compile(r"/collector$"))
            await expect(page.locator("#today tbody tr")).to_have_count(2)
            await expect(page.locator("#tile-overdue .value")).to_have_text("1")
            await shot(page, "collector-day")
            await page.click("#tile-overdue")
            await expect(page.locator("#list tbody tr")).to_have_count(1)
            await page.click(f'#list a[href$="{numbers[0]}"]')
            await expect(page.locator("#complaint-number")).to_have_text(numbers[0])
            await expect(page.locator("#readonly")).to_be_visible()
            await shot(page, "collector-complaint")
            await page.goto(base + f"/officer/complaints/{numbers[3]}")  # Varanasi's: not theirs
            await expect(page.locator("#page-error")).to_contain_text("not of district LKO")
            # staff entry: a walk-in at the district office
            await page.goto(base + "/entry")
            await page.select_option("#e-channel", "walk_in")
            await page.fill("#e-name", "रामवती देवी")
            await page.fill("#e-phone", "9812340000")
            await page.select_option("#e-department", "UDV")
            await page.select_option("#e-category", "UDV-SANIT")
            await page.fill("#e-description", "गली में कूड़ा नहीं उठाया गया")
            async with page.expect_navigation():
                await page.click("#entry-submit")
            await expect(page.locator("#created-number")).to_have_text(re.compile(r"^\d{11}$"))
            await shot(page, "entry-walk-in")
            assert page.problems == []  # type: ignore[attr-defined]
        async with new_page(browser, PHONE) as page:
            await login(page, base, "dm.lko")
            await expect(page.locator("#today tbody tr")).to_have_count(3)
            assert await page.evaluate("document.documentElement.scrollWidth") <= 390
            box = await page.locator("#logout").bounding_box()
            assert box is not None and box["x"] + box["width"] <= 390
            await shot(page, "collector-phone")
            await page.goto(base + "/entry")
            assert await page.evaluate("document.documentElement.scrollWidth") <= 390
            await shot(page, "entry-phone")
