"""Recorded voices: an administrator's WAV or MP3 replaces a prompt's text-to-speech (converted to
8 kHz mono, normalised, by the real sox), can be listened to and removed; `prompts build` keeps
it; a department added in the page is spoken by the server at once."""
from __future__ import annotations

import hashlib
import io
import math
import shutil
import subprocess
import wave
from array import array
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from agent_console.app import create_app
from common.context import AppContext
from ivr.prompts import build_prompts
from ivr.voice_admin import known_prompts, recorded_keys
from storage.db import Database
from tests.conftest import make_settings
from tests.helpers import login_as


def tone(rate: int = 44100, channels: int = 2, seconds: float = 1.0, amplitude: int = 8000) -> bytes:
    samples = array("h")
    for i in range(int(rate * seconds)):
        value = int(amplitude * math.sin(2 * math.pi * 440 * i / rate))
        samples.extend([value] * channels)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels), w.setsampwidth(2), w.setframerate(rate), w.writeframes(samples.tobytes())
    return out.getvalue()


def mp3(tmp_path: Path) -> bytes:
    target = tmp_path / "tone.mp3"
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", str(target), "synth", "1.5", "sine", "300"], check=True,
                   capture_output=True)
    return target.read_bytes()


@pytest.fixture
async def api(db_url: str, db: Database, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(db_url, sounds_dir=str(tmp_path / "sounds"))
    app = create_app(AppContext.build(settings, db))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://helpline.test") as c:
        yield c


def params(path: Path) -> tuple[int, int, int, float]:
    with wave.open(str(path)) as w:
        return w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes() / w.getframerate()


async def test_upload_listen_and_remove_a_recording(api: httpx.AsyncClient, db: Database, tmp_path: Path) -> None:
    admin = await login_as(api, db, "adm", "admin")
    sup = await login_as(api, db, "sup", "supervisor")
    r = await api.put("/api/v1/admin/prompts/main-register/hi", content=tone(), headers={**admin, "content-type": "audio/wav"})
    assert r.status_code == 200, r.text
    assert r.json()["duration_s"] == 1.0 and r.json()["uploaded_by"] == "adm"
    installed = tmp_path / "sounds" / "hi" / "helpline" / "main-register.wav"
    assert params(installed)[:3] == (8000, 1, 2)
    with wave.open(str(installed)) as w:
        peak = max(abs(s) for s in array("h", w.readframes(w.getnframes())))
    assert peak > 20000  # normalised to -3 dBFS (23197), from a tone at 8000
    r = await api.put("/api/v1/admin/prompts/emergency/en", content=mp3(tmp_path), headers={**admin, "content-type": "audio/mpeg"})
    assert r.status_code == 404  # no emergency text yet: no such prompt
    r = await api.put("/api/v1/admin/prompts/goodbye/en", content=mp3(tmp_path), headers={**admin, "content-type": "audio/mpeg"})
    assert r.status_code == 200, r.text
    assert params(tmp_path / "sounds" / "en" / "helpline" / "goodbye.wav")[:2] == (8000, 1)

    listed = (await api.get("/api/v1/admin/prompts", headers=admin)).json()
    assert [(x["name"], x["language"]) for x in listed["recordings"]] == [("goodbye", "en"), ("main-register", "hi")]
    assert "main-register" in listed["prompts"] and "status-enter-number" in listed["prompts"]
    audio = await api.get("/api/v1/admin/prompts/main-register/hi/audio", headers=sup)
    assert audio.status_code == 200 and audio.content == installed.read_bytes()

    for body, words in ((b"hello, not audio", "WAV or MP3"), (tone(amplitude=0), "silent"),
                        (tone(seconds=0.05), "too short"), (b"RIFF\0\0\0\0WAVEjunk", "could not read")):
        r = await api.put("/api/v1/admin/prompts/main-status/hi", content=body, headers=admin)
        assert r.status_code == 422 and words in r.json()["error"]["message"], (words, r.text)
    assert (await api.put("/api/v1/admin/prompts/no-such-prompt/hi", content=tone(), headers=admin)).status_code == 404
    assert (await api.put("/api/v1/admin/prompts/goodbye/ta", content=tone(), headers=admin)).status_code == 422
    assert (await api.put("/api/v1/admin/prompts/goodbye/hi", content=tone(), headers=sup)).status_code == 403

    before = installed.read_bytes()
    r = await api.delete("/api/v1/admin/prompts/main-register/hi", headers=admin)
    assert r.status_code == 200
    assert installed.read_bytes() != before and params(installed)[:2] == (8000, 1)  # spoken again by TTS
    assert (await api.delete("/api/v1/admin/prompts/main-register/hi", headers=admin)).status_code == 404


async def test_prompts_build_keeps_uploads_and_renders_the_rest(api: httpx.AsyncClient, db: Database,
                                                                tmp_path: Path) -> None:
    admin = await login_as(api, db, "adm", "admin")
    out = tmp_path / "sounds"
    assert (await api.put("/api/v1/admin/prompts/goodbye/hi", content=tone(), headers=admin)).status_code == 200
    uploaded = (out / "hi" / "helpline" / "goodbye.wav").read_bytes()
    async with db.sessions() as session:
        keep = await recorded_keys(session)
        known = await known_prompts(session)
    manifests = {lang: {n: known[lang][n] for n in ("goodbye", "no-input")} for lang in ("hi", "en")}
    report = build_prompts(manifests, out, keep=keep, force=True)
    assert report.rendered == 3 and report.skipped == 1
    assert (out / "hi" / "helpline" / "goodbye.wav").read_bytes() == uploaded
    assert hashlib.sha256(uploaded).hexdigest() != hashlib.sha256((out / "en" / "helpline" / "goodbye.wav").read_bytes()).hexdigest()
    assert (await api.delete("/api/v1/admin/prompts/goodbye/hi", headers=admin)).status_code == 200
    again = build_prompts(manifests, out, keep=set())
    assert again.rendered == 1  # the removed upload's prompt is the one rendered again


async def test_a_new_department_is_spoken_when_saved(api: httpx.AsyncClient, db: Database, tmp_path: Path) -> None:
    admin = await login_as(api, db, "adm", "admin")
    r = await api.put("/api/v1/admin/departments/MINES", json={"name_en": "Mines and minerals", "name_hi": "खनन विभाग"},
                      headers=admin)
    assert r.status_code == 200, r.text
    for lang in ("hi", "en"):
        assert params(tmp_path / "sounds" / lang / "helpline" / "dept-mines.wav")[:2] == (8000, 1)
    async with db.sessions() as session:
        assert (await known_prompts(session))["hi"]["dept-mines"] == "खनन विभाग"
    assert shutil.which("sox")
