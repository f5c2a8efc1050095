"""Rendering prompts with pyttsx3 + espeak-ng + sox into Asterisk-ready WAV files."""
from __future__ import annotations

import json
import subprocess
import wave
from pathlib import Path

import pytest

from ivr.manifest import load_manifests
from ivr.prompts import (
    STATE_FILE,
    BuildReport,
    PromptError,
    build_prompts,
    prompt_file,
    render_one,
    voice_for,
)

SHIPPED = load_manifests()
SUBSET = ["num-7", "num-67", "lakh", "month-11"]


def subset(**overrides: dict[str, str]) -> dict[str, dict[str, str]]:
    chosen = {lang: {name: SHIPPED[lang][name] for name in SUBSET} for lang in ("hi", "en")}
    for lang, texts in overrides.items():
        chosen[lang].update(texts)
    return chosen


def assert_telephone_wav(path: Path) -> float:
    """8000 Hz, mono, 16-bit PCM with a real duration; returns the duration in seconds."""
    with wave.open(str(path), "rb") as wav:
        assert wav.getframerate() == 8000
        assert wav.getnchannels() == 1
        assert wav.getsampwidth() == 2
        assert wav.getcomptype() == "NONE"
        duration = wav.getnframes() / wav.getframerate()
    assert 0.2 < duration < 5.0
    soxi = subprocess.run(["soxi", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Sample Rate    : 8000" in soxi
    assert "Channels       : 1" in soxi
    assert "16-bit Signed Integer PCM" in soxi
    return duration


def test_voices_come_from_pyttsx3() -> None:
    assert voice_for("hi").rsplit("/", 1)[-1] == "hi"
    assert voice_for("en").rsplit("/", 1)[-1] == "en"


def test_build_renders_then_skips_then_rerenders_only_the_changed_text(tmp_path: Path) -> None:
    out = tmp_path / "sounds"
    first = build_prompts(subset(), out)
    assert isinstance(first, BuildReport)
    assert (first.rendered, first.skipped, first.removed) == (8, 0, 0)
    assert sorted(first.rendered_keys) == sorted(f"{lang}/{n}" for lang in ("hi", "en") for n in SUBSET)
    durations = {}
    for lang in ("hi", "en"):
        for name in SUBSET:
            path = out / lang / "helpline" / f"{name}.wav"
            assert path == prompt_file(out, lang, name)
            durations[lang, name] = assert_telephone_wav(path)
    # "सड़सठ" takes longer to say than "सात".
    assert durations["hi", "num-67"] > durations["hi", "num-7"]
    assert "8 rendered, 0 unchanged" in str(first)
    state = json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
    assert set(state) == set(first.rendered_keys)

    def stamps() -> dict[Path, tuple[int, int]]:
        return {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*.wav")}

    before = stamps()
    second = build_prompts(subset(), out)
    assert (second.rendered, second.skipped) == (0, 8)
    assert stamps() == before

    changed = build_prompts(subset(en={"num-67": "sixty-seven"}), out)
    assert changed.rendered_keys == ("en/num-67",)
    assert changed.skipped == 7
    after = stamps()
    changed_file = out / "en" / "helpline" / "num-67.wav"
    assert after[changed_file] != before[changed_file]
    assert {p: s for p, s in after.items() if p != changed_file} == {
        p: s for p, s in before.items() if p != changed_file
    }

    only_hi = build_prompts(subset(), out, langs=["hi"], force=True)
    assert sorted(only_hi.rendered_keys) == sorted(f"hi/{n}" for n in SUBSET)


def test_a_deleted_file_is_rendered_again_and_a_dropped_prompt_removed(tmp_path: Path) -> None:
    small = {"hi": {"num-7": "सात", "num-8": "आठ"}}
    build_prompts(small, tmp_path)
    (tmp_path / "hi" / "helpline" / "num-7.wav").unlink()
    report = build_prompts({"hi": {"num-7": "सात"}}, tmp_path)
    assert report.rendered_keys == ("hi/num-7",)
    assert report.removed == 1
    assert not (tmp_path / "hi" / "helpline" / "num-8.wav").exists()
    assert json.loads((tmp_path / STATE_FILE).read_text(encoding="utf-8")).keys() == {"hi/num-7"}


def test_unknown_language_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match=r"zz/welcome: no espeak-ng voice for language 'zz'"):
        build_prompts({"zz": {"welcome": "hello"}}, tmp_path)
    assert not list(tmp_path.rglob("*.wav"))
    with pytest.raises(ValueError, match="no manifest for language"):
        build_prompts(subset(), tmp_path, langs=["ta"])


def test_render_one_with_a_bogus_voice_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "hi" / "helpline" / "bogus.wav"
    with pytest.raises(PromptError, match="zz"):
        render_one("नमस्ते", "zz", target)
    with pytest.raises(PromptError, match="no-such-voice"):
        render_one("नमस्ते", "hi", target, voice="no-such-voice")
    with pytest.raises(PromptError, match="empty text"):
        render_one("   ", "hi", target)
    assert not target.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_render_one_writes_a_telephone_wav(tmp_path: Path) -> None:
    target = tmp_path / "x" / "num-21.wav"
    render_one("इक्कीस", "hi", target)
    assert_telephone_wav(target)
    assert [p.name for p in target.parent.iterdir()] == ["num-21.wav"]


def test_an_unreadable_state_file_means_render_everything(tmp_path: Path) -> None:
    small = {"en": {"num-7": "seven"}}
    build_prompts(small, tmp_path)
    (tmp_path / STATE_FILE).write_text("{not json", encoding="utf-8")
    assert build_prompts(small, tmp_path).rendered_keys == ("en/num-7",)
    assert build_prompts(small, tmp_path).skipped == 1


def test_build_links_the_hindi_number_words_as_asterisk_digits(tmp_path: Path) -> None:
    out = tmp_path / "sounds"
    report = build_prompts(subset(), out)
    assert report.digit_links == 2  # num-7 and num-67 of Hindi; English has Asterisk's own digits
    link = out / "hi" / "digits" / "7.wav"
    assert link.is_symlink() and str(link.readlink()) == "../helpline/num-7.wav"
    assert link.resolve() == prompt_file(out, "hi", "num-7").resolve()
    assert_telephone_wav(link)
    assert (out / "hi" / "digits" / "67.wav").resolve() == prompt_file(out, "hi", "num-67").resolve()
    assert not (out / "en" / "digits").exists()
    again = build_prompts(subset(), out)  # a second build keeps the links (and counts them)
    assert (again.rendered, again.digit_links) == (0, 2) and link.is_symlink()
    assert "2 digits links" in str(again)
