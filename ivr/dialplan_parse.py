"""Parsing Asterisk extensions*.conf files into contexts, extensions and priorities (for the
dialplan check): includes, patterns, `same =>`, labels, application calls and their arguments."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

_PRIORITY_RE = re.compile(r"(\d+|n|hint)(?:\(([\w-]+)\))?$")
_PROMPT_RE = re.compile(r"(?<![\w/-])helpline/([\w${}-]*)")
_PROMPT_NAME_RE = re.compile(r"[a-z0-9-]+")
_AGI_URL_RE = re.compile(r"(?:agi://[^/]+|\$\{HELPLINE_AGI2?\})/([^?]+)(?:\?.*)?")


@dataclass(frozen=True, order=True)
class Problem:
    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class _Line:
    """One priority that runs an application."""
    file: Path
    line: int
    context: str
    exten: str
    app: str
    data: str

    @property
    def kind(self) -> str:
        return self.app.lower()

    def problem(self, message: str) -> Problem:
        return Problem(self.file, self.line, message)


@dataclass
class _Exten:
    priorities: int = 0
    labels: set[str] = field(default_factory=set)


@dataclass
class _Context:
    name: str
    file: Path
    line: int
    extens: dict[str, _Exten] = field(default_factory=dict)
    includes: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class _Dialplan:
    contexts: dict[str, _Context] = field(default_factory=dict)
    lines: list[_Line] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Gosub call sites by target context: (calling line, its arguments)
    calls: dict[str, list[tuple[_Line, list[str]]]] = field(default_factory=dict)


# ------------------------------------------------------------------------------ parsing

def _strip_comment(text: str) -> str:
    return re.sub(r"(?<!\\);.*", "", text).strip()


def split_args(data: str, sep: str = ",") -> list[str]:
    """Split application data as Asterisk does: not inside (), ${}, $[] or quotes."""
    parts: list[str] = []
    depth, quoted, start = 0, False, 0
    for i, ch in enumerate(data):
        if ch == '"' and data[i - 1:i] != "\\":
            quoted = not quoted
        elif not quoted and ch in "([{":
            depth += 1
        elif not quoted and ch in ")]}":
            depth = max(0, depth - 1)
        elif not quoted and depth == 0 and ch == sep:
            parts.append(data[start:i])
            start = i + 1
    return parts + [data[start:]]


def _read_lines(path: Path, problems: list[Problem]) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeError) as exc:
        problems.append(Problem(path, 0, f"cannot read: {exc}"))
        return []


def _parse_file(path: Path, dp: _Dialplan) -> None:
    ctx: _Context | None = None
    exten: str | None = None
    in_block = False
    for number, raw in enumerate(_read_lines(path, dp.problems), start=1):
        if in_block or raw.lstrip().startswith(";--"):
            in_block = "--;" not in raw
            continue
        text = _strip_comment(raw)
        if text.startswith("["):
            name = text[1:text.find("]")]
            ctx = None if name.lower() in ("general", "globals") else \
                dp.contexts.setdefault(name, _Context(name, path, number))
            exten = None
            continue
        key, sep, value = text.partition("=")
        key, value = key.strip().lower(), value.removeprefix(">").strip()
        if ctx is None or not sep:
            continue
        if key == "include":
            ctx.includes.append((value, number))
        elif key in ("exten", "same"):
            if key == "exten":
                name, _, value = value.partition(",")
                exten = name.strip().split("/")[0]
            if exten is None:
                dp.problems.append(Problem(path, number, "'same =>' before any 'exten =>'"))
            else:
                _add_priority(dp, ctx, exten, value, path, number)


def _add_priority(dp: _Dialplan, ctx: _Context, name: str, value: str, path: Path, number: int) -> None:
    prio, _, app = value.partition(",")
    match = _PRIORITY_RE.match(prio.strip())
    if not match:
        dp.problems.append(Problem(path, number, f"bad priority {prio.strip()!r}"))
        return
    ext = ctx.extens.setdefault(name, _Exten())
    if match.group(1) == "hint":
        return
    ext.priorities = ext.priorities + 1 if match.group(1) == "n" else int(match.group(1))
    if match.group(2):
        ext.labels.add(match.group(2))
    app_name, paren, data = app.strip().partition("(")
    data = data[:data.rfind(")")] if paren else ""
    dp.lines.append(_Line(path, number, ctx.name, name, app_name.strip(), data))


def _pattern_regex(pattern: str) -> re.Pattern[str] | None:
    """The regex of an `_` extension pattern (X, Z, N any case, [..], ., !), None if malformed."""
    out, i, body = [], 0, pattern[1:]
    while i < len(body):
        ch = body[i]
        if ch.upper() in "XZN":
            out.append({"X": "[0-9]", "Z": "[1-9]", "N": "[2-9]"}[ch.upper()])
        elif ch == "[":
            end = body.find("]", i)
            if end < 0:
                return None
            out.append("[" + body[i + 1:end].replace("\\", "\\\\") + "]")
            i = end
        elif ch in ".!":
            out.append(".+" if ch == "." else ".*")
        elif ch != "-":
            out.append(re.escape(ch))
        i += 1
    try:
        return re.compile("".join(out))
    except re.error:
        return None


def _matches(dp: _Dialplan, ctx: _Context, name: str, seen: set[str] | None = None) -> list[_Exten]:
    """Extensions of ctx, or of the contexts it includes, that `name` would run."""
    seen = set() if seen is None else seen
    seen.add(ctx.name)
    found = []
    for ext_name, ext in ctx.extens.items():
        regex = _pattern_regex(ext_name) if ext_name.startswith("_") else None
        if ext_name == name or (regex is not None and regex.fullmatch(name)):
            found.append(ext)
    for inc, _ in ctx.includes:
        if inc in dp.contexts and inc not in seen:
            found += _matches(dp, dp.contexts[inc], name, seen)
    return found


def _refs(text: str) -> Iterator[str]:
    """The outermost ${...} expressions of text, without ${ and }."""
    i = text.find("${")
    while i >= 0:
        depth, j = 0, i + 1
        for j in range(i + 1, len(text)):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if depth == 0:
                break
        yield text[i + 2:j]
        i = text.find("${", j)


def _ref_name(expr: str) -> str:
    return re.split(r"[(:]", expr, maxsplit=1)[0].strip()


def _jump_targets(line: _Line) -> Iterator[tuple[str, str, str, list[str]]]:
    """(context, exten, priority, Gosub arguments) of each destination of a jump."""
    conditional = line.kind in ("gotoif", "gosubif")
    dests = split_args(line.data.partition("?")[2], ":") if conditional else [line.data]
    for dest in dests:
        parts = [p.strip() for p in split_args(dest.strip())]
        if not parts[0]:
            continue
        prio, paren, args = parts[-1].partition("(")
        exten = parts[-2] if len(parts) >= 2 else line.exten
        context = parts[-3] if len(parts) >= 3 else line.context
        yield context, exten, prio.strip(), split_args(args[:args.rfind(")")]) if paren else []


def _assignments(line: _Line) -> list[tuple[str, str]]:
    items = [line.data] if line.kind == "set" else split_args(line.data) if line.kind == "mset" else []
    return [(target.strip(), value.strip()) for target, _, value in (i.partition("=") for i in items)]


def _var_name(target: str) -> str:
    local = re.fullmatch(r"LOCAL\((.+)\)", target)
    return (local.group(1) if local else target).lstrip("_")


# ------------------------------------------------------------------------------ checks
