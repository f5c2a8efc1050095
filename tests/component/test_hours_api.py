"""GET /hours, the administrator's hours and holidays, the supervisor's emergency message (spoken
by the real text-to-speech into the sounds folder), and an after-hours recording for agents."""
from __future__ import annotations

import wave
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from agent_console.app import create_app
from common.context import AppContext
from ivr.flows.voice_complaint import KIND
from storage.db import Database
from storage.models import CallbackRequest
from tests.conftest import make_settings
from tests.helpers import login_as


@pytest.fixture
async def api(db_url: str, db: Database, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(db_url, sounds_dir=str(tmp_path / "sounds"), recordings_dir=str(tmp_path / "rec"))
    app = create_app(AppContext.build(settings, db))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://helpline.test") as c:
        yield c


async def test_hours_and_holidays_as_the_admin_sets_them(api: httpx.AsyncClient, db: Database) -> None:
    admin = await login_as(api, db, "admin1", "admin")
    agent = await login_as(api, db, "agent1", "agent", extension="agent1001")
    r = await api.get("/api/v1/hours", headers=agent)
    assert r.status_code == 200
    body = r.json()
    assert body["open"] is True and body["next_change"] is None and body["emergency"] is None
    assert all(q["always_open"] for q in body["queues"])

    now = datetime.now(timezone.utc).astimezone()
    # closed all day, every day but tomorrow's weekday: closed now, opens tomorrow 08:00 local (IST)
    tomorrow = (datetime.now(timezone.utc) + timedelta(hours=5, minutes=30)).date() + timedelta(days=1)
    day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][tomorrow.weekday()]
    r = await api.put("/api/v1/admin/hours/helpline-hi", json={"days": [day], "opens": "08:00", "closes": "20:00"},
                      headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["days"] == [day] and r.json()["opens"] == "08:00" and r.json()["open"] is False
    assert r.json()["next_change"] == f"{tomorrow.isoformat()}T08:00:00+05:30"
    body = (await api.get("/api/v1/hours", headers=agent)).json()
    assert body["open"] is False and body["next_change"] == f"{tomorrow.isoformat()}T08:00:00+05:30"
    assert (await api.get("/api/v1/hours?queue=helpline-en", headers=agent)).json()["open"] is True

    # a holiday tomorrow moves the opening a week on
    r = await api.post("/api/v1/admin/holidays", json={"day": tomorrow.isoformat(), "name_en": "Holi",
                                                       "name_hi": "होली"}, headers=admin)
    assert r.status_code == 201 and r.json()["name_hi"] == "होली"
    body = (await api.get("/api/v1/hours", headers=agent)).json()
    assert body["next_change"] == f"{(tomorrow + timedelta(days=7)).isoformat()}T08:00:00+05:30"
    assert body["holidays"] == [{"day": tomorrow.isoformat(), "name_en": "Holi", "name_hi": "होली"}]
    assert (await api.get("/api/v1/holidays", headers=agent)).json()["holidays"][0]["day"] == tomorrow.isoformat()

    # bad input changes nothing; agents cannot edit
    for bad in ({"days": ["funday"], "opens": "08:00", "closes": "20:00"},
                {"days": ["mon"], "opens": "25:00", "closes": "20:00"}):
        r = await api.put("/api/v1/admin/hours/helpline-hi", json=bad, headers=admin)
        assert r.status_code == 422 and r.json()["error"]["id"] == "invalid_input", r.text
    r = await api.put("/api/v1/admin/hours/helpline-zz", json={"days": ["mon"], "opens": "08:00", "closes": "20:00"},
                      headers=admin)
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "queue"
    assert (await api.post("/api/v1/admin/holidays", json={"day": "2026-02-30", "name_en": "x", "name_hi": "x"},
                           headers=admin)).status_code == 422
    assert (await api.put("/api/v1/admin/hours/helpline-hi", json={"days": ["mon"], "opens": "08:00",
                                                                   "closes": "20:00"}, headers=agent)).status_code == 403
    assert (await api.get("/api/v1/hours", headers=agent)).json()["queues"][0]["days"] == [day]

    assert (await api.delete(f"/api/v1/admin/holidays/{tomorrow.isoformat()}", headers=admin)).status_code == 200
    assert (await api.delete(f"/api/v1/admin/holidays/{tomorrow.isoformat()}", headers=admin)).status_code == 404
    r = await api.delete("/api/v1/admin/hours/helpline-hi", headers=admin)
    assert r.status_code == 200 and r.json()["always_open"] is True and r.json()["open"] is True
    assert now  # the test ran against the real clock


async def test_emergency_message_is_spoken_and_switched(api: httpx.AsyncClient, db: Database, tmp_path: Path) -> None:
    sup = await login_as(api, db, "sup", "supervisor")
    agent = await login_as(api, db, "agent1", "agent", extension="agent1001")
    r = await api.put("/api/v1/emergency", json={"active": True, "text_hi": "बाढ़ के कारण सेवा प्रभावित है।"},
                      headers=sup)
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "text_en"
    assert (await api.get("/api/v1/emergency", headers=sup)).json()["active"] is False
    r = await api.put("/api/v1/emergency", json={"active": True, "text_hi": "बाढ़ के कारण सेवा प्रभावित है।",
                                                 "text_en": "Because of floods, services are affected."}, headers=sup)
    assert r.status_code == 200, r.text
    assert r.json()["active"] is True and r.json()["updated_by"] == "sup"
    for lang in ("hi", "en"):
        with wave.open(str(tmp_path / "sounds" / lang / "helpline" / "emergency.wav")) as wav:
            assert (wav.getframerate(), wav.getnchannels()) == (8000, 1) and wav.getnframes() > 8000
    body = (await api.get("/api/v1/hours", headers=agent)).json()
    assert body["emergency"]["text_en"] == "Because of floods, services are affected."
    assert (await api.put("/api/v1/emergency", json={"active": False}, headers=agent)).status_code == 403
    r = await api.put("/api/v1/emergency", json={"active": False}, headers=sup)
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["text_en"].startswith("Because")
    assert (await api.get("/api/v1/hours", headers=agent)).json()["emergency"] is None


async def test_an_after_hours_recording_is_played_to_agents(api: httpx.AsyncClient, db: Database,
                                                           tmp_path: Path) -> None:
    agent = await login_as(api, db, "agent1", "agent", extension="agent1001")
    now = datetime.now(timezone.utc)
    async with db.session_scope() as session:
        with_file = CallbackRequest(phone="+919800000011", language="hi", queue="helpline-hi", requested_at=now,
                                    queue_joined_at=now, state="open", kind=KIND, recording="complaint-1-1")
        without = CallbackRequest(phone="+919800000012", language="hi", queue="helpline-hi", requested_at=now,
                                  queue_joined_at=now, state="open", kind=KIND, recording="complaint-2-1")
        session.add_all([with_file, without])
        await session.flush()
        ids = with_file.id, without.id
    (tmp_path / "rec").mkdir()
    with wave.open(str(tmp_path / "rec" / "complaint-1-1.wav"), "wb") as wav:
        wav.setnchannels(1), wav.setsampwidth(2), wav.setframerate(8000), wav.writeframes(b"\0\1" * 8000)
    listed = (await api.get("/api/v1/callbacks", headers=agent)).json()["callbacks"]
    assert {c["kind"] for c in listed} == {"voicemail"} and listed[0]["recording"] == "complaint-1-1"
    r = await api.get(f"/api/v1/callbacks/{ids[0]}/recording", headers=agent)
    assert r.status_code == 200 and r.headers["content-type"] == "audio/wav" and r.content[:4] == b"RIFF"
    r = await api.get(f"/api/v1/callbacks/{ids[1]}/recording", headers=agent)
    assert r.status_code == 404 and "HELPLINE_RECORDINGS_DIR" in r.json()["error"]["message"]
