"""Scenarios 1 and 2 of the traces README against a real Asterisk: login, ping, a refused
login, and queue administration with the error messages the captures hold, all through
cti/ami/client.py."""
from __future__ import annotations

import asyncio
import time

import pytest

from cti.ami.errors import ActionFailed
from cti.ami.framing import AmiFramer, encode_action
from cti.service import queue_add_headers
from tests.integration.lab import AGENT, QUEUE, REQUIRES, ami_client, lab_server, until

pytestmark = REQUIRES

INTERFACE = f"PJSIP/{AGENT}"


async def test_login_ok_and_ping() -> None:
    async with ami_client() as client:
        assert client.connected
        assert (client.banner or "").startswith("Asterisk Call Manager/")
        pong = await client.send("Ping")
        assert pong.response == "Success"
        assert pong.get("Ping") == "Pong"


async def test_bad_secret_is_refused_and_the_socket_closed() -> None:
    """Raw bytes, as the capture: ≈1 s, `Response: Error … Authentication failed`, then EOF."""
    server = lab_server()
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        async with asyncio.timeout(10):
            banner = await reader.readline()
            assert banner.startswith(b"Asterisk Call Manager/")
            started = time.monotonic()
            writer.write(encode_action("Login", "login-bad-1", [("Username", server.username),
                                                                 ("Secret", "wrong-secret")]))
            await writer.drain()
            data = await reader.read()  # until Asterisk closes the socket
        elapsed = time.monotonic() - started
    finally:
        writer.close()
    messages = AmiFramer().feed(banner + data)
    assert [m.response for m in messages] == ["Error"]
    assert messages[0].get("Message") == "Authentication failed"
    assert messages[0].action_id == "login-bad-1"
    assert elapsed >= 0.5


async def test_client_reports_a_refused_login_and_stays_disconnected() -> None:
    async with ami_client(secret="wrong-secret") as client:
        error = await until(lambda: client.last_error, 10, "login error")
        assert "refused" in error
        assert not client.connected
        assert "wrong-secret" not in error


async def test_queue_administration_as_captured() -> None:
    async with ami_client() as client:
        await _remove_quietly(client)
        try:
            added = await client.send("QueueAdd", **queue_add_headers(QUEUE, AGENT, f"Agent {AGENT[-4:]}", False, None))
            assert added.get("Message") == "Added interface to queue"

            paused = await client.send("QueuePause", Queue=QUEUE, Interface=INTERFACE, Paused="true", Reason="lunch")
            assert paused.get("Message") == "Interface paused successfully"
            members = await _members(client)
            assert members[INTERFACE].get("Paused") == "1"
            assert members[INTERFACE].get("PausedReason") == "lunch"

            unpaused = await client.send("QueuePause", Queue=QUEUE, Interface=INTERFACE, Paused="false")
            assert unpaused.get("Message") == "Interface unpaused successfully"
            members = await _members(client)
            assert members[INTERFACE].get("Paused") == "0"
            assert members[INTERFACE].get("Membership") == "dynamic"

            summary = await client.send_list("QueueSummary", Queue=QUEUE)
            assert [m.event for m in summary] == ["QueueSummary"]
            assert int(summary[0].get("LoggedIn") or 0) >= 1

            removed = await client.send("QueueRemove", Queue=QUEUE, Interface=INTERFACE)
            assert removed.get("Message") == "Removed interface from queue"
            assert INTERFACE not in await _members(client)
        finally:
            await _remove_quietly(client)


@pytest.mark.parametrize(("action", "headers", "message"), [
    ("QueueAdd", {"Queue": "no-such-queue", "Interface": INTERFACE},
     "Unable to add interface to queue: No such queue"),
    ("QueueRemove", {"Queue": QUEUE, "Interface": INTERFACE}, "Unable to remove interface: Not there"),
    ("QueuePause", {"Queue": QUEUE, "Interface": INTERFACE, "Paused": "true"}, "Interface not found"),
    ("NoSuchAction", {},
     "Invalid/unknown command: NoSuchAction. Use Action: ListCommands to show available commands."),
    ("Originate", {"Channel": "bogus", "Exten": "s", "Context": "helpline-feedback", "Priority": 1},
     "Invalid channel"),
    ("Originate", {"Channel": "NoSuchTech/123", "Exten": "s", "Context": "helpline-feedback", "Priority": 1,
                   "Timeout": 5000, "Async": "false"}, "Originate failed"),
])
async def test_errors_as_captured(action: str, headers: dict[str, object], message: str) -> None:
    async with ami_client() as client:
        await _remove_quietly(client)
        with pytest.raises(ActionFailed) as failed:
            await client.send(action, **headers)
        assert failed.value.message == message


async def test_core_show_channels_is_a_complete_list() -> None:
    async with ami_client() as client:
        channels = await client.send_list("CoreShowChannels")
        assert all(m.event == "CoreShowChannel" for m in channels)


async def _members(client) -> dict[str, object]:  # type: ignore[no-untyped-def]
    items = await client.send_list("QueueStatus", Queue=QUEUE)
    assert items and items[0].event == "QueueParams"
    return {m.get("Location"): m for m in items if m.event == "QueueMember"}


async def _remove_quietly(client) -> None:  # type: ignore[no-untyped-def]
    try:
        await client.send("QueueRemove", Queue=QUEUE, Interface=INTERFACE)
    except ActionFailed:
        pass
