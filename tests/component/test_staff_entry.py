"""Other ways in, entered by staff (issue 13): a walk-in typed on /entry with its channel, the API
taking `tehsil_diwas`, and a tehsil diwas batch of 200 rows with 7 broken ones: 193 stored (numbers,
deadlines, officers as any complaint), the 7 reported by row number; JSON too; a collector's staff
enter for their own district only."""
from __future__ import annotations

import httpx
from sqlalchemy import func, select

from storage.db import Database
from storage.models import Complaint
from tests.fakes.console import form_login, page_csrf
from tests.helpers import PASSWORD, complaint_body, login_as

HEADER = "name,phone,district,department,category,description"
BROKEN = {  # spreadsheet row → (the line, what the report says)
    12: ('Ram Lal,12345,LKO,ELE,ELE-SUPPLY,No power', "a phone number has 10 digits"),
    40: ('Sita,98100000{n},XXX,ELE,ELE-SUPPLY,No power', "unknown district"),
    77: ('Mohan,98100000{n},LKO,ELE,ELE-SUPPLY,', "no description"),
    101: ('Geeta,98100000{n},LKO,ELE,FCS-RATION,Ration', "does not belong to department"),
    150: ('Asha,98100000{n},LKO,ELE,ELE-NOPE,Something', "unknown category"),
    166: ('Only,three,fields', "has 3 fields"),
    199: (',98100000{n},LKO,ELE,ELE-SUPPLY,No name given', "no name"),
}


def _batch() -> bytes:
    lines = [HEADER]
    for row in range(2, 202):  # rows 2..201: 200 data rows
        n = f"{row:03d}"
        if row in BROKEN:
            lines.append(BROKEN[row][0].format(n=n[-2:]))
        else:
            lines.append(f'"सुनवाई {n}, ग्राम रामपुर",98{row:08d},LKO,ELE,ELE-SUPPLY,"तहसील दिवस: बिजली नहीं, पंक्ति {n}"')
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


async def test_tehsil_diwas_batch_of_200_with_7_broken(client: httpx.AsyncClient, db: Database) -> None:
    headers = await login_as(client, db, "sup", "supervisor")
    r = await client.post("/api/v1/complaints/import", headers=headers, data={"channel": "tehsil_diwas"},
                          files={"file": ("tehsil-diwas.csv", _batch(), "text/csv")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["stored"], body["rejected"]) == (193, 7)
    rejected = {row["row"]: row["reason"] for row in body["rows"] if row["status"] == "rejected"}
    assert set(rejected) == set(BROKEN)
    for row, (_, why) in BROKEN.items():
        assert why in rejected[row], (row, rejected[row])
    async with db.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(Complaint).where(
            Complaint.channel == "tehsil_diwas", Complaint.state == "at_l1", Complaint.officer_code == "ELE-LKO-L1",
            Complaint.due_at.is_not(None)))
    assert count == 193
    stored = [row for row in body["rows"] if row["status"] == "stored"]
    assert len({row["number"] for row in stored}) == 193 and all(len(row["number"]) == 11 for row in stored)
    # the whole file unusable: one clear message, nothing stored
    r = await client.post("/api/v1/complaints/import", headers=headers, data={"channel": "tehsil_diwas"},
                          files={"file": ("x.csv", b"name,phone\nA,9812345678\n", "text/csv")})
    assert r.status_code == 422 and "no district, department, category, description column" in r.text
    r = await client.post("/api/v1/complaints/import", headers=headers, data={"channel": "fax"},
                          files={"file": ("x.csv", _batch(), "text/csv")})
    assert r.status_code == 422 and "channel must be one of" in r.text


async def test_json_batch_and_the_entry_page(client: httpx.AsyncClient, db: Database) -> None:
    from helpline.users import create_user

    async with db.session_scope() as session:
        await create_user(session, "dm.lko", "collector", PASSWORD, district="LKO")
    await form_login(client, "dm.lko")
    token = await page_csrf(client, "/entry")
    page = await client.post("/entry", data={
        "csrf_token": token, "channel": "walk_in", "name": "रामवती", "phone": "9812345678", "language": "hi",
        "district": "LKO", "department": "ELE", "category": "ELE-SUPPLY", "description": "ट्रांसफ़ॉर्मर जला"})
    assert page.status_code == 200 and 'id="created-number"' in page.text
    number = page.text.split('id="created-number">')[1].split("<")[0]
    page = await client.post("/entry", data={
        "csrf_token": token, "channel": "walk_in", "name": "X Y", "phone": "9812345679", "language": "hi",
        "district": "VNS", "department": "ELE", "category": "ELE-SUPPLY", "description": "Not my district"})
    assert page.status_code == 422 and "is not yours" in page.text
    batch = ('[{"name": "Portal user", "phone": "9812345670", "district": "LKO", "department": "FCS", '
             '"category": "FCS-RATION", "description": "Ration not given", "channel": "portal"}, '
             '{"name": "Other district", "phone": "9812345671", "district": "VNS", "department": "FCS", '
             '"category": "FCS-RATION", "description": "Ration not given"}, 7]').encode()
    page = await client.post("/entry/import", data={"csrf_token": token, "channel": "portal"},
                             files={"file": ("portal.json", batch, "application/json")})
    assert page.status_code == 200 and "1 stored, 2 rejected." in page.text
    assert 'data-row="2"' in page.text and 'data-row="3"' in page.text and "not an object" in page.text
    async with db.sessions() as session:
        channels = dict((await session.execute(select(Complaint.number, Complaint.channel))).all())
    assert channels[number] == "walk_in" and sorted(channels.values()) == ["portal", "walk_in"]


async def test_api_takes_every_channel_of_the_contract(client: httpx.AsyncClient, db: Database) -> None:
    headers = await login_as(client, db, "a1", "agent", extension="agent1001")
    for i, channel in enumerate(("tehsil_diwas", "walk_in", "portal", "letter")):
        body = complaint_body(channel=channel)
        body["citizen"]["phone"] = f"981234560{i}"
        r = await client.post("/api/v1/complaints", json=body, headers=headers)
        assert r.status_code == 201, (channel, r.text)
