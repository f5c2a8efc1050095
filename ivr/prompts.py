"""Render the prompt manifests to 8 kHz mono 16-bit WAV files for Asterisk.

Each prompt is spoken by pyttsx3's espeak driver (Debian `espeak-ng`, `libespeak-ng1`) and
converted with the `sox` command line (Debian `sox`): trim the silence espeak leaves around the
words (numbers are played as several prompts in a row), resample to 8000 Hz, normalise to
-3 dBFS, pad 20 ms / 50 ms. Files land in `<out>/<lang>/helpline/<name>.wav`.

pyttsx3 pitfalls handled here: only one `save_to_file` per `runAndWait` (a second one in the
same run overwrites the first), and the WAV may appear after `runAndWait` returns, so each
render waits for the finished-utterance callback and for the file, then checks the result.
A failure raises PromptError naming the prompt; no empty or partial file is left behind.

Hindi number words are also linked as `<out>/hi/digits/N.wav` (Asterisk's say functions and
the queue's position announcements look there; English has Asterisk's own).

Builds are incremental: `<out>/prompts-state.json` maps `lang/name` to a hash of the text,
the voice and the audio format, and a prompt whose hash is unchanged and whose file exists is
skipped, and so is one an administrator recorded (`keep`). Renders run in worker processes (spawned, so each has its own espeak instance), which
also bounds a stuck render with a timeout.
"""
from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import hashlib
import io
import json
import logging
import multiprocessing
import os
import re
import shutil
import subprocess
import tempfile
import time
import wave
from array import array
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ivr.manifest import prompt_path

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
SAMPLE_RATE = 8000
SPEECH_RATE = 150  # words per minute: a little slower than espeak's 200, for phone lines
STATE_FILE = "prompts-state.json"
RECORDED = "recorded"  # state of a prompt an administrator's recording replaces
RENDER_TIMEOUT_S = 60.0
MIN_DURATION_S = 0.1
MIN_PEAK = 1000  # of 32767: anything quieter is not speech
SYNTH_ATTEMPTS = 3

_SOX_EFFECTS = [
    "silence", "1", "0.005", "-50d",  # leading silence
    "reverse", "silence", "1", "0.005", "-50d", "reverse",  # trailing silence
    "rate", "-h", str(SAMPLE_RATE),
    "norm", "-3",
    "pad", "0.02", "0.05",
]


class PromptError(RuntimeError):
    """A prompt could not be rendered; the message names it."""


class _Cancelled(PromptError):
    """pyttsx3's driver stopped the utterance it had just started: worth another try."""


@dataclass(frozen=True)
class BuildReport:
    """What one build did."""

    out_dir: Path
    rendered: int
    skipped: int
    removed: int
    elapsed_s: float
    render_s: float = 0.0  # time spent rendering, summed over workers
    workers: int = 0
    rendered_keys: tuple[str, ...] = field(default=())

    digit_links: int = 0

    def __str__(self) -> str:
        per = f", {self.render_s / self.rendered * 1000:.0f} ms per prompt" if self.rendered else ""
        links = f", {self.digit_links} digits links" if self.digit_links else ""
        return (
            f"prompts: {self.rendered} rendered, {self.skipped} unchanged, {self.removed} removed{links}"
            f" in {self.elapsed_s:.1f} s ({self.workers} workers{per}) -> {self.out_dir}"
        )


@dataclass(frozen=True)
class _Job:
    key: str
    text: str
    lang: str
    voice: str
    out_path: Path


def prompt_file(out_dir: Path, lang: str, name: str) -> Path:
    """Where the prompt `name` of `lang` is written under `out_dir`."""
    return Path(out_dir) / lang / f"{prompt_path(name)}.wav"


def voice_for(lang: str) -> str:
    """The pyttsx3 voice id of espeak-ng's voice for `lang` ('hi' → 'inc/hi', 'en' → 'gmw/en')."""
    voices = _voice_ids()
    for voice_id, _ in voices:
        if voice_id == lang or voice_id.rsplit("/", 1)[-1] == lang:
            return voice_id
    for voice_id, languages in voices:
        if lang in languages:
            return voice_id
    raise PromptError(
        f"no espeak-ng voice for language {lang!r} "
        "(is Debian's espeak-ng installed? `espeak-ng --voices` lists the voices)"
    )


