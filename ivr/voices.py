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
import logging
import multiprocessing
from collections.abc import Collection, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ivr.prompts import PromptError, prompt_file, render_one

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
