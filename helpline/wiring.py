"""Which components `helpline serve` runs, from settings.

The CTI component always runs: without a PBX it still carries screen pops and the wallboard
in-process (and answers agent actions with "PBX disconnected"). FastAGI always listens so the
dialplan never meets a closed port. The dialer runs its campaigns when a PBX is configured.
"""
from __future__ import annotations

from typing import Any

from config.settings import Settings


def components(settings: Settings, run_web: Any) -> list[Any]:
    from cti.run import run_cti
    from ivr.service import run_fastagi

    parts: list[Any] = [run_cti, run_fastagi, run_web]
    try:
        from dialer.run import run_dialer
    except ImportError:
        return parts
    return [*parts, run_dialer]
