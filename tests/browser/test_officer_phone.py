"""Officer pages on a 390x844 phone, in Debian chromium: the inbox, a complaint, a disposal and a
transfer work without sideways scrolling, the top bar wraps with "Log out" on screen, every link
and button is a 44 px touch target, and the citizen's number can be tapped to call.
Screenshots go to test-artifacts/screenshots/officer-phone-*.png."""
from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from grievance import service
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Who
from tests.fakes.browser import PHONE, chromium, login, new_page, shot
from tests.fakes.cti_stack import CtiStack
from tests.helpers import make_user

pytestmark = pytest.mark.browser

LONG = ("गाँव रामपुर, ब्लॉक सरोजनीनगर में पिछले तीन दिनों से बिजली नहीं है; ट्रांसफ़ॉर्मर जल गया है और "
        "लाइनमैन फ़ोन नहीं उठाता। VeryLongUnbrokenWordWithoutSpacesThatCouldPushThePageWiderThanThePhoneScreen")


async def _register(stack: CtiStack, phone: str, category: str = "ELE-SUPPLY", name: str = "रामेश्वर प्रसाद") -> str:
    async with stack.db.session_scope() as session:
        c = await service.register(session, NewComplaint(
            phone=phone, name=name, district="LKO", department="ELE", category=category,
            description=LONG), Who(Actor.AGENT, "agent1001"), stack.ctx.policy)
        return c.number


async def fits_phone(page: Page) -> None:
    """No sideways scroll, Log out on screen, every visible link and button at least 44 px tall."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} px wide"
    box = await page.locator("#logout").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    small = await page.evaluate("""() => [...document.querySelectorAll('main a, main button, main select, main input:not([type=hidden]), main textarea, header a, header button')]
        .filter(e => e.offsetParent !== null)
        .map(e => [e.id || e.textContent.trim().slice(0, 30), e.getBoundingClientRect().height])
        .filter(([_, h]) => h < 44)""")
    assert small == [], f"touch targets under 44 px on {page.url}: {small}"


async def test_officer_pages_work_on_a_phone(sqlite_url: str) -> None:
    async with CtiStack(sqlite_url, None) as stack, chromium() as browser:
        base = stack.url("")
        await make_user(stack.db, "officer.ele", "officer", officer="ELE-LKO-L1")
        first = await _register(stack, "+919812345678")
        second = await _register(stack, "+919812345679", "ELE-BILL", "Sita Devi")

        async with new_page(browser, PHONE) as page:
            await login(page, base, "officer.ele")
            await expect(page).to_have_url(re.compile(r"/officer$"))
            await expect(page.locator(f'[data-number="{first}"]')).to_be_visible()
            await fits_phone(page)
            await shot(page, "officer-phone-inbox")

            await page.locator(f'[data-number="{first}"] a').first.click()
            await expect(page.locator("#complaint-number")).to_have_text(first)
            call = page.locator("a#citizen-phone")
            await expect(call).to_have_attribute("href", "tel:+919812345678")
            await fits_phone(page)
            await shot(page, "officer-phone-complaint")

            await page.fill("#report", "ट्रांसफ़ॉर्मर बदल दिया गया, आपूर्ति बहाल। Transformer replaced on site.")
            async with page.expect_navigation():
                await page.click("#dispose-submit")
            await expect(page.locator("#notice")).to_contain_text(first)
            await fits_phone(page)
            await shot(page, "officer-phone-disposed")

            await page.goto(base + f"/officer/complaints/{second}")
            await page.select_option("#department", "REV")
            await page.fill("#reason", "बिल का मामला नहीं, भूमि विवाद है")
            async with page.expect_navigation():
                await page.click("#transfer-submit")
            await expect(page.locator("#inbox-empty, .notice").first).to_be_visible()
            await expect(page.locator(".notice")).to_contain_text(second)
            await fits_phone(page)
            await shot(page, "officer-phone-transferred")
            assert page.problems == []  # type: ignore[attr-defined]
