from pathlib import Path

import pytest
from pydantic import ValidationError

from config.settings import Settings, mask_url


def test_defaults() -> None:
    s = Settings(_env_file=None)
    assert s.database_url.startswith("sqlite+aiosqlite:///")
    assert (s.web_host, s.web_port, s.agi_port) == ("127.0.0.1", 8000, 4573)
    assert s.timezone == "Asia/Kolkata" and s.calling_window == "09:00-21:00"
    assert s.outbound_dial == "PJSIP/{number}@trunk" and s.outbound_context == "helpline-feedback"
    assert s.feedback_delay_minutes == 60 and s.ami_servers == []


def test_env_and_ami_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_AMI_URLS", "ami://hl:s3cret@10.0.0.5:5038, ami://hl:x@pbx2")
    monkeypatch.setenv("HELPLINE_WEB_PORT", "9000")
    s = Settings()
    assert s.web_port == 9000
    servers = s.ami_servers
    assert [(a.host, a.port, a.username, a.secret) for a in servers] == [
        ("10.0.0.5", 5038, "hl", "s3cret"), ("pbx2", 5038, "hl", "x")]
    assert servers[0].public_url == "ami://hl@10.0.0.5:5038" and "s3cret" not in repr(servers[0])
    assert mask_url("ami://hl:s3cret@h:1") == "ami://hl:***@h:1"


def test_toml_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "helpline.toml").write_text('HELPLINE_WEB_PORT = 8123\ntimezone = "Asia/Kolkata"\n')
    monkeypatch.chdir(tmp_path)
    assert Settings().web_port == 8123


@pytest.mark.parametrize("window", ["9-21", "21:00-09:00", "25:00-26:00"])
def test_bad_window(window: str) -> None:
    with pytest.raises(ValidationError):
        Settings(calling_window=window)


def test_ami_url_escapes_and_masking() -> None:
    server = Settings(ami_urls="ami://hl%40pbx:p%40ss%3Aword@pbx1:5039").ami_servers[0]
    assert (server.username, server.secret, server.port) == ("hl@pbx", "p@ss:word", 5039)
    assert mask_url("ami://u:s3cr@t@host:5038") == "ami://u:***@host:5038"


def test_pod_trunks_name_each_pod_of_the_ami_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_AMI_URLS", "ami://hl:x@10.0.0.11:5038,ami://hl:x@10.0.0.12")
    monkeypatch.setenv("HELPLINE_POD_TRUNKS", "10.0.0.11:5038=pod-a, 10.0.0.12:5038=pod_b")
    assert Settings().pod_trunk_map == {"10.0.0.11:5038": "pod-a", "10.0.0.12:5038": "pod_b"}
    assert Settings(pod_trunks="").pod_trunk_map == {}


@pytest.mark.parametrize(("value", "says"), [
    ("10.0.0.13:5038=pod-c", "not the host:port of any HELPLINE_AMI_URLS entry"),
    ("10.0.0.11=pod-a", "host:port"),
    ("10.0.0.11:5038=Pod A", "lowercase letters, digits"),
    ("10.0.0.11:5038=pod-a;dial", "lowercase letters, digits"),
    ("10.0.0.11:5038", "name=value pairs"),
])
def test_bad_pod_trunks_are_refused_at_start(monkeypatch: pytest.MonkeyPatch, value: str, says: str) -> None:
    monkeypatch.setenv("HELPLINE_AMI_URLS", "ami://hl:x@10.0.0.11:5038")
    with pytest.raises(ValidationError, match=says):
        Settings(pod_trunks=value)
