"""Errors raised by the AMI client."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cti.ami.framing import AmiMessage


class AmiError(Exception):
    """Base class of every AMI client error."""


class AuthenticationFailed(AmiError):
    """Asterisk refused the Login (wrong username or secret)."""


class ActionFailed(AmiError):
    """Asterisk answered an action with `Response: Error`; `message` is its Message header."""

    def __init__(self, action: str, message: str, response: AmiMessage | None = None) -> None:
        super().__init__(f"{action} failed: {message}")
        self.action = action
        self.message = message
        self.response = response


class ActionTimeout(AmiError):
    """No response to an action in time. The action may still have run on Asterisk."""


class NotConnected(AmiError):
    """No logged-in connection, or it was lost before the response arrived."""


class ProtocolError(AmiError):
    """The peer does not speak AMI as expected (no banner, unusable reply, bad header)."""


class InvalidHeader(AmiError, ValueError):
    """A header name or value that cannot be sent (CR/LF would inject headers)."""
