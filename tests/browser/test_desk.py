"""The agent desk through a real shift's moments, in Debian chromium at 1366x768, on the fake AMI
replaying real captures: each call starts from a clean form, the disposition is needed before
Ready, a status call is handled end to end, hang-up and transfer reach the PBX, callbacks are served.
Screenshots of each new screen go to test-artifacts/screenshots/.
"""
from __future__ import annotations

import asyncio
import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from playwright.async_api import Page, expect

from grievance import service
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Who
from storage.db import Database
from storage.queries import call_stats
from storage.queries import callbacks as callback_q
from storage.queries import desk_settings
from tests.fakes.ami_server import FakeAmiServer, replaced
from tests.fakes.browser import chromium, login, new_page, shot
from tests.fakes.cti_stack import CtiStack
from tests.fakes.desk import cut_after, events, lab_ami, transferred, variant
from tests.fakes.flow_world import Clock, flow_world
from ivr.flows.callback_request import request_callback

pytestmark = pytest.mark.browser

CALLER = "+919812345678"
GROUPED_NUMBER = re.compile(r"^\d{4} \d{6} \d$")


async def _wrapup(url: str, seconds: int) -> None:
    """The administrator's wrap-up length for helpline-hi, set before the CTI starts (it reads it then)."""
    db = Database(url)
    try:
        async with db.session_scope() as session:
            await desk_settings.put_queue_setting(session, "helpline-hi", seconds)
    finally:
        await db.dispose()


async def _register(stack: CtiStack, *, name: str = "सीता देवी", phone: str = CALLER) -> str:
    async with stack.db.session_scope() as session:
        c = await service.register(session, NewComplaint(
            phone=phone, name=name, district="LKO", department="FCS", category="FCS-RATION",
            description="राशन नहीं मिला"), Who(Actor.AGENT, "agent1002"), stack.ctx.policy)
        return c.number


async def _ready(page: Page) -> None:
    await page.click("#btn-login")
    await expect(page.locator("#agent-state")).to_have_attribute("data-state", "ready")
    await expect(page.locator("#btn-leave")).to_be_enabled()  # the login is recorded (not only seen by the PBX)


async def test_the_history_follows_a_pop_sent_before_the_lookup(sqlite_url: str) -> None:
    """The call reaches the desk while the caller lookup still waits for the database: the desk
    rings with the caller's number at once (no name, no complaints yet) and fills the citizen, the
    form and the complaints when the history follows (call.context)."""
    async with lab_ami() as ami, CtiStack(sqlite_url, ami) as stack, chromium() as browser:
        await stack.user("agent1001", extension="agent1001")
        await _register(stack)
        lookups = stack.cti.lookups
        looked_up = lookups.caller_context
        release = asyncio.Event()

        async def slow_database(phone: str) -> dict:
            await release.wait()
            return await looked_up(phone)

        lookups.caller_context = slow_database  # type: ignore[method-assign]
        async with new_page(browser) as page:
            await login(page, stack.url(""), "agent1001")
            await _ready(page)
            ringing, _ = cut_after(events("inbound-answered", time.time()), "AgentCalled")
            for msg in ringing:  # the call rings the agent and stays ringing
                ami.emit(msg)
            await expect(page.locator("#call-caller")).to_have_text("98123 45678")
            await expect(page.locator("#f-phone")).to_have_value(CALLER)
            await expect(page.locator("#f-name")).to_have_value("")
            await expect(page.locator("#pop-complaints tbody tr")).to_have_count(0)
            release.set()
            await expect(page.locator("#f-name")).to_have_value("सीता देवी")
            await expect(page.locator("#f-district")).to_have_value("LKO")
            await expect(page.locator("#pop-citizens li")).to_have_count(1)
            await expect(page.locator("#pop-complaints tbody tr")).to_have_count(1)


