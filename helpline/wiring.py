"""Which components `helpline serve` starts, from settings."""
from __future__ import annotations

from typing import Any

from config.settings import Settings


def components(settings: Settings, run_web: Any) -> list[Any]:
    return [run_web]
