"""A fake Asterisk for FastAGI tests, faithful to the captures in asterisk-traces/agi/.

It connects to the server over a real TCP socket as Asterisk does, sends an `agi_*`
environment shaped exactly like `agi/caller-lookup.raw` (same keys, same order, `agi_arg_N`
last), answers each command the way Asterisk 22 answered it in the captures, and records
everything::

    async with FakeAgiPeer("127.0.0.1", server.port) as peer:
        call = await peer.call(
            "complaint-status",
            caller="919800000007",
            variables={"HELPLINE_CALLER_KNOWN": "1"},
            digits=["25110004271"],        # answers to GET DATA / WAIT FOR DIGIT, in order
        )
    assert call.verbs[:3] == ["ANSWER", "STREAM FILE", "GET DATA"]
    assert call.variables["HELPLINE_COMPLAINT_NO"] == "25110004271"

How it answers (see `AsteriskSim`): ANSWER/NOOP/SAY */SET CONTEXT… `200 result=0`;
STREAM FILE `200 result=0 endpos=N` (`200 result=-1 endpos=0` for `missing_files`);
GET DATA from `digits`: "123" → `200 result=123`, "123#" → `200 result=123`,
`TimedOut("12")` → `200 result=12 (timeout)`, None / exhausted → `200 result= (timeout)`;
WAIT FOR DIGIT the first digit's ASCII code, or 0; GET VARIABLE from `variables` (plus
CHANNEL(language), CALLERID(num), CALLERID(name), UNIQUEID from the environment)
`200 result=1 (value)` or `200 result=0`; SET VARIABLE stores it (`200 result=1`); VERBOSE
`200 result=1`; EXEC `200 result=0` (`-2` for `missing_apps`); HANGUP `200 result=1` then
`HANGUP`; unknown commands `510 Invalid or unknown command`; wrong argument counts the
multi-line `520-…` usage block. Arguments are split with Asterisk's own quoting rules.

Hang-ups: `hangup_at` (a 0-based command index, or a verb such as "GET DATA") makes the
caller hang up during that command: `200 result=-1`, then `HANGUP`; afterwards commands that
need the channel get `511 …dead channel…`, while GET/SET VARIABLE, VERBOSE and NOOP still
answer 200. With `exit_on_hangup=True` (AGIEXITONHANGUP) it sends `HANGUP` twice and closes.
`hangup_after_env=True` hangs up before the first command. When the server closes, the peer
sends the end-of-session `HANGUP` and closes, as Asterisk does.

`replies=[…]` (each a line, or a list of lines) answers the first commands verbatim;
`handler(command_line)` may answer any command (return None to let the simulator answer;
return [] to never answer). `hangup_delay` sends the HANGUP line that long after the -1,
`trickle=True` writes every reply byte by byte. `raw(data)` sends arbitrary bytes and
returns what the server sent back.

The returned `AgiCall` holds `commands` (lines the server sent), `verbs`, `variables` (what
the server SET), `verbose`, `prompts`, `said`, `goto`, `failed` (sent to the failure
context), `hung_up`, `closed_by` and `transcript` in the captures' (A|S|#, line) format.
"""
from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType

