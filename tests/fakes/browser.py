"""Headless Debian chromium driven by Playwright (async API), for the console's browser tests.

    async with browser_page() as page:       # 1366×768, no downloads, dialogs fail the test
        await page.goto(stack.url("/login"))
        await shot(page, "login")            # test-artifacts/screenshots/login.png
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, ConsoleMessage, Dialog, Page, async_playwright, expect

from tests.conftest import ARTIFACTS
from tests.helpers import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = ARTIFACTS / "screenshots"
VIEWPORT = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

# `expect(...)` waits for a page to reach a state; 5 s (Playwright's default) is too short for a
# loaded 2-core machine, where a pop or a wrap-up pause may take longer to land. It guards, it
# does not measure: a page that gets there sooner passes sooner.
EXPECT_TIMEOUT_MS = 20_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@asynccontextmanager
async def chromium(*extra_args: str) -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args], headless=True)
        try:
            yield browser
        finally:
            await browser.close()


class DialogSeen(AssertionError):
    """A page opened an alert/confirm/prompt: injected script ran."""


@asynccontextmanager
async def new_page(browser: Browser, viewport: dict[str, int] | None = None,
                   permissions: list[str] | None = None) -> AsyncIterator[Page]:
    """A fresh context (own cookies) and page; JS dialogs, page errors and console errors (CSP
    violations included) are recorded on `page.problems`. `viewport=PHONE` for a 390x844 phone;
    `permissions` (e.g. camera, microphone) granted to the page."""
    phone = viewport is not None and viewport["width"] < 600
    context = await browser.new_context(viewport=viewport or VIEWPORT, locale="en-IN", timezone_id="Asia/Kolkata",
                                        is_mobile=phone, has_touch=phone, permissions=permissions or [])
    page = await context.new_page()
    problems: list[str] = []
    page.problems = problems  # type: ignore[attr-defined]

    async def on_dialog(dialog: Dialog) -> None:
        problems.append(f"dialog: {dialog.message}")
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))

    def on_console(msg: ConsoleMessage) -> None:
        # refusals the test provokes (401, 404) log "Failed to load resource"; anything else is a problem
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            problems.append(f"console {msg.type}: {msg.text}")

    page.on("console", on_console)
    try:
        yield page
    finally:
        await context.close()


async def login(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the form, by keyboard, and wait for the landing page."""
    await page.goto(base + "/login")
    await page.fill("#username", username)
    await page.fill("#password", password)
    async with page.expect_navigation():
        await page.press("#password", "Enter")


async def shot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


_DESK_SHOWN = """() => {
  const text = (id) => (document.getElementById(id) || {}).textContent || "";
  const state = (id) => ((document.getElementById(id) || {}).dataset || {}).state || "";
  return {agent_state: state("agent-state"), softphone: state("sp-state"), state_msg: text("state-msg"),
          sp_msg: text("sp-msg"), login_disabled: document.getElementById("btn-login").disabled};
}"""


async def join_with_softphone(page: Page, timeout_ms: int = 60000) -> None:
    """On the desk: "Join queues" once the softphone has loaded (its card shown), then wait until
    it is registered. A failure says what the desk showed (state, messages, console problems)."""
    await expect(page.locator("#softphone")).to_be_visible()
    await page.click("#btn-login")
    try:
        await expect(page.locator("#sp-state")).to_have_attribute("data-state", "registered", timeout=timeout_ms)
    except AssertionError as exc:
        shown = await page.evaluate(_DESK_SHOWN)
        problems = getattr(page, "problems", [])
        raise AssertionError(f"softphone not registered within {timeout_ms / 1000:.0f} s; the desk showed {shown}; "
                             f"page problems: {problems}") from exc
