"""Recordings in Debian chromium at 1366x768: the administrator turns recording on for a queue; a
recorded queue call (fake AMI replaying a real capture, a WAV where MixMonitor would write it) is
found by a supervisor and plays in the page's audio element, and gets a quality review whose score
shows in the call-centre report; the listen shows in the
administrator's audit; another agent finds nothing and is refused the file."""
from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from recordings.files import name_for
from storage.models import Call, QueueSetting
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.browser import chromium, login, new_page, shot
from tests.fakes.cti_stack import CtiStack
from tests.fakes.recordings import recorded_call, write_wav
from tests.helpers import make_user

pytestmark = pytest.mark.browser


async def test_supervisor_plays_a_recording_and_the_admin_sees_the_listen(
        sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_CALL_RECORDINGS_DIR", str(tmp_path))
    async with FakeAmiServer(auth_fail_delay=0.05) as ami, CtiStack(sqlite_url, ami) as stack, \
            chromium() as browser:
        base = stack.url("")
        await make_user(stack.db, "super", "supervisor")
        await make_user(stack.db, "boss", "admin")
        await make_user(stack.db, "agent2", "agent", extension="agent1002")

        async with new_page(browser) as page:
            await login(page, base, "boss")
            row = page.locator('#queues tr[data-queue="helpline-hi"]')
            await row.locator('input[name="record"]').check()
            async with page.expect_navigation():
                await row.locator('button[type="submit"]').click()
            await expect(page.locator('#rec-helpline-hi')).to_be_checked()
            await expect(page.locator('#rec-helpline-en')).not_to_be_checked()
            await shot(page, "admin-queues-recording")
        async with stack.db.sessions() as session:
            assert (await session.get(QueueSetting, "helpline-hi")).record is True

        name = name_for(datetime.now(stack.ctx.tz).date(), "1795362053.0")
        write_wav(tmp_path / name, seconds=3.0)
        for msg in recorded_call(name, time.time()):
            ami.emit(msg)
        async with asyncio.timeout(10):
            while True:
                async with stack.db.sessions() as session:
                    call = (await session.scalars(select(Call))).first()
                if call is not None:
                    break
                await asyncio.sleep(0.05)
        assert call.recording == name

        async with new_page(browser) as page:
            await login(page, base, "super")
            await page.click('nav a[href="/recordings"]')
            await page.fill('input[name="agent"]', "agent1001")
            async with page.expect_navigation():
                await page.click('#rec-form button[type="submit"]')
            await expect(page.locator("#rec-table tbody tr")).to_have_count(1)
            audio = page.locator(f'tr[data-call="{call.id}"] audio')
            await audio.evaluate("a => { a.muted = true; return a.play(); }")
            await page.wait_for_function(
                "a => a.readyState >= 2 && a.currentTime > 0", arg=await audio.element_handle(), timeout=15000)
            duration = await audio.evaluate("a => a.duration")
            assert abs(duration - 3.0) < 0.1
            await audio.evaluate("a => a.pause()")
            await shot(page, "supervisor-recordings")
            # the quality review of the call, then its score in the list and in the call-centre report
            async with page.expect_navigation():
                await page.click(f'tr[data-call="{call.id}"] td.qa a')
            for code in ("greeting", "category", "read_back", "courtesy"):
                await page.check(f"#qa-{code}")
            await page.fill("#qa-comment", "Read the number back twice; good.")
            async with page.expect_navigation():
                await page.click("#qa-submit")
            await expect(page.locator("#qa-saved")).to_contain_text("86")
            await shot(page, "supervisor-qa-review")
            await page.goto(base + "/recordings?agent=agent1001")
            await expect(page.locator(f'tr[data-call="{call.id}"] td.qa .badge')).to_have_text("86")
            await page.click('nav a[href="/supervisor/calls"]')
            await expect(page.locator('#cc-agents tr[data-agent="agent1001"] td.qa')).to_have_text("86.0 (1)")
            assert page.problems == []  # type: ignore[attr-defined]

        async with new_page(browser) as page:
            await login(page, base, "agent2")
            await page.goto(base + "/recordings")
            await expect(page.locator("#rec-own")).to_be_visible()
            await expect(page.locator("#rec-none")).to_be_visible()
            refused = await page.request.get(base + f"/api/v1/recordings/{call.id}/audio")
            assert refused.status == 403

        async with new_page(browser) as page:
            await login(page, base, "boss")
            await page.goto(base + "/recordings")
            await page.click("#rec-listens")
            await expect(page.locator(f'#listens-table tr[data-call="{call.id}"]').first).to_contain_text("super")
            await shot(page, "admin-recording-listens")
