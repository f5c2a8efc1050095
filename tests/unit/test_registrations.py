"""Where agents' phones are registered (cti/registrations.py): the contact list, its fallback on
DeviceStateList for an AMI user without `system` write rights, and ContactStatus events."""
from __future__ import annotations

from typing import Any

from cti.ami.errors import ActionFailed
from cti.ami.framing import AmiMessage
from cti.registrations import Registrations, from_device_states, read_contacts


def _state(device: str, state: str) -> AmiMessage:
    return AmiMessage.build(Event="DeviceStateChange", Device=device, State=state)


class _Client:
    """Answers list actions from a table; a missing action is refused as Asterisk refuses it."""

    name = "127.0.0.1:5038"

    def __init__(self, answers: dict[str, list[AmiMessage]]) -> None:
        self.answers = answers
        self.sent: list[str] = []

    async def send_list(self, action: str, **_: Any) -> list[AmiMessage]:
        self.sent.append(action)
        if action not in self.answers:
            raise ActionFailed(action, "Permission denied")
        return self.answers[action]


def test_device_states_stand_for_contacts_of_pjsip_endpoints_that_can_take_calls() -> None:
    contacts = from_device_states([_state("PJSIP/agent1001", "NOT_INUSE"), _state("PJSIP/agent1002", "UNAVAILABLE"),
                                   _state("PJSIP/agent1003", "INUSE"), _state("PJSIP/sup2001", "INVALID"),
                                   _state("Queue:helpline-hi_avail", "NOT_INUSE"), _state("Custom:x", "INUSE")])
    regs = Registrations()
    regs.reset("a", contacts)
    assert regs.servers_of("agent1001") == ["a"] and regs.servers_of("agent1003") == ["a"]
    assert regs.servers_of("agent1002") == [] and regs.servers_of("sup2001") == []
    assert regs.known == {"a"}


async def test_read_contacts_falls_back_on_device_states_when_the_list_is_refused() -> None:
    client = _Client({"DeviceStateList": [_state("PJSIP/agent1001", "NOT_INUSE")]})
    contacts = await read_contacts(client)  # type: ignore[arg-type]
    assert client.sent == ["PJSIPShowContacts", "DeviceStateList"]
    assert contacts is not None and [c.get("Endpoint") for c in contacts] == ["agent1001"]
    listed = [AmiMessage.build(Event="ContactList", Endpoint="agent1002", Uri="sip:agent1002@10.0.0.5:5060",
                               Status="NonQualified")]
    assert await read_contacts(_Client({"PJSIPShowContacts": listed})) == listed  # type: ignore[arg-type]
    assert await read_contacts(_Client({})) is None  # type: ignore[arg-type]


def test_a_phone_known_from_its_device_state_leaves_when_it_unregisters() -> None:
    regs = Registrations()
    regs.reset("a", from_device_states([_state("PJSIP/agent1001", "NOT_INUSE")]))
    removed = AmiMessage.build(Event="ContactStatus", EndpointName="agent1001", AOR="agent1001",
                               URI="sip:agent1001@127.0.0.1:5062", ContactStatus="Removed")
    assert regs.apply("a", removed) is True
    assert regs.servers_of("agent1001") == []
    created = AmiMessage.build(Event="ContactStatus", EndpointName="agent1001", AOR="agent1001",
                               URI="sip:agent1001@127.0.0.1:5064", ContactStatus="Created")
    assert regs.apply("b", created) is True and regs.servers_of("agent1001") == ["b"]
