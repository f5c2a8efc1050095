from pathlib import Path

import pytest

from config.settings import Settings
from helpline.secret import WeakSecret, with_secret


def test_generated_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "helpline-secret.key"
    first = with_secret(Settings(secret_key=""), path)
    assert len(first.secret_key) >= 32 and path.stat().st_mode & 0o777 == 0o600
    assert with_secret(Settings(secret_key=""), path).secret_key == first.secret_key


def test_explicit_key_wins_and_must_be_long(tmp_path: Path) -> None:
    path = tmp_path / "k"
    assert with_secret(Settings(secret_key="x" * 20), path).secret_key == "x" * 20 and not path.exists()
    with pytest.raises(WeakSecret, match="at least 16"):
        with_secret(Settings(secret_key="short"), path)


def test_shared_setups_must_set_the_key(tmp_path: Path) -> None:
    """A random per-host key would make every token fail on the other hosts (issue 10)."""
    path = tmp_path / "k"
    for shared in ({"database_url": "postgresql+asyncpg://h@db/helpline"}, {"redis_url": "redis://r:6379/0"}):
        with pytest.raises(WeakSecret, match="HELPLINE_SECRET_KEY must be set when PostgreSQL or Redis"):
            with_secret(Settings(secret_key="", **shared), path)
    assert not path.exists()
    assert with_secret(Settings(secret_key="y" * 20, redis_url="redis://r:6379/0"), path).secret_key == "y" * 20
