"""Service hours, holidays and the emergency message in a real browser. Screenshots:
test-artifacts/screenshots/admin-hours.png, admin-holidays.png, supervisor-emergency.png."""
from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.browser import SCREENSHOTS, chromium, login, new_page, shot
from tests.fakes.cti_stack import CtiStack
from tests.helpers import make_user

pytestmark = pytest.mark.browser


async def test_admin_hours_holidays_and_the_supervisors_emergency_message(sqlite_url: str) -> None:
    async with FakeAmiServer(auth_fail_delay=0.05) as ami, CtiStack(sqlite_url, ami) as stack, \
            chromium() as browser, new_page(browser) as page:
        base = stack.url("")
        await make_user(stack.db, "adm", "admin")
        await make_user(stack.db, "sup", "supervisor")
        await login(page, base, "adm")
        await page.goto(base + "/admin#hours")
        await page.select_option('#hours-form select[name="queue"]', "helpline-hi")
        await page.fill('#hours-form input[name="opens"]', "08:00")
        await page.fill('#hours-form input[name="closes"]', "02:00")
        async with page.expect_navigation():
            await page.click("#hours-form button[type=submit]")
        await expect(page.locator('#hours tr[data-queue="helpline-hi"]')).to_contain_text("08:00–02:00")
        await page.fill('#add-holiday input[name="day"]', "2027-01-26")
        await page.fill('#add-holiday input[name="name_en"]', "Republic Day")
        await page.fill('#add-holiday input[name="name_hi"]', "गणतंत्र दिवस")
        async with page.expect_navigation():
            await page.click("#add-holiday button[type=submit]")
        await expect(page.locator('#holidays tr[data-day="2027-01-26"]')).to_contain_text("गणतंत्र दिवस")
        # a recorded voice for one prompt, then listened to
        from tests.component.test_recorded_voices import tone

        await page.fill('#voice-upload input[name="name"]', "closed-hours")
        await page.select_option('#voice-upload select[name="language"]', "hi")
        await page.set_input_files('#voice-upload input[name="file"]',
                                   files=[{"name": "closed.wav", "mimeType": "audio/wav", "buffer": tone()}])
        async with page.expect_navigation():
            await page.click("#voice-upload button[type=submit]")
        await expect(page.locator('#recordings tr[data-prompt="closed-hours/hi"]')).to_contain_text("1.0 s")
        await page.fill('#voice-listen input[name="listen"]', "closed-hours")
        async with page.expect_navigation():
            await page.click("#voice-listen button[type=submit]")
        audio = page.locator("#listen-audio")
        await expect(audio).to_have_attribute("src", "/api/v1/admin/prompts/closed-hours/hi/audio")
        assert await audio.evaluate("a => fetch(a.src).then(r => r.status)") == 200
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.locator("#voices").screenshot(path=str(SCREENSHOTS / "admin-voices.png"))
        await page.locator("#hours").screenshot(path=str(SCREENSHOTS / "admin-hours.png"))
        await page.locator("#holidays").screenshot(path=str(SCREENSHOTS / "admin-holidays.png"))
        assert page.problems == []  # type: ignore[attr-defined]

    async with FakeAmiServer(auth_fail_delay=0.05) as ami, CtiStack(sqlite_url, ami) as stack, \
            chromium() as browser, new_page(browser) as page:
        base = stack.url("")
        await login(page, base, "sup")
        await expect(page.locator("#emergency-state")).to_contain_text("Off")
        await page.fill('#emergency-form textarea[name="text_hi"]', "बाढ़ के कारण कई ज़िलों में सेवाएँ प्रभावित हैं।")
        await page.fill('#emergency-form textarea[name="text_en"]', "Floods have affected services in several districts.")
        async with page.expect_navigation():
            await page.click('#emergency-form button[value="1"]')
        await expect(page.locator("#emergency-state")).to_contain_text("On")
        await expect(page.locator('#emergency-form button[value="0"]')).to_be_visible()
        await shot(page, "supervisor-emergency")
        assert page.problems == []  # type: ignore[attr-defined]