async def test_each_call_starts_from_a_clean_form_and_needs_a_disposition(sqlite_url: str) -> None:
    await _wrapup(sqlite_url, 2)
    async with lab_ami() as ami, CtiStack(sqlite_url, ami) as stack, \
            chromium() as browser:
        base = stack.url("")
        await stack.user("agent1001", extension="agent1001")
        earlier = await _register(stack)
        async with new_page(browser) as page:
            await login(page, base, "agent1001")
            await _ready(page)

            # --- caller A, known: the pop fills what it knows ------------------------------------
            await ami.replay("inbound-answered")
            await expect(page.locator("#call-caller")).to_have_text("98123 45678")
            await expect(page.locator("#f-phone")).to_have_value(CALLER)
            await expect(page.locator("#f-name")).to_have_value("सीता देवी")
            await expect(page.locator("#f-district")).to_have_value("LKO")
            await expect(page.locator("#pop-complaints tbody tr")).to_have_count(1)
            await page.select_option("#f-department", "ELE")
            await page.select_option("#f-category", "ELE-SUPPLY")
            await page.fill("#f-description", "गाँव में तीन दिन से बिजली नहीं")
            await page.click("#register-submit")
            await expect(page.locator("#created-number")).to_have_text(GROUPED_NUMBER)
            number = (await page.locator("#created-number").get_attribute("data-number")) or ""
            await expect(page.locator("#pop-complaints tbody tr")).to_have_count(2)  # refreshed after registering
            await expect(page.locator(f'#pop-complaints a[data-complaint="{number}"]')).to_have_count(1)
            # the capture's call has ended: wrap-up, and no Ready before the disposition
            await expect(page.locator("#call-card")).to_have_class(re.compile(r"\bended\b"))
            await expect(page.locator("#agent-state")).to_have_attribute("data-state", "wrap_up")
            await expect(page.locator("#btn-ready")).to_be_disabled()
            await expect(page.locator("#disposition")).to_have_value("complaint_registered")
            await shot(page, "desk-wrapup-disposition-needed")
            status = await page.evaluate("""async () => (await fetch('/api/v1/agents/me/ready', {method: 'POST',
                headers: {'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content}})).status""")
            assert status == 409  # the server refuses Ready too
            await page.click("#disposition-submit")
            await expect(page.locator("#disposition-state")).to_have_text("Disposition saved.")
            # wrap-up (2 s, the administrator's setting) runs out and the desk asks for Ready itself
            await expect(page.locator("#agent-state")).to_have_attribute("data-state", "ready", timeout=20000)

            # --- caller B, unknown: nothing of A's is left -----------------------------------------
            await ami.replay(variant("inbound-answered", "919800000002", 2))
            await expect(page.locator("#call-caller")).to_have_text("98000 00002")
            await expect(page.locator("#f-phone")).to_have_value("+919800000002")
            for field in ("#f-name", "#f-district", "#f-department", "#f-category", "#f-description"):
                await expect(page.locator(field)).to_have_value("")
            await expect(page.locator("#created")).to_be_hidden()
            await expect(page.locator("#disposition")).to_have_value("")
            await expect(page.locator("#pop-citizens")).to_have_text("No earlier citizen on this number.")
            await expect(page.locator("#pop-complaints tbody")).to_have_text("No complaints.")
            first = page.locator("#recent-calls li").first
            await expect(first).to_contain_text("98123 45678")
            await expect(first).to_contain_text(f"{number[:4]} {number[4:10]} {number[10]}")
            await shot(page, "desk-second-call-clean")
            # the search results are on screen at 1366x768, not below the fold
            await page.fill("#q", "98123 45678")
            await page.press("#q", "Enter")
            await expect(page.locator("#search-table tbody tr")).to_have_count(2)
            await expect(page.locator("#search-table tbody tr").last).to_be_in_viewport()
            assert await page.evaluate("window.scrollY") == 0
            assert page.url.endswith("/agent?q=9812345678")  # what the language switch comes back to
            assert earlier != number
            assert page.problems == []  # type: ignore[attr-defined]
        async with stack.db.sessions() as session:
            coded = await call_stats.last_answered(session, "agent1001", datetime(2020, 1, 1, tzinfo=timezone.utc))
        assert coded is not None and coded.disposition is None  # the second call: not coded yet


