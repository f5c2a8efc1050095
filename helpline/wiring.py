"""Which components `helpline serve` runs, from settings.

The CTI component always runs: without a PBX it still carries screen pops and the wallboard
in-process (and answers agent actions with "PBX disconnected"). FastAGI always listens so the
dialplan never meets a closed port. The dialer runs its campaigns when a PBX is configured.
With Redis, the settings every process must share are compared with the others' at start.
Once started, the start-up objects are frozen out of the garbage collector (helpline.gcfreeze).
"""
from __future__ import annotations

from typing import Any

from config.settings import Settings


def components(settings: Settings, run_web: Any) -> list[Any]:
    from cti.run import run_cti
    from dialer.run import run_dialer
    from helpline.agreement import run_agreement
    from helpline.gcfreeze import run_gc_freeze
    from ivr.service import run_fastagi
    from helpline.jobs import run_jobs
    from messaging.run import run_messaging
    from recordings.retention import run_recordings

    return [run_agreement, run_cti, run_fastagi, run_web, run_dialer, run_messaging, run_jobs, run_recordings,
            run_gc_freeze]
