"""The supervisor's screens for a real shift, in Debian chromium at 1366x768: find a complaint and
reassign it, drill down from a report row, keep the dates across a language switch, and read the
call-centre report of a replayed burst whose figures match the capture (answered 12, abandoned 5,
timeout 3). The administrator's desk settings: wrap-up, dispositions, officer search, handover."""
from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.async_api import expect

from grievance import service
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Who
from storage.queries import calls as call_q
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.browser import SCREENSHOTS, chromium, login, new_page, shot
from tests.fakes.cti_stack import CtiStack
from tests.helpers import make_user

pytestmark = pytest.mark.browser


async def _complaint(stack: CtiStack, phone: str, department: str, category: str, name: str) -> str:
    async with stack.db.session_scope() as session:
        c = await service.register(session, NewComplaint(
            phone=phone, name=name, district="LKO", department=department, category=category,
            description=f"{name}: समस्या"), Who(Actor.AGENT, "agent1001"), stack.ctx.policy)
        return c.number


async def test_supervisor_finds_drills_down_reassigns_and_reads_the_call_centre_report(sqlite_url: str) -> None:
    async with FakeAmiServer(auth_fail_delay=0.05) as ami, CtiStack(sqlite_url, ami) as stack, \
            chromium() as browser:
        base = stack.url("")
        await make_user(stack.db, "super", "supervisor")
        power = await _complaint(stack, "+919812345678", "ELE", "ELE-SUPPLY", "रामेश्वर प्रसाद")
        await _complaint(stack, "+919812345679", "ELE", "ELE-BILL", "Sita Devi")
        await _complaint(stack, "+919812345670", "FCS", "FCS-RATION", "Mohan Lal")
        await ami.replay("burst")
        async with asyncio.timeout(10):
            while True:
                async with stack.db.sessions() as session:
                    rows = await call_q.since(session, datetime.now(timezone.utc) - timedelta(days=1))
                if len(rows) >= 20:
                    break
                await asyncio.sleep(0.05)
        local = [r.started_at.astimezone(stack.ctx.tz).date() for r in rows]
        lo, hi = min(local).isoformat(), max(local).isoformat()

        async with new_page(browser) as page:
            await login(page, base, "super")
            # --- find a complaint by number and reassign it ------------------------------------
            await page.click('nav a[href="/supervisor/complaints"]')
            await page.fill("#sc-q", power)
            await page.press("#sc-q", "Enter")
            await expect(page.locator("#sc-table tbody tr")).to_have_count(1)
            await page.fill("#sc-q", "सीता")  # part of a name finds nothing here; a Latin name does
            await page.press("#sc-q", "Enter")
            await expect(page.locator("#sc-none")).to_be_visible()
            await page.fill("#sc-q", "sita")
            await page.press("#sc-q", "Enter")
            await expect(page.locator("#sc-table tbody tr")).to_have_count(1)
            await shot(page, "supervisor-complaint-search")
            await page.goto(base + f"/complaints/{power}")
            await expect(page.locator("#officer")).to_contain_text("ELE-LKO-L1")
            await page.select_option("#officer-select", "ELE-UP-L1")
            await page.fill("#reassign-reason", "अधिकारी अवकाश पर हैं")
            async with page.expect_navigation():
                await page.click("#reassign-submit")
            await expect(page.locator("#notice")).to_have_text("Complaint reassigned.")
            await expect(page.locator("#officer")).to_contain_text("ELE-UP-L1")
            await expect(page.locator("#history li").last).to_contain_text("Reassigned")
            await shot(page, "supervisor-complaint-page")

            # --- reports: the whole table on the page, drill down from a row ----------------------------
            await page.goto(base + f"/supervisor/reports?from={lo}&to={hi}&by=department")
            await expect(page.locator("#report-total")).to_be_visible()
            in_scroller = await page.locator("#report-table").evaluate(
                "t => !!t.closest('.scroll')")
            assert in_scroller is False
            async with page.expect_navigation():
                await page.click('#report-table tr[data-code="ELE"] th a')
            await expect(page.locator("#sc-table tbody tr")).to_have_count(2)
            await expect(page.locator("#sc-title")).to_contain_text("Electricity")
            await shot(page, "supervisor-drill-down")
            # switching language keeps the date range
            await page.goto(base + f"/supervisor/reports?from={lo}&to={hi}&by=district")
            async with page.expect_navigation():
                await page.click("#lang-switch")
            await expect(page.locator("html")).to_have_attribute("lang", "hi")
            await expect(page.locator("#from")).to_have_value(lo)
            await expect(page.locator("#by")).to_have_value("district")
            async with page.expect_navigation():
                await page.click("#lang-switch")

            # --- the call-centre report of the burst ------------------------------------------------
            await page.click('nav a[href="/supervisor/calls"]')
            await page.fill("#from", lo)
            await page.fill("#to", hi)
            async with page.expect_navigation():
                await page.click("#cc-form button[type=submit]")
            await expect(page.locator("#cc-offered")).to_have_text("20")
            await expect(page.locator("#cc-answered")).to_have_text("12")
            await expect(page.locator("#cc-abandoned")).to_have_text("5")
            await expect(page.locator("#cc-timeout")).to_have_text("3")
            total = page.locator("#cc-total td")
            await expect(total.nth(0)).to_have_text("20")
            await expect(total.nth(1)).to_have_text("12")
            hours = await page.locator("#cc-hours rect.received").evaluate_all(
                "rs => rs.filter(r => +r.getAttribute('height') > 0).length")
            assert hours >= 1
            await expect(page.locator("#cc-agents tbody tr")).to_have_count(3)
            handled = await page.locator("#cc-agents tbody tr td:first-of-type").all_text_contents()
            assert sum(int(n) for n in handled) == 12
            await shot(page, "supervisor-call-centre-report")
            async with page.expect_download() as download:
                await page.click("#cc-csv")
            text = open(await (await download.value).path(), encoding="utf-8-sig").read()
            assert re.search(r"^TOTAL,20,12,5,3,", text, re.M), text[:400]
            assert page.problems == []  # type: ignore[attr-defined]