async def test_status_call_handled_end_to_end(sqlite_url: str) -> None:
    """The caller asks about a disposed complaint: the agent opens it (reports, history, deadline),
    records that the caller is not satisfied, and it is reopened with the L1 officer."""
    async with FakeAmiServer(auth_fail_delay=0.05) as ami, CtiStack(sqlite_url, ami) as stack, \
            chromium() as browser:
        base = stack.url("")
        await stack.user("agent1001", extension="agent1001")
        number = await _register(stack)
        async with stack.db.session_scope() as session:
            await service.dispose(session, number, "राशन कार्ड अद्यतन किया गया। Ration card updated.",
                                  Who(Actor.OFFICER, "fcs.l1", "FCS-LKO-L1"), stack.ctx.policy)
        async with stack.db.session_scope() as session:  # the caller also asked for a callback earlier
            waiting = (await request_callback(session, CALLER, "hi", "helpline-hi", None, None,
                                              datetime.now(timezone.utc))).request.id
        live, rest = cut_after(events("inbound-answered", time.time()), "AgentConnect")
        async with new_page(browser) as page:
            await login(page, base, "agent1001")
            await _ready(page)
            for msg in live:
                ami.emit(msg)
            await expect(page.locator("#call-card")).to_have_class(re.compile(r"\banswered\b"))
            await expect(page.locator("#pop-callbacks")).to_be_visible()
            await page.click(f'button[data-cb-done="{waiting}"]')  # dealt with on this call
            await expect(page.locator("#pop-callbacks")).to_be_hidden()
            row = page.locator("#pop-complaints tbody tr").first
            await expect(row).to_contain_text("Disposed")
            await row.locator("a").click()
            panel = page.locator("#complaint-panel")
            await expect(panel).to_be_visible()
            await expect(page.locator("#cp-number")).to_have_text(f"{number[:4]} {number[4:10]} {number[10]}")
            await expect(page.locator("#cp-l1")).to_contain_text("Ration card updated.")
            await expect(page.locator("#cp-history li")).to_have_count(3)  # registered, assigned, disposed
            await expect(page.locator("#cp-ivr")).to_be_visible()  # the caller could also answer by keypad
            await shot(page, "desk-complaint-panel")
            await page.click("#cp-dissatisfied")
            await expect(page.locator("#cp-state")).to_have_attribute("data-state", "at_l1")
            await expect(page.locator("#cp-notice")).to_contain_text("Reopened with the L1 officer")
            await expect(page.locator("#cp-history li")).to_have_count(4)
            await shot(page, "desk-complaint-reopened")
            await page.click("#cp-close")
            await page.select_option("#disposition", "feedback")
            await page.click("#disposition-submit")  # chosen during the call: saved when it ends
            await expect(page.locator("#disposition-state")).to_have_text("Chosen: saved when the call ends.")
            for msg in rest:
                ami.emit(msg)
            await expect(page.locator("#disposition-state")).to_have_text("Disposition saved.")
            assert page.problems == []  # type: ignore[attr-defined]
        async with stack.db.sessions() as session:
            complaint = await service.get(session, number)
            rows = await call_stats.abandoned_since(session, datetime(2020, 1, 1, tzinfo=timezone.utc))
            request = await callback_q.by_id(session, waiting)
        assert (complaint.state, complaint.reopen_count, complaint.feedback) == ("at_l1", 1, "dissatisfied")
        assert rows == []
        assert (request.state, request.handled_by, request.last_outcome) == ("done", "agent1001", "reached")


