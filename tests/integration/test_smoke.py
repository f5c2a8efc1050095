"""The lab itself: Asterisk runs the project's dialplan, `helpline serve` is connected."""
from __future__ import annotations

from tests.integration.harness.lab import Lab


async def test_asterisk_runs_the_projects_dialplan_and_helpline_is_connected(lab: Lab) -> None:
    assert "helpline-inbound" in lab.pbx.rx("dialplan show 1076@helpline-inbound")
    queues = lab.pbx.rx("queue show")
    assert "helpline-hi" in queues and "helpline-en" in queues
    async with lab.http() as http:
        health = (await http.get("/api/v1/health")).json()
    assert health["pbx"] and health["pbx"][0]["connected"] is True
