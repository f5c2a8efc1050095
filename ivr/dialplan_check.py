"""Static checks of Helpline's Asterisk files (`helpline dialplan check [DIR]`).

`check_dialplan` parses a directory's `extensions*.conf` and `queues*.conf` and finds what
Asterisk would only find during a call: jump targets that do not exist, FastAGI scripts and
prompts outside the dialplan ↔ application contract, menus without `i`/`t`, caller-supplied
values reaching Dial/System/Originate/CALLERID without FILTER(), Return() outside subroutines.
`run_asterisklint` runs asterisklint (asterisklint-jjs) on the same files. Both return
problems; an empty list means the directory is fine.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ivr import manifest
from ivr.scripts import AGI_SCRIPTS

# Values a status variable takes when a dialplan dispatches on it (Asterisk 20/22 docs).
STATUS_VALUES = {
    "QUEUESTATUS": ("TIMEOUT", "FULL", "JOINEMPTY", "LEAVEEMPTY", "JOINUNAVAIL", "LEAVEUNAVAIL",
                    "CONTINUE", "WITHDRAW"),
    "DIALSTATUS": ("ANSWER", "BUSY", "NOANSWER", "CANCEL", "CONGESTION", "CHANUNAVAIL", "DONTCALL",
                   "TORTURE", "INVALIDARGS"),
}
ASTERISK_VERSION = "20"
LINT_TIMEOUT_S = 120

_MENU_APPS = {"background", "waitexten"}
_SINK_APPS = {"dial", "system", "trysystem", "originate"}
_TAINTED_FUNCS = {"CALLERID", "CONNECTEDLINE", "REDIRECTING", "PJSIP_HEADER", "SIP_HEADER"}
_TAINTED_VARS = {"CALLERIDNUM", "CALLERIDNAME", "INVALID_EXTEN"}
_PRIORITY_RE = re.compile(r"(\d+|n|hint)(?:\(([\w-]+)\))?$")
_PROMPT_RE = re.compile(r"(?<![\w/-])helpline/([\w${}-]*)")
_PROMPT_NAME_RE = re.compile(r"[a-z0-9-]+")
_AGI_URL_RE = re.compile(r"(?:agi://[^/]+|\$\{HELPLINE_AGI\})/([^?]+)(?:\?.*)?")
_LINT_LINE_RE = re.compile(r"^(?P<file>.+?):(?P<line>\d+) (?P<cls>[EWH]_[A-Z0-9_]+): (?P<msg>.*)$")
_LINT_MAIN = "import os, sys; from asterisklint.main import main; sys.exit(main(sys.argv[1:], os.environ))"


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

def _check_jumps(dp: _Dialplan) -> Iterator[Problem]:
    """Every Goto/GotoIf/Gosub/GosubIf destination exists; records Gosub call sites."""
    for line in dp.lines:
        if line.kind not in ("goto", "gotoif", "gosub", "gosubif"):
            continue
        for context, exten, prio, args in _jump_targets(line):
            if line.kind.startswith("gosub"):
                dp.calls.setdefault(context, []).append((line, args))
            target = dp.contexts.get(context)
            where = f"{line.app}() target {context},{exten},{prio}"
            if "$" in context:
                continue
            if target is None:
                yield line.problem(f"{where}: no context {context!r}")
            elif "$" in exten:
                yield from _check_variable_exten(dp, target, exten, where, line)
            else:
                exts = [target.extens[exten]] if exten in target.extens else _matches(dp, target, exten)
                if not exts:
                    yield line.problem(f"{where}: no extension {exten!r} in {context}")
                elif "$" not in prio and not any(
                        prio in e.labels or (prio.isdigit() and 0 < int(prio) <= e.priorities) for e in exts):
                    yield line.problem(f"{where}: no priority or label {prio!r}")


def _check_variable_exten(dp: _Dialplan, ctx: _Context, exten: str, where: str,
                          line: _Line) -> Iterator[Problem]:
    """A ${QUEUESTATUS}-style extension: every value must have an extension (or pattern)."""
    match = re.fullmatch(r"([^$]*)\$\{(\w+)\}([^$]*)", exten)
    if match and match.group(2) in STATUS_VALUES:
        pre, var, post = match.groups()
        missing = [v for v in STATUS_VALUES[var] if not _matches(dp, ctx, pre + v + post)]
        if missing:
            yield line.problem(f"{where}: {ctx.name} has no extension for {var} " + ", ".join(missing))
    elif not any(name not in ("i", "t", "h") for name in ctx.extens):
        yield line.problem(f"{where}: {ctx.name} has no extension to go to")


def _check_agi(dp: _Dialplan, agi_scripts: Sequence[str]) -> Iterator[Problem]:
    for line in dp.lines:
        if line.kind not in ("agi", "eagi"):
            continue
        url = split_args(line.data)[0].strip()
        match = _AGI_URL_RE.fullmatch(url)
        if not match:
            yield line.problem(f"AGI({url}) is not the application's FastAGI "
                               "(agi://HOST:4573/NAME or ${HELPLINE_AGI}/NAME)")
            continue
        arg = re.fullmatch(r"\$\{ARG(\d+)\}", match.group(1))
        if arg:  # inside a subroutine: check the names its callers pass
            n = int(arg.group(1))
            sites = [(site, args[n - 1].strip()) for site, args in dp.calls.get(line.context, [])
                     if len(args) >= n]
        else:
            sites = [(line, match.group(1))]
        for site, script in sites:
            if "$" not in script and script not in agi_scripts:
                yield site.problem(f"AGI script {script!r} is not one of {', '.join(agi_scripts)}")


def _check_prompts(uses: Iterable[tuple[Path, int, str]],
                   prompts: Mapping[str, Iterable[str]]) -> Iterator[Problem]:
    known = {lang: set(names) for lang, names in prompts.items()}
    for path, number, text in uses:
        for name in _PROMPT_RE.findall(text):
            if "$" in name:
                continue
            if not _PROMPT_NAME_RE.fullmatch(name):
                yield Problem(path, number, f"bad prompt name helpline/{name}")
            for lang in sorted(known):
                if _PROMPT_NAME_RE.fullmatch(name) and name not in known[lang]:
                    yield Problem(path, number, f"prompt helpline/{name} is missing in language "
                                                f"{lang!r} (config/prompts/{lang}/*.txt)")


def _check_menus(dp: _Dialplan) -> Iterator[Problem]:
    for name in sorted({line.context for line in dp.lines if line.kind in _MENU_APPS}):
        ctx = dp.contexts[name]
        for special in ("i", "t"):
            if not _matches(dp, ctx, special):
                yield Problem(ctx.file, ctx.line, f"menu context {name} waits for digits but has no "
                                                  f"{special!r} extension")


def _check_structure(dp: _Dialplan, queue_lines: Iterable[tuple[Path, int, str]]) -> Iterator[Problem]:
    """Includes, patterns and queue contexts that exist; Return() only in subroutines."""
    for ctx in dp.contexts.values():
        yield from (Problem(ctx.file, n, f"include of unknown context {inc!r}")
                    for inc, n in ctx.includes if inc not in dp.contexts)
        yield from (Problem(ctx.file, ctx.line, f"malformed pattern {e!r} in {ctx.name}")
                    for e in ctx.extens if e.startswith("_") and _pattern_regex(e) is None)
    for path, number, text in queue_lines:
        key, _, value = text.partition("=")
        if key.strip() == "context" and value.strip() and value.strip() not in dp.contexts:
            yield Problem(path, number, f"queue context {value.strip()!r} is not in the dialplan")
    subroutines = set(dp.calls) | {split_args(value)[0].strip() for line in dp.lines
                                   for target, value in _assignments(line)
                                   if target.upper() == "CHANNEL(HANGUP_HANDLER_PUSH)"}
    for line in dp.lines:
        if line.kind == "return" and line.context not in subroutines:
            yield line.problem(f"Return() in {line.context}, which no Gosub calls")


class _Taint:
    """Which values a caller controls: sources, and variables they were copied into."""

    def __init__(self, dp: _Dialplan) -> None:
        self.names: set[str] = set()
        self.args: set[tuple[str, str]] = set()
        while True:  # propagate through Set/MSet/Read and Gosub arguments until stable
            before = (len(self.names), len(self.args))
            for line in dp.lines:
                if line.kind == "read":
                    self.names.add(_var_name(split_args(line.data)[0].strip()))
                self.names |= {_var_name(t) for t, v in _assignments(line) if self.find(v, line)}
            for context, sites in dp.calls.items():
                self.args |= {(context, f"ARG{i}") for site, args in sites
                              for i, value in enumerate(args, start=1) if self.find(value, site)}
            if (len(self.names), len(self.args)) == before:
                break

    def find(self, text: str, line: _Line) -> str | None:
        """The first caller-supplied ${...} in text that no FILTER() encloses."""
        for expr in _refs(text):
            name = _ref_name(expr)
            if name == "FILTER":
                continue
            if (name in _TAINTED_FUNCS and expr.startswith(name + "(")) or name in _TAINTED_VARS \
                    or (name == "EXTEN" and line.exten.startswith("_")) or name in self.names \
                    or (line.context, name) in self.args:
                return "${" + expr + "}"
            inner = self.find(expr, line)
            if inner:
                return inner
        return None


def _check_taint(dp: _Dialplan) -> Iterator[Problem]:
    taint = _Taint(dp)
    for line in dp.lines:
        found = taint.find(line.data, line) if line.kind in _SINK_APPS else None
        sink = line.app
        for target, value in _assignments(line):
            if not found and target.upper().startswith(("CALLERID(", "CONNECTEDLINE(")):
                found, sink = taint.find(value, line), f"Set({target})"
        for expr in _refs(line.data):
            if not found and _ref_name(expr) == "SHELL":
                found, sink = taint.find(expr, line), "SHELL()"
        if found:
            yield line.problem(f"caller-supplied {found} reaches {sink} without FILTER()")


def _load_prompts(root: Path | None) -> tuple[dict[str, set[str]], list[Problem]]:
    root = manifest.DEFAULT_ROOT if root is None else Path(root)
    try:
        return {lang: set(names) for lang, names in manifest.load_manifests(root).items()}, []
    except manifest.ManifestError as exc:
        problems = []
        for text in exc.problems:
            match = re.match(r"^(.*?):(\d+): (.*)$", text)
            problems.append(Problem(Path(match.group(1)), int(match.group(2)), match.group(3))
                            if match else Problem(root, 0, text))
        return {}, problems


def check_dialplan(directory: Path, *, agi_scripts: Sequence[str] = AGI_SCRIPTS,
                   prompts: Mapping[str, Iterable[str]] | None = None,
                   prompts_root: Path | None = None) -> list[Problem]:
    """Every problem in directory's extensions*.conf and queues*.conf, sorted by file and line.

    prompts maps language → prompt names; None reads the manifests under prompts_root
    (default config/prompts) with ivr.manifest.load_manifests.
    """
    directory = Path(directory)
    ext_files = sorted(directory.glob("extensions*.conf"))
    if not ext_files:
        return [Problem(directory, 0, "no extensions*.conf file")]
    problems: list[Problem] = []
    if prompts is None:
        prompts, manifest_problems = _load_prompts(prompts_root)
        problems += manifest_problems
    dp = _Dialplan()
    for path in ext_files:
        _parse_file(path, dp)
    queue_lines = [(path, number, _strip_comment(raw)) for path in sorted(directory.glob("queues*.conf"))
                   for number, raw in enumerate(_read_lines(path, dp.problems), start=1)]
    problems += dp.problems
    problems += _check_jumps(dp)  # first: records the Gosub call sites the others use
    problems += _check_agi(dp, agi_scripts)
    problems += _check_prompts([(ln.file, ln.line, ln.data) for ln in dp.lines] + queue_lines, prompts)
    problems += _check_menus(dp)
    problems += _check_structure(dp, queue_lines)
    problems += _check_taint(dp)
    return sorted(set(problems))


# ------------------------------------------------------------------------------ asterisklint

def run_asterisklint(directory: Path, *, asterisk_version: str = ASTERISK_VERSION) -> list[Problem]:
    """asterisklint's findings on directory's extensions*.conf; a crash is a problem too.

    A generated extensions.conf #includes the files: those without a section header (the
    globals) under [globals], the others after it, as dialplans/README.md installs them.
    """
    directory = Path(directory).resolve()
    files = sorted(directory.glob("extensions*.conf"))
    if not files:
        return [Problem(directory, 0, "no extensions*.conf file")]
    headerless = [f for f in files
                  if not re.search(r"^\s*\[", f.read_text(encoding="utf-8", errors="replace"), re.M)]
    with tempfile.TemporaryDirectory(prefix="helpline-lint-") as tmp:
        wrapper = Path(tmp) / "extensions.conf"
        lines = ["[general]", "static=yes", "writeprotect=yes", "clearglobalvars=no", "", "[globals]"]
        lines += [f'#include "{f}"' for f in headerless] + [""]
        lines += [f'#include "{f}"' for f in files if f not in headerless]
        wrapper.write_text("\n".join(lines) + "\n", encoding="utf-8")
        cmd = [sys.executable, "-c", _LINT_MAIN, "dialplan-check", "--asterisk-version", asterisk_version,
               "--func-odbc", "", str(wrapper)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp, timeout=LINT_TIMEOUT_S,
                                  env={**os.environ, "ALINT_IGNORE": "", "HOME": tmp}, check=False)
        except subprocess.TimeoutExpired:
            return [Problem(directory, 0, f"asterisklint did not finish in {LINT_TIMEOUT_S} s")]
        return _lint_problems(done.returncode, done.stdout + done.stderr, wrapper, directory)


def _lint_problems(returncode: int, output: str, wrapper: Path, directory: Path) -> list[Problem]:
    problems, other = [], []
    for text in output.splitlines():
        match = _LINT_LINE_RE.match(text)
        if match:
            path = directory if Path(match.group("file")) == wrapper else Path(match.group("file"))
            problems.append(Problem(path, int(match.group("line")),
                                    f"asterisklint {match.group('cls')}: {match.group('msg')}"))
        elif text.strip():
            other.append(text.strip())
    if "Traceback (most recent call last):" in output or (returncode != 0 and not problems):
        problems.append(Problem(directory, 0, "asterisklint crashed: "
                                + (other[-1] if other else f"exit status {returncode}")))
    return problems