DEAD_CHANNEL = "511 Command Not Permitted on a dead channel or intercept routine"
INVALID = "510 Invalid or unknown command"
USAGE_FIRST = "520-Invalid command syntax.  Proper usage follows:"
USAGE_LAST = "520 End of proper usage."
USAGE = {
    "GET DATA": (
        "Stream the given <replaceable>file</replaceable>, and receive DTMF data.\n"
        "Returns the digits received from the channel at the other end."
    ),
    "SAY NUMBER": (
        "Say a given number, returning early if any of the given DTMF digits are received on "
        "the channel.  Returns <literal>0</literal> if playback completes without a digit being "
        "pressed, or the ASCII numerical value of the digit if one was pressed or "
        "<literal>-1</literal> on error/hangup."
    ),
}
# agi/caller-lookup.raw, in order; agi_network_script and agi_request are filled per call.
DEFAULT_ENV: tuple[tuple[str, str], ...] = (
    ("agi_network", "yes"), ("agi_network_script", ""), ("agi_request", ""),
    ("agi_channel", "PJSIP/sipp-trunk-00000000"), ("agi_language", "hi"), ("agi_type", "PJSIP"),
    ("agi_uniqueid", "1795362053.0"), ("agi_version", "22.10.1"),
    ("agi_callerid", "919812345678"), ("agi_calleridname", "unknown"),
    ("agi_callingpres", "0"), ("agi_callingani2", "0"), ("agi_callington", "0"),
    ("agi_callingtns", "0"), ("agi_dnid", "1076"), ("agi_rdnis", "unknown"),
    ("agi_context", "helpline-inbound"), ("agi_extension", "1076"), ("agi_priority", "5"),
    ("agi_enhanced", "0.0"), ("agi_accountcode", ""), ("agi_threadid", "139869460448960"),
)
# STREAM FILE's endpos (samples played) for the prompts seen in the captures
ENDPOS = {"vm-enter-num-to-call": 16184, "if-correct-press": 15727}
ENDPOS_DEFAULT = 16000
# (words, min argc, max argc, works on a dead channel) as in res_agi.c
COMMANDS: dict[str, tuple[int, int, bool]] = {
    "ANSWER": (1, 1, False), "CHANNEL STATUS": (2, 3, False), "EXEC": (2, 99, True),
    "GET DATA": (3, 5, False), "GET FULL VARIABLE": (4, 5, True), "GET VARIABLE": (3, 3, True),
    "HANGUP": (1, 2, False), "NOOP": (1, 99, True), "SAY DIGITS": (4, 4, False),
    "SAY NUMBER": (4, 5, False), "SET CONTEXT": (3, 3, False), "SET EXTENSION": (3, 3, False),
    "SET PRIORITY": (3, 3, False), "SET VARIABLE": (4, 4, True), "STREAM FILE": (4, 5, False),
    "VERBOSE": (2, 3, True), "WAIT FOR DIGIT": (4, 4, False),
}


@dataclass(frozen=True)
class TimedOut:
    """A GET DATA answer where the caller typed `digits` and then stopped."""

    digits: str = ""


Digits = str | TimedOut | None
ReplyLines = str | Sequence[str]


def asterisk_args(line: str) -> list[str]:
    """Split a command line exactly as res_agi's parse_args() does (quotes, backslashes)."""
    args: list[str] = []
    cur: list[str] | None = None
    quoted = escaped = False
    for ch in line:
        if ch == '"' and not escaped:
            quoted = not quoted
            if quoted and cur is None:
                cur = []
                args.append("")
            continue
        if ch in " \t" and not quoted and not escaped:
            if cur is not None:
                args[-1] = "".join(cur)
            cur = None
            continue
        if ch == "\\" and not escaped:
            escaped = True
            continue
        if cur is None:
            cur = []
            args.append("")
        cur.append(ch)
        escaped = False
    if cur is not None:
        args[-1] = "".join(cur)
    return args


def environment_lines(values: Mapping[str, str]) -> list[str]:
    """The environment as Asterisk writes it: `name: value` lines, then a blank line."""
    return [f"{key}: {value}" for key, value in values.items()] + [""]


def command_verb(args: Sequence[str]) -> tuple[str, int]:
    """The known command the arguments start with (upper case) and its word count."""
    for n in (3, 2, 1):
        verb = " ".join(args[:n]).upper()
        if len(args) >= n and verb in COMMANDS:
            return verb, n
    return (" ".join(args[:1]).upper(), 0)


@dataclass
class AgiCall:
    """Everything one fake call saw. `transcript` uses the captures' (A|S|#, line) format."""

    script: str
    env: dict[str, str]
    commands: list[str] = field(default_factory=list)
    replies: list[list[str]] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    channel_variables: dict[str, str] = field(default_factory=dict)
    verbose: list[str] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)
    said: list[tuple[str, str]] = field(default_factory=list)
    context: str | None = None
    extension: str | None = None
    priority: str | None = None
    hung_up: bool = False
    closed_by: str = ""
    transcript: list[tuple[str, str]] = field(default_factory=list)
    duration: float = 0.0

    @property
    def verbs(self) -> list[str]:
        return [command_verb(asterisk_args(c))[0] for c in self.commands]

    @property
    def goto(self) -> tuple[str | None, str | None, str | None]:
        return (self.context, self.extension, self.priority)

    @property
    def failed(self) -> bool:
        """The server sent the call to its failure context."""
        return self.variables.get("HELPLINE_AGI_FAILED") == "1"

    def protocol_lines(self) -> list[tuple[str, str]]:
        """The transcript without notes, to compare with a capture's A/S lines."""
        return [entry for entry in self.transcript if entry[0] != "#"]


