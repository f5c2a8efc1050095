"""AgiChannel: the AGI verbs over one FastAGI connection, one command at a time."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from ivr.fastagi.connection import AgiConnection
from ivr.fastagi.errors import (
    AgiHangup,
    AgiTimeout,
    CommandFailed,
    DeadChannel,
    InvalidCommand,
    ProtocolError,
    UnknownApplication,
    UsageError,
)
from ivr.fastagi.protocol import Environment, HangupNotice, Reply, format_command

logger = logging.getLogger(__name__)

COMMAND_TIMEOUT = 30.0
HANGUP_GRACE = 0.5

# Commands Asterisk still runs on a hung-up channel (res_agi's "dead" flag).
DEAD_SAFE = frozenset({
    "GET VARIABLE", "GET FULL VARIABLE", "SET VARIABLE", "VERBOSE", "NOOP",
    "DATABASE GET", "DATABASE PUT", "DATABASE DEL", "DATABASE DELTREE",
})


@dataclass(frozen=True, slots=True)
class GetDataResult:
    """Digits typed during GET DATA (`#` not included); `timed_out`: Asterisk said (timeout)."""

    digits: str
    timed_out: bool


class AgiChannel:
    """One AGI session: the environment Asterisk sent and the verbs a flow calls.

    A reply `200 result=-1` to a command that needs the channel is a hang-up only when Asterisk
    also sends `HANGUP` (waited for up to `hangup_grace` seconds); otherwise (a missing sound
    file) the verb logs a warning and returns. After a hang-up only DEAD_SAFE commands are
    sent; the others raise AgiHangup at once. A command that gets no reply within its timeout
    raises AgiTimeout and leaves the connection unusable.
    """

    def __init__(
        self,
        connection: AgiConnection,
        environment: Environment,
        *,
        command_timeout: float = COMMAND_TIMEOUT,
        hangup_grace: float = HANGUP_GRACE,
    ) -> None:
        self._conn = connection
        self.environment = environment
        self.args: list[str] = environment.args
        self.command_timeout = command_timeout
        self.hangup_grace = hangup_grace
        self.hung_up = False
        self.usable = True

    @property
    def env(self) -> dict[str, str]:
        """Every `agi_*` value Asterisk sent."""
        return self.environment.values

    @property
    def script(self) -> str:
        return self.environment.get("agi_network_script")

    @property
    def caller(self) -> str | None:
        """agi_callerid, or None when Asterisk has no number (`unknown`)."""
        value = self.environment.get("agi_callerid")
        return None if value in ("", "unknown") else value

    @property
    def uniqueid(self) -> str:
        return self.environment.get("agi_uniqueid")

    @property
    def language(self) -> str:
        return self.environment.get("agi_language")

    def __repr__(self) -> str:
        return f"<AgiChannel {self.script} uniqueid={self.uniqueid} hung_up={self.hung_up}>"

    # -- verbs -----------------------------------------------------------------------------

    async def answer(self) -> None:
        await self._media("ANSWER")

    async def stream_file(
        self, name: str, escape_digits: str = "", *, timeout: float | None = None
    ) -> str | None:
        """Play a sound file; the escape digit pressed, or None."""
        reply = await self._media("STREAM FILE", name, escape_digits, timeout=timeout, what=name)
        return _digit(reply)

    async def get_data(self, prompt: str, timeout_ms: int, max_digits: int) -> GetDataResult:
        """Play `prompt` and collect up to `max_digits` digits (input ends early on `#`)."""
        if timeout_ms < 0 or max_digits < 1:
            raise ValueError("get_data needs timeout_ms >= 0 and max_digits >= 1")
        limit = self.command_timeout + timeout_ms / 1000
        reply = await self._media("GET DATA", prompt, timeout_ms, max_digits, timeout=limit,
                                  what=prompt)
        if reply.result == "-1":
            return GetDataResult("", timed_out=False)
        return GetDataResult(reply.result, timed_out=reply.data == "timeout")

    async def wait_for_digit(self, timeout_ms: int) -> str | None:
        """The digit pressed within `timeout_ms`, or None."""
        if timeout_ms < 0:
            raise ValueError("wait_for_digit needs timeout_ms >= 0")
        limit = self.command_timeout + timeout_ms / 1000
        return _digit(await self._media("WAIT FOR DIGIT", timeout_ms, timeout=limit))

    async def say_digits(self, digits: str, escape_digits: str = "") -> str | None:
        return _digit(await self._media("SAY DIGITS", digits, escape_digits))

    async def say_number(self, number: int, escape_digits: str = "") -> str | None:
        return _digit(await self._media("SAY NUMBER", int(number), escape_digits))

    async def get_variable(self, name: str) -> str | None:
        """The variable's value (an empty string if set empty), or None when it is not set."""
        reply = await self.command("GET VARIABLE", name)
        return reply.data if reply.result == "1" else None

    async def get_full_variable(self, expression: str) -> str | None:
        """`${…}` evaluated by Asterisk, e.g. `${CALLERID(num)}`."""
        reply = await self.command("GET FULL VARIABLE", expression)
        return reply.data if reply.result == "1" else None

    async def set_variable(self, name: str, value: str | int) -> None:
        await self.command("SET VARIABLE", name, str(value))

    async def verbose(self, message: str, level: int = 1) -> None:
        await self.command("VERBOSE", message, level)

    async def exec(self, app: str, *args: str, timeout: float | None = None) -> int:
        """Run a dialplan application (its arguments joined by commas); its result code."""
        command = ("EXEC", app, ",".join(args)) if args else ("EXEC", app)
        reply = await self._media(*command, timeout=timeout, what=app)
        if reply.result == "-2":
            raise UnknownApplication(f"no dialplan application {app!r}", reply)
        return reply.result_int()

    async def set_context(self, context: str) -> None:
        await self.command("SET CONTEXT", context)

    async def set_extension(self, extension: str) -> None:
        await self.command("SET EXTENSION", extension)

    async def set_priority(self, priority: str | int) -> None:
        await self.command("SET PRIORITY", str(priority))

    async def goto(self, context: str, exten: str = "s", priority: str | int = "1") -> None:
        """Where the dialplan continues when this AGI ends (priority may be a label)."""
        await self.set_context(context)
        await self.set_extension(exten)
        await self.set_priority(priority)

    async def hangup(self) -> None:
        await self.command("HANGUP")
        self.hung_up = True

    # -- command machinery -----------------------------------------------------------------

    async def command(self, verb: str, *args: str | int, timeout: float | None = None) -> Reply:
        """Send one command and return its 200 reply; other replies raise their AgiError."""
        if not self.usable:
            raise ProtocolError("the FastAGI connection is no longer usable")
        conn = self._conn
        events = conn.parser.events
        if events:
            self._take_queued_notices()
        if self.hung_up and verb not in DEAD_SAFE:
            raise AgiHangup(f"{verb} not sent: the caller hung up")
        line = format_command(verb, *args)
        try:
            conn.write(line)
            deadline = conn.time() + (self.command_timeout if timeout is None else timeout)
            while True:  # conn.next_event(deadline) inline: no coroutine per reply
                event = events.popleft() if events else None
                if event is None:
                    if conn.error is not None:
                        raise conn.error
                    if conn.closed:
                        self._lost()
                        raise AgiHangup("Asterisk closed the connection")
                    await conn.wait(deadline)
                elif type(event) is Reply:
                    if event.code != 100:  # `100 result=0 Trying...` precedes GOSUB's reply
                        break
                elif type(event) is HangupNotice:
                    self.hung_up = True
                else:
                    raise ProtocolError("a second environment on one connection")
        except TimeoutError:
            self.usable = False
            raise AgiTimeout(f"no reply to {verb} in time") from None
        except ProtocolError:
            self.usable = False
            raise
        except ConnectionError as exc:
            self._lost()
            raise AgiHangup(f"connection lost before {verb}: {exc}") from exc
        reply: Reply = event
        if reply.code == 200:
            return reply
        if reply.code == 511:
            self.hung_up = True
            raise DeadChannel(f"{verb}: {reply.text}", reply)
        if reply.code == 510:
            raise InvalidCommand(f"{verb}: {reply.text}", reply)
        if reply.code == 520:
            raise UsageError(f"{verb}: wrong arguments", reply, reply.usage)
        raise CommandFailed(f"{verb}: {reply.text[:200]}", reply)

    async def _media(self, verb: str, *args: str | int, timeout: float | None = None,
                     what: str = "") -> Reply:
        """A command that needs a live channel: `result=-1` + `HANGUP` raises AgiHangup."""
        reply = await self.command(verb, *args, timeout=timeout)
        if reply.result != "-1":
            return reply
        if self.hung_up or await self._hangup_follows():
            raise AgiHangup(f"caller hung up during {verb}", reply)
        logger.warning("%s %s returned -1 without a hang-up (missing sound file?)", verb, what)
        return reply

    async def _hangup_follows(self) -> bool:
        """Wait briefly for the `HANGUP` line that follows a hang-up's `result=-1`."""
        try:
            event = await self._conn.next_event(self._conn.deadline(self.hangup_grace))
        except TimeoutError:
            return False
        if event is None:
            self._lost()
            return True
        if isinstance(event, HangupNotice):
            self.hung_up = True
            return True
        self.usable = False
        raise ProtocolError("unsolicited reply from Asterisk")

    def _take_queued_notices(self) -> None:
        while (event := self._conn.parser.next_event()) is not None:
            if not isinstance(event, HangupNotice):
                self.usable = False
                raise ProtocolError("unsolicited reply from Asterisk")
            self.hung_up = True

    def _lost(self) -> None:
        self.usable = False
        self.hung_up = True


def _digit(reply: Reply) -> str | None:
    code = reply.result_int()
    return chr(code) if code > 0 else None

