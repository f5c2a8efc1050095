"""The supervisor's campaigns page: who may open it, what it carries to its script, the nav link."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import httpx
import pytest

from dialer import admin
from storage.db import Database
from tests.fakes.console import form_login
from tests.helpers import make_user

HOSTILE = '</script><script>alert(1)</script> पेंशन सर्वे'
DATA = re.compile(r'<script type="application/json" id="camp-data">(.*?)</script>', re.S)


async def _campaign(db: Database) -> int:
    spec = admin.build_spec({"name": HOSTILE, "window": "10:00-17:30", "days": ["mon", "fri"], "survey": [
        {"id": "q1", "prompt_hi": "क्या पेंशन मिली?", "prompt_en": "Did you get the pension?",
         "digits": {"1": "yes", "2": "no"}}]}, "09:00-21:00")
    async with db.session_scope() as session:
        campaign = await admin.create_campaign(session, spec, "sup", datetime.now(timezone.utc))
        report = await admin.import_contacts(session, campaign.id, b"name,phone\nRam,9812345670\nSita,98123\n",
                                             datetime.now(timezone.utc))
        assert report.imported == 1
        await admin.dnc_add(session, "9812300000", "asked not to be called", datetime.now(timezone.utc))
        return campaign.id


async def test_supervisor_sees_campaigns_with_progress(client: httpx.AsyncClient, db: Database) -> None:
    cid = await _campaign(db)
    await make_user(db, "sup", "supervisor")
    await form_login(client, "sup")
    page = await client.get("/supervisor/campaigns")
    assert page.status_code == 200
    html = page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<a href="/supervisor/campaigns" aria-current="page">Campaigns</a>' in html
    assert "<script>alert(1)" not in html  # the hostile name only travels as escaped JSON
    data = json.loads(DATA.search(html).group(1))  # type: ignore[union-attr]
    [campaign] = data["campaigns"]
    assert campaign["id"] == cid and campaign["name"] == HOSTILE and campaign["state"] == "draft"
    assert campaign["window"] == "10:00-17:30" and campaign["days"] == ["mon", "fri"]
    assert campaign["progress"]["contacts"] == 1 and campaign["progress"]["queued"] == 1
    assert data["dnc"] == [{"phone": "+919812300000", "reason": "asked not to be called"}]
    assert data["refresh_s"] == 5 and data["texts"]["camp.imported"] == "{n} imported"
    assert 'id="n-window" name="window" class="short" value="09:00-21:00"' in html  # settings' window
    assert html.count('type="checkbox" name="days"') == 7
    assert "spoken (text-to-speech) when the campaign is created" in html  # no shell step any more
    assert '<script src="/static/campaigns.js"></script>' in html
    wallboard = await client.get("/supervisor")
    assert 'href="/supervisor/campaigns"' in wallboard.text


async def test_admin_opens_it_in_hindi(client: httpx.AsyncClient, db: Database) -> None:
    await make_user(db, "adm", "admin")
    await form_login(client, "adm")
    page = await client.get("/supervisor/campaigns")
    switched = await client.post("/lang", data={"csrf_token": re.search(
        r'<meta name="csrf-token" content="([^"]*)"', page.text).group(1), "lang": "hi",  # type: ignore[union-attr]
        "back": "/supervisor/campaigns"})
    assert switched.status_code == 303
    page = await client.get("/supervisor/campaigns")
    assert page.status_code == 200
    assert "आउटबाउंड कॉल अभियान" in page.text and "अभी कोई अभियान नहीं।" in page.text
    assert '<a href="/supervisor/campaigns" aria-current="page">अभियान</a>' in page.text
    assert json.loads(DATA.search(page.text).group(1))["campaigns"] == []  # type: ignore[union-attr]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_agent_officer_and_anonymous_are_refused(client: httpx.AsyncClient, db: Database) -> None:
    anonymous = await client.get("/supervisor/campaigns")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=%2Fsupervisor%2Fcampaigns"
    await make_user(db, "a1", "agent", extension="agent1001")
    await form_login(client, "a1")
    refused = await client.get("/supervisor/campaigns")
    assert refused.status_code == 403 and "you are logged in as agent" in refused.text
    assert "camp-data" not in refused.text
    client.cookies.clear()
    await make_user(db, "o1", "officer", officer="ELE-LKO-L1")
    await form_login(client, "o1")
    refused = await client.get("/supervisor/campaigns")
    assert refused.status_code == 403 and "camp-data" not in refused.text
    assert 'href="/supervisor/campaigns"' not in refused.text  # not in an officer's nav
