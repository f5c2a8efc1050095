"""What the recording tests share: a WAV file as MixMonitor writes one (8 kHz, mono, 16-bit), and
a captured answered queue call in which the `recording` flow named the call's file."""
from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

from cti.ami.framing import AmiMessage
from tests.fakes.ami_server import replaced
from tests.fakes.desk import events


def write_wav(path: Path, seconds: float = 2.0, rate: int = 8000) -> Path:
    """A 440 Hz tone of `seconds` at `rate` Hz."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
                      for i in range(int(seconds * rate)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return path


def recorded_call(name: str, now: float, capture: str = "inbound-answered") -> list[AmiMessage]:
    """The capture's events (stamped to `now`) with `HELPLINE_CALL_RECORDING=<name>` set on the caller's
    channel before it joins the queue, as the dialplan's `recording` step does."""
    items = events(capture, now)
    join = next(i for i, m in enumerate(items) if m.event == "QueueCallerJoin")
    lang = next(m for m in items[:join] if m.event == "VarSet" and m.get("Variable") == "HELPLINE_LANG")
    return [*items[:join], replaced(lang, Variable="HELPLINE_CALL_RECORDING", Value=name), *items[join:]]
