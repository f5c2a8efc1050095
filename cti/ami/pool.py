"""Several Asterisk servers, one AmiClient each, run together (Settings.ami_servers)."""
from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from cti.ami.client import AmiClient, ConnectCallback, StateCallback
from cti.ami.errors import NotConnected
from cti.ami.framing import AmiMessage


class ServerConfig(Protocol):
    """What the pool needs from `config.settings.AmiServer`."""

    host: str
    port: int
    username: str
    secret: str

    @property
    def public_url(self) -> str: ...


class AmiPool:
    """One client per configured server. `status()` feeds /health."""

    def __init__(self, servers: Iterable[ServerConfig], **client_options: Any) -> None:
        client_options.pop("name", None)
        self.clients: list[AmiClient] = [
            AmiClient(server.host, server.port, server.username, server.secret,
                      name=f"{server.host}:{server.port}", **client_options)
            for server in servers
        ]
        self._turn = itertools.count()

    def __len__(self) -> int:
        return len(self.clients)

    def subscribe(self, callback: Callable[[AmiClient, AmiMessage], None],
                  events: Iterable[str] | None = None,
                  where: Mapping[str, tuple[str, Iterable[str]]] | None = None) -> None:
        """Call `callback(client, msg)` for every event of every server (only those named in
        `events` and passing `where` when given: see AmiClient.subscribe)."""
        names = None if events is None else frozenset(events)
        for client in self.clients:
            client.subscribe(lambda msg, client=client: callback(client, msg), names, where)

    def on_connect(self, callback: ConnectCallback) -> None:
        """Run `callback(client)` after every login on any server."""
        for client in self.clients:
            client.on_connect(callback)

    def on_state_change(self, callback: StateCallback) -> None:
        for client in self.clients:
            client.on_state_change(callback)

    def status(self) -> list[dict[str, object]]:
        """[{url, connected}] per server, the secret left out."""
        return [{"url": c.public_url, "connected": c.connected} for c in self.clients]

    def names(self) -> list[str]:
        """The servers' names (host:port), in the order of `status()`."""
        return [c.name for c in self.clients]

    @property
    def any_connected(self) -> bool:
        return any(c.connected for c in self.clients)

    def client(self, name: str) -> AmiClient:
        for client in self.clients:
            if client.name == name:
                return client
        raise KeyError(name)

    def pick(self) -> AmiClient:
        """A connected client, taking turns; raises NotConnected when none is."""
        live = [c for c in self.clients if c.connected]
        if not live:
            raise NotConnected("no Asterisk server is connected")
        return live[next(self._turn) % len(live)]

    async def run(self) -> None:
        """Run every client until `close()`."""
        async with asyncio.TaskGroup() as tg:
            for client in self.clients:
                tg.create_task(client.run())

    async def close(self) -> None:
        async with asyncio.TaskGroup() as tg:
            for client in self.clients:
                tg.create_task(client.close())
