"""Sans-I/O FastAGI: bytes from Asterisk in, events out; commands formatted as bytes.

Asterisk sends `agi_name: value` lines and a blank line (the environment), then one reply per
command (`200 result=N [(data)] [endpos=N]`, `510 …`, `511 …`, or a `520-…` block ending with
`520 End of proper usage.`), and an unsolicited `HANGUP` line when the channel hangs up or the
server closes. Lines end in `\\n`. Nothing here does I/O, so the parser is fed any split of the
byte stream and yields the same events.
"""
from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

from ivr.fastagi.errors import ProtocolError, UnsafeArgument

MAX_LINE = 8192
MAX_ENV_LINES = 256
MAX_ENV_BYTES = 65536
MAX_BLOCK_LINES = 256
_MAX_ENDPOS_DIGITS = 19  # a sample offset fits in 64 bits

_ENV_KEY = re.compile(r"agi_[A-Za-z0-9_]+\Z")
_ARG_KEY = re.compile(r"agi_arg_([0-9]{1,4})\Z")
_CODE_LINE = re.compile(rb"([0-9]{3})([ -])")
_RESULT = re.compile(r"result=(\S*)(?: \((.*)\))?(?: endpos=(-?[0-9]+))?", re.S)
_VERB = re.compile(r"[A-Z]+(?: [A-Z]+)*\Z")
_BARE = re.compile(r"[^\s\"\\\x00]+\Z")
# A whole environment (no CR) in one findall: each match is a whole line (anchored at its
# start, running to its end), so as many matches as lines means every line is a pair.
_ENV_LINES = re.compile(r"^(agi_[A-Za-z0-9_]+): ?([^\n]*)$", re.M)
# The same lines as a check only (no tuple or string per line): a whole block, every line a pair.
_ENV_BLOCK = re.compile(r"(?:agi_[A-Za-z0-9_]+:[^\n]*\n)*agi_[A-Za-z0-9_]+:[^\n]*")
_NEEDLES: dict[str, str] = {}  # Environment.get: `\nname:` per name read
# Replies are few and repeat (`200 result=1`, `200 result=0 endpos=…`): Reply is immutable, so
# short `200` lines map to one shared Reply each (bounded; cleared when full). Keyed by the line
# with its LF, so a read that is exactly one such line is looked up as it is.
_REPLY_CACHE: dict[bytes, Reply] = {}
_REPLY_CACHE_SIZE = 1024
_REPLY_CACHE_LINE = 80
_VERBS_SEEN: set[str] = set()
# Flows send the same few command lines over and over (their prompts, their HELPLINE_*
# decisions): formatted lines of str/int arguments are kept, bounded like the reply cache.
_COMMAND_CACHE: dict[tuple[str, tuple[str | int, ...]], bytes] = {}
_COMMAND_CACHE_SIZE = 1024
_COMMAND_CACHE_LINE = 120


class Environment:
    """The `agi_*` lines sent at the start of a session; `args` from `agi_arg_1..N` in order.

    `values` is the whole environment as a dict. Read from one block (the usual case: the
    environment arrives in one read), it is built on first use only: `get(name)` finds one
    value in the block's text, and a session reads four or five of the ~22 names, so most
    sessions never build the dict (about 7 µs of the environment's 11 µs).
    """

    __slots__ = ("_values", "_text", "args")

    def __init__(self, values: dict[str, str] | None = None, args: list[str] | None = None,
                 *, text: str = "") -> None:
        self._values = values
        self._text = "" if values is not None else "\n" + text + "\n"  # every line bracketed
        self.args: list[str] = [] if args is None else args

    @property
    def values(self) -> dict[str, str]:
        values = self._values
        if values is None:
            values = self._values = dict(_ENV_LINES.findall(self._text[1:-1]))
        return values

    def get(self, name: str, default: str = "") -> str:
        """The value of `name` (its last line, as in `values`), or `default`."""
        values = self._values
        if values is not None:
            return values.get(name, default)
        text = self._text
        needle = _NEEDLES.get(name)
        if needle is None:
            needle = "\n" + name + ":"
            if len(_NEEDLES) < 256:
                _NEEDLES[name] = needle
        start = text.rfind(needle)
        if start < 0:
            return default
        start += len(needle)
        if text.startswith(" ", start):
            start += 1
        return text[start:text.index("\n", start)]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Environment):
            return NotImplemented
        return self.values == other.values and self.args == other.args

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Environment(values={self.values!r}, args={self.args!r})"


@dataclass(frozen=True, slots=True)
class Reply:
    """One reply. `text` is the reply exactly as received (a 520 block's lines joined by \\n)."""

    code: int
    result: str
    data: str | None
    endpos: int | None
    text: str

    @property
    def usage(self) -> str:
        """The usage text of a 520 block (the lines between its first and last line)."""
        return "\n".join(self.text.split("\n")[1:-1])

    def result_int(self) -> int:
        try:
            return int(self.result)
        except ValueError:
            raise ProtocolError(f"non-numeric result in reply {self.text[:80]!r}", self) from None