@dataclass
class Answer:
    lines: list[str]
    hangup: bool = False  # send the HANGUP notice after the reply
    close: bool = False  # AGIEXITONHANGUP: a second HANGUP, then close


class AsteriskSim:
    """Answers command lines the way Asterisk 22 did in the captures; records into `call`."""

    def __init__(
        self,
        call: AgiCall,
        *,
        variables: Mapping[str, str],
        digits: Sequence[Digits],
        hangup_at: int | str | None,
        exit_on_hangup: bool,
        missing_files: Collection[str],
        missing_apps: Collection[str],
    ) -> None:
        env = call.env
        self.call = call
        self.vars: dict[str, str] = {
            "CHANNEL(language)": env.get("agi_language", ""),
            "CALLERID(num)": env.get("agi_callerid", ""),
            "CALLERID(name)": env.get("agi_calleridname", ""),
            "UNIQUEID": env.get("agi_uniqueid", ""),
            **variables,
        }
        call.channel_variables = self.vars
        self.digits = list(digits)
        self.hangup_at = hangup_at.upper() if isinstance(hangup_at, str) else hangup_at
        self.exit_on_hangup = exit_on_hangup
        self.missing_files = set(missing_files)
        self.missing_apps = set(missing_apps)
        self.index = -1

    def answer(self, line: str) -> Answer:
        self.index += 1
        args = asterisk_args(line)
        verb, words = command_verb(args)
        spec = COMMANDS.get(verb) if words else None
        if spec is None:
            return Answer([INVALID])
        low, high, dead_ok = spec
        if not low <= len(args) <= high:
            return Answer([USAGE_FIRST, *USAGE.get(verb, f"Usage: {verb}").split("\n"), USAGE_LAST])
        if self.call.hung_up and (verb == "EXEC" or not dead_ok):
            return Answer(["200 result=-1"] if verb == "EXEC" else [DEAD_CHANNEL])
        if self._hangs_up_now(verb):
            self.call.hung_up = True
            if dead_ok and verb != "EXEC":  # EXEC runs on a dead channel, but its app fails
                return Answer([self._run(verb, args)], hangup=True)
            return Answer(["200 result=-1"], hangup=True, close=self.exit_on_hangup)
        reply = self._run(verb, args)
        if verb == "HANGUP":
            self.call.hung_up = True
            return Answer([reply], hangup=True, close=self.exit_on_hangup)
        return Answer([reply])

    def _hangs_up_now(self, verb: str) -> bool:
        if self.call.hung_up or self.hangup_at is None:
            return False
        if isinstance(self.hangup_at, int):
            return self.index == self.hangup_at
        return verb.startswith(self.hangup_at)

    def _next_digits(self) -> Digits:
        return self.digits.pop(0) if self.digits else None

    def _run(self, verb: str, args: list[str]) -> str:
        call = self.call
        if verb == "STREAM FILE":
            call.prompts.append(args[2])
            if args[2] in self.missing_files:
                return "200 result=-1 endpos=0"
            return f"200 result=0 endpos={ENDPOS.get(args[2], ENDPOS_DEFAULT)}"
        if verb == "GET DATA":
            call.prompts.append(args[2])
            return self._get_data(int(args[4]) if len(args) > 4 else 1024)
        if verb == "WAIT FOR DIGIT":
            entry = self._next_digits()
            typed = entry.digits if isinstance(entry, TimedOut) else entry
            return f"200 result={ord(typed[0]) if typed else 0}"
        if verb in ("SAY DIGITS", "SAY NUMBER"):
            call.said.append((verb.split()[1], args[2]))
            return "200 result=0"
        if verb == "GET VARIABLE":
            value = self.vars.get(args[2])
            return "200 result=0" if value is None else f"200 result=1 ({value})"
        if verb == "GET FULL VARIABLE":
            expanded = re.sub(r"\$\{([^}]*)\}", lambda m: self.vars.get(m.group(1), ""), args[3])
            return f"200 result=1 ({expanded})"
        if verb == "SET VARIABLE":
            self.vars[args[2]] = args[3]
            call.variables[args[2]] = args[3]
            return "200 result=1"
        if verb == "VERBOSE":
            call.verbose.append(args[1])
            return "200 result=1"
        if verb == "EXEC":
            if args[1] in self.missing_apps:
                return "200 result=-2"
            if args[1].lower() in ("playback", "background") and len(args) > 2:
                call.prompts.extend(args[2].split(",")[0].split("&"))
            return "200 result=0"
        if verb == "SET CONTEXT":
            call.context = args[2]
        elif verb == "SET EXTENSION":
            call.extension = args[2]
        elif verb == "SET PRIORITY":
            call.priority = args[2]
        elif verb == "HANGUP":
            return "200 result=1"
        elif verb == "CHANNEL STATUS":
            return "200 result=6"
        return "200 result=0"

    def _get_data(self, max_digits: int) -> str:
        entry = self._next_digits()
        if entry is None or isinstance(entry, TimedOut):
            typed = entry.digits if entry else ""
            return f"200 result={typed[:max_digits]} (timeout)"
        typed = entry.split("#", 1)[0]
        if not typed and "#" not in entry:
            return "200 result= (timeout)"
        return f"200 result={typed[:max_digits]}"


