"""The supervisor's campaigns page in a real browser: create a survey campaign through the form,
upload contacts (one broken row is reported by number), start, pause, live progress, results CSV
and the do-not-call list. Screenshot: test-artifacts/screenshots/supervisor-campaigns.png."""
from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.async_api import expect

from storage.queries import campaign_admin as admin_q
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.browser import SCREENSHOTS, chromium, login, new_page, shot
from tests.fakes.cti_stack import CtiStack
from tests.helpers import make_user

pytestmark = pytest.mark.browser

NAME = "पेंशन सत्यापन <b>नवंबर</b>"
CONTACTS = ("name,phone,district,scheme\n"
            "रामेश्वर प्रसाद,9812345601,LKO,Old age pension\n"
            "Sita Devi,+91 98123 45602,LKO,Old age pension\n"
            "Mohan Lal,09812345603,,Widow pension\n"
            "Broken Row,12345,LKO,Old age pension\n").encode()


async def test_supervisor_runs_a_survey_campaign(sqlite_url: str) -> None:
    async with FakeAmiServer(auth_fail_delay=0.05) as ami, CtiStack(sqlite_url, ami) as stack, \
            chromium() as browser, new_page(browser) as page:
        base = stack.url("")
        await make_user(stack.db, "super", "supervisor")
        await login(page, base, "super")
        await page.click('nav a[href="/supervisor/campaigns"]')
        await expect(page.locator("h1")).to_have_text("Outbound campaigns")
        await expect(page.locator("#camp-none")).to_be_visible()
        await expect(page.locator("#n-window")).to_have_value("09:00-21:00")

        # --- the form: a refusal is shown next to it, then the campaign is created ---------
        await page.fill("#n-name", NAME)
        await page.fill("#n-window", "10:00-25:00")
        await page.uncheck('input[name="days"][value="sun"]')
        await page.fill("#n-holidays", "2026-12-25, 2027-01-26")
        await page.fill("#n-channels", "4")
        await page.fill("#n-attempts", "2")
        await page.fill('.question input[name="q_hi"]', "क्या आपको इस महीने पेंशन मिली?")
        await page.fill('.question input[name="q_en"]', "Did you receive your pension this month?")
        await page.fill('.question input[name="q_digits"]', "1=yes,2=no,3=partly")
        await page.click("#add-question")  # a second row, left empty, is not sent
        await expect(page.locator(".question")).to_have_count(2)
        await page.click("#new-submit")
        await expect(page.locator("#new-error")).to_contain_text("10:00-25:00")
        await page.fill("#n-window", "10:00-18:00")
        await page.press("#n-window", "Enter")
        await expect(page.locator("#new-msg")).to_contain_text("created as a draft")
        await expect(page.locator("#new-error")).to_be_hidden()
        row = page.locator("#camp-table tbody tr").first
        await expect(row.locator("th")).to_have_text(NAME)  # markup in the name stays text
        await expect(row.locator(".state")).to_have_text("Draft")
        await expect(page.locator("#d-window")).to_have_text("10:00-18:00 · Mon Tue Wed Thu Fri Sat")
        cid = int(await row.get_attribute("data-id") or 0)

        # --- contacts: three imported, the broken row reported by its number ---------------
        await page.set_input_files("#upload-file", files=[
            {"name": "beneficiaries.csv", "mimeType": "text/csv", "buffer": CONTACTS}])
        await page.click("#upload-submit")
        await expect(page.locator("#upload-msg")).to_have_text("3 imported · rows rejected: 1")
        rejected = page.locator("#upload-rejected tbody tr")
        await expect(rejected).to_have_count(1)
        await expect(rejected.locator("td").first).to_have_text("5")
        await expect(page.locator("#p-queued")).to_have_text("3")
        await expect(row.locator(".p-contacts")).to_have_text("3")

        # --- start; progress follows the database every 5 s ----------------------------------
        await row.locator('button[data-move="start"]').click()
        await expect(row.locator(".state")).to_have_text("Running")
        await expect(page.locator("#d-state")).to_have_text("Running")
        await expect(page.locator("#camp-msg")).to_contain_text("is now: Running")
        async with stack.db.session_scope() as session:
            contact = (await admin_q.contacts_page(session, cid, 0, 1))[0]
            contact.state, contact.last_outcome = "failed", "busy"
        await expect(page.locator("#p-failed")).to_have_text("1", timeout=20000)
        await expect(page.locator("#p-queued")).to_have_text("2")
        await expect(page.locator("#d-failed tbody tr td").first).to_have_text("busy")
        await expect(page.locator("#p-dialled")).to_have_text("0")

        # --- the rules change while it runs; the change is logged -----------------------------
        await page.click("#edit-box summary")
        await expect(page.locator("#e-window")).to_have_value("10:00-18:00")
        await page.fill("#e-window", "10:00-19:30")
        await page.fill("#e-attempts", "4")
        await page.click("#edit-submit")
        await expect(page.locator("#edit-msg")).to_contain_text("2 change(s)")
        await expect(page.locator("#d-window")).to_contain_text("10:00-19:30")
        await expect(page.locator("#edit-log li").first).to_contain_text("super")
        await expect(page.locator("#edit-log")).to_contain_text("calling window: 10:00-18:00 → 10:00-19:30")
        await page.fill("#e-window", "19:00-10:00")
        await page.click("#edit-submit")
        await expect(page.locator("#edit-error")).to_contain_text("19:00-10:00")
        await page.locator("#edit-box").screenshot(path=str(SCREENSHOTS / "supervisor-campaign-edit.png"))
        await page.click("#edit-box summary")

        # --- do-not-call list ----------------------------------------------------------------
        await page.fill("#dnc-phone", "98123 00000")
        await page.fill("#dnc-reason", "asked not to be called")
        await page.click("#dnc-add")
        await expect(page.locator("#dnc-table tbody tr")).to_have_count(1)
        await expect(page.locator("#dnc-table td.phone")).to_have_text("+919812300000")
        await page.fill("#dnc-phone", "12")
        await page.click("#dnc-add")
        await expect(page.locator("#dnc-msg")).to_have_class(re.compile(r"\berror\b"))
        await page.fill("#dnc-phone", "9812300001")
        await page.click("#dnc-add")
        await expect(page.locator("#dnc-table tbody tr")).to_have_count(2)
        await page.locator('#dnc-table button[data-phone="+919812300001"]').click()
        await expect(page.locator("#dnc-table tbody tr")).to_have_count(1)
        await page.locator("#n-name").focus()
        await shot(page, "supervisor-campaigns")

        # --- results as CSV, then pause and cancel ---------------------------------------------
        async with page.expect_download() as download:
            await row.locator("a.csv-link").click()
        lines = list(csv.reader(io.StringIO(open(await (await download.value).path(), encoding="utf-8").read())))
        assert lines[0][:11] == ["row", "name", "phone", "district", "scheme", "language", "complaint", "state",
                                 "attempts", "last_outcome", "result"] and lines[0][11] == "q1"
        assert sorted(r[0] for r in lines[1:]) == ["2", "3", "4"]
        await row.locator('button[data-move="pause"]').click()
        await expect(row.locator(".state")).to_have_text("Paused")
        cancel = row.locator('button[data-move="cancel"]')
        await cancel.click()
        await expect(cancel).to_have_text("Really cancel?")
        await cancel.click()
        await expect(row.locator(".state")).to_have_text("Cancelled")
        await expect(row.locator("button[data-move]")).to_have_count(0)
        assert page.problems == []  # type: ignore[attr-defined]


