"""Where each agent's phone is registered: PJSIP contacts per Asterisk server (issue 10).

An agent's `extension` is its PJSIP endpoint (DESIGN §9). Each server tells which endpoints have
a contact: `PJSIPShowContacts` (a `ContactList` event per contact) when the CTI connects, then
`ContactStatus` events as phones register, unregister, or stop answering qualify. Actions for
an agent (queue login and pause, click-to-call) go to the servers its phone is registered on.

Headers as res_pjsip sends them (no capture holds them: the captured agents registered before
the captures started): ContactStatus has `AOR`, `EndpointName`, `URI`, `ContactStatus`
(Created, Updated, Reachable, Unreachable, Removed, Unknown, NonQualified); ContactList has
`ObjectName` (`<aor>;@<hash>`), `Endpoint`, `Uri`, `Status`.
"""
from __future__ import annotations

from collections.abc import Iterable

from cti.ami.framing import AmiMessage

GONE = {"removed", "unreachable", "unavailable"}


def endpoint_of(msg: AmiMessage) -> str | None:
    """The endpoint (agent extension) a ContactStatus or ContactList message is about."""
    for header in ("EndpointName", "Endpoint", "AOR", "Aor"):
        value = msg.get(header)
        if value:
            return value
    name = msg.get("ObjectName") or ""
    endpoint = name.split(";@", 1)[0].split("/", 1)[0]
    return endpoint or None


def _contact(msg: AmiMessage) -> str:
    return msg.get("URI") or msg.get("Uri") or msg.get("ObjectName") or ""


class Registrations:
    """endpoint -> server -> set of contact URIs that can take calls."""

    def __init__(self) -> None:
        self._where: dict[str, dict[str, set[str]]] = {}
        self.known: set[str] = set()  # servers whose contact list was read at least once

    def servers_of(self, endpoint: str) -> list[str]:
        """The servers where `endpoint` has a reachable contact, sorted."""
        return sorted(s for s, contacts in self._where.get(endpoint, {}).items() if contacts)

    def apply(self, server: str, msg: AmiMessage) -> bool:
        """A ContactStatus event; True when the endpoint's servers changed."""
        endpoint = endpoint_of(msg)
        if endpoint is None:
            return False
        before = self.servers_of(endpoint)
        contacts = self._where.setdefault(endpoint, {}).setdefault(server, set())
        status = (msg.get("ContactStatus") or "").lower()
        if status in GONE:
            contacts.discard(_contact(msg))
            if not _contact(msg):
                contacts.clear()
        else:
            contacts.add(_contact(msg))
        return self.servers_of(endpoint) != before

    def reset(self, server: str, contacts: Iterable[AmiMessage]) -> None:
        """The server's whole contact list (PJSIPShowContacts) replaces what was known of it."""
        for where in self._where.values():
            where.pop(server, None)
        for msg in contacts:
            endpoint = endpoint_of(msg)
            if endpoint is None or (msg.get("Status") or "").lower() in GONE:
                continue
            self._where.setdefault(endpoint, {}).setdefault(server, set()).add(_contact(msg))
        self.known.add(server)
