"""FastAGI errors: Asterisk's reply codes as exceptions, plus transport failures."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ivr.fastagi.protocol import Reply


class AgiError(Exception):
    """Base of every FastAGI error; `reply` is the Asterisk reply that caused it, if any."""

    def __init__(self, message: str, reply: Reply | None = None) -> None:
        super().__init__(message)
        self.reply = reply


class ProtocolError(AgiError):
    """Asterisk (or whatever connected) sent bytes that are not FastAGI, or too many of them."""


class AgiTimeout(AgiError, TimeoutError):
    """No complete reply within the command's time limit; the connection is no longer usable."""


class AgiHangup(AgiError):
    """The caller hung up (or Asterisk closed the connection); the channel can no longer play."""


class DeadChannel(AgiHangup):
    """511: the command needs a live channel and the channel is dead."""


class CommandFailed(AgiError):
    """Asterisk refused a command; `reply.code` says why."""


class InvalidCommand(CommandFailed):
    """510: Asterisk does not know the command."""


class UsageError(CommandFailed):
    """520: the command's arguments were wrong; `usage` is Asterisk's usage text."""

    def __init__(self, message: str, reply: Reply | None = None, usage: str = "") -> None:
        super().__init__(message, reply)
        self.usage = usage


class UnknownApplication(CommandFailed):
    """EXEC answered `200 result=-2`: no dialplan application of that name."""


class UnsafeArgument(AgiError, ValueError):
    """An argument would break the command line (newline, carriage return or NUL)."""
