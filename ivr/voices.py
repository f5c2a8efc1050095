"""Prompts the server renders or installs while it runs: texts saved in the web pages (the
emergency message, announcement messages, survey questions, department names) and recordings
administrators upload. Files go where `helpline prompts build` puts them,
`<HELPLINE_SOUNDS_DIR>/<lang>/helpline/<name>.wav`, so Asterisk plays `helpline/<name>`.

Text is spoken by the same code as the build (ivr.prompts.render_one: espeak-ng, sox) in a
spawned worker process (espeak keeps state per process); a failure raises PromptError and
leaves the old file in place.
"""
from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import multiprocessing
import os
import subprocess
import tempfile
import wave
from array import array
from collections.abc import Collection, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ivr.prompts import MIN_PEAK, SAMPLE_RATE, PromptError, prompt_file, render_one

log = logging.getLogger(__name__)

RENDER_TIMEOUT_S = 90.0


def _render_many(jobs: list[tuple[str, str, str]]) -> None:
    for text, lang, path in jobs:
        render_one(text, lang, Path(path))


class PromptRenderer:
    """Renders texts into the sounds folder; `skip(name, lang)` says a recording replaces the TTS."""

    def __init__(self, sounds_dir: Path) -> None:
        self.sounds_dir = Path(sounds_dir)
        self._lock = asyncio.Lock()

    def path(self, name: str, lang: str) -> Path:
        return prompt_file(self.sounds_dir, lang, name)

    async def render(self, name: str, texts: Mapping[str, str]) -> None:
        """Speak each language's text into the prompt `name` (both languages, or PromptError)."""
        await self.render_all({lang: {name: text} for lang, text in texts.items()})

    async def render_all(self, manifest: Mapping[str, Mapping[str, str]],
                         recorded: Collection[tuple[str, str]] = ()) -> None:
        """Speak every prompt of `manifest` (lang → name → text) except the (name, lang) pairs an
        administrator recorded; one worker process for all of them."""
        jobs = [(text, lang, str(self.path(name, lang))) for lang, prompts in manifest.items()
                for name, text in prompts.items() if text.strip() and (name, lang) not in recorded]
        if not jobs:
            return
        name = ", ".join(sorted({n for prompts in manifest.values() for n in prompts}))[:200]
        texts = {lang: "" for lang in manifest}
        loop = asyncio.get_running_loop()
        async with self._lock:  # one espeak worker at a time: the machine also answers calls
            with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
                try:
                    async with asyncio.timeout(RENDER_TIMEOUT_S + 2 * len(jobs)):
                        await loop.run_in_executor(pool, _render_many, jobs)
                except TimeoutError:
                    raise PromptError(f"{name}: text-to-speech took longer than {RENDER_TIMEOUT_S:.0f} s") from None
                except PromptError:
                    raise
                except Exception as exc:
                    raise PromptError(f"{name}: {exc}") from exc
        log.info("prompt %s rendered (%s)", name, ", ".join(sorted(texts)))


# --- recordings administrators upload --------------------------------------------------------

UPLOAD_MAX_BYTES = 20 * 1024 * 1024
MIN_UPLOAD_S = 0.2
MAX_UPLOAD_S = 300.0
# 8 kHz mono 16-bit, peak-normalised to -3 dBFS like the rendered prompts (ivr.prompts)
_UPLOAD_EFFECTS = ["rate", "-h", str(SAMPLE_RATE), "norm", "-3"]


class UploadError(ValueError):
    """An upload that is not usable audio; the message says why."""


@dataclass(frozen=True, slots=True)
class Converted:
    wav: bytes
    duration_s: float
    sha256: str


def audio_kind(data: bytes) -> str:
    """'wav' or 'mp3' from the first bytes, else UploadError."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3"
    raise UploadError("send a WAV or MP3 recording")


def convert_upload(data: bytes) -> Converted:
    """Any WAV or MP3 → 8 kHz mono 16-bit WAV, normalised (sox). Blocking: run it in a thread."""
    if not data:
        raise UploadError("the recording is empty")
    if len(data) > UPLOAD_MAX_BYTES:
        raise UploadError(f"the recording is larger than {UPLOAD_MAX_BYTES // (1024 * 1024)} MB")
    kind = audio_kind(data)
    with tempfile.TemporaryDirectory(prefix="helpline-upload-") as work:
        source, target = Path(work) / f"in.{kind}", Path(work) / "out.wav"
        source.write_bytes(data)
        command = ["sox", "-q", "-D", "-t", kind, str(source), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16",
                   "-e", "signed-integer", str(target), *_UPLOAD_EFFECTS]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        except FileNotFoundError:
            raise PromptError("the sox command is missing (Debian package sox)") from None
        except subprocess.TimeoutExpired:
            raise UploadError("converting the recording took longer than 60 s") from None
        if done.returncode != 0 or not target.is_file():
            reason = done.stderr.strip().splitlines()[-1][:200] if done.stderr.strip() else f"exit {done.returncode}"
            raise UploadError(f"sox could not read the {kind.upper()} recording ({reason})")
        wav = target.read_bytes()
    with wave.open(io.BytesIO(wav)) as reader:
        frames = reader.readframes(reader.getnframes())
        duration = reader.getnframes() / reader.getframerate()
    samples = array("h", frames)
    peak = max(max(samples, default=0), -min(samples, default=0))
    if duration < MIN_UPLOAD_S:
        raise UploadError(f"the recording is too short ({duration:.2f} s)")
    if duration > MAX_UPLOAD_S:
        raise UploadError(f"the recording is longer than {MAX_UPLOAD_S:.0f} s ({duration:.0f} s)")
    if peak < MIN_PEAK:
        raise UploadError("the recording is silent")
    return Converted(wav, round(duration, 2), hashlib.sha256(wav).hexdigest())


def install(path: Path, wav: bytes) -> None:
    """Write the prompt file atomically (Asterisk never reads half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.upload")
    tmp.write_bytes(wav)
    os.replace(tmp, path)
