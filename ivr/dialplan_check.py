"""Static checks of Helpline's Asterisk files (`helpline dialplan check [DIR]`).

`check_dialplan` parses a directory's `extensions*.conf` and `queues*.conf` and finds what
Asterisk would only find during a call: jump targets that do not exist, FastAGI scripts and
prompts outside the dialplan ↔ application contract, menus without `i`/`t`, caller-supplied
values reaching Dial/System/Originate/CALLERID without FILTER(), Return() outside subroutines.
`run_asterisklint` runs asterisklint (asterisklint-jjs) on the same files. Both return
problems; an empty list means the directory is fine.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from ivr import manifest
from ivr.dialplan_lint import asterisklint_installed, run_asterisklint
from ivr.dialplan_parse import (
    _AGI_URL_RE, _PROMPT_NAME_RE, _PROMPT_RE, Problem, _Context, _Dialplan, _Line,
    _matches, _parse_file, _read_lines, _ref_name, _refs, _strip_comment, _jump_targets, _assignments,
    _var_name, _pattern_regex, split_args,
)
from ivr.scripts import AGI_SCRIPTS

__all__ = ["Problem", "asterisklint_installed", "check_dialplan", "run_asterisklint"]

# Values a status variable takes when a dialplan dispatches on it (Asterisk 20/22 docs).
STATUS_VALUES = {
    "QUEUESTATUS": ("TIMEOUT", "FULL", "JOINEMPTY", "LEAVEEMPTY", "JOINUNAVAIL", "LEAVEUNAVAIL",
                    "CONTINUE", "WITHDRAW"),
    "DIALSTATUS": ("ANSWER", "BUSY", "NOANSWER", "CANCEL", "CONGESTION", "CHANUNAVAIL", "DONTCALL",
                   "TORTURE", "INVALIDARGS"),
}
_MENU_APPS = {"background", "waitexten"}
_SINK_APPS = {"dial", "system", "trysystem", "originate"}
_TAINTED_FUNCS = {"CALLERID", "CONNECTEDLINE", "REDIRECTING", "PJSIP_HEADER", "SIP_HEADER"}
_TAINTED_VARS = {"CALLERIDNUM", "CALLERIDNAME", "INVALID_EXTEN"}


# Dial()/Queue() options that run a subroutine on a channel (predial handlers: b on each new
# callee channel, B on the caller's), and the argument that holds the options.
_PREDIAL_OPTIONS_ARG = {"dial": 2, "queue": 1}
_PREDIAL_RE = re.compile(r"[bB]\(([^()^]+)\^([^()^]+)\^([^()^]+?)(?:\(([^()]*)\))?\)")


def _predial_targets(line: _Line) -> Iterator[tuple[str, str, str, list[str]]]:
    """(context, exten, priority, arguments) of the predial handlers in a Dial/Queue's options."""
    args = split_args(line.data)
    at = _PREDIAL_OPTIONS_ARG.get(line.kind)
    if at is None or len(args) <= at:
        return
    for match in _PREDIAL_RE.finditer(args[at]):
        context, exten, prio, params = (g.strip() if g else "" for g in match.groups())
        yield context, exten, prio, split_args(params, "^") if params else []


def _check_jumps(dp: _Dialplan) -> Iterator[Problem]:
    """Every Goto/GotoIf/Gosub/GosubIf destination (and Dial/Queue predial handler) exists;
    records Gosub call sites (a predial handler is one: it ends with Return())."""
    for line in dp.lines:
        if line.kind in _PREDIAL_OPTIONS_ARG:
            targets = list(_predial_targets(line))
            kind = "gosub"
        elif line.kind in ("goto", "gotoif", "gosub", "gosubif"):
            targets = list(_jump_targets(line))
            kind = line.kind
        else:
            continue
        for context, exten, prio, args in targets:
            if kind.startswith("gosub"):
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
