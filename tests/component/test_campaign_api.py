"""The campaign API (DESIGN §9) as a supervisor uses it, and the CSV import's row report."""
from __future__ import annotations

import csv
import io
import random
import time

import httpx

from storage.db import Database
from tests.fakes.dialer_harness import SURVEY
from tests.helpers import login_as

BODY = {"name": "PM Awas beneficiaries", "survey": SURVEY, "window": "10:00-18:00", "days": ["mon", "tue", "wed"],
        "holidays": ["2026-12-25"], "max_channels": 5, "calls_per_second": 2, "max_attempts": 2,
        "retry_minutes": {"busy": 20}, "daily_cap": 1}


def big_csv(rows: int, broken: int, seed: int = 7) -> tuple[bytes, set[int]]:
    """`rows` data rows, `broken` of them unusable in different ways; returns the bad row numbers."""
    rng = random.Random(seed)
    bad_rows = set(rng.sample(range(2, rows + 2), broken))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Name", "Phone", "District", "Scheme", "Ward", "Aadhaar last 4"])
    kinds = ["short", "landline", "letters", "fields", "noname", "dup", "district"]
    for i, row in enumerate(range(2, rows + 2)):
        phone = f"9{700000000 + i:09d}"
        cells = [f"Beneficiary {i}", phone, "LKO", "PMAY-G", str(i % 40), f"{i % 10000:04d}"]
        if row in bad_rows:
            kind = kinds[len([r for r in bad_rows if r < row]) % len(kinds)]
            if kind == "short":
                cells[1] = phone[:7]
            elif kind == "landline":
                cells[1] = "0522" + phone[-7:]
            elif kind == "letters":
                cells[1] = "98ABC12345"
            elif kind == "fields":
                cells = cells[:3]
            elif kind == "noname":
                cells[0] = ""
            elif kind == "dup":
                cells[1] = "9700000000"
            else:
                cells[2] = "Atlantis"
        writer.writerow(cells)
    return buffer.getvalue().encode(), bad_rows


async def test_supervisor_creates_imports_starts_pauses(client: httpx.AsyncClient, db: Database) -> None:
    headers = await login_as(client, db, "sup", "supervisor")
    created = await client.post("/api/v1/campaigns", json=BODY, headers=headers)
    assert created.status_code == 201, created.text
    campaign = created.json()
    assert campaign["state"] == "draft" and campaign["window"] == "10:00-18:00"
    assert campaign["days"] == ["mon", "tue", "wed"] and campaign["retry_minutes"]["busy"] == 20
    assert campaign["retry_minutes"]["no_answer"] == 120
    cid = campaign["id"]

    refused = await client.post(f"/api/v1/campaigns/{cid}/start", headers=headers)
    assert refused.status_code == 409 and "import" in refused.json()["error"]["message"]

    data, bad = big_csv(10_000, 37)
    started = time.perf_counter()
    upload = await client.post(f"/api/v1/campaigns/{cid}/contacts", content=data,
                               headers={**headers, "Content-Type": "text/csv"})
    took = time.perf_counter() - started
    assert upload.status_code == 200, upload.text
    report = upload.json()
    assert report["rows"] == 10_000 and report["imported"] == 10_000 - 37
    assert sorted(r["row"] for r in report["rejected"]) == sorted(bad)
    reasons = " ".join(r["reason"] for r in report["rejected"])
    for needle in ("not an Indian mobile number", "fields, the header has 6", "no name", "duplicate", "unknown district"):
        assert needle in reasons
    assert took < 120  # a guard against a hang; the import rate is bench business

    again = await client.post(f"/api/v1/campaigns/{cid}/contacts",
                              files={"file": ("more.csv", b"name,phone\nNew,9899999999\nOld,9700000001\n", "text/csv")},
                              headers=headers)
    assert again.json()["imported"] == 1
    assert again.json()["rejected"] == [{"row": 3, "reason": "duplicate: already in this campaign (row 3 of an earlier file)",
                                         "value": "+919700000001"}]

    assert (await client.post(f"/api/v1/campaigns/{cid}/start", headers=headers)).json()["state"] == "running"
    paused = await client.post(f"/api/v1/campaigns/{cid}/pause", headers=headers)
    assert paused.json()["state"] == "paused"
    assert (await client.post(f"/api/v1/campaigns/{cid}/pause", headers=headers)).status_code == 409

    detail = (await client.get(f"/api/v1/campaigns/{cid}", headers=headers)).json()
    assert detail["progress"]["queued"] == 10_000 - 37 + 1 and detail["progress"]["dialled"] == 0
    listing = (await client.get("/api/v1/campaigns", headers=headers)).json()["campaigns"]
    assert [c["id"] for c in listing] == [cid]

    results = await client.get(f"/api/v1/campaigns/{cid}/results.csv", headers=headers)
    assert results.status_code == 200 and results.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(results.text)))
    assert lines[0][:11] == ["row", "name", "phone", "district", "scheme", "language", "complaint", "state",
                             "attempts", "last_outcome", "result"]
    assert lines[0][11:] == ["q1", "q2", "ward", "aadhaar_last_4"]
    assert len(lines) == 1 + 10_000 - 37 + 1
    assert lines[1][2] == "+919700000000" and lines[1][7] == "queued"

    cancelled = await client.post(f"/api/v1/campaigns/{cid}/cancel", headers=headers)
    assert cancelled.json()["state"] == "cancelled" and cancelled.json()["progress"]["cancelled"] == 10_000 - 36