async def test_call_control_reaches_the_pbx(sqlite_url: str) -> None:
    """Hang up ends the call; hold, attended transfer (and back), blind transfer to a queue send the
    actions Asterisk documents and the call leaves the desk; the supervisor can listen in.
    The fake has the captures' `support` queue (lab_ami): without it the wrap-up pause there is
    refused, the tracker does not see the agent paused in all its queues, and the wrap-up shown
    after the transfer would only be the 5 s window after the captured AgentComplete, which a
    loaded machine spends before the test looks."""
    async with lab_ami() as ami, CtiStack(sqlite_url, ami) as stack, \
            chromium() as browser:
        base = stack.url("")
        await stack.user("agent1001", extension="agent1001")
        await stack.user("agent1002", extension="agent1002")
        await stack.user("super", role="supervisor", extension="sup2001")
        async with new_page(browser) as page:
            await login(page, base, "agent1001")
            await _ready(page)
            # --- hang up ------------------------------------------------------------------------
            live, rest = cut_after(events("inbound-answered", time.time()), "AgentConnect")
            for msg in live:
                ami.emit(msg)
            await expect(page.locator("#call-controls")).to_be_visible()
            await shot(page, "desk-call-controls")
            await page.click("#btn-hangup")
            hangup = await ami.wait_for_action("Hangup")
            assert hangup.get("Channel") == "PJSIP/sipp-trunk-00000000"
            for msg in rest:  # what Asterisk sends once the caller's channel is hung up
                ami.emit(msg)
            await expect(page.locator("#call-card")).to_have_class(re.compile(r"\bended\b"))
            await expect(page.locator("#call-controls")).to_be_hidden()
            await page.select_option("#disposition", "other")
            await page.click("#disposition-submit")
            await expect(page.locator("#disposition-state")).to_have_text("Disposition saved.")
            await page.click("#btn-ready")
            await expect(page.locator("#agent-state")).to_have_attribute("data-state", "ready")

            # --- hold, attended transfer and back, then a blind transfer to the English queue -----------
            second = events(variant("inbound-answered", "919800000003", 3), time.time())
            live, rest = cut_after(second, "AgentConnect")
            for msg in live:
                ami.emit(msg)
            await expect(page.locator("#call-caller")).to_have_text("98000 00003")
            await expect(page.locator("#call-controls")).to_be_visible()
            caller_leg, agent_leg = "PJSIP/sipp-trunk-00000301", "PJSIP/agent1001-00000300"
            await page.click("#btn-hold")
            hold = await ami.wait_for_action("Redirect")
            assert (hold.get("Channel"), hold.get("Context"), hold.get("ExtraChannel"), hold.get("ExtraExten")) == (
                caller_leg, "helpline-hold", agent_leg, "agent")
            await expect(page.locator("#btn-resume")).to_be_visible()
            await page.click("#btn-resume")
            bridge = await ami.wait_for_action("Bridge")
            assert (bridge.get("Channel1"), bridge.get("Channel2")) == (caller_leg, agent_leg)

            # the supervisor listens in from the wallboard
            async with new_page(browser) as sup:
                await login(sup, base, "super")
                listen = sup.locator('#wb-agents tr[data-agent="agent1001"] button[data-spy="listen"]')
                await expect(listen).to_be_visible()
                await expect(sup.locator('#wb-agents tr[data-agent="agent1001"]')).to_contain_text("On call")
                await shot(sup, "supervisor-wallboard-monitor")
                await listen.click()
                await expect(sup.locator("#sup-msg")).to_contain_text("you will hear the call")
                spy = await ami.wait_for_action("Originate")
                assert (spy.get("Channel"), spy.get("Application"), spy.get("Data")) == (
                    "PJSIP/sup2001", "ChanSpy", "PJSIP/agent1001,qE")
                assert sup.problems == []  # type: ignore[attr-defined]

            await page.click("#btn-transfer")
            await expect(page.locator("#transfer-target option")).to_have_count(2)  # agent1002 and the supervisor
            await page.select_option("#transfer-target", "agent1002")
            await page.click("#btn-attended")
            atxfer = await ami.wait_for_action("Atxfer")
            # Atxfer plays its extension as DTMF: the agent's name rides on its leg, extension 1 reads it
            assert (atxfer.get("Channel"), atxfer.get("Exten"), atxfer.get("Context")) == (
                agent_leg, "1", "helpline-atxfer")
            named = [a for a in ami.actions_named("Setvar") if a.get("Variable") == "HELPLINE_ATXFER_TO"]
            assert [(a.get("Channel"), a.get("Value")) for a in named] == [(agent_leg, "agent1002")]
            await expect(page.locator("#btn-cancel-transfer")).to_be_visible()
            await expect(page.locator("#btn-complete-transfer")).to_be_visible()
            await expect(page.locator("#btn-hangup")).to_be_hidden()  # the caller is not cut off meanwhile
            await page.click("#btn-cancel-transfer")
            cancel = await ami.wait_for_action("CancelAtxfer")
            assert cancel.get("Channel") == agent_leg
            await page.select_option("#transfer-kind", "queue")
            await page.select_option("#transfer-target", "helpline-en")
            await shot(page, "desk-transfer")
            await page.click("#btn-blind")
            moved = await ami.wait_for_action("Redirect", count=2)
            assert (moved.get("Channel"), moved.get("Context"), moved.get("Exten")) == (
                caller_leg, "helpline-transfer-queue", "en")
            for msg in transferred(second):  # app_queue: AgentComplete (transfer), the agent's leg hangs up
                ami.emit(msg)
            await expect(page.locator("#call-card")).to_have_class(re.compile(r"\bended\b"))
            await expect(page.locator("#call-status")).to_have_text("Call ended")
            await expect(page.locator("#agent-state")).to_have_attribute("data-state", "wrap_up")
            assert page.problems == []  # type: ignore[attr-defined]


