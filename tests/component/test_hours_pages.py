"""The administrator's hours and holidays on /admin, the supervisor's emergency switch on /supervisor."""
from __future__ import annotations

from pathlib import Path

import httpx

from storage.db import Database
from storage.queries import hours as hours_q
from tests.fakes.console import form_login, page_csrf
from tests.helpers import make_user

CSRF = "csrf_token"


async def test_admin_sets_hours_and_holidays_in_the_page(client: httpx.AsyncClient, db: Database) -> None:
    await make_user(db, "adm", "admin")
    await form_login(client, "adm")
    token = await page_csrf(client, "/admin")
    r = await client.post("/admin/hours", data={CSRF: token, "queue": "helpline-en", "days": ["mon", "tue", "wed"],
                                                "opens": "09:00", "closes": "18:00"})
    assert r.status_code == 303 and r.headers["location"] == "/admin?saved=hours#hours"
    page = (await client.get("/admin?saved=hours")).text
    assert 'data-queue="helpline-en"' in page and "09:00–18:00" in page and "Open all the time" in page
    r = await client.post("/admin/hours", data={CSRF: token, "queue": "helpline-en", "days": [], "opens": "09:00",
                                                "closes": "18:00"})
    assert r.status_code == 422 and "at least one day" in r.text
    r = await client.post("/admin/holidays", data={CSRF: token, "day": "2027-01-26", "name_en": "Republic Day",
                                                   "name_hi": "गणतंत्र दिवस"})
    assert r.status_code == 303
    assert 'data-day="2027-01-26"' in (await client.get("/admin")).text
    r = await client.post("/admin/holidays", data={CSRF: token, "day": "26/01/2027", "name_en": "x", "name_hi": "x"})
    assert r.status_code == 422 and "YYYY-MM-DD" in r.text
    r = await client.post("/admin/holidays/2027-01-26/delete", data={CSRF: token})
    assert r.status_code == 303
    async with db.sessions() as session:
        assert list(await hours_q.holidays(session)) == []
        row = await hours_q.hours_of(session, "helpline-en")
    assert row is not None and (row.days, row.opens, row.closes, row.updated_by) == ("012", "09:00", "18:00", "adm")
    r = await client.post("/admin/hours", data={CSRF: token, "queue": "helpline-en", "always": "1"})
    assert r.status_code == 303
    async with db.sessions() as session:
        assert await hours_q.hours_of(session, "helpline-en") is None


async def test_supervisor_switches_the_emergency_message(client: httpx.AsyncClient, db: Database) -> None:
    await make_user(db, "sup", "supervisor")
    await form_login(client, "sup")
    token = await page_csrf(client, "/supervisor")
    page = (await client.get("/supervisor")).text
    assert 'id="emergency-form"' in page and "Switch on" in page or "चालू करें" in page
    r = await client.post("/supervisor/emergency", data={CSRF: token, "active": "1", "text_hi": "बाढ़", "text_en": ""})
    assert r.status_code == 422 and 'id="emergency-error"' in r.text
    r = await client.post("/supervisor/emergency", data={CSRF: token, "active": "1", "text_hi": "बाढ़ के कारण सेवा प्रभावित है।",
                                                         "text_en": "Floods have affected services."})
    assert r.status_code == 303, r.text[:300]
    async with db.sessions() as session:
        row = await hours_q.emergency(session)
    assert row is not None and row.active and row.updated_by == "sup"
    from tests.conftest import TEST_SOUNDS
    assert (Path(TEST_SOUNDS) / "en" / "helpline" / "emergency.wav").is_file()
    # a recording of the message replaces its Hindi voice; other prompts are the administrator's
    from tests.component.test_recorded_voices import tone

    spoken = (Path(TEST_SOUNDS) / "hi" / "helpline" / "emergency.wav").read_bytes()
    r = await client.post("/supervisor/emergency/recording", data={CSRF: token, "language": "hi"},
                          files={"file": ("flood.wav", tone(), "audio/wav")})
    assert r.status_code == 303, r.text[:300]
    assert (Path(TEST_SOUNDS) / "hi" / "helpline" / "emergency.wav").read_bytes() != spoken
    r = await client.put("/api/v1/admin/prompts/goodbye/hi", content=tone(), headers={"X-CSRF-Token": token})
    assert r.status_code == 403 and "emergency message and announcements" in r.json()["error"]["message"]
    r = await client.post("/supervisor/emergency/recording", data={CSRF: token, "language": "hi"},
                          files={"file": ("notes.txt", b"not audio", "text/plain")})
    assert r.status_code == 422 and "WAV or MP3" in r.text
    r = await client.post("/supervisor/emergency", data={CSRF: token, "active": "0", "text_hi": row.text_hi,
                                                         "text_en": row.text_en})
    assert r.status_code == 303
    async with db.sessions() as session:
        assert not (await hours_q.emergency(session)).active