def render_one(text: str, lang: str, out_path: Path, *, voice: str | None = None) -> None:
    """Speak `text` with the voice for `lang` into `out_path` (8 kHz mono 16-bit WAV).

    Raises PromptError and leaves `out_path` untouched when anything fails.
    """
    text = text.strip()
    if not text:
        raise PromptError(f"{out_path}: empty text")
    voice = voice or voice_for(lang)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".render-", dir=out_path.parent))
    try:
        raw, converted = work / "raw.wav", work / "out.wav"
        for attempt in range(1, SYNTH_ATTEMPTS + 1):
            try:
                _synthesize(text, voice, raw)
                break
            except _Cancelled:
                if attempt == SYNTH_ATTEMPTS:
                    raise
                log.debug("espeak-ng cancelled %r, trying again", text)
        _convert(raw, converted)
        _check_wav(converted)
        os.replace(converted, out_path)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def build_prompts(
    manifests: Mapping[str, Mapping[str, str]],
    out_dir: Path,
    *,
    langs: Iterable[str] | None = None,
    force: bool = False,
    workers: int | None = None,
    keep: Collection[str] = (),
) -> BuildReport:
    """Render every changed prompt of `manifests` (lang → name → text) under `out_dir`.

    `langs` limits the build to some languages; `force` re-renders everything. Prompts that
    an earlier build rendered and the manifests no longer have are deleted. `keep` names
    (`lang/name`) prompts an administrator recorded: never rendered over, even with `force`
    (and rendered again once the recording is removed).
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    chosen = list(manifests) if langs is None else list(langs)
    unknown = [lang for lang in chosen if lang not in manifests]
    if unknown:
        raise ValueError(f"no manifest for language(s): {', '.join(unknown)}")
    if shutil.which("sox") is None:
        raise PromptError("the sox command is missing (Debian package sox)")
    state = _load_state(out_dir)
    jobs: list[tuple[_Job, str]] = []
    skipped = 0
    for lang in chosen:
        voice: str | None = None
        for name, text in manifests[lang].items():
            key = f"{lang}/{name}"
            if voice is None:
                try:
                    voice = voice_for(lang)
                except PromptError as exc:
                    raise PromptError(f"{key}: {exc}") from None
            digest = _digest(text, voice)
            path = prompt_file(out_dir, lang, name)
            if key in keep:
                state[key] = RECORDED
                skipped += 1
                continue
            if not force and state.get(key) == digest and path.is_file():
                skipped += 1
                continue
            jobs.append((_Job(key, text, lang, voice, path), digest))
    removed = _remove_stale(out_dir, state, manifests, chosen)
    rendered: list[str] = []
    pool_size = min(workers or os.cpu_count() or 1, len(jobs))
    render_s = 0.0
    try:
        if jobs:
            render_s = _run_jobs(jobs, pool_size, state, rendered)
    finally:
        _save_state(out_dir, state)
    links = link_say_digits(manifests, out_dir, chosen)
    report = BuildReport(
        out_dir=out_dir,
        rendered=len(rendered),
        skipped=skipped,
        removed=removed,
        elapsed_s=time.perf_counter() - started,
        render_s=render_s,
        workers=pool_size,
        rendered_keys=tuple(rendered),
        digit_links=links,
    )
    log.info("%s", report)
    return report


# Languages whose say files (digits/N) Asterisk's own sound packages already have.
SAY_LANGS_SHIPPED = frozenset({"en"})
_NUMBER_RE = re.compile(r"num-(\d+)")


def link_say_digits(manifests: Mapping[str, Mapping[str, str]], out_dir: Path, langs: Iterable[str]) -> int:
    """Give Asterisk's say functions our number words: `<out>/<lang>/digits/N.wav` links to
    `../helpline/num-N.wav` for every `num-N` prompt of a language Asterisk has no sounds for
    (Hindi). app_queue's position announcements look up `digits/N` in the channel's language
    first (dialplans/README.md, "Position announcements in Hindi"). Returns the number of links."""
    made = 0
    for lang in langs:
        if lang in SAY_LANGS_SHIPPED:
            continue
        digits = Path(out_dir) / lang / "digits"
        for name in manifests[lang]:
            match = _NUMBER_RE.fullmatch(name)
            if match is None or not prompt_file(out_dir, lang, name).is_file():
                continue
            digits.mkdir(parents=True, exist_ok=True)
            link = digits / f"{int(match.group(1))}.wav"
            target = Path("..") / prompt_file(Path("."), lang, name).relative_to(lang)
            if link.is_symlink() and Path(os.readlink(link)) == target:
                made += 1
                continue
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(target)
            made += 1
    return made


def _run_jobs(
    jobs: list[tuple[_Job, str]], pool_size: int, state: dict[str, str], rendered: list[str]
) -> float:
    """Render `jobs` in `pool_size` spawned processes; record each success in `state`."""
    digests = {job.key: digest for job, digest in jobs}
    pending = set(digests)
    render_s = 0.0
    context = multiprocessing.get_context("spawn")
    with context.Pool(pool_size) as pool:
        results = pool.imap_unordered(_render_job, [job for job, _ in jobs])
        for _ in jobs:
            try:
                key, error, seconds = results.next(timeout=RENDER_TIMEOUT_S)
            except multiprocessing.TimeoutError:
                stuck = ", ".join(sorted(pending)[:5])
                raise PromptError(
                    f"no prompt finished within {RENDER_TIMEOUT_S:.0f} s (pending: {stuck})"
                ) from None
            if error is not None:
                raise PromptError(f"{key}: {error}")
            pending.discard(key)
            state[key] = digests[key]
            rendered.append(key)
            render_s += seconds
            log.debug("rendered %s in %.0f ms", key, seconds * 1000)
    return render_s


def _render_job(job: _Job) -> tuple[str, str | None, float]:
    """Worker side: render one prompt; errors come back as text for the parent to raise."""
    started = time.perf_counter()
    try:
        render_one(job.text, job.lang, job.out_path, voice=job.voice)
    except Exception as exc:  # reported to the parent, which raises PromptError
        return job.key, str(exc) or type(exc).__name__, time.perf_counter() - started
    return job.key, None, time.perf_counter() - started


@functools.cache
def _engine():  # type: ignore[no-untyped-def]
    """This process's pyttsx3 engine (espeak can be initialised once per process)."""
    import pyttsx3

    try:
        engine = pyttsx3.init("espeak")
    except (OSError, RuntimeError, ImportError) as exc:
        raise PromptError(f"cannot start espeak-ng through pyttsx3 ({exc}); install libespeak-ng1") from exc
    # A new engine queues setProperty until its first run; after one empty run they apply
    # at once, so _synthesize can wait for them before starting the utterance.
    engine.runAndWait()
    atexit.register(_release_engine)
    return engine