@dataclass(frozen=True, slots=True)
class HangupNotice:
    """The unsolicited `HANGUP` line: the channel hung up, or the session is ending."""


HANGUP = HangupNotice()
Event = Environment | Reply | HangupNotice


class AgiParser:
    """Feed bytes with `receive_data`, take events with `next_event` / `events_received`.

    Any violation (a line over `max_line` bytes, an environment over its limits, a line that
    is not FastAGI) raises ProtocolError, and the parser stays failed.
    """

    def __init__(
        self,
        *,
        max_line: int = MAX_LINE,
        max_env_lines: int = MAX_ENV_LINES,
        max_env_bytes: int = MAX_ENV_BYTES,
        max_block_lines: int = MAX_BLOCK_LINES,
    ) -> None:
        self._max_line = max_line
        self._max_env_lines = max_env_lines
        self._max_env_bytes = max_env_bytes
        self._max_block_lines = max_block_lines
        self._buffer = bytearray()
        # Parsed, not yet taken (oldest first); a reader may pop from it directly.
        self.events: deque[Event] = deque()
        self._env: dict[str, str] | None = {}
        self._env_lines = 0
        self._env_bytes = 0
        self._block: list[str] | None = None
        self._error: ProtocolError | None = None
        self._eof = False

    @property
    def environment_received(self) -> bool:
        return self._env is None

    def receive_data(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        if self._eof:
            raise self._fail(ProtocolError("data after end of stream"))
        buf = self._buffer
        limit = self._max_line
        if not buf:
            # The usual reads, nothing buffered: the whole environment, or one whole reply
            # line. Parsed from `data` itself, without the buffer's copies.
            try:
                if self._env is None:
                    if self._block is None:
                        reply = _REPLY_CACHE.get(data)  # the commonest read of all
                        if reply is not None:
                            self.events.append(reply)
                            return
                    if data.find(b"\n") == len(data) - 1 and 0 < len(data) <= limit + 1:
                        self._line(data[:-1])
                        return
                elif not self._env_lines and not data.startswith(b"\n"):
                    end = data.find(b"\n\n")
                    if 0 < end == len(data) - 2 and data.find(b"\r", 0, end) < 0:
                        self._env_block(data[:end])
                        return
            except ProtocolError as exc:
                raise self._fail(exc) from None
        buf += data
        start = 0
        try:
            if self._env is not None and not self._env_lines and not buf.startswith(b"\n"):
                end = buf.find(b"\n\n")
                if end >= 0 and buf.find(b"\r", 0, end) < 0:
                    self._env_block(bytes(buf[:end]))
                    start = end + 2
            while True:
                end = buf.find(b"\n", start)
                if end < 0:
                    break
                if end - start > limit:
                    raise ProtocolError(f"line longer than {limit} bytes")
                line = bytes(buf[start:end])
                start = end + 1
                self._line(line)
            if len(buf) - start > limit:
                raise ProtocolError(f"line longer than {limit} bytes")
        except ProtocolError as exc:
            raise self._fail(exc) from None
        finally:
            del buf[:start]

    def receive_eof(self) -> None:
        """The peer closed; raises ProtocolError if it stopped in the middle of something."""
        if self._error is not None:
            raise self._error
        self._eof = True
        if self._buffer:
            raise self._fail(ProtocolError("stream ended inside a line"))
        if self._env is not None and self._env_lines:
            raise self._fail(ProtocolError("stream ended inside the environment"))
        if self._block is not None:
            raise self._fail(ProtocolError("stream ended inside a 520 usage block"))

    @property
    def queued(self) -> int:
        """Events parsed and not yet taken."""
        return len(self.events)

    def next_event(self) -> Event | None:
        return self.events.popleft() if self.events else None

    def events_received(self) -> list[Event]:
        events = list(self.events)
        self.events.clear()
        return events

    def _fail(self, exc: ProtocolError) -> ProtocolError:
        self._error = exc
        self._buffer.clear()
        return exc

    def _line(self, raw: bytes) -> None:
        received = len(raw) + 1  # with its LF (and CR, if any)
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if self._env is not None:
            self._env_line(raw, received)
        elif self._block is not None:
            self._block_line(raw)
        elif raw.startswith(b"200 result="):
            key = raw + b"\n"
            reply = _REPLY_CACHE.get(key)
            if reply is None:
                reply = _reply(200, raw.decode("utf-8", "replace"))
                if len(raw) <= _REPLY_CACHE_LINE:
                    if len(_REPLY_CACHE) >= _REPLY_CACHE_SIZE:
                        _REPLY_CACHE.clear()
                    _REPLY_CACHE[key] = reply
            self.events.append(reply)
        elif raw == b"HANGUP":
            self.events.append(HANGUP)
        else:
            match = _CODE_LINE.match(raw)
            if match is None:
                raise ProtocolError(f"not a FastAGI reply: {_show(raw)}")
            text = raw.decode("utf-8", "replace")
            if match.group(2) == b"-":
                self._block = [text]
            else:
                self.events.append(_reply(int(match.group(1)), text))

    def _env_line(self, raw: bytes, received: int) -> None:
        # The limit counts every byte of the environment as received: CR, LF, the blank line.
        self._env_bytes += received
        if self._env_bytes > self._max_env_bytes:
            raise ProtocolError("environment too large")
        if not raw:
            self._env_done()
            return
        self._env_lines += 1
        if self._env_lines > self._max_env_lines:
            raise ProtocolError("environment too large")
        self._env_pair(raw.decode("utf-8", "replace"))

    def _env_block(self, raw: bytes) -> None:
        """The whole environment at once (it usually arrives in one read): same checks."""
        if len(raw) + 2 > self._max_env_bytes:
            raise ProtocolError("environment too large")
        if len(raw) > self._max_line and any(len(x) > self._max_line for x in raw.split(b"\n")):
            raise ProtocolError(f"line longer than {self._max_line} bytes")
        text = raw.decode("utf-8", "replace")
        if text.count("\n") >= self._max_env_lines:
            raise ProtocolError("environment too large")
        if _ENV_BLOCK.fullmatch(text) is None:
            for line in text.split("\n"):
                self._env_pair(line)  # raises for the first bad line
        self._env = None
        env = Environment(text=text)
        if "agi_arg_" in text:
            env.args = _args(env.values)
        self.events.append(env)

    def _env_pair(self, line: str) -> None:
        key, sep, value = line.partition(":")
        if not sep or not _ENV_KEY.match(key):
            raise ProtocolError(f"not an agi_* environment line: {line[:60]!r}")
        assert self._env is not None
        self._env[key] = value[1:] if value.startswith(" ") else value

    def _env_done(self) -> None:
        """The environment read line by line is complete."""
        env = self._env
        if not env:
            raise ProtocolError("empty environment")
        self._env = None
        self.events.append(Environment(env, _args(env)))

    def _block_line(self, raw: bytes) -> None:
        block = self._block
        assert block is not None
        text = raw.decode("utf-8", "replace")
        block.append(text)
        if len(block) > self._max_block_lines:
            raise ProtocolError("520 usage block too long")
        match = _CODE_LINE.match(raw)
        if match is not None and match.group(2) == b" ":
            self._block = None
            self.events.append(Reply(int(block[0][:3]), "", None, None, "\n".join(block)))


def _reply(code: int, text: str) -> Reply:
    rest = text[4:]
    if not rest.startswith("result="):
        return Reply(code, "", None, None, text)
    match = _RESULT.match(rest)
    assert match is not None  # `result=` followed by anything matches
    endpos = match.group(3)
    if endpos and len(endpos) > _MAX_ENDPOS_DIGITS:
        raise ProtocolError(f"endpos out of range in reply {text[:60]!r}")
    return Reply(code, match.group(1), match.group(2), int(endpos) if endpos else None, text)


def _args(env: dict[str, str]) -> list[str]:
    numbered: list[tuple[int, str]] = []
    for key, value in env.items():
        if key.startswith("agi_arg_") and (match := _ARG_KEY.match(key)):
            numbered.append((int(match.group(1)), value))
    return [value for _, value in sorted(numbered)]


def _show(raw: bytes) -> str:
    return repr(raw[:60]) + ("…" if len(raw) > 60 else "")


def quote(arg: str) -> str:
    """One argument as Asterisk's parser reads it back: bare if plain, else `"…"` escaped."""
    # Printable with no space, quote or backslash: bare (what _BARE says, without the regex).
    if arg.isprintable() and arg and " " not in arg and '"' not in arg and "\\" not in arg:
        return arg
    if _BARE.match(arg):
        return arg
    if "\n" in arg or "\r" in arg or "\0" in arg:
        raise UnsafeArgument("AGI arguments cannot contain newlines, carriage returns or NUL")
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_command(verb: str, *args: str | int) -> bytes:
    """`format_command("SET VARIABLE", "X", "a b")` → b'SET VARIABLE X "a b"\\n'."""
    key = (verb, args)
    cacheable = True
    for arg in args:  # exact str and int only: True == 1, and an enum equals its value
        if type(arg) is not str and type(arg) is not int:
            cacheable = False
            break
    else:
        line = _COMMAND_CACHE.get(key)
        if line is not None:
            return line
    if verb not in _VERBS_SEEN:
        if not _VERB.match(verb):
            raise UnsafeArgument(f"not an AGI command verb: {verb[:40]!r}")
        if len(_VERBS_SEEN) < 256:
            _VERBS_SEEN.add(verb)
    if not args:
        line = (verb + "\n").encode()
    else:
        line = (verb + " " + " ".join([quote(str(arg)) for arg in args]) + "\n").encode()
    if cacheable and len(line) <= _COMMAND_CACHE_LINE:
        if len(_COMMAND_CACHE) >= _COMMAND_CACHE_SIZE:
            _COMMAND_CACHE.clear()
        _COMMAND_CACHE[key] = line
    return line
