"""How cti.events builds its typed events: getters, and two generated builders per event.

A getter is an expression over `h`, the message's headers by name (`h.get('X')`, `h['X']`,
`h.get('X', default)`), kept as text (`expr`) and also callable. `@_event` turns the getters
of one class into:

- `build(h, now)`: the event from a headers dict (`AmiMessage.headers()`): the reference, and
  the path for messages without the framer's text;
- `build_raw(raw, now)`: the same event read in place from the framer's text, one `find` per
  header it reads, without splitting every header into a dict (a kept event has ~20 headers
  and reads ~8). A header `X` is the first line starting `X:`; when that line is `X: value`
  the value is the rest of the line, exactly what the split gives (a name holds no colon, so
  its first `: ` is right after it). Any other shape (`X:value`, `X:y: z`) raises `Slow`
  and `from_ami` builds from the dict instead. Values are read before any conversion, and
  conversions run in field order, so a bad value raises the same error as the dict path.

Both make the event with `common.frozen.maker(cls)` (plain slot stores instead of the frozen
`__init__`'s `object.__setattr__` per field).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from common.frozen import maker

Getter = Callable[[dict[str, str]], object]
Builder = Callable[[dict[str, str], float], object]
RawBuilder = Callable[[str, float], object]

_ACCESS = re.compile(r"h\.get\('([^']+)'(?:, ([^()]*?))?\)|h\['([^']+)'\]")


class Slow(Exception):
    """The text has a header line of an unusual shape: build from the headers dict."""


def _missing(name: str) -> str:
    raise KeyError(name)


def _peek(raw: str, needle: str) -> str | None:
    """The value of the first line starting `needle` (`\\r\\nName:`); `raw` ends with CRLF."""
    i = raw.find(needle)
    if i < 0:
        return None
    i += len(needle)
    if raw[i] != " ":
        raise Slow
    return raw[i + 1:raw.find("\r\n", i)]


def hms(value: str | None) -> int:
    """`1:02:03` (or `62`) as seconds."""
    total = 0
    for part in (value or "0").split(":"):
        total = total * 60 + int(part)
    return total


def getter(code: str) -> Getter:
    """The getter `lambda h: <code>`; `{v}` in `code` is a local name."""
    get: Any = eval(f"lambda h: {code.replace('{v}', 'v')}", {"hms": hms})  # noqa: S307 - our own text
    get.expr = code
    return get  # type: ignore[no-any-return]


def named(expr: str, name: str) -> Getter:
    return getter(expr.replace("NAME", repr(name)))


def dict_builder(cls: type, getters: Sequence[Getter]) -> Builder:
    """`build(h, now)`: `cls(ts, *[get(h) for get in getters])` as one function."""
    args = [get.expr.replace("{v}", f"v{i}") for i, get in enumerate(getters)]  # type: ignore[attr-defined]
    source = ("def build(h, now):\n"
              "    stamp = h.get('Timestamp')\n"
              f"    return cls(float(stamp) if stamp else now, {', '.join(args)})\n")
    names: dict[str, object] = {"cls": maker(cls), "hms": hms}
    exec(compile(source, f"<cti.events builder of {cls.__name__}>", "exec"), names)
    return names["build"]  # type: ignore[return-value]


def raw_builder(cls: type, getters: Sequence[Getter]) -> RawBuilder:
    """`build_raw(raw, now)`: the same event from the framer's text of an `Event:` message.

    The first header each getter reads is read up front (one `find` each, inlined); a header
    read only as a fallback (`h.get('Linkedid') or h.get('DestLinkedid')…`) is read when the
    expression reaches it.
    """
    exprs = ["h.get('Timestamp')", *(get.expr for get in getters)]  # type: ignore[attr-defined]
    variables: dict[str, str] = {}
    eager: list[str] = []
    for expr in exprs:
        for k, match in enumerate(_ACCESS.finditer(expr)):
            name = match.group(1) or match.group(3)
            if name == "Event" or not re.fullmatch(r"[A-Za-z0-9_\-]+", name):
                raise ValueError(f"{cls.__name__}: header {name!r} cannot be read in place")
            if name not in variables:
                variables[name] = f"r{len(variables)}"
            if k == 0 and name not in eager:
                eager.append(name)

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        needle = "\r\n" + name + ":"
        read = variables[name] if name in eager else f"_peek(raw, {needle!r})"
        if match.group(3) is not None:
            return f"({read} if ({read}) is not None else _missing({name!r}))" if name in eager \
                else f"(_x if (_x := {read}) is not None else _missing({name!r}))"
        if match.group(2) is not None:
            return f"({read} if ({read}) is not None else {match.group(2)})" if name in eager \
                else f"(_x if (_x := {read}) is not None else {match.group(2)})"
        return read

    lines = ["def build_raw(raw, now):", "    raw += '\\r\\n'", "    find = raw.find"]
    for name in eager:
        needle = "\r\n" + name + ":"
        var = variables[name]
        lines += [f"    i = find({needle!r}) + {len(needle)}",
                  f"    if i == {len(needle) - 1}:",
                  f"        {var} = None",
                  "    elif raw[i] == ' ':",
                  f"        {var} = raw[i + 1:find('\\r\\n', i)]",
                  "    else:",
                  "        raise Slow"]
    args = [_ACCESS.sub(value, expr).replace("{v}", f"v{i}") for i, expr in enumerate(exprs[1:])]
    stamp = _ACCESS.sub(value, exprs[0])
    lines.append(f"    return cls(float({stamp}) if {stamp} else now, {', '.join(args)})")
    names: dict[str, object] = {"cls": maker(cls), "hms": hms, "Slow": Slow, "_peek": _peek,
                                "_missing": _missing}
    exec(compile("\n".join(lines) + "\n", f"<cti.events raw builder of {cls.__name__}>", "exec"), names)
    return names["build_raw"]  # type: ignore[return-value]
