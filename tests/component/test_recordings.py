"""Recordings: the queue's setting, the `recording` flow, the file on the call's row, streaming with
ranges, who may hear it (agents: their own), the listening audit, and retention."""
from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from ivr.flows import recording
from ivr.flows.common import FlowDeps
from recordings.files import RecordingFolder, checked, name_for
from recordings.retention import Retention
from storage.db import Database
from storage.models import Call, RecordingListen
from storage.queries import desk_settings
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.cti_stack import CtiStack
from tests.fakes.flow_world import NOW, TZ, flow_world
from tests.fakes.recordings import recorded_call, write_wav


@pytest.fixture
async def ami() -> AsyncIterator[FakeAmiServer]:
    async with FakeAmiServer(auth_fail_delay=0.05) as server:
        yield server


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _set_queue(db_url: str, queue: str, record: bool) -> None:
    db = Database(db_url)
    async with db.session_scope() as session:
        await desk_settings.put_queue_setting(session, queue, 15, record)
    await db.dispose()


# --- the flow the dialplan runs before the queue ------------------------------------------------

async def test_the_recording_flow_names_the_file_only_when_the_queue_records(db_url: str, tmp_path: Path) -> None:
    folder = RecordingFolder.from_settings(str(tmp_path), "/var/spool/asterisk/monitor/helpline")
    async with flow_world(db_url) as world:
        deps = FlowDeps(db=world.db, policy=world.policy, tz=TZ, clock=world.clock, recordings=folder)
        world.server.routes["recording"] = partial(recording.run, deps=deps)
        off = await world.peer.call("recording", args=["helpline-hi"], env={"agi_uniqueid": "1795362053.0"})
        async with world.db.session_scope() as session:
            await desk_settings.put_queue_setting(session, "helpline-hi", 15, True)
        on = await world.peer.call("recording", args=["helpline-hi"], env={"agi_uniqueid": "1795362053.0"})
        other = await world.peer.call("recording", args=["helpline-en"], env={"agi_uniqueid": "1795362054.0"})
        bad = await world.peer.call("recording", args=["../../etc"], env={"agi_uniqueid": "1795362055.0"})
    assert off.variables == {} and other.variables == {} and bad.variables == {}
    day = NOW.astimezone(TZ).strftime("%Y/%m/%d")
    assert on.variables == {
        "HELPLINE_CALL_RECORDING": f"{day}/1795362053.0.wav",
        "HELPLINE_CALL_RECORDING_FILE": f"/var/spool/asterisk/monitor/helpline/{day}/1795362053.0.wav",
    }
    assert "STREAM FILE" not in on.verbs  # the dialplan plays the notice, then starts MixMonitor


def test_recording_names_stay_inside_the_folder(tmp_path: Path) -> None:
    folder = RecordingFolder.from_settings(str(tmp_path))
    assert name_for(NOW.date(), "17953/../x") == "2026/11/20/17953_.._x.wav"
    assert checked("2026/11/20/17953_.._x.wav") is None  # ".." anywhere is refused
    assert checked("2026/11/20/1795362053.0.wav") == "2026/11/20/1795362053.0.wav"
    for bad in ("/etc/passwd", "../2026/11/20/a.wav", "2026/11/20/a.mp3", "2026/11/20/sub/a.wav", ""):
        assert checked(bad) is None and folder.path(bad) is None
    assert folder.pbx_root.as_posix() == tmp_path.resolve().as_posix()


# --- the call's row, listening, the audit ----------------------------------------------------------

@dataclass
class Recorded:
    stack: CtiStack
    call: Call
    path: Path


async def _recorded_call(stack: CtiStack, ami: FakeAmiServer, folder: Path) -> Recorded:
    name = name_for(datetime.now(TZ).date(), "1795362053.0")
    path = write_wav(folder / name, seconds=2.0)
    for msg in recorded_call(name, time.time()):
        ami.emit(msg)
    async with asyncio.timeout(10):
        while True:
            async with stack.db.sessions() as session:
                row = (await session.scalars(select(Call).where(Call.linkedid == "1795362053.0"))).first()
            if row is not None:
                return Recorded(stack, row, path)
            await asyncio.sleep(0.05)