class FakeAgiPeer:
    """Plays Asterisk against a FastAGI server at host:port; one `call()` per AGI() run."""

    def __init__(self, host: str, port: int, *, timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.calls: list[AgiCall] = []
        self._count = 0
        self._writers: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> FakeAgiPeer:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for writer in list(self._writers):
            writer.transport.abort()

    def environment(
        self,
        script: str,
        *,
        args: Sequence[str] = (),
        env: Mapping[str, str | None] | None = None,
        caller: str | None = None,
    ) -> dict[str, str]:
        """The environment a call would send: defaults, then `caller`, `env`, `agi_arg_N`."""
        n = self._count
        values: dict[str, str | None] = dict(DEFAULT_ENV)
        values["agi_network_script"] = script
        values["agi_request"] = f"agi://{self.host}:{self.port}/{script}"
        values["agi_channel"] = f"PJSIP/sipp-trunk-{n:08x}"
        values["agi_uniqueid"] = f"1795362053.{n}"
        if caller is not None:
            values["agi_callerid"] = caller
        for key, value in (env or {}).items():
            values[key if key.startswith("agi_") else f"agi_{key}"] = value
        for i, arg in enumerate(args, start=1):
            values[f"agi_arg_{i}"] = arg
        return {k: v for k, v in values.items() if v is not None}

    async def call(
        self,
        script: str,
        *,
        args: Sequence[str] = (),
        env: Mapping[str, str | None] | None = None,
        caller: str | None = None,
        variables: Mapping[str, str] | None = None,
        digits: Sequence[Digits] = (),
        hangup_at: int | str | None = None,
        hangup_after_env: bool = False,
        exit_on_hangup: bool = False,
        hangup_delay: float = 0.0,
        missing_files: Collection[str] = (),
        missing_apps: Collection[str] = (),
        replies: Sequence[ReplyLines] = (),
        handler: Callable[[str], ReplyLines | None] | None = None,
        trickle: bool = False,
        timeout: float | None = None,
    ) -> AgiCall:
        """Run one AGI session against the server and return what happened.

        Returns when the server has closed the connection (after the end-of-session HANGUP),
        or when this peer closed it itself (`exit_on_hangup`). Raises TimeoutError if the
        server keeps the call longer than `timeout` (default: the peer's).
        """
        values = self.environment(script, args=args, env=env, caller=caller)
        self._count += 1
        call = AgiCall(script=script, env=values)
        self.calls.append(call)
        sim = AsteriskSim(call, variables=variables or {}, digits=digits, hangup_at=hangup_at,
                          exit_on_hangup=exit_on_hangup, missing_files=missing_files,
                          missing_apps=missing_apps)
        canned = list(replies)
        started = time.perf_counter()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        self._writers.add(writer)
        session = _Session(call, writer, trickle)
        try:
            async with asyncio.timeout(self.timeout if timeout is None else timeout):
                await session.send(environment_lines(values))
                if hangup_after_env:
                    call.hung_up = True
                    await session.send(["HANGUP"])
                await self._converse(reader, session, sim, canned, handler, hangup_delay)
        finally:
            self._writers.discard(writer)
            writer.close()
            call.duration = time.perf_counter() - started
        return call

    async def _converse(
        self,
        reader: asyncio.StreamReader,
        session: _Session,
        sim: AsteriskSim,
        canned: list[ReplyLines],
        handler: Callable[[str], ReplyLines | None] | None,
        hangup_delay: float,
    ) -> None:
        call = session.call
        while True:
            raw = await reader.readline()
            if not raw.endswith(b"\n"):
                call.transcript.append(("#", "server closed the connection"))
                if raw:
                    call.transcript.append(("#", f"unterminated command {raw!r}"))
                call.closed_by = "server"
                await session.send(["HANGUP"], tolerant=True)
                return
            line = raw[:-1].decode("utf-8", "replace")
            call.commands.append(line)
            call.transcript.append(("S", line))
            custom = canned.pop(0) if canned else (handler(line) if handler else None)
            if custom is not None:
                lines = [custom] if isinstance(custom, str) else list(custom)
                lines = [part for entry in lines for part in entry.split("\n")]
                sim.index += 1
                answer = Answer(lines)
                if "HANGUP" in lines:
                    call.hung_up = True
            else:
                answer = sim.answer(line)
            call.replies.append(answer.lines)
            await session.send(answer.lines)
            if answer.hangup:
                if hangup_delay:
                    await asyncio.sleep(hangup_delay)
                await session.send(["HANGUP"])
            if answer.close:
                await session.send(["HANGUP"])
                call.transcript.append(("#", "Asterisk closed the connection"))
                call.closed_by = "asterisk"
                return

    async def raw(self, data: bytes, *, half_close: bool = True, timeout: float | None = None,
                  chunk_delay: float | None = None) -> bytes:
        """Connect, send `data` (byte by byte every `chunk_delay` s if given), return the reply.

        Reads until the server closes; raises TimeoutError if it does not within `timeout`.
        """
        reader, writer = await asyncio.open_connection(self.host, self.port)
        self._writers.add(writer)
        try:
            async with asyncio.timeout(self.timeout if timeout is None else timeout):
                try:
                    if chunk_delay is None:
                        writer.write(data)
                    else:
                        for i in range(len(data)):
                            writer.write(data[i:i + 1])
                            await writer.drain()
                            await asyncio.sleep(chunk_delay)
                    if half_close:
                        writer.write_eof()
                    await writer.drain()
                except (ConnectionError, OSError):
                    pass  # the server cut us off: read what it sent before that
                received = bytearray()
                while chunk := await _read_or_reset(reader):
                    received += chunk
                return bytes(received)
        finally:
            self._writers.discard(writer)
            writer.transport.abort()


class _Session:
    def __init__(self, call: AgiCall, writer: asyncio.StreamWriter, trickle: bool) -> None:
        self.call = call
        self.writer = writer
        self.trickle = trickle

    async def send(self, lines: list[str], *, tolerant: bool = False) -> None:
        data = "".join(line + "\n" for line in lines).encode()
        self.call.transcript.extend(("A", line) for line in lines)
        try:
            if self.trickle:
                for i in range(len(data)):
                    self.writer.write(data[i:i + 1])
                    await self.writer.drain()
            else:
                self.writer.write(data)
                await self.writer.drain()
        except (ConnectionError, OSError):
            if not tolerant:
                raise


async def _read_or_reset(reader: asyncio.StreamReader) -> bytes:
    try:
        return await reader.read(65536)
    except (ConnectionError, OSError):
        return b""


async def wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll `predicate` until true (e.g. `lambda: server.active == 0`); TimeoutError if not."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)