async def test_callbacks_are_served_one_agent_at_a_time(sqlite_url: str) -> None:
    """A caller presses 1 in the queue (callback-request over FastAGI, the call ends as `callback`),
    another hangs up waiting (an abandoned call): both are in the list, first join first; one agent
    takes the request, a second cannot, the first dials and marks it called back; the abandoned
    caller who cannot be reached three times is shown to the supervisor."""
    now = datetime.now(timezone.utc)
    async with FakeAmiServer(auth_fail_delay=0.05) as ami, CtiStack(sqlite_url, ami) as stack, \
            flow_world(sqlite_url, clock=Clock(now)) as world, chromium() as browser:
        base = stack.url("")
        await stack.user("agent1001", extension="agent1001")
        await stack.user("agent1002", extension="agent1002")
        await stack.user("super", role="supervisor")
        # the caller in the queue presses 1: the dialplan runs callback-request, then hangs up
        pressed = events("inbound-abandoned", time.time() - 600)  # well before the second caller
        join = next(m for m in pressed if m.event == "QueueCallerJoin")
        agi = await world.peer.call("callback-request", caller="919876543211", args=["caller"], variables={
            "HELPLINE_QUEUE": "helpline-hi", "HELPLINE_QUEUE_JOINED": str(int(float(join.get("Timestamp")))),
            "CHANNEL(linkedid)": join.get("Linkedid")})
        request_id = int(agi.variables["HELPLINE_CALLBACK"])
        at = pressed.index(join) + 1
        marker = replaced(next(m for m in pressed[at:] if m.event == "VarSet"), Variable="HELPLINE_CALLBACK",
                          Value=str(request_id))
        for msg in [*pressed[:at], marker, *pressed[at:]]:
            ami.emit(msg)
        # a second caller hangs up while waiting
        await ami.replay(variant("inbound-abandoned", "919800000005", 5))
        async with asyncio.timeout(30):
            while len(await _open_requests(stack)) < 2:
                await asyncio.sleep(0.05)
        async with new_page(browser) as one, new_page(browser) as two:
            for page, name in ((one, "agent1001"), (two, "agent1002")):
                await login(page, base, name)
                await expect(page.locator("#cb-list li")).to_have_count(2)
            first = one.locator("#cb-list li").first
            await expect(first).to_contain_text("98765 43211")
            await expect(first).to_contain_text("Asked for callback")
            await expect(one.locator("#cb-list li").nth(1)).to_contain_text("Hung up waiting")
            await first.locator("button[data-cb-take]").click()
            await expect(one.locator("#cb-phone")).to_have_text("98765 43211")
            # agent1002's list was loaded before: taking it now is refused
            await two.locator("#cb-list li").first.locator("button[data-cb-take]").click()
            await expect(two.locator("#state-msg")).to_have_text("another agent (agent1001) is calling this number back")
            await two.click("#cb-refresh")
            await expect(two.locator("#cb-list li").first).to_contain_text("with agent1001")
            await shot(one, "desk-callback-preview")
            await one.click("#cb-dial")
            dial = await ami.wait_for_action("Originate")
            assert (dial.get("Channel"), dial.get("Exten")) == ("PJSIP/agent1001", "9876543211")
            await one.fill("#cb-note", "बात हो गई, शिकायत दर्ज की")
            await one.click('button[data-cb-result="reached"]')
            await expect(one.locator("#state-msg")).to_have_text("Saved: called back.")
            await expect(one.locator("#cb-list li")).to_have_count(1)
            # the abandoned caller: three tries without an answer
            for outcome in ("no_answer", "busy", "no_answer"):
                await one.locator("#cb-list li").first.locator("button[data-cb-take]").click()
                await expect(one.locator("#cb-phone")).to_have_text("98000 00005")
                await one.click(f'button[data-cb-result="{outcome}"]')
                await expect(one.locator("#cb-current")).to_be_hidden()
            await expect(one.locator("#state-msg")).to_have_text("Saved: three tries failed; the supervisor sees it.")
            await expect(one.locator("#cb-list li")).to_have_text("Nobody is waiting for a callback.")
            assert one.problems == [] and two.problems == []  # type: ignore[attr-defined]
        async with new_page(browser) as sup:
            await login(sup, base, "super")
            await expect(sup.locator("#callbacks-failed tbody tr")).to_have_count(1)
            await expect(sup.locator("#callbacks-failed")).to_contain_text("+919800000005")
            await expect(sup.locator("#wb-callbacks")).to_have_text("0")
            abandoned = sup.locator('#abandoned tr[data-phone="+919800000005"]')  # one line per number, marked
            await expect(abandoned).to_contain_text("3 tries failed")
            await expect(sup.locator('#abandoned tr[data-phone="+919876543211"]')).to_have_count(0)
            await shot(sup, "supervisor-callbacks-failed")
        async with stack.db.sessions() as session:
            request = await callback_q.by_id(session, request_id)
            tries = await callback_q.attempts_of(session, [request_id])
            rows = await call_stats.abandoned_since(session, now - timedelta(hours=1))
        assert (request.state, request.attempts, request.handled_by) == ("done", 1, "agent1001")
        assert [(a.agent, a.outcome, a.note) for a in tries[request_id]] == [
            ("agent1001", "reached", "बात हो गई, शिकायत दर्ज की")]
        assert [r.caller for r in rows] == ["+919800000005"]  # the press-1 caller's call is not abandoned