async def test_a_recorded_call_is_found_played_with_ranges_and_audited(
        db_url: str, ami: FakeAmiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_CALL_RECORDINGS_DIR", str(tmp_path))
    async with CtiStack(db_url, ami) as stack:
        sup = await stack.user("sup1", "supervisor")
        admin = await stack.user("admin1", "admin")
        own = await stack.user("agent1", extension="agent1001")
        other = await stack.user("agent2", extension="agent1002")
        rec = await _recorded_call(stack, ami, tmp_path)
        assert rec.call.agent == "agent1001" and rec.call.recording == rec.path.relative_to(tmp_path).as_posix()
        size = rec.path.stat().st_size
        async with httpx.AsyncClient(base_url=stack.url("")) as http:
            found = (await http.get("/api/v1/recordings", params={"agent": "agent1001"}, headers=_auth(sup))).json()
            assert [c["id"] for c in found["calls"]] == [rec.call.id]
            assert found["calls"][0]["recording"] is True and found["calls"][0]["caller"] == rec.call.caller
            by_phone = (await http.get("/api/v1/recordings", params={"phone": rec.call.caller[-10:]},
                                       headers=_auth(sup))).json()
            assert [c["id"] for c in by_phone["calls"]] == [rec.call.id]
            day = rec.call.started_at.astimezone(TZ).date()
            by_day = (await http.get("/api/v1/recordings", params={"from": day.isoformat(), "to": day.isoformat()},
                                     headers=_auth(sup))).json()
            assert [c["id"] for c in by_day["calls"]] == [rec.call.id]
            before = (await http.get("/api/v1/recordings", params={"to": (day - timedelta(days=1)).isoformat()},
                                     headers=_auth(sup))).json()
            assert before["calls"] == []
            none = (await http.get("/api/v1/recordings", params={"agent": "agent1002"}, headers=_auth(sup))).json()
            assert none["calls"] == []
            bad = await http.get("/api/v1/recordings", params={"complaint": "12345"}, headers=_auth(sup))
            assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "complaint"

            url = f"/api/v1/recordings/{rec.call.id}/audio"
            whole = await http.get(url, headers=_auth(sup))
            assert whole.status_code == 200 and whole.headers["content-type"] == "audio/wav"
            assert whole.content == rec.path.read_bytes() and whole.headers["accept-ranges"] == "bytes"
            part = await http.get(url, headers={**_auth(sup), "Range": "bytes=0-43"})
            assert part.status_code == 206 and part.content == rec.path.read_bytes()[:44]
            assert part.headers["content-range"] == f"bytes 0-43/{size}"
            seek = await http.get(url, headers={**_auth(sup), "Range": f"bytes={size - 100}-"})
            assert seek.status_code == 206 and len(seek.content) == 100
            beyond = await http.get(url, headers={**_auth(sup), "Range": f"bytes={size + 10}-"})
            assert beyond.status_code == 416

            mine = await http.get(url, headers=_auth(own))
            assert mine.status_code == 200 and mine.content == whole.content
            theirs = await http.get(url, headers=_auth(other))
            assert theirs.status_code == 403 and theirs.json()["error"]["id"] == "forbidden"
            assert (await http.get("/api/v1/recordings", headers=_auth(other))).json()["calls"] == []
            assert [c["id"] for c in (await http.get("/api/v1/recordings", params={"agent": "agent1002"},
                                                     headers=_auth(own))).json()["calls"]] == [rec.call.id]
            assert (await http.get("/api/v1/recordings/999999/audio", headers=_auth(sup))).status_code == 404
            assert (await http.get(url)).status_code == 401

            audit = await http.get("/api/v1/recordings/listens", headers=_auth(admin))
            assert audit.status_code == 200
            who = [(x["username"], x["role"], x["call"]) for x in audit.json()["listens"]]
            # two listens by the supervisor (whole file, then from byte 0), one by the agent; the seek
            # and the range past the end are not listens, the refused agent is not either
            assert sorted(who) == [("agent1", "agent", rec.call.id), ("sup1", "supervisor", rec.call.id),
                                   ("sup1", "supervisor", rec.call.id)]
            assert (await http.get("/api/v1/recordings/listens", headers=_auth(sup))).status_code == 403

            rec.path.unlink()
            gone = await http.get(url, headers=_auth(sup))
            assert gone.status_code == 404
    async with Database(db_url).sessions() as session:
        assert len((await session.scalars(select(RecordingListen))).all()) == 3


async def test_a_queue_that_does_not_record_leaves_no_link(db_url: str, ami: FakeAmiServer, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A name is linked only when the dialplan set it; a malformed one is not trusted."""
    monkeypatch.setenv("HELPLINE_CALL_RECORDINGS_DIR", str(tmp_path))
    async with CtiStack(db_url, ami) as stack:
        for msg in recorded_call("../../../etc/passwd.wav", time.time()):
            ami.emit(msg)
        async with asyncio.timeout(10):
            while True:
                async with stack.db.sessions() as session:
                    row = (await session.scalars(select(Call))).first()
                if row is not None:
                    break
                await asyncio.sleep(0.05)
    assert row.answered_at is not None and row.recording is None


# --- retention ------------------------------------------------------------------------------------

async def test_retention_deletes_old_recordings_and_stray_files(db: Database, tmp_path: Path) -> None:
    now = datetime(2027, 3, 1, 6, tzinfo=timezone.utc)
    folder = RecordingFolder.from_settings(str(tmp_path))
    rows = []
    async with db.session_scope() as session:
        for days, uid in ((91, "1.0"), (89, "2.0")):
            started = now - timedelta(days=days)
            name = name_for(started.astimezone(TZ).date(), uid)
            write_wav(tmp_path / name, seconds=0.1)
            call = Call(linkedid=uid, direction="inbound", caller="+919812345678", started_at=started,
                        answered_at=started, agent="agent1001", outcome="answered", recording=name)
            session.add(call)
            rows.append(call)
    stray_old = write_wav(tmp_path / "2026/11/01/3.0.wav", seconds=0.1)
    os.utime(stray_old, (0, (now - timedelta(days=120)).timestamp()))
    stray_new = write_wav(tmp_path / "2027/02/28/4.0.wav", seconds=0.1)
    os.utime(stray_new, (0, (now - timedelta(days=1)).timestamp()))
    job = Retention(db, folder, 90, lambda: now)
    done = await job.purge()
    assert (done.rows, done.files, done.strays) == (1, 1, 1)
    assert not (tmp_path / rows[0].recording).exists() and (tmp_path / rows[1].recording).exists()
    assert not stray_old.exists() and stray_new.exists()
    assert not (tmp_path / "2026/11/01").exists()  # emptied day folders go too
    async with db.sessions() as session:
        old, recent = [await session.get(Call, r.id) for r in rows]
    assert old.recording_deleted_at == now and recent.recording_deleted_at is None
    again = await job.purge()
    assert (again.rows, again.files, again.strays) == (0, 0, 0)
