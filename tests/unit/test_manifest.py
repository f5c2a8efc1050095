"""The prompt manifest loader: format, errors with file:line, the shipped manifests."""
from __future__ import annotations

from pathlib import Path

import pytest

from ivr.manifest import DEFAULT_ROOT, ManifestError, load_manifests, prompt_name, prompt_path


def write(root: Path, lang: str, filename: str, text: str) -> Path:
    path = root / lang / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_every_txt_file_of_each_language(tmp_path: Path) -> None:
    write(tmp_path, "hi", "numbers.txt", "# numbers\n\nnum-1: एक\n  num-2 :  दो  \n")
    write(tmp_path, "hi", "menus.txt", "\ufeffwelcome: नमस्ते: 1076 # हेल्पलाइन\n")
    write(tmp_path, "en", "numbers.txt", "num-1: one\r\nnum-2: two\r\n")
    write(tmp_path, "en", "menus.txt", "welcome: Welcome\n")
    write(tmp_path, "en", "notes.md", "this: is not a manifest\n")
    assert load_manifests(tmp_path) == {
        "en": {"welcome": "Welcome", "num-1": "one", "num-2": "two"},
        "hi": {"welcome": "नमस्ते: 1076 # हेल्पलाइन", "num-1": "एक", "num-2": "दो"},
    }


def test_duplicate_name_names_both_places(tmp_path: Path) -> None:
    first = write(tmp_path, "hi", "a.txt", "num-1: एक\n")
    second = write(tmp_path, "hi", "b.txt", "# x\nnum-1: एक\n")
    write(tmp_path, "en", "a.txt", "num-1: one\n")
    with pytest.raises(ManifestError) as caught:
        load_manifests(tmp_path)
    assert caught.value.problems == [
        f"{second}:2: duplicate prompt 'num-1' (first at {first}:1)"
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("no colon here", "expected 'name: text'"),
        ("Num-1: One", "bad prompt name 'Num-1'"),
        ("num_1: one", "bad prompt name 'num_1'"),
        (": one", "bad prompt name ''"),
        ("num-1:   ", "prompt 'num-1' has no text"),
    ],
)
def test_bad_line_reports_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    write(tmp_path, "hi", "x.txt", "ok: ठीक\n")
    path = write(tmp_path, "en", "x.txt", f"ok: OK\n\n{line}\n")
    with pytest.raises(ManifestError) as caught:
        load_manifests(tmp_path)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"{path}:3: {message}")


def test_name_missing_in_another_language(tmp_path: Path) -> None:
    hi = write(tmp_path, "hi", "menus.txt", "welcome: नमस्ते\nbye: धन्यवाद\n")
    en = write(tmp_path, "en", "menus.txt", "welcome: Welcome\nthanks: Thank you\n")
    with pytest.raises(ManifestError) as caught:
        load_manifests(tmp_path)
    message = str(caught.value)
    assert f"{hi}:2: prompt 'bye' is missing in language 'en' (add it to {tmp_path / 'en' / 'menus.txt'})" in message
    assert f"{en}:2: prompt 'thanks' is missing in language 'hi'" in message
    assert len(caught.value.problems) == 2


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    write(tmp_path, "hi", "x.txt", "a: एक\nbad\nB: दो\n")
    write(tmp_path, "en", "x.txt", "a: one\n")
    with pytest.raises(ManifestError) as caught:
        load_manifests(tmp_path)
    assert [p.split(": ", 1)[0].rsplit(":", 1)[1] for p in caught.value.problems] == ["2", "3"]


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "hi" / "x.txt"
    path.parent.mkdir()
    path.write_bytes("a: एक\n".encode("utf-16"))
    write(tmp_path, "en", "x.txt", "a: one\n")
    with pytest.raises(ManifestError, match=f"{path}: not UTF-8"):
        load_manifests(tmp_path)


def test_missing_folder_and_empty_language(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="not found"):
        load_manifests(tmp_path / "nowhere")
    with pytest.raises(ManifestError, match="no language folders"):
        load_manifests(tmp_path)
    write(tmp_path, "hi", "x.txt", "a: एक\n")
    (tmp_path / "en").mkdir()
    with pytest.raises(ManifestError) as caught:
        load_manifests(tmp_path)
    assert f"{tmp_path / 'en'}: no *.txt manifest" in caught.value.problems
    assert any("'a' is missing in language 'en'" in p for p in caught.value.problems)


def test_bad_language_folder(tmp_path: Path) -> None:
    write(tmp_path, "hi", "x.txt", "a: एक\n")
    write(tmp_path, "Hindi", "x.txt", "a: एक\n")
    with pytest.raises(ManifestError, match="Hindi: not a language code"):
        load_manifests(tmp_path)


def test_prompt_path_round_trip() -> None:
    assert prompt_path("num-21") == "helpline/num-21"
    assert prompt_name("helpline/month-11") == "month-11"
    for bad in ("../etc", "Num", "a b", ""):
        with pytest.raises(ValueError):
            prompt_path(bad)
    for bad in ("num-1", "sounds/num-1", "helpline/", "helpline/../x"):
        with pytest.raises(ValueError):
            prompt_name(bad)


def test_shipped_manifests_load_with_the_same_names() -> None:
    manifests = load_manifests()
    assert DEFAULT_ROOT.name == "prompts"
    assert {"hi", "en"} <= set(manifests)
    assert set(manifests["hi"]) == set(manifests["en"])
    assert manifests["hi"]["num-67"] == "सड़सठ"
    assert manifests["en"]["month-11"] == "November"
