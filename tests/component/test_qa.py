"""Quality review: the administrator's criteria, a supervisor's review of a call with its score,
who may read and write reviews, the per-agent averages in the reports, and the review page."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx

from storage.db import Database
from storage.models import Call
from tests.fakes.console import csrf_of, form_login
from tests.helpers import login_as, make_user


async def _calls(db: Database) -> tuple[int, int, int]:
    """Two answered calls of agent1001 and one call nobody answered, started an hour ago."""
    at = datetime.now(timezone.utc) - timedelta(hours=1)
    async with db.session_scope() as session:
        rows = [Call(linkedid=f"1795362{n}.0", direction="inbound", caller="+919812345678", queue="helpline-hi",
                     started_at=at, answered_at=at if agent else None, agent=agent, talk_s=60 if agent else None,
                     outcome="answered" if agent else "abandoned")
                for n, agent in ((1, "agent1001"), (2, "agent1001"), (3, None))]
        session.add_all(rows)
        await session.flush()
        return rows[0].id, rows[1].id, rows[2].id


async def test_criteria_reviews_scores_and_averages(client: httpx.AsyncClient, db: Database) -> None:
    admin = await login_as(client, db, "boss", "admin")
    sup = await login_as(client, db, "sup1", "supervisor")
    own = await login_as(client, db, "agent1", "agent", extension="agent1001")
    other = await login_as(client, db, "agent2", "agent", extension="agent1002")
    first, second, unanswered = await _calls(db)

    criteria = (await client.get("/api/v1/qa/criteria", headers=own)).json()["criteria"]
    assert [(c["code"], c["weight"]) for c in criteria] == [
        ("greeting", 1), ("listened", 1), ("category", 2), ("read_back", 2), ("courtesy", 1)]
    r = await client.put("/api/v1/admin/qa-criteria/empathy", headers=admin,
                         json={"name_en": "Empathy", "name_hi": "सहानुभूति", "weight": 3})
    assert r.status_code == 200 and r.json() == {"code": "empathy", "name_en": "Empathy", "name_hi": "सहानुभूति",
                                                 "weight": 3, "active": True}
    r = await client.put("/api/v1/admin/qa-criteria/empathy", headers=admin,
                         json={"name_en": "Empathy", "name_hi": "सहानुभूति", "weight": 11})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "weight"
    assert (await client.put("/api/v1/admin/qa-criteria/x", headers=sup,
                             json={"name_en": "X", "name_hi": "क्ष"})).status_code == 403
    r = await client.put("/api/v1/admin/qa-criteria/empathy", headers=admin,
                         json={"name_en": "Empathy", "name_hi": "सहानुभूति", "weight": 3, "active": False})
    assert r.json()["active"] is False  # retired: not part of new scores

    # weights 1+1+2+2+1 = 7; greeting, category and read_back met = 5/7 = 71
    r = await client.put(f"/api/v1/qa/reviews/{first}", headers=sup,
                         json={"met": ["greeting", "category", "read_back"], "comment": "Number read back clearly."})
    assert r.status_code == 200, r.text
    review = r.json()
    assert review["score"] == 71 and review["agent"] == "agent1001" and review["reviewer"] == "sup1"
    assert {m["criterion"]: (m["weight"], m["met"]) for m in review["marks"]} == {
        "greeting": (1, True), "listened": (1, False), "category": (2, True), "read_back": (2, True),
        "courtesy": (1, False)}
    r = await client.put(f"/api/v1/qa/reviews/{second}", headers=sup, json={"met": ["empathy"]})
    assert r.status_code == 422 and "empathy" in r.json()["error"]["message"]  # retired
    r = await client.put(f"/api/v1/qa/reviews/{second}", headers=sup, json={"met": ["greeting"]})
    assert r.json()["score"] == 14
    r = await client.put(f"/api/v1/qa/reviews/{second}", headers=sup, json={"met": ["greeting", "listened", "courtesy"]})
    assert r.json()["score"] == 43  # reviewing again replaces the review
    r = await client.put(f"/api/v1/qa/reviews/{unanswered}", headers=sup, json={"met": []})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "call"
    assert (await client.put(f"/api/v1/qa/reviews/999999", headers=sup, json={"met": []})).status_code == 404
    assert (await client.put(f"/api/v1/qa/reviews/{first}", headers=own, json={"met": []})).status_code == 403

    assert (await client.get(f"/api/v1/qa/reviews/{first}", headers=own)).json()["score"] == 71  # own call
    assert (await client.get(f"/api/v1/qa/reviews/{first}", headers=other)).status_code == 403
    assert (await client.get(f"/api/v1/qa/reviews/{unanswered}", headers=sup)).status_code == 404

    report = (await client.get("/api/v1/reports/qa", headers=sup)).json()
    assert report == {"agents": [{"agent": "agent1001", "reviews": 2, "average": 57.0}]}
    calls = (await client.get("/api/v1/reports/calls", headers=sup)).json()
    row = next(a for a in calls["agents"] if a["agent"] == "agent1001")
    assert (row["qa_reviews"], row["qa_avg"]) == (2, 57.0)
    assert (await client.get("/api/v1/reports/qa", headers=own)).status_code == 403
    # earlier days have no reviews
    long_ago = (datetime.now(timezone.utc) - timedelta(days=40)).date().isoformat()
    assert (await client.get("/api/v1/reports/qa", params={"from": long_ago, "to": long_ago},
                             headers=sup)).json() == {"agents": []}


async def test_the_review_page_saves_a_review_and_the_admin_edits_criteria(client: httpx.AsyncClient,
                                                                           db: Database) -> None:
    await make_user(db, "sup1", "supervisor")
    first, _, _ = await _calls(db)
    await form_login(client, "sup1")
    page = await client.get(f"/recordings/{first}/qa")
    assert page.status_code == 200 and 'id="qa-form"' in page.text and 'value="read_back"' in page.text
    r = await client.post(f"/recordings/{first}/qa", data={"met": ["greeting", "read_back"], "comment": "अच्छा",
                                                          "csrf_token": csrf_of(page.text)})
    assert r.status_code == 303 and r.headers["location"] == f"/recordings/{first}/qa?saved=1"
    page = await client.get(r.headers["location"])
    assert 'id="qa-saved"' in page.text and "Score 43" in page.text and "अच्छा" in page.text
    assert 'id="qa-read_back" checked' in page.text and 'id="qa-listened" checked' not in page.text
    r = await client.post(f"/recordings/{first}/qa", data={"met": ["nonsense"], "csrf_token": csrf_of(page.text)})
    assert r.status_code == 422 and "nonsense" in r.text
    assert (await client.get("/recordings/999999/qa")).status_code == 404

    await make_user(db, "boss", "admin")
    await form_login(client, "boss")
    page = await client.get("/admin")
    assert 'id="qa"' in page.text and 'data-criterion="courtesy"' in page.text
    r = await client.post("/admin/qa-criteria", data={"code": "hold_etiquette", "name_en": "Asked before hold",
                                                      "name_hi": "होल्ड से पहले पूछा", "weight": "2", "active": "1",
                                                      "csrf_token": csrf_of(page.text)})
    assert r.status_code == 303 and r.headers["location"].startswith("/admin?saved=qa")
    page = await client.get("/admin")
    assert 'data-criterion="hold_etiquette"' in page.text
    r = await client.post("/admin/qa-criteria", data={"code": "x", "name_en": "X", "name_hi": "क्ष", "weight": "0",
                                                      "active": "1", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 422 and "weight is 1 to 10" in r.text


async def test_agents_cannot_open_the_review_page(client: httpx.AsyncClient, db: Database) -> None:
    await make_user(db, "agent1", "agent", extension="agent1001")
    first, _, _ = await _calls(db)
    await form_login(client, "agent1")
    assert (await client.get(f"/recordings/{first}/qa")).status_code == 403