async def test_supervisor_creates_an_announcement(sqlite_url: str) -> None:
    async with FakeAmiServer(auth_fail_delay=0.05) as ami, CtiStack(sqlite_url, ami) as stack, \
            chromium() as browser, new_page(browser) as page:
        base = stack.url("")
        await make_user(stack.db, "super", "supervisor")
        await login(page, base, "super")
        await page.goto(base + "/supervisor/campaigns")
        await page.check('input[name="kind"][value="announcement"]')
        await expect(page.locator("#survey-part")).to_be_hidden()
        await page.fill("#n-name", "आशा कार्यकर्ता: टीकाकरण शिविर")
        await page.fill("#m-hi", "कल सुबह दस बजे से टीकाकरण शिविर पंचायत भवन में लगेगा।")
        await page.click("#new-submit")
        await expect(page.locator("#new-error")).to_contain_text("message.en")
        await page.fill("#m-en", "The vaccination camp opens at the panchayat hall tomorrow at ten.")
        await page.fill("#c-hi", "निर्देश मिल गए हों तो 1 दबाएँ।")
        await page.fill("#c-en", "Press 1 if you have received the instructions.")
        await page.click("#new-submit")
        await expect(page.locator("#new-msg")).to_contain_text("created", timeout=30000)
        row = page.locator("#camp-table tbody tr").first
        await expect(row.locator("td").first).to_have_text("Announcement")
        await expect(page.locator("#d-announce")).to_have_text("Answered 0 · heard to the end 0 · confirmed 0")
        await expect(page.locator("#upload-form")).to_be_visible()
        await page.locator("#new-form").screenshot(path=str(SCREENSHOTS / "supervisor-announcement.png"))
        # the message recorded by a person instead of the text-to-speech (Hindi)
        from tests.component.test_recorded_voices import tone

        await expect(page.locator("#voice-form")).to_be_visible()
        await page.click("#voice-submit")
        await expect(page.locator("#voice-msg")).to_contain_text("WAV or MP3")
        await page.set_input_files("#voice-file", files=[{"name": "message.wav", "mimeType": "audio/wav", "buffer": tone()}])
        await page.click("#voice-submit")
        await expect(page.locator("#voice-msg")).to_contain_text("Recording saved (1.0 s)")
        src = await page.locator("#voice-audio").get_attribute("src") or ""
        assert "/api/v1/admin/prompts/announce-" in src and "/hi/audio" in src
        assert await page.locator("#voice-audio").evaluate("a => fetch(a.src).then(r => r.status)") == 200
        await page.locator("#camp-detail").screenshot(path=str(SCREENSHOTS / "supervisor-announcement-detail.png"))
        assert page.problems == []  # type: ignore[attr-defined]