async def test_admin_desk_settings(sqlite_url: str) -> None:
    async with CtiStack(sqlite_url, None) as stack, chromium() as browser:
        base = stack.url("")
        await make_user(stack.db, "admin", "admin")
        await make_user(stack.db, "officer.ele", "officer", officer="ELE-LKO-L1")
        moving = await _complaint(stack, "+919812345678", "ELE", "ELE-SUPPLY", "Ram Prasad")
        async with new_page(browser) as page:
            await login(page, base, "admin")
            # officers: 200+ rows, found by typing
            await page.fill("#officer-filter", "ele lko")
            visible = page.locator("#officer-table tbody tr:visible")
            await expect(visible).to_have_count(2)  # ELE-LKO-L1 and -L2
            await expect(page.locator("#officer-count")).to_contain_text("2 of")
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            await page.locator("#officers").screenshot(path=str(SCREENSHOTS / "admin-officer-search.png"))
            # wrap-up per queue
            await page.fill("#wr-helpline-en", "45")
            async with page.expect_navigation():
                await page.locator('tr[data-queue="helpline-en"] button').click()
            await expect(page.locator("#wr-helpline-en")).to_have_value("45")
            # a new disposition, and retiring one asks first (in the page, no browser dialog)
            form = page.locator("#add-disposition")
            await form.locator('input[name="code"]').fill("scheme_query")
            await form.locator('input[name="name_en"]').fill("Scheme query")
            await form.locator('input[name="name_hi"]').fill("योजना संबंधी प्रश्न")
            async with page.expect_navigation():
                await form.locator("button[type=submit]").click()
            row = page.locator('#dispositions tr[data-code="silent"]')
            await row.locator("button[type=submit]").click()
            await expect(row.locator(".confirm-bar")).to_be_visible()
            await shot(page, "admin-confirm-retire")
            async with page.expect_navigation():
                await row.locator(".confirm-yes").click()
            await expect(page.locator('#dispositions tr[data-code="silent"]')).to_have_class(re.compile("inactive"))
            await expect(page.locator('#dispositions tr[data-code="scheme_query"]')).to_contain_text("योजना संबंधी प्रश्न")
            # disabling a user asks first; "No" changes nothing
            user_row = page.locator("#users tr", has_text="officer.ele")
            await user_row.locator('form[data-confirm] button[type=submit]').click()
            await user_row.locator(".confirm-no").click()
            await expect(user_row.locator(".confirm-bar")).to_have_count(0)
            await expect(user_row).not_to_have_class(re.compile("inactive"))
            # a web user is told what is missing in web words, not CLI options
            add = page.locator("#add-user")
            await add.locator('input[name="username"]').fill("newagent")
            await add.locator('select[name="role"]').select_option("agent")
            await add.locator('input[name="password"]').fill("long-enough-1")
            await add.locator("button[type=submit]").click()
            await expect(page.locator("#admin-error")).to_contain_text("needs an extension")
            await expect(page.locator("#admin-error")).not_to_contain_text("--extension")
            # handover of a departing officer's open complaints
            handover = page.locator("#handover-form")
            await handover.locator('select[name="from_officer"]').select_option("ELE-LKO-L1")
            await handover.locator('select[name="to_officer"]').select_option("ELE-UP-L1")
            await handover.locator('input[name="reason"]').fill("transferred to another district")
            await handover.locator("button[type=submit]").click()
            await expect(handover.locator(".confirm-bar")).to_be_visible()
            async with page.expect_navigation():
                await handover.locator(".confirm-yes").click()
            await expect(page.locator("#handover .notice")).to_be_visible()
            for section in ("officers", "queues", "dispositions", "handover"):  # the page is long: one per section
                await page.locator(f"#{section}").screenshot(path=str(SCREENSHOTS / f"admin-{section}.png"))
            assert page.problems == []  # type: ignore[attr-defined]
        async with stack.db.sessions() as session:
            assert (await service.get(session, moving)).officer_code == "ELE-UP-L1"
