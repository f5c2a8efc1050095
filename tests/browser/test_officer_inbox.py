"""An officer with 300 complaints at 1366x768, in Debian chromium: the inbox is paged with a count,
filters by state, category, overdue, due in 2 days, reopened and escalated, finds by number, phone,
name or words, colours what is due soon, and keeps what the officer disposed or transferred under
"Handled by me". Screenshots: test-artifacts/screenshots/officer-inbox-*.png."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.async_api import expect

from grievance import service
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Who
from tests.fakes.browser import PHONE, chromium, login, new_page, shot
from tests.fakes.cti_stack import CtiStack
from tests.helpers import make_user

pytestmark = pytest.mark.browser


async def _fill(stack: CtiStack, n: int) -> list[str]:
    """n complaints for ELE-LKO-L1: every 10th overdue, every 7th due tomorrow, a few reopened/escalated."""
    numbers = []
    now = service.utcnow()
    async with stack.db.session_scope() as session:
        for i in range(n):
            c = await service.register(session, NewComplaint(
                phone=f"+9198{i:08d}", name=f"Citizen {i:03d}", district="LKO", department="ELE",
                category="ELE-BILL" if i % 3 else "ELE-SUPPLY", description=f"complaint {i:03d} about the meter"),
                Who(Actor.AGENT, "agent1001"), stack.ctx.policy)
            if i % 10 == 0:
                c.due_at = now - timedelta(days=3)
            elif i % 7 == 0:
                c.due_at = now + timedelta(hours=20)
            else:
                c.due_at = now + timedelta(days=5, minutes=i)
            if i in (11, 12):
                c.reopen_count = 1
            if i == 13:
                c.escalated = True
            numbers.append(c.number)
    return numbers


async def test_an_inbox_of_300_is_paged_filtered_and_searchable(sqlite_url: str) -> None:
    async with CtiStack(sqlite_url, None) as stack, chromium() as browser:
        base = stack.url("")
        await make_user(stack.db, "officer.ele", "officer", officer="ELE-LKO-L1")
        numbers = await _fill(stack, 300)
        overdue = [numbers[i] for i in range(300) if i % 10 == 0]
        soon = [numbers[i] for i in range(300) if i % 10 and i % 7 == 0]

        async with new_page(browser) as page:
            await login(page, base, "officer.ele")
            await expect(page.locator("#inbox-count")).to_have_text("1–50 of 300")
            rows = page.locator("#inbox tbody tr")
            await expect(rows).to_have_count(50)
            # the most overdue first, then what is due soon, coloured
            await expect(rows.first).to_have_class(re.compile(r"\boverdue\b"))
            await expect(page.locator(f'tr[data-number="{soon[0]}"]')).to_have_class(re.compile(r"\bdue-soon\b"))
            await expect(page.locator(f'tr[data-number="{soon[0]}"] .due-soon-badge')).to_have_text("Due soon")
            await shot(page, "officer-inbox-300")
            await page.click("#page-next")
            await expect(page.locator("#inbox-count")).to_have_text("51–100 of 300")
            await expect(page.locator("#page-of")).to_have_text("Page 2 of 6")

            await page.select_option("#f-show", "overdue")
            await page.click("#f-submit")
            await expect(page.locator("#inbox-count")).to_have_text(f"1–{len(overdue)} of {len(overdue)}")
            assert set(await rows.evaluate_all("rs => rs.map(r => r.dataset.number)")) == set(overdue)
            await page.select_option("#f-show", "due_soon")
            await page.click("#f-submit")
            await expect(page.locator("#inbox-count")).to_have_text(f"1–{len(soon)} of {len(soon)}")
            await shot(page, "officer-inbox-due-soon")
            await page.select_option("#f-show", "reopened")
            await page.click("#f-submit")
            await expect(rows).to_have_count(2)
            await page.select_option("#f-show", "escalated")
            await page.click("#f-submit")
            await expect(rows).to_have_count(1)
            await expect(rows.first).to_have_attribute("data-number", numbers[13])

            await page.goto(base + "/officer?category=ELE-SUPPLY")
            await expect(page.locator("#inbox-count")).to_have_text("1–50 of 100")
            await expect(page.locator("#f-category")).to_have_value("ELE-SUPPLY")
            await page.goto(base + "/officer?state=at_l2")
            await expect(page.locator("#inbox-empty")).to_have_text("No complaint matches.")
            # search: a number, a phone, part of a name, words of the description
            for q, want in ((numbers[42], [numbers[42]]), ("98 0000 0042", [numbers[42]]),
                            ("Citizen 123", [numbers[123]]), ("complaint 250", [numbers[250]])):
                await page.goto(base + "/officer")
                await page.fill("#f-q", q)
                await page.press("#f-q", "Enter")
                await expect(page.locator("#inbox-count")).to_have_text(re.compile(r"of \d+$"))
                assert await rows.evaluate_all("rs => rs.map(r => r.dataset.number)") == want, q
            await shot(page, "officer-inbox-search")
            # bad filters: a clear message, the plain inbox
            await page.goto(base + "/officer?show=everything")
            await expect(page.locator("#form-error")).to_contain_text("show must be one of")
            await expect(page.locator("#inbox-count")).to_have_text("1–50 of 300")

            # dispose one, transfer another: both stay visible under "Handled by me"
            await page.goto(base + f"/officer/complaints/{numbers[5]}")
            await page.fill("#report", "Meter replaced and the bill corrected on site.")
            async with page.expect_navigation():
                await page.click("#dispose-submit")
            await page.goto(base + f"/officer/complaints/{numbers[6]}")
            await page.select_option("#department", "REV")
            await page.fill("#reason", "A land dispute, not electricity")
            async with page.expect_navigation():
                await page.click("#transfer-submit")
            await expect(page.locator("#inbox-count")).to_have_text("1–50 of 298")
            await page.click("#view-handled")
            await expect(page.locator("#inbox-count")).to_have_text("1–2 of 2")
            await expect(rows.nth(0)).to_have_attribute("data-number", numbers[6])
            await expect(rows.nth(0)).to_contain_text("Transferred")
            await expect(rows.nth(1)).to_contain_text("Disposed")
            await shot(page, "officer-inbox-handled")
            assert page.problems == []  # type: ignore[attr-defined]

        async with new_page(browser, PHONE) as page:  # the same inbox on a phone
            await login(page, base, "officer.ele")
            await expect(page.locator("#inbox-count")).to_have_text("1–50 of 298")
            assert await page.evaluate("document.documentElement.scrollWidth") <= 390
            await shot(page, "officer-phone-inbox-300")