async def _open_requests(stack: CtiStack) -> list:
    async with stack.db.sessions() as session:
        return list(await callback_q.listing(session))


async def test_ring_alert_hindi_desk_and_pbx_down(sqlite_url: str) -> None:
    """A ringing call flashes the tab title (and sounds, and notifies when the tab is hidden); the
    Hindi desk reads the same; with the PBX gone the state is never a green Ready."""
    async with FakeAmiServer(auth_fail_delay=0.05) as ami, CtiStack(sqlite_url, ami) as stack, \
            chromium() as browser:
        base = stack.url("")
        await stack.user("agent1001", extension="agent1001")
        ring, _ = cut_after(events("inbound-answered", time.time()), "AgentCalled")
        async with new_page(browser) as page:
            await login(page, base, "agent1001")
            async with page.expect_navigation():
                await page.click("#lang-switch")
            await expect(page.locator("html")).to_have_attribute("lang", "hi")
            await page.click("#btn-login")
            await expect(page.locator("#agent-state")).to_have_text("तैयार")
            for msg in ring:
                ami.emit(msg)
            await expect(page.locator("body")).to_have_attribute("data-ringing", "1")
            await expect(page).to_have_title(re.compile("घंटी: 98123 45678"), timeout=20000)
            await expect(page.locator("#call-card")).to_have_class(re.compile(r"\bringing\b"))
            await shot(page, "desk-ringing-hindi")
            # a refusal from the server, in Hindi: a callback request that does not exist
            await page.evaluate("window.Desk.H.api('POST', '/api/v1/callbacks/999/take').catch("
                                "e => window.Desk.say('state-msg', window.Desk.errorText(e), true))")
            await expect(page.locator("#state-msg")).to_have_text("नहीं मिला।")
            assert page.problems == []  # type: ignore[attr-defined]
        await ami.stop()  # the PBX goes away
        async with asyncio.timeout(30):
            while stack.cti.pool.any_connected:
                await asyncio.sleep(0.02)
        async with new_page(browser) as page:
            await login(page, base, "agent1001")
            await expect(page.locator("#agent-state")).to_have_attribute("data-state", "pbx_down")
            await expect(page.locator("#btn-ready")).to_be_disabled()
            await expect(page.locator("#call-none")).to_be_visible()  # no ghost of the call that was ringing
            await expect(page.locator("#pbx-banner")).to_be_visible()
            await shot(page, "desk-pbx-down")
