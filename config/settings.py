"""Helpline settings: HELPLINE_* environment variables, or the same names in helpline.toml.

Built once in the composition root (helpline/cli.py) and passed down; nothing reads the
environment at import time.
"""
from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_DB_FILE = Path("helpline.db")


class AmiServer:
    """One Asterisk manager endpoint parsed from `ami://user:secret@host:5038`."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme != "ami" or not parts.hostname or not parts.username:
            raise ValueError(f"not an AMI URL (ami://user:secret@host:5038): {mask_url(url)}")
        self.url = url
        self.host = parts.hostname
        self.port = parts.port or 5038
        self.username = unquote(parts.username)
        self.secret = unquote(parts.password or "")

    @property
    def public_url(self) -> str:
        """The URL without its secret, safe for logs and /health."""
        return f"ami://{self.username}@{self.host}:{self.port}"

    def __repr__(self) -> str:
        return f"AmiServer({self.public_url})"


def mask_url(url: str) -> str:
    """The URL with its password replaced by *** (up to the last '@', which ends the userinfo)."""
    return re.sub(r"(//[^:/@]+:).*@", r"\1***@", url)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HELPLINE_",
        toml_file="helpline.toml",
        extra="ignore",
    )

    database_url: str = Field(default_factory=lambda: f"sqlite+aiosqlite:///{DEFAULT_DB_FILE}")
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    agi_host: str = "127.0.0.1"
    agi_port: int = 4573
    ami_urls: str = ""
    # Trunks between Asterisk pods (issue 10, docs/scale-out.md): "pod=endpoint" pairs, the pod
    # as host:port of its HELPLINE_AMI_URLS entry, the endpoint the PJSIP endpoint every other
    # pod dials to reach it (pjsip_helpline.conf.sample [helpline-pod]). Empty: no trunk, a
    # transfer to an agent on another pod is refused (409 agent_on_other_pod).
    pod_trunks: str = ""
    redis_url: str = ""
    # The Redis pub/sub channel of pops and wallboard updates (several helplines on one Redis).
    redis_channel: str = "helpline:cti"
    # GET /metrics: a bearer token Prometheus sends; empty: answered only to this host, unproxied
    metrics_token: str = ""
    # Signs session cookies and API tokens. Empty: `helpline serve` keeps a random key in
    # helpline-secret.key (created once, mode 0600) in the working directory.
    secret_key: str = ""
    timezone: str = "Asia/Kolkata"
    calling_window: str = "09:00-21:00"
    feedback_delay_minutes: int = 60
    outbound_dial: str = "PJSIP/{number}@trunk"
    outbound_context: str = "helpline-feedback"
    # Issue 14: where the server writes prompts it renders or installs while running (the
    # emergency message, campaign messages and questions, uploaded recordings): Asterisk's
    # sounds folder, as for `helpline prompts build --out`. And the folder Asterisk's Record()
    # writes after-hours complaints to (the dialplan global HELPLINE_RECORDINGS), read to
    # play them to agents.
    sounds_dir: str = "prompts-build"
    recordings_dir: str = "/var/spool/asterisk/helpline"
    # Domain limits
    max_complaints_per_phone_per_month: int = 10
    feedback_max_attempts: int = 3
    session_hours: int = 12
    # --- messaging (WhatsApp Business Cloud API, SMS gateway, e-mail): off until configured ---
    whatsapp_token: str = ""
    whatsapp_phone_number_id: str = ""
    whatsapp_app_secret: str = ""
    whatsapp_verify_token: str = ""
    whatsapp_api_url: str = "https://graph.facebook.com/v21.0"
    # Messages outside WhatsApp's 24 h window go as approved templates named PREFIX + purpose.
    whatsapp_template_prefix: str = "helpline_"
    whatsapp_messages_per_second: float = 40.0
    sms_url: str = ""
    sms_api_key: str = ""
    sms_sender: str = ""
    sms_dlt_entity_id: str = ""
    # purpose=template id pairs, comma-separated: "registered=1107...,disposed=1107..."
    sms_dlt_templates: str = ""
    smtp_url: str = ""
    mail_from: str = ""
    # No notification is sent in these local hours (replies to a citizen who wrote are).
    quiet_hours: str = "21:00-08:00"
    officer_digest_at: str = "08:00"
    # Hardening: password checks per second in all processes together (a login spray's ceiling),
    # and the reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed
    # (comma-separated addresses or networks; empty: none, the socket's peer is the client).
    login_rate: int = Field(default=10, ge=1, le=1000)
    trusted_proxies: str = ""
    # Officer round (issue 13). Attachments: where the files live and how big one may be.
    attachments_dir: str = "attachments"
    attachments_max_bytes: int = Field(default=10_000_000, ge=1_000, le=200_000_000)
    # Working-day deadlines: holidays (comma-separated YYYY-MM-DD) and the weekly day off.
    holidays: str = ""
    weekly_off: str = "sun"
    # Escalation rules for categories without their own: overdue by N days → flagged and the
    # L2 officer told; by M days → escalated to L2. How often the server checks (seconds).
    escalation_flag_days: int = Field(default=1, ge=0, le=365)
    escalation_escalate_days: int = Field(default=3, ge=1, le=365)
    escalation_interval_seconds: int = Field(default=300, ge=5, le=86_400)
    # Data protection: mask the citizen's name and phone on complaints closed this many months
    # ago (0 = keep); how often the server applies it (hours).
    retention_months: int = Field(default=0, ge=0, le=600)
    # --- media (issue 16) ---
    # Call recordings: the folder `helpline serve` reads them from, the same folder as Asterisk
    # writes it (empty: the same path; set it when Asterisk mounts the share elsewhere), and how
    # many days a recording is kept before the retention job deletes it.
    call_recordings_dir: str = "call-recordings"
    call_recordings_pbx_dir: str = ""
    recording_retention_days: int = Field(default=90, ge=1, le=3650)
    # The desk softphone (JsSIP over Asterisk's WebSocket transport): the WebSocket URL browsers
    # register to (empty: no softphone, desk phones only), and the SIP domain of agents' URIs
    # (empty: the URL's host).
    softphone_ws_url: str = ""
    softphone_sip_domain: str = ""
    # The public sign-language video page /video: its address as the IVR speaks it in menu 9
    # (`helpline prompts build`; empty: "the helpline's website"), and how many video callers may
    # wait before the page says the queue is full.
    video_page_url: str = ""
    video_queue_max: int = Field(default=5, ge=1, le=100)

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        import ipaddress

        for item in split_urls(value):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(f"HELPLINE_TRUSTED_PROXIES: {item!r} is not an address or network") from exc
        return value

    @field_validator("holidays")
    @classmethod
    def _check_holidays(cls, value: str) -> str:
        from grievance.calendar import parse_holidays

        parse_holidays(value)
        return value

    @field_validator("weekly_off")
    @classmethod
    def _check_weekly_off(cls, value: str) -> str:
        from grievance.calendar import parse_weekly_off

        parse_weekly_off(value)
        return value

    @field_validator("softphone_ws_url")
    @classmethod
    def _check_softphone(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"wss?://[^\s/]+(/\S*)?", value):
            raise ValueError("HELPLINE_SOFTPHONE_WS_URL looks like wss://pbx.example.in:8089/ws")
        return value

    @field_validator("calling_window")
    @classmethod
    def _check_window(cls, value: str) -> str:
        parse_window(value)
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _check_quiet(cls, value: str) -> str:
        if value.strip():
            parse_span(value)
        return value

    @field_validator("officer_digest_at")
    @classmethod
    def _check_digest(cls, value: str) -> str:
        parse_clock(value)
        return value

    @field_validator("sms_dlt_templates")
    @classmethod
    def _check_dlt(cls, value: str) -> str:
        parse_pairs(value)
        return value

    @field_validator("pod_trunks")
    @classmethod
    def _check_pod_trunks(cls, value: str) -> str:
        parse_pod_trunks(value)
        return value

    @model_validator(mode="after")
    def _check_trunk_pods(self) -> Settings:
        pods = {f"{server.host}:{server.port}" for server in self.ami_servers}
        unknown = sorted(set(parse_pod_trunks(self.pod_trunks)) - pods)
        if unknown:
            raise ValueError(f"HELPLINE_POD_TRUNKS names {', '.join(unknown)}, not the host:port of any "
                             f"HELPLINE_AMI_URLS entry ({', '.join(sorted(pods)) or 'none'})")
        return self

    @field_validator("ami_urls")
    @classmethod
    def _check_ami(cls, value: str) -> str:
        for url in split_urls(value):
            AmiServer(url)
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _PrefixedToml(settings_cls))

    @property
    def ami_servers(self) -> list[AmiServer]:
        return [AmiServer(url) for url in split_urls(self.ami_urls)]

    @property
    def pod_trunk_map(self) -> dict[str, str]:
        """Pod (host:port of its AMI) -> the PJSIP endpoint other pods dial to reach it."""
        return parse_pod_trunks(self.pod_trunks)

    @property
    def window(self) -> tuple[time, time]:
        return parse_window(self.calling_window)

    @property
    def whatsapp_enabled(self) -> bool:
        return bool(self.whatsapp_token and self.whatsapp_phone_number_id)

    @property
    def sms_enabled(self) -> bool:
        return bool(self.sms_url)

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_url and self.mail_from)


class _PrefixedToml(TomlConfigSettingsSource):
    """helpline.toml may use either `database_url` or `HELPLINE_DATABASE_URL` as keys."""

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        out: dict[str, Any] = {}
        for key, value in data.items():
            name = key.lower()
            if name.startswith("helpline_"):
                name = name[len("helpline_"):]
            out[name] = value
        return out


def split_urls(value: str) -> list[str]:
    return [u.strip() for u in value.split(",") if u.strip()]


def parse_window(value: str) -> tuple[time, time]:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", value)
    if not match:
        raise ValueError(f"calling window must look like 09:00-21:00, got {value!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start, end = time(h1, m1), time(h2, m2)
    except ValueError as exc:
        raise ValueError(f"calling window has an impossible time: {value!r}") from exc
    if start >= end:
        raise ValueError(f"calling window must end after it starts: {value!r}")
    return start, end


def parse_clock(value: str) -> time:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value)
    if not match:
        raise ValueError(f"a time of day looks like 08:00, got {value!r}")
    try:
        return time(int(match.group(1)), int(match.group(2)))
    except ValueError as exc:
        raise ValueError(f"impossible time of day: {value!r}") from exc


def parse_span(value: str) -> tuple[time, time]:
    """`21:00-08:00` → (21:00, 08:00); the span may cross midnight."""
    start, sep, end = value.partition("-")
    if not sep:
        raise ValueError(f"quiet hours look like 21:00-08:00, got {value!r}")
    first, last = parse_clock(start), parse_clock(end)
    if first == last:
        raise ValueError(f"quiet hours must not start and end at the same time: {value!r}")
    return first, last


def parse_pairs(value: str) -> dict[str, str]:
    """`a=1,b=2` → {"a": "1", "b": "2"}."""
    out: dict[str, str] = {}
    for part in value.split(","):
        if not part.strip():
            continue
        key, sep, val = part.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise ValueError(f"expected name=value pairs separated by commas, got {part.strip()!r}")
        out[key.strip()] = val.strip()
    return out


POD_ENDPOINT = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


def parse_pod_trunks(value: str) -> dict[str, str]:
    """`10.0.0.11:5038=pod-a,10.0.0.12:5038=pod-b` → {"10.0.0.11:5038": "pod-a", …}: endpoint names
    in lowercase letters, digits, - and _ (what the dialplan's FILTER lets through)."""
    pairs = parse_pairs(value)
    for pod, endpoint in pairs.items():
        if ":" not in pod:
            raise ValueError(f"a pod is named host:port, as in HELPLINE_AMI_URLS: {pod!r}")
        if not POD_ENDPOINT.fullmatch(endpoint):
            raise ValueError(f"trunk endpoint of {pod}: lowercase letters, digits, - and _, got {endpoint!r}")
    return pairs
