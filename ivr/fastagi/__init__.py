"""FastAGI protocol layer: sans-I/O parser, channel verbs and the asyncio server.

Knows nothing of complaints; flows in `ivr/flows/` are the routes it runs.
"""
from ivr.fastagi.channel import DEAD_SAFE, AgiChannel, GetDataResult
from ivr.fastagi.connection import AgiConnection
from ivr.fastagi.errors import (
    AgiError,
    AgiHangup,
    AgiTimeout,
    CommandFailed,
    DeadChannel,
    InvalidCommand,
    ProtocolError,
    UnknownApplication,
    UnsafeArgument,
    UsageError,
)
from ivr.fastagi.protocol import (
    HANGUP,
    AgiParser,
    Environment,
    HangupNotice,
    Reply,
    format_command,
    quote,
)
from ivr.fastagi.server import FAILED_VARIABLE, FastAgiServer, Route

__all__ = [
    "DEAD_SAFE", "FAILED_VARIABLE", "HANGUP",
    "AgiChannel", "AgiConnection", "AgiError", "AgiHangup", "AgiParser", "AgiTimeout",
    "CommandFailed", "DeadChannel", "Environment", "FastAgiServer", "GetDataResult", "HangupNotice",
    "InvalidCommand", "ProtocolError", "Reply", "Route", "UnknownApplication",
    "UnsafeArgument", "UsageError", "format_command", "quote",
]
