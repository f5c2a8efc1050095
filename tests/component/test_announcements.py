"""Announcement campaigns: created through the API (message and question spoken by the real TTS),
played through the real FastAGI server ("press 1 to hear it again", the confirmation), results
per contact and as CSV; a survey with no questions is refused clearly."""
from __future__ import annotations

import csv
import io
import wave
from datetime import timezone

import httpx

from dialer import admin
from storage.db import Database
from storage.models import CallAttempt, Campaign, CampaignContact
from tests.conftest import TEST_SOUNDS
from tests.fakes.agi_peer import TimedOut
from tests.fakes.flow_world import PHONE, flow_world
from tests.helpers import login_as

MESSAGE = {"hi": "कल सुबह दस बजे से टीकाकरण शिविर पंचायत भवन में लगेगा।",
           "en": "The vaccination camp opens at the panchayat hall tomorrow at ten."}
CONFIRM = {"prompt_hi": "निर्देश मिल गए हों तो 1 दबाएँ।", "prompt_en": "Press 1 if you have received the instructions.",
           "digits": {"1": "received", "2": "not clear"}}


async def test_create_an_announcement_and_refuse_empty_surveys(client: httpx.AsyncClient, db: Database) -> None:
    sup = await login_as(client, db, "sup", "supervisor")
    r = await client.post("/api/v1/campaigns", json={"name": "ASHA workers: camp", "kind": "announcement",
                                                     "message": MESSAGE, "confirm": CONFIRM}, headers=sup)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["kind"] == "announcement" and body["message"] == MESSAGE and body["confirm"]["digits"]["1"] == "received"
    cid = body["id"]
    for lang in ("hi", "en"):
        for name in (f"announce-{cid}", f"announce-{cid}-confirm"):
            with wave.open(str(TEST_SOUNDS / lang / "helpline" / f"{name}.wav")) as wav:
                assert wav.getframerate() == 8000 and wav.getnframes() > 4000
    r = await client.post(f"/api/v1/campaigns/{cid}/contacts", content=b"name,phone\nSita,9810000001\n",
                          headers={**sup, "content-type": "text/csv"})
    assert r.status_code == 200 and r.json()["imported"] == 1

    refusals = [
        ({"name": "Empty", "survey": []}, "at least one question"),
        ({"name": "Empty"}, "at least one question"),
        ({"name": "No text", "kind": "announcement"}, "message"),
        ({"name": "Both", "kind": "announcement", "message": MESSAGE,
          "survey": [{"id": "q1", "prompt_hi": "क", "prompt_en": "q", "digits": {"1": "yes"}}]}, "no survey"),
        ({"name": "Survey with a message", "message": MESSAGE,
          "survey": [{"id": "q1", "prompt_hi": "क", "prompt_en": "q", "digits": {"1": "yes"}}]}, "announcements"),
        ({"name": "Bad confirm", "kind": "announcement", "message": MESSAGE,
          "confirm": {**CONFIRM, "digits": {"x": "y"}}}, "keypad digit"),
    ]
    for payload, words in refusals:
        r = await client.post("/api/v1/campaigns", json=payload, headers=sup)
        assert r.status_code == 422 and words in r.json()["error"]["message"], (payload, r.text)
    listed = (await client.get("/api/v1/campaigns", headers=sup)).json()["campaigns"]
    assert [c["id"] for c in listed] == [cid]


async def _announcement(world, confirm: dict | None) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    async with world.db.session_scope() as session:
        campaign = Campaign(name="Camp", kind="announcement", state="running", window_start="09:00",
                            window_end="21:00", message=MESSAGE, confirm=confirm or {}, created_at=world.clock())
        session.add(campaign)
        await session.flush()
        contact = CampaignContact(campaign_id=campaign.id, phone=PHONE, name="Sita", next_attempt_at=world.clock())
        session.add(contact)
        await session.flush()
        attempt = CallAttempt(campaign_id=campaign.id, contact_id=contact.id, number=PHONE,
                              channel_id=f"helpline-dialer-x-{contact.id}", started_at=world.clock())
        session.add(attempt)
        await session.flush()
        return campaign.id, attempt.id


