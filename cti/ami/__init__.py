"""Asterisk Manager Interface: framing, client, pool. Protocol only."""
from cti.ami.client import AmiClient
from cti.ami.errors import (
    ActionFailed,
    ActionTimeout,
    AmiError,
    AuthenticationFailed,
    InvalidHeader,
    NotConnected,
    ProtocolError,
)
from cti.ami.framing import AmiFramer, AmiMessage, encode_action
from cti.ami.pool import AmiPool

__all__ = [
    "ActionFailed", "ActionTimeout", "AmiClient", "AmiError", "AmiFramer", "AmiMessage",
    "AmiPool", "AuthenticationFailed", "InvalidHeader", "NotConnected", "ProtocolError",
    "encode_action",
]
