"""Where each agent's phone is registered: PJSIP contacts per Asterisk server (issue 10).

An agent's `extension` is its PJSIP endpoint (DESIGN §9). Each server tells which endpoints have
a contact: `PJSIPShowContacts` (a `ContactList` event per contact) when the CTI connects, then
`ContactStatus` events as phones register, unregister, or stop answering qualify. Actions for
an agent (queue login and pause, click-to-call) go to the servers its phone is registered on.

Reading the list needs `write = system` for PJSIPShowContacts, which the least-privilege AMI
user (dialplans/manager_helpline.conf.sample: agent,call,originate,reporting) does not have and
should not get (system also allows ModuleLoad, Reload, GetConfig …). `read_contacts` then falls
back to `DeviceStateList` (call, reporting): a `PJSIP/<endpoint>` device that is not
UNAVAILABLE/INVALID has a contact (chan_pjsip reports an endpoint without a reachable contact
as UNAVAILABLE). The ContactStatus events (read = system, which the user has) follow as before.

Headers as res_pjsip sends them (no capture holds them: the captured agents registered before
the captures started): ContactStatus has `AOR`, `EndpointName`, `URI`, `ContactStatus`
(Created, Updated, Reachable, Unreachable, Removed, Unknown, NonQualified); ContactList has
`ObjectName` (`<aor>;@<hash>`), `Endpoint`, `Uri`, `Status`.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

from cti.ami.client import AmiClient
from cti.ami.errors import ActionFailed
from cti.ami.framing import AmiMessage

log = logging.getLogger(__name__)

#: The events read here, untyped (cti.events has no class for them): with
#: cti.events.EVENT_NAMES, the events the CTI subscribes to.
REGISTRATION_EVENTS = frozenset({"ContactStatus"})

GONE = {"removed", "unreachable", "unavailable"}
DEVICE_GONE = {"unavailable", "invalid"}
DEVICE_CONTACT = "device:"  # the contact of an endpoint known from its device state only


async def read_contacts(client: AmiClient) -> list[AmiMessage] | None:
    """The server's contacts (ContactList-like messages), or None when neither PJSIPShowContacts
    nor DeviceStateList may be read (no chan_pjsip, or an AMI user without those rights)."""
    try:
        return await client.send_list("PJSIPShowContacts")
    except ActionFailed as exc:
        refused = exc.message
    try:
        states = await client.send_list("DeviceStateList")
    except ActionFailed as exc:
        log.warning("AMI %s: PJSIPShowContacts (%s) and DeviceStateList (%s) refused; agents' actions go "
                    "to every server", client.name, refused, exc.message)
        return None
    log.info("AMI %s: PJSIPShowContacts refused (%s); registrations read from device states", client.name,
             refused)
    return from_device_states(states)


def from_device_states(states: Iterable[AmiMessage]) -> list[AmiMessage]:
    """DeviceStateList's DeviceStateChange events as ContactList entries: one per PJSIP device
    whose state says it can take calls (anything but UNAVAILABLE and INVALID)."""
    out = []
    for msg in states:
        device = msg.get("Device") or ""
        if not device.startswith("PJSIP/") or (msg.get("State") or "").lower() in DEVICE_GONE:
            continue
        endpoint = device.removeprefix("PJSIP/")
        out.append(AmiMessage.build(Event="ContactList", Endpoint=endpoint, Uri=f"{DEVICE_CONTACT}{device}",
                                    Status="Reachable"))
    return out


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
            # known from the device state only: which contact it was cannot be told, so it goes
            contacts.difference_update([c for c in contacts if c.startswith(DEVICE_CONTACT)])
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
