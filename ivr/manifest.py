"""Prompt manifests: the texts Helpline speaks, one folder per language.

`config/prompts/<lang>/*.txt` hold one prompt per line, `name: text` (UTF-8); `#` starts a
comment line and blank lines are ignored. Names are `[a-z0-9-]+` and unique within a
language, and every language must define the same names. A prompt is rendered to
`<sounds>/<lang>/helpline/<name>.wav`, so flows and the dialplan play it as `helpline/<name>`
and Asterisk picks the language folder from CHANNEL(language).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PROMPT_FOLDER = "helpline"
DEFAULT_ROOT = Path(__file__).resolve().parents[1] / "config" / "prompts"

_NAME_RE = re.compile(r"[a-z0-9-]+")
_LANG_RE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")


class ManifestError(ValueError):
    """One or more problems in the prompt manifests, each as `file:line: message`."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class _Entry:
    text: str
    path: Path
    line: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def prompt_path(name: str) -> str:
    """What a flow streams for the prompt `name`: `helpline/<name>`."""
    if not _NAME_RE.fullmatch(name):
        raise ValueError(f"bad prompt name {name!r} (lowercase letters, digits and '-')")
    return f"{PROMPT_FOLDER}/{name}"


def prompt_name(path: str) -> str:
    """The manifest name of a `helpline/<name>` prompt path."""
    folder, sep, name = path.partition("/")
    if folder != PROMPT_FOLDER or not sep or not _NAME_RE.fullmatch(name):
        raise ValueError(f"not a Helpline prompt path: {path!r}")
    return name


def load_manifests(root: Path = DEFAULT_ROOT) -> dict[str, dict[str, str]]:
    """Read every language folder under `root`: language → prompt name → text.

    Raises ManifestError listing every bad line, duplicate name and name missing in a
    language, each with its file and line number.
    """
    root = Path(root)
    if not root.is_dir():
        raise ManifestError([f"{root}: prompt manifest folder not found"])
    lang_dirs = sorted(
        p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
    )
    if not lang_dirs:
        raise ManifestError([f"{root}: no language folders (e.g. {root}/hi/)"])
    problems: list[str] = []
    entries: dict[str, dict[str, _Entry]] = {}
    for lang_dir in lang_dirs:
        if not _LANG_RE.fullmatch(lang_dir.name):
            problems.append(f"{lang_dir}: not a language code (e.g. hi, en)")
            continue
        entries[lang_dir.name] = _read_language(lang_dir, problems)
    problems.extend(_missing_names(root, entries))
    if problems:
        raise ManifestError(problems)
    return {
        lang: {name: entry.text for name, entry in names.items()}
        for lang, names in entries.items()
    }


def _read_language(lang_dir: Path, problems: list[str]) -> dict[str, _Entry]:
    files = sorted(p for p in lang_dir.glob("*.txt") if p.is_file())
    if not files:
        problems.append(f"{lang_dir}: no *.txt manifest")
    entries: dict[str, _Entry] = {}
    for path in files:
        for entry_name, entry in _read_file(path, problems):
            first = entries.get(entry_name)
            if first is not None:
                problems.append(
                    f"{entry.where}: duplicate prompt {entry_name!r} (first at {first.where})"
                )
                continue
            entries[entry_name] = entry
    return entries


def _read_file(path: Path, problems: list[str]) -> list[tuple[str, _Entry]]:
    try:
        content = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(f"{path}: not UTF-8 (byte {exc.start})")
        return []
    found: list[tuple[str, _Entry]] = []
    for number, raw in enumerate(content.removeprefix("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, text = line.partition(":")
        name, text = name.strip(), text.strip()
        where = f"{path}:{number}"
        if not sep:
            problems.append(f"{where}: expected 'name: text', got {line!r}")
        elif not _NAME_RE.fullmatch(name):
            problems.append(f"{where}: bad prompt name {name!r} (lowercase letters, digits and '-')")
        elif not text:
            problems.append(f"{where}: prompt {name!r} has no text")
        else:
            found.append((name, _Entry(text, path, number)))
    return found


def _missing_names(root: Path, entries: dict[str, dict[str, _Entry]]) -> list[str]:
    problems = []
    for lang, names in entries.items():
        for other, other_names in entries.items():
            if other == lang:
                continue
            for name, entry in names.items():
                if name not in other_names:
                    expected = root / other / entry.path.name
                    problems.append(
                        f"{entry.where}: prompt {name!r} is missing in language {other!r}"
                        f" (add it to {expected})"
                    )
    return problems
