"""Calls for the agent-desk tests, made from the real captures.

`variant(name, caller, n)` is a capture's bytes with the caller's number, the call's Uniqueids and
channel names substituted (another citizen ringing the same way); `events(name)` its events as
the fake AMI server sends them; `cut_after(events, event)` the events up to and including the
first `event` (a call left live at that point).
"""
from __future__ import annotations

from cti.ami.framing import AmiFramer, AmiMessage
from tests.fakes.ami_server import LOGIN_EVENTS, FakeAmiServer, replaced
from tests.traces import ami as read_capture

def variant(name: str, caller: str, n: int) -> bytes:
    """The capture with another caller and fresh ids (n: 1..99 makes each variant distinct)."""
    data = read_capture(name)
    items = [m for m in AmiFramer().feed(data) if m.event is not None]
    old_caller = next(m.get("CallerIDNum") for m in items if (m.get("CallerIDNum") or "").startswith("91"))
    data = data.replace(old_caller.encode(), caller.encode())
    uids = sorted({m.get("Uniqueid") for m in items if m.get("Uniqueid") and "." in m.get("Uniqueid", "")})
    for i, uid in enumerate(uids):
        data = data.replace(uid.encode(), b"17953%02d%03d.%d" % (n, 900 + i, i))
    channels = sorted({m.get("Channel") for m in items if m.get("Channel") and m.get("Channel", "").startswith("PJSIP/")
                       and "-" in m.get("Channel", "")})
    for i, channel in enumerate(channels):
        head = channel.rsplit("-", 1)[0].encode()
        data = data.replace(channel.encode(), head + b"-%08x" % (0x100 * n + i))
    return data


def events(source: str | bytes, now: float | None = None) -> list[AmiMessage]:
    """The capture's events; with `now`, their Timestamps moved so the last one is `now` (as a live
    Asterisk would stamp them; the CTI ends calls whose events are hours old)."""
    data = read_capture(source) if isinstance(source, str) else source
    items = [m for m in AmiFramer().feed(data) if m.event is not None and m.event not in LOGIN_EVENTS]
    if now is None:
        return items
    stamps = [float(m.get("Timestamp")) for m in items if m.get("Timestamp")]
    shift = now - max(stamps)
    return [replaced(m, Timestamp=f"{float(m.get('Timestamp')) + shift:.6f}") if m.get("Timestamp") else m
            for m in items]


def cut_after(items: list[AmiMessage], event: str) -> tuple[list[AmiMessage], list[AmiMessage]]:
    at = next(i for i, m in enumerate(items) if m.event == event) + 1
    return items[:at], items[at:]


def transferred(items: list[AmiMessage]) -> list[AmiMessage]:
    """What app_queue sends when the caller is moved away by a blind transfer: AgentComplete with
    Reason transfer, then the agent's leg hangs up (the caller's channel lives on)."""
    complete = next(m for m in items if m.event == "AgentComplete")
    agent_uid = complete.get("DestUniqueid")
    hangup = next(m for m in items if m.event == "Hangup" and m.get("Uniqueid") == agent_uid)
    return [replaced(complete, Reason="transfer"), hangup]


def lab_ami() -> FakeAmiServer:
    """A fake Asterisk set up like the lab the captures come from: agent1001 is also a static
    member of the queue `support` (the captures' QueueMember events say so)."""
    return FakeAmiServer(auth_fail_delay=0.05, queues=("helpline-hi", "helpline-en", "support"),
                         static_members={"support": [("PJSIP/agent1001", "Agent 1001")]})