async def test_the_message_again_and_the_confirmation(db_url: str) -> None:
    async with flow_world(db_url) as world:
        cid, attempt = await _announcement(world, CONFIRM)
        call = await world.peer.call("survey", args=[str(attempt)], digits=["1", TimedOut(), "1"])
        row = await world.attempt_row(attempt)
        assert row.result == "confirmed" and row.answered_at is not None
        assert call.prompts == [f"helpline/announce-{cid}", "helpline/announce-again", f"helpline/announce-{cid}",
                                "helpline/announce-again", f"helpline/announce-{cid}-confirm", "helpline/announce-thanks"]
        assert not call.failed

        cid2, other = await _announcement(world, CONFIRM)
        await world.peer.call("survey", args=[str(other)], digits=[TimedOut(), "2"])
        assert (await world.attempt_row(other)).result == "not-confirmed"

        cid3, plain = await _announcement(world, None)
        call = await world.peer.call("survey", args=[str(plain)], digits=["1", "1"])
        assert (await world.attempt_row(plain)).result == "heard"
        assert call.prompts.count(f"helpline/announce-{cid3}") == 3  # at most three plays

        _, halfway = await _announcement(world, CONFIRM)
        call = await world.peer.call("survey", args=[str(halfway)], hangup_at="STREAM FILE")
        assert (await world.attempt_row(halfway)).result == "hangup"
        _, before_answer = await _announcement(world, CONFIRM)
        await world.peer.call("survey", args=[str(before_answer)], digits=[TimedOut()], hangup_at=4)
        assert (await world.attempt_row(before_answer)).result == "heard"
        for lang in ("hi", "en"):
            assert {"announce-again", "announce-thanks"} <= set(world.manifests[lang])

        async with world.db.session_scope() as session:
            first = await admin.get_campaign(session, cid)
            first_attempt = await session.get(CallAttempt, attempt)
            first_attempt.outcome, first_attempt.state = "answered", "ended"
            progress = await admin.progress(session, first)
            lines = [line async for line in admin.results_csv(session, first, world.clock().tzinfo or timezone.utc)]
        assert progress["announcement"] == {"answered": 1, "heard": 1, "confirmed": 1}
        assert progress["answers"] == {"confirm": {"1 received": 1}}
        table = list(csv.reader(io.StringIO("".join(lines))))
        assert table[0][10:14] == ["result", "answered", "heard_to_end", "confirmed"]
        assert table[1][10:14] == ["confirmed", "yes", "yes", "yes"]


async def test_a_survey_without_questions_thanks_instead_of_failing(db_url: str) -> None:
    async with flow_world(db_url) as world:
        attempt = await world.attempt(survey=[])
        call = await world.peer.call("survey", args=[str(attempt)])
    assert not call.failed and call.prompts == ["helpline/survey-thanks"]
    assert (await world.attempt_row(attempt)).result == "no-questions"


async def test_when_speech_fails_nothing_is_saved(db_url: str, db: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from agent_console.app import create_app
    from common.context import AppContext
    from ivr.prompts import PromptError
    from ivr.voices import PromptRenderer
    from tests.conftest import make_settings

    class Mute(PromptRenderer):
        async def render_all(self, manifest, recorded=()):  # type: ignore[no-untyped-def]
            raise PromptError("espeak-ng is not installed")

    ctx = AppContext.build(make_settings(db_url), db)
    ctx.prompts = Mute(tmp_path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(ctx)), base_url="http://helpline.test") as api:
        sup = await login_as(api, db, "sup", "supervisor")
        adm = await login_as(api, db, "adm", "admin")
        r = await api.post("/api/v1/campaigns", json={"name": "Camp", "kind": "announcement", "message": MESSAGE},
                           headers=sup)
        assert r.status_code == 503 and r.json()["error"]["id"] == "tts_failed" and "espeak-ng" in r.text
        assert (await api.get("/api/v1/campaigns", headers=sup)).json()["campaigns"] == []
        r = await api.put("/api/v1/emergency", json={"active": True, "text_hi": "बाढ़", "text_en": "Flood"}, headers=sup)
        assert r.status_code == 503 and (await api.get("/api/v1/emergency", headers=sup)).json()["active"] is False
        r = await api.put("/api/v1/admin/departments/MINES", json={"name_en": "Mines", "name_hi": "खनन"}, headers=adm)
        assert r.status_code == 503
        names = [d["code"] for d in (await api.get("/api/v1/reference", headers=adm)).json()["departments"]]
        assert "MINES" not in names
