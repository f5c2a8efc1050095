"""Real-time scheduling for the media side of the lab (Asterisk and SIPp).

On a loaded machine (the suite runs beside `stress-ng --cpu 2`) Asterisk's 20 ms media timer
wakes late: a 5.2 s prompt took 6.3 s to play, and a SIPp caller, whose steps are timed on
the wall clock, hung up before the agent it expected had answered. Production Asterisk runs
with `-p` (SCHED_RR) for the same reason; the lab gives the running processes SCHED_RR,
every thread (threads created later inherit it). Where the process may not (no root, no
CAP_SYS_NICE) the lab runs as before and says so once.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ASTERISK_PRIORITY = 20
SIPP_PRIORITY = 10
_told = False


def realtime(pid: int, priority: int) -> bool:
    """SCHED_RR at `priority` for every thread of `pid`; False (said once) where not allowed."""
    global _told
    try:
        threads = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except (FileNotFoundError, ProcessLookupError):
        return False
    try:
        for tid in threads:
            try:
                os.sched_setscheduler(tid, os.SCHED_RR, os.sched_param(priority))
            except ProcessLookupError:
                continue  # a thread that just ended
    except (PermissionError, OSError) as exc:
        if not _told:
            _told = True
            print(f"integration lab: Asterisk and SIPp keep normal scheduling ({exc}); "
                  "on a loaded machine their media timing may slip", file=sys.stderr)
        return False
    return True


def pid_file(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
