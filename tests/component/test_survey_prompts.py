"""Survey campaigns' questions become prompts that `helpline prompts build` renders."""
from __future__ import annotations

from dialer import admin
from dialer.survey_prompts import merged, survey_manifests
from grievance.service import utcnow
from storage.db import Database

SURVEY = [{"id": "q1", "prompt_hi": "क्या आपको राशन मिला? हाँ के लिए 1, नहीं के लिए 2 दबाएँ।",
           "prompt_en": "Did you get your ration? Press 1 for yes, 2 for no.", "digits": {"1": "yes", "2": "no"}}]


async def test_live_survey_questions_are_prompts(db: Database) -> None:
    async with db.session_scope() as s:
        spec = admin.build_spec({"name": "Ration survey", "survey": SURVEY}, "09:00-21:00")
        campaign = await admin.create_campaign(s, spec, "sup", utcnow())
        cancelled = await admin.create_campaign(s, admin.build_spec({"name": "Old", "survey": SURVEY},
                                                                   "09:00-21:00"), "sup", utcnow())
        cancelled.state = "cancelled"
    async with db.sessions() as s:
        extra = await survey_manifests(s)
    name = f"survey-{campaign.id}-q1"
    assert extra == {"hi": {name: SURVEY[0]["prompt_hi"]}, "en": {name: SURVEY[0]["prompt_en"]}}
    combined = merged({"hi": {"welcome": "नमस्ते"}, "en": {"welcome": "Hello"}}, extra)
    assert combined["hi"] == {"welcome": "नमस्ते", name: SURVEY[0]["prompt_hi"]}
    # a campaign cannot replace a shipped prompt
    assert merged({"en": {name: "shipped"}}, extra)["en"][name] == "shipped"
