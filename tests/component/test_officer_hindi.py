"""Hindi pages say everything in Hindi (issue 13): an officer's designation, the actor of each event
("(agent)", "(dialer)"), feedback such as "dissatisfied", and role names."""
from __future__ import annotations

import httpx

from common.context import AppContext
from grievance import service
from grievance.lifecycle import Actor
from grievance.service import NewComplaint, Who
from storage.db import Database
from tests.fakes.console import form_login, page_csrf
from tests.helpers import make_user


async def test_officer_pages_in_hindi(client: httpx.AsyncClient, db: Database, ctx: AppContext) -> None:
    async with db.session_scope() as session:
        c = await service.register(session, NewComplaint(
            phone="9812345678", name="सीता", district="LKO", department="ELE", category="ELE-SUPPLY",
            description="बिजली नहीं"), Who(Actor.AGENT, "agent1001"), ctx.policy)
        await service.dispose(session, c.number, "लाइन ठीक कर दी गई है", Who(Actor.OFFICER, "o1", "ELE-LKO-L1"),
                              ctx.policy)
        await service.record_feedback(session, c.number, "dissatisfied", Who(Actor.DIALER, "dialer"), ctx.policy)
        number = c.number
    await make_user(db, "o1", "officer", officer="ELE-LKO-L1")
    await form_login(client, "o1")
    token = await page_csrf(client, "/officer")
    await client.post("/lang", data={"lang": "hi", "back": "/officer", "csrf_token": token})
    inbox = (await client.get("/officer")).text
    assert "ज़िला अधिकारी, विद्युत, लखनऊ" in inbox and "District officer" not in inbox
    assert "o1 · अधिकारी" in inbox  # role name in the top bar
    page = (await client.get(f"/officer/complaints/{number}")).text
    assert "(एजेंट)" in page and "(प्रतिपुष्टि कॉल)" in page and "(सिस्टम)" in page
    assert "असंतुष्ट" in page
    for english in ("(agent)", "(dialer)", "(system)", ">dissatisfied<", "· officer<"):
        assert english not in page, english