def _release_engine() -> None:
    """Free the engine while the interpreter still runs: pyttsx3's DriverProxy.__del__, run during
    the interpreter's teardown, prints an AttributeError traceback (its `contextlib` is gone)."""
    _voice_ids.cache_clear()
    _engine.cache_clear()
    gc.collect()


@functools.cache
def _voice_ids() -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(
        (voice.id, tuple(voice.languages or ())) for voice in _engine().getProperty("voices")
    )


def _synthesize(text: str, voice: str, raw: Path) -> None:
    """One save_to_file per runAndWait; wait for the callback and the file.

    espeak-ng runs asynchronously: a voice or rate change keeps it "playing" for a moment,
    and runAndWait begins by stopping whatever is playing, which also cancels the utterance
    it is about to start. So wait for espeak to be idle after every change.
    """
    from pyttsx3.drivers import _espeak

    engine = _engine()
    finished: list[bool] = []
    errors: list[BaseException] = []
    tokens = [
        engine.connect("finished-utterance", lambda name, completed: finished.append(completed)),
        engine.connect("error", lambda name, exception: errors.append(exception)),
    ]
    try:
        _wait_idle(_espeak)
        engine.setProperty("voice", voice)
        engine.setProperty("rate", SPEECH_RATE)
        engine.setProperty("volume", 1.0)
        _wait_idle(_espeak)
        if errors:
            raise PromptError(f"espeak-ng refused voice {voice!r}: {errors[0]}")
        if engine.getProperty("voice") != voice:
            raise PromptError(f"espeak-ng did not switch to voice {voice!r}")
        engine.save_to_file(text, str(raw))
        with contextlib.redirect_stdout(io.StringIO()):  # the espeak driver prints each save
            engine.runAndWait()
        # runAndWait returns as soon as the synthesis has started: espeak's own thread
        # produces the audio and its callback writes the file. Wait for both.
        _wait_idle(_espeak)
        deadline = time.monotonic() + 5.0
        while not (True in finished and raw.is_file() and raw.stat().st_size > 44):
            if errors or False in finished or time.monotonic() > deadline:
                break
            time.sleep(0.005)
    finally:
        for token in tokens:
            engine.disconnect(token)
    if errors:
        raise PromptError(f"espeak-ng failed with voice {voice!r}: {errors[0]}")
    if False in finished:
        raise _Cancelled(f"espeak-ng cancelled the utterance (voice {voice!r})")
    if True not in finished:
        raise PromptError(f"espeak-ng did not finish the utterance (voice {voice!r})")
    if not raw.is_file() or raw.stat().st_size <= 44:
        raise PromptError(f"espeak-ng wrote no audio (voice {voice!r})")