async def test_bad_input_and_roles(client: httpx.AsyncClient, db: Database) -> None:
    agent = await login_as(client, db, "agent1", "agent", extension="agent1001")
    assert (await client.post("/api/v1/campaigns", json=BODY, headers=agent)).status_code == 403
    assert (await client.get("/api/v1/campaigns", headers=agent)).status_code == 403
    admin = await login_as(client, db, "boss", "admin")
    for patch, field in [({"window": "22:00-09:00"}, "window"), ({"days": ["funday"]}, "days"),
                         ({"retry_minutes": {"ringing": 5}}, "retry"), ({"max_channels": 0}, "max_channels"),
                         ({"survey": [{"id": "Q 1", "prompt_hi": "x", "prompt_en": "y", "digits": {"1": "a"}}]},
                          "survey")]:
        response = await client.post("/api/v1/campaigns", json={**BODY, **patch}, headers=admin)
        assert response.status_code == 422, (patch, response.text)
        assert response.json()["error"]["id"] == "invalid_input"
    cid = (await client.post("/api/v1/campaigns", json=BODY, headers=admin)).json()["id"]
    for data, needle in [(b"", "no CSV"), (b"\xff\xfe\x00bad", "not UTF-8"), (b"name,mobile_x\nA,1\n", "'phone'")]:
        response = await client.post(f"/api/v1/campaigns/{cid}/contacts", content=data,
                                     headers={**admin, "Content-Type": "text/csv"})
        assert response.status_code == 422 and needle in response.json()["error"]["message"], response.text
    assert (await client.get("/api/v1/campaigns/999", headers=admin)).status_code == 404

    dnc = await client.post("/api/v1/dnc", json={"phone": "98765 43210", "reason": "asked"}, headers=admin)
    assert dnc.status_code == 201 and dnc.json()["phone"] == "+919876543210"
    report = (await client.post(f"/api/v1/campaigns/{cid}/contacts", content=b"name,phone\nA,9876543210\nB,9876543211\n",
                                headers={**admin, "Content-Type": "text/csv"})).json()
    assert report["imported"] == 1 and report["rejected"][0]["reason"] == "on the do-not-call list"
    assert [n["phone"] for n in (await client.get("/api/v1/dnc", headers=admin)).json()["numbers"]] == ["+919876543210"]
    assert (await client.delete("/api/v1/dnc/9876543210", headers=admin)).json() == {"removed": "+919876543210"}
