"""`helpline serve` freezes its start-up objects once started (issue 10): full garbage
collections, which stop the event loop that carries the screen pops, no longer walk them."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import asyncio, gc, json, logging
from config.settings import Settings
from storage.db import Database
from common.context import AppContext
from agent_console.app import create_app
from cti.run import build
from helpline.gcfreeze import run_gc_freeze

async def main():
    settings = Settings(database_url="sqlite+aiosqlite:///probe.db", secret_key="x" * 20, redis_url="", ami_urls="")
    ctx = AppContext.build(settings, Database(settings.database_url))
    create_app(ctx)
    build(ctx)
    before = len(gc.get_objects())
    stop = asyncio.Event()
    task = asyncio.create_task(run_gc_freeze(ctx, stop, delay=0.05))
    while gc.get_freeze_count() == 0:
        await asyncio.sleep(0.01)
    stop.set()
    await task
    print(json.dumps({"before": before, "frozen": gc.get_freeze_count(), "after": len(gc.get_objects()),
                      "threshold": list(gc.get_threshold())}))

logging.basicConfig(level=logging.INFO)
asyncio.run(main())
"""


def test_start_up_objects_are_frozen(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["frozen"] > 50_000  # the app, its models and mappers
    assert figures["after"] < figures["frozen"] // 10  # what a full collection still walks
    assert "start-up objects frozen" in done.stderr
    assert figures["threshold"] == [50_000, 20, 10]  # young collections rarer, full ones rarer still
