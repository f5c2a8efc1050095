"""A recorded queue call on the real Asterisk (issue 16): with recording on for helpline-hi the
caller hears the notice, the dialplan's FastAGI `recording` names the file and MixMonitor (option b)
records the talk; the WAV lasts about as long as the talk, the call's row names it, a supervisor
streams it and another agent is refused."""
from __future__ import annotations

import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage.queries import calls as call_q
from storage.queries import desk_settings
from tests.integration.harness.lab import Lab, until
from tests.integration.harness.sip import Answerer, Caller

TALK_MS = 8000


@dataclass
class TalkingCaller(Caller):
    """A caller whose phone sends sound (a mu-law tone, SIPp's rtp_stream) from the answer on, so
    MixMonitor has the caller's side to record (SIPp's caller is silent otherwise)."""

    sound: str = ""

    def xml(self) -> str:
        xml = super().xml()
        ack = xml.index("ACK sip:")
        at = xml.index("</send>", ack) + len("</send>\n")
        stream = f'  <nop><action><exec rtp_stream="{self.sound},-1,0"/></action></nop>\n'
        return xml[:at] + stream + xml[at:]


def tone(folder: Path) -> str:
    path = folder / "tone-ulaw.wav"
    if not path.exists():
        subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-e", "mu-law", "-b", "8", str(path),
                        "synth", "60", "sine", "440"], check=True, timeout=60)
    return str(path)


async def _set_record(lab: Lab, on: bool) -> None:
    async with lab.db() as db, db.session_scope() as session:
        await desk_settings.put_queue_setting(session, "helpline-hi", 15, on)


async def test_a_recorded_queue_call_leaves_a_wav_of_the_calls_length(lab: Lab) -> None:
    await _set_record(lab, True)
    try:
        agent = await lab.user("recagent", extension="agent1009")
        other = await lab.user("recother", extension="agent1010")
        sup = await lab.user("recsup", "supervisor")
        await lab.phone("agent1009", Answerer(ring_ms=800))
        await lab.login(agent)
        steps: list[tuple[str, object]] = [
            ("pause", 1200), ("dtmf", "1"), ("pause", 900), ("dtmf", "1"),
            ("pause", lab.prompt_ms("hi", "queue-connecting", "recording-notice")), ("pause", 800 + TALK_MS)]
        async with lab.observer() as ami:
            caller = await lab.call(TalkingCaller(caller="9876500016", steps=steps, sound=tone(lab.root)))
            connect = await ami.wait(lambda e: e.event == "AgentConnect" and e.get("CallerIDNum") == "9876500016",
                                     90, "AgentConnect")
            linkedid = connect.get("Linkedid")
            assert await caller.finished(90) == 0, caller.errors()
            complete = await ami.wait(lambda e: e.event == "AgentComplete" and e.get("Linkedid") == linkedid,
                                      30, "AgentComplete")
        assert ("helpline/recording-notice", "hi") in [(f.split(".")[0], lang) for f, lang in lab.played()]

        async def row() -> Any:
            async with lab.db() as db, db.sessions() as session:
                rows = await call_q.by_linkedid(session, linkedid)
            return rows[0] if rows and rows[0].recording else None
        call = await until(row, 30, "the calls row with its recording")
        path = lab.root / "call-recordings" / call.recording

        def finished() -> Any:  # MixMonitor closes the file once the channel is gone
            if not path.is_file():
                return None
            with wave.open(str(path), "rb") as wav:
                return (wav.getnframes() / wav.getframerate()) or None
        seconds = await until(finished, 30, f"the recording {path}")
        talk = int(complete.get("TalkTime") or 0)
        assert talk >= 6 and abs(seconds - talk) <= 1.5, (seconds, talk)
        assert call.talk_s == talk and call.agent == "agent1009"

        async with lab.http() as http:
            url = f"/api/v1/recordings/{call.id}/audio"
            heard = await http.get(url, headers=sup)
            assert heard.status_code == 200 and heard.content == path.read_bytes()
            assert (await http.get(url, headers=other)).status_code == 403
            assert (await http.get(url, headers=agent)).status_code == 200
    finally:
        await _set_record(lab, False)