def _wait_idle(espeak, timeout_s: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    """Block until espeak-ng has finished everything queued to its thread."""
    espeak.Synchronize()
    deadline = time.monotonic() + timeout_s
    while espeak.IsPlaying():
        if time.monotonic() > deadline:
            raise PromptError(f"espeak-ng still busy after {timeout_s:.0f} s")
        time.sleep(0.002)


def _convert(raw: Path, converted: Path) -> None:
    command = [
        "sox", "-q", "-D", str(raw),
        "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", "-e", "signed-integer", str(converted),
        *_SOX_EFFECTS,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except FileNotFoundError:
        raise PromptError("the sox command is missing (Debian package sox)") from None
    except subprocess.TimeoutExpired:
        raise PromptError("sox took longer than 30 s") from None
    if done.returncode != 0:
        raise PromptError(f"sox failed ({done.returncode}): {done.stderr.strip()[:300]}")


def _check_wav(path: Path) -> None:
    """The file must be 8 kHz mono 16-bit PCM with audible speech in it."""
    try:
        with wave.open(str(path), "rb") as wav:
            params = wav.getparams()
            frames = wav.readframes(params.nframes)
    except (wave.Error, EOFError, OSError) as exc:
        raise PromptError(f"unreadable WAV from sox: {exc}") from None
    if (params.framerate, params.nchannels, params.sampwidth) != (SAMPLE_RATE, 1, 2):
        raise PromptError(
            f"wrong format {params.framerate} Hz, {params.nchannels} channel(s), "
            f"{params.sampwidth * 8}-bit (expected {SAMPLE_RATE} Hz mono 16-bit)"
        )
    duration = params.nframes / params.framerate
    samples = array("h", frames)
    peak = max(max(samples, default=0), -min(samples, default=0))
    if duration < MIN_DURATION_S or peak < MIN_PEAK:
        raise PromptError(f"no audible speech rendered ({duration:.2f} s, peak {peak})")


def _digest(text: str, voice: str) -> str:
    blob = json.dumps([FORMAT_VERSION, voice, SPEECH_RATE, SAMPLE_RATE, _SOX_EFFECTS, text.strip()])
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _load_state(out_dir: Path) -> dict[str, str]:
    path = out_dir / STATE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        data = exc
    if not isinstance(data, dict):
        log.warning("ignoring unreadable %s (%s): every prompt will be rendered", path, data)
        return {}
    return {str(k): str(v) for k, v in data.items()}


def _save_state(out_dir: Path, state: dict[str, str]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".{STATE_FILE}.tmp"
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, out_dir / STATE_FILE)


def _remove_stale(
    out_dir: Path, state: dict[str, str], manifests: Mapping[str, Mapping[str, str]], langs: list[str]
) -> int:
    """Delete files an earlier build rendered for prompts the manifests no longer have."""
    removed = 0
    for key in sorted(state):
        lang, _, name = key.partition("/")
        if lang not in langs or name in manifests[lang]:
            continue
        del state[key]
        try:
            path = prompt_file(out_dir, lang, name)
        except ValueError:  # not a name this module ever wrote
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed += 1
    return removed
