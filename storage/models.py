"""SQLAlchemy 2 typed models: the whole schema of Helpline.

Times are stored as UTC (naive in the database, aware in Python) through `UtcDateTime`.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in Python, UTC without zone in the database (same on SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# --- reference data -------------------------------------------------------------------------


class District(Base):
    __tablename__ = "districts"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_hi: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))


class Department(Base):
    __tablename__ = "departments"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_hi: Mapped[str] = mapped_column(String(150))
    name_en: Mapped[str] = mapped_column(String(150))


class Category(Base):
    __tablename__ = "categories"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    name_hi: Mapped[str] = mapped_column(String(150))
    name_en: Mapped[str] = mapped_column(String(150))
    sla_days: Mapped[int] = mapped_column(Integer)
    # Issue 13: deadlines that act. SLA counted in working days (holidays from config) when set;
    # overdue by flag_after_days → the L2 officer is told and the complaint flagged; by
    # escalate_after_days → escalated to L2. NULL: the default rule of the settings.
    sla_working_days: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    flag_after_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    escalate_after_days: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Officer(Base):
    """An L1 or L2 officer of a department in a district (district NULL: state-level nodal officer)."""

    __tablename__ = "officers"
    __table_args__ = (Index("ix_officers_route", "department_code", "district_code", "level"),)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_hi: Mapped[str] = mapped_column(String(150))
    name_en: Mapped[str] = mapped_column(String(150))
    designation: Mapped[str] = mapped_column(String(150), default="")
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    district_code: Mapped[str | None] = mapped_column(ForeignKey("districts.code"), nullable=True)
    level: Mapped[int] = mapped_column(Integer)
    phone: Mapped[str | None] = mapped_column(String(16), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)  # issue 15: reminders by e-mail


class PauseReason(Base):
    __tablename__ = "pause_reasons"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_hi: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    officer_code: Mapped[str | None] = mapped_column(ForeignKey("officers.code"), nullable=True)
    extension: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True)
    languages: Mapped[str] = mapped_column(String(32), default="hi,en")
    ui_language: Mapped[str] = mapped_column(String(2), default="en")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on logout and password change: tokens signed with an older version stop working.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # A collector sees one district (issue 13); NULL for every other role and the state-level variant.
    district_code: Mapped[str | None] = mapped_column(ForeignKey("districts.code"), nullable=True)
    # Media (issue 16): a sign-language agent (logged in to helpline-video too), and whether the
    # desk softphone answers a queue call by itself.
    sign_language: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    auto_answer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


# --- citizens and complaints ------------------------------------------------------------------


class Citizen(Base):
    """A person who called. Several citizens may share one phone number."""

    __tablename__ = "citizens"
    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(150))
    district_code: Mapped[str | None] = mapped_column(ForeignKey("districts.code"), nullable=True)
    language: Mapped[str] = mapped_column(String(2), default="hi")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ComplaintSequence(Base):
    """The last complaint sequence number handed out in a month (YYMM)."""

    __tablename__ = "complaint_sequences"
    yymm: Mapped[str] = mapped_column(String(4), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


# Complaints open at an officer, as partial indexes and the queries that use them spell it.
OPEN_PREDICATE = "state IN ('at_l1', 'at_l2')"


class Complaint(Base):
    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_state_due", "state", "due_at"),
        # the officer's inbox: covering, so its count and every filter but search read the index only
        Index("ix_complaints_inbox", "officer_code", "state", "due_at", "category_code", "reopen_count", "escalated",
              "id"),
        Index("ix_complaints_registered", "registered_at"),
        Index("ix_complaints_phone_month", "phone", "registered_at"),
        # the collector's page: covering indexes, so a district's day and pending work are read
        # from the index alone at a million complaints
        Index("ix_complaints_district_registered", "district_code", "registered_at", "department_code",
              "officer_code", "state", "feedback", "disposed_at", "due_at", "id"),
        Index("ix_complaints_district_state_due", "district_code", "state", "due_at", "officer_code",
              "reopen_count", "escalated", "id"),
        # the collector's pending work by officer: the open complaints alone, grouped in index order
        Index("ix_complaints_district_open", "district_code", "officer_code", "due_at", "reopen_count", "escalated",
              postgresql_where=text(OPEN_PREDICATE), sqlite_where=text(OPEN_PREDICATE)),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(11), unique=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    phone: Mapped[str] = mapped_column(String(16))
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    description: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(Integer, default=1)
    officer_code: Mapped[str | None] = mapped_column(ForeignKey("officers.code"), nullable=True)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    disposed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback: Mapped[str | None] = mapped_column(String(16), nullable=True)
    l1_report: Mapped[str | None] = mapped_column(Text, nullable=True)
    l2_report: Mapped[str | None] = mapped_column(Text, nullable=True)
    registered_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Issue 13: how it was disposed, the interim reply's promised date, the overdue flag of the
    # escalation rules, and when retention masked the citizen's personal data.
    disposal_kind: Mapped[str | None] = mapped_column(String(24), nullable=True)
    expected_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    flagged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    masked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ComplaintEvent(Base):
    """The audit trail: one row per transition (who, when, from, to, detail)."""

    __tablename__ = "complaint_events"
    __table_args__ = (Index("ix_complaint_events_actor", "actor", "action"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_state: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ComplaintAttachment(Base):
    """A file kept with a complaint: an officer's site photo or order copy, a citizen's WhatsApp
    photo or voice note. The bytes live in the attachment store (HELPLINE_ATTACHMENTS_DIR)."""

    __tablename__ = "complaint_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # photo | voice | document | video
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    original_name: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))  # officer | whatsapp | staff | …
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TransferRequest(Base):
    """An officer asks to move a complaint to another district's officer (or department); the
    receiving officer or a supervisor accepts or refuses it. The reason goes into the history."""

    __tablename__ = "transfer_requests"
    __table_args__ = (Index("ix_transfer_requests_to", "to_officer_code", "state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    from_officer_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_officer_code: Mapped[str] = mapped_column(ForeignKey("officers.code"))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))  # pending | accepted | refused
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class DataAccess(Base):
    """Who looked at a citizen's personal data outside a call (officer and collector pages,
    supervisors' search, exports): the data-protection audit."""

    __tablename__ = "data_access_log"
    __table_args__ = (Index("ix_data_access_log_at", "at"), Index("ix_data_access_log_phone", "phone", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    what: Mapped[str] = mapped_column(String(32))  # complaint_page | export | api_complaint | …
    complaint_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    phone: Mapped[str | None] = mapped_column(String(16), nullable=True)


# --- calls and agents ------------------------------------------------------------------------


class Call(Base):
    __tablename__ = "calls"
    __table_args__ = (Index("ix_calls_started", "started_at"), Index("ix_calls_caller", "caller"),
                      # one row per call, whichever process wrote it (issue 10: owner failover)
                      Index("uq_calls_server_linkedid", "server", "linkedid", unique=True),
                      # retention (issue 13): only the rows still holding a number are indexed
                      Index("ix_calls_unmasked", "started_at", postgresql_where=text("masked_at IS NULL"),
                            sqlite_where=text("masked_at IS NULL")))
    id: Mapped[int] = mapped_column(primary_key=True)
    linkedid: Mapped[str] = mapped_column(String(64))
    server: Mapped[str] = mapped_column(String(128), default="")
    direction: Mapped[str] = mapped_column(String(8))
    caller: Mapped[str] = mapped_column(String(32), default="")
    dialed: Mapped[str] = mapped_column(String(32), default="")
    queue: Mapped[str | None] = mapped_column(String(64), nullable=True)
    agent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ivr_path: Mapped[str] = mapped_column(String(255), default="")
    language: Mapped[str | None] = mapped_column(String(2), nullable=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    wait_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    talk_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[str] = mapped_column(String(16), default="")
    hangup_cause: Mapped[int | None] = mapped_column(Integer, nullable=True)
    complaint_number: Mapped[str | None] = mapped_column(String(11), nullable=True)
    disposition: Mapped[str | None] = mapped_column(String(32), nullable=True)
    attempt_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The call's recording, relative to HELPLINE_CALL_RECORDINGS_DIR (recordings/), and when the
    # retention job deleted it.
    recording: Mapped[str | None] = mapped_column(String(128), nullable=True)
    recording_deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # when data-protection retention masked the numbers on it (the counts and times stay)
    masked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AgentStateChange(Base):
    __tablename__ = "agent_state_changes"
    __table_args__ = (Index("ix_agent_state_changes_agent_at", "agent", "at"),
                      Index("uq_agent_state_changes_agent_at_state", "agent", "at", "state", unique=True))
    id: Mapped[int] = mapped_column(primary_key=True)
    agent: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AgentLogin(Base):
    """An agent logged in through Helpline (who is in which queues, paused or not).

    Helpline owns queue membership: the CTI re-adds these after every AMI (re)connect.
    """

    __tablename__ = "agent_logins"
    extension: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    member_name: Mapped[str] = mapped_column(String(64))
    queues: Mapped[str] = mapped_column(String(255))
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    pause_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    logged_in_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CallbackRequest(Base):
    __tablename__ = "callback_requests"
    __table_args__ = (
        Index("ix_callback_requests_state", "state", "requested_at"),
        # one open request per number, whatever its kind (an abandoned call and a press-1 request merge)
        Index("uq_callback_requests_open_phone", "phone", unique=True,
              postgresql_where=text("state = 'open'"), sqlite_where=text("state = 'open'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), index=True)
    language: Mapped[str] = mapped_column(String(2), default="hi")
    queue: Mapped[str | None] = mapped_column(String(64), nullable=True)
    linkedid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    queue_joined_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16), default="open")
    handled_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    handled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Agent desk (issue 12): abandoned calls are served from the same list as IVR requests.
    kind: Mapped[str] = mapped_column(String(16), default="request", server_default="request")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    taken_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    taken_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Issue 14: a complaint recorded after hours (kind "voicemail"): the file's base name under
    # HELPLINE_RECORDINGS_DIR (Asterisk's Record() writes <name>.wav there).
    recording: Mapped[str | None] = mapped_column(String(80), nullable=True)


# --- outbound campaigns ----------------------------------------------------------------------


class Campaign(Base):
    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150))
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    window_start: Mapped[str] = mapped_column(String(5))
    window_end: Mapped[str] = mapped_column(String(5))
    days: Mapped[str] = mapped_column(String(7), default="0123456")
    holidays: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_channels: Mapped[int] = mapped_column(Integer, default=10)
    calls_per_second: Mapped[float] = mapped_column(default=1.0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    retry_minutes: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    daily_cap: Mapped[int] = mapped_column(Integer, default=2)
    survey: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    scheduled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Announcement campaigns (issue 14): {"hi": text, "en": text}, and the optional confirmation
    # question {"prompt_hi", "prompt_en", "digits"}; empty for surveys and feedback.
    message: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    confirm: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    # the dialer runner that dials it (one at a time, so its limits hold across processes)
    runner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    runner_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class CampaignContact(Base):
    __tablename__ = "campaign_contacts"
    __table_args__ = (
        Index("ix_campaign_contacts_due", "campaign_id", "state", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    phone: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(150), default="")
    district: Mapped[str | None] = mapped_column(String(16), nullable=True)
    scheme: Mapped[str | None] = mapped_column(String(100), nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), nullable=True)
    language: Mapped[str] = mapped_column(String(2), default="hi")
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    row_number: Mapped[int | None] = mapped_column(Integer, nullable=True)


class CallAttempt(Base):
    __tablename__ = "call_attempts"
    __table_args__ = (Index("ix_call_attempts_number_day", "number", "started_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("campaign_contacts.id"), index=True)
    number: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(64), unique=True)
    runner: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(16), default="originating")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    hangup_cause: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result: Mapped[str | None] = mapped_column(String(32), nullable=True)


class SurveyAnswer(Base):
    __tablename__ = "survey_answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("call_attempts.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("campaign_contacts.id"), index=True)
    question: Mapped[str] = mapped_column(String(32))
    digit: Mapped[str] = mapped_column(String(1))
    meaning: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class DncNumber(Base):
    __tablename__ = "dnc_numbers"
    phone: Mapped[str] = mapped_column(String(16), primary_key=True)
    reason: Mapped[str] = mapped_column(String(150), default="")
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- messaging: WhatsApp chat, notifications, the delivery outbox (issue 15) ------------------


class MessageContact(Base):
    """What we know of a phone number as a messaging contact: language, WhatsApp, consent (STOP)."""

    __tablename__ = "message_contacts"
    phone: Mapped[str] = mapped_column(String(16), primary_key=True)
    language: Mapped[str | None] = mapped_column(String(2), nullable=True)
    whatsapp: Mapped[bool] = mapped_column(Boolean, default=False)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    stopped: Mapped[bool] = mapped_column(Boolean, default=False)
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ChatConversation(Base):
    """One WhatsApp conversation: with the bot (a step and its data), queued for an agent, with an
    agent, or closed."""

    __tablename__ = "chat_conversations"
    __table_args__ = (Index("ix_chat_conversations_state", "state", "queued_at"),
                      Index("ix_chat_conversations_phone", "phone", "state"),
                      Index("ix_chat_conversations_unmasked", "closed_at",
                            postgresql_where=text("masked_at IS NULL AND state = 'closed'"),
                            sqlite_where=text("masked_at IS NULL AND state = 'closed'")))
    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16))
    profile_name: Mapped[str] = mapped_column(String(150), default="")
    state: Mapped[str] = mapped_column(String(16), default="bot")
    step: Mapped[str] = mapped_column(String(32), default="start")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(2), default="hi")
    agent_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    agent_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_inbound_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    close_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # when retention masked the number, the profile name and the transcript (issue 13)
    masked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ChatMessage(Base):
    """A message of a conversation, either way. Inbound ones carry WhatsApp's id (unique: Meta
    retries a webhook, the same message is taken once)."""

    __tablename__ = "chat_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("chat_conversations.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    wa_id: Mapped[str | None] = mapped_column(String(128), unique=True, nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    media: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    author: Mapped[str] = mapped_column(String(64))
    outbound_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class ChatMedia(Base):
    """A photo or voice note sent in a chat, fetched from the Graph API and kept on the complaint."""

    __tablename__ = "chat_media"
    __table_args__ = (Index("ix_chat_media_state", "state", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("chat_conversations.id"), index=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), nullable=True, index=True)
    media_id: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    mime: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(16), default="waiting")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    attachment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(255), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboundMessage(Base):
    """The delivery outbox: every message to a citizen or officer (chat reply, notification),
    written in the transaction that decided it, sent by whichever process claims it, retried.
    `dedupe_key` makes a decision idempotent (one row per event and recipient)."""

    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_messages_due", "state", "next_attempt_at"),
                      Index("ix_outbound_messages_provider", "provider_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(254))
    recipient_kind: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(2), default="hi")
    body: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    event_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    complaint_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    provider_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    status_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class NotifierCursor(Base):
    """How far a reader of the audit trail has got (the highest event id it has decided on)."""

    __tablename__ = "notifier_cursors"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ScheduledRun(Base):
    """A daily job that ran (job, local date): the first process to insert the row runs it."""

    __tablename__ = "scheduled_runs"
    job: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- hardening: login throttle counters (shared by every `helpline serve` process) --------------


class RateCounter(Base):
    """A fixed-window counter (`key`, window number): failed logins per address, password checks per second."""

    __tablename__ = "rate_counters"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires: Mapped[int] = mapped_column(BigInteger, index=True)  # unix seconds


# --- agent desk and call-centre reports (issue 12) -------------------------------------------


class QueueSetting(Base):
    """Per-queue settings the administrator edits: the wrap-up after each call, in seconds."""

    __tablename__ = "queue_settings"
    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    wrapup_s: Mapped[int] = mapped_column(Integer, default=30)
    # Calls answered from this queue are recorded (the caller hears "this call may be recorded").
    record: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class DispositionReason(Base):
    """The call dispositions agents choose from (administrator's list; retired codes stay for history)."""

    __tablename__ = "disposition_reasons"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_hi: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class CallbackAttempt(Base):
    """One try at calling a callback request (or an abandoned caller) back, and its outcome."""

    __tablename__ = "callback_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("callback_requests.id"), index=True)
    agent: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500), default="")
    call_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


# --- the IVR through the year: hours, holidays, emergency, voices, campaign changes (issue 14) --


class ServiceHours(Base):
    """When agents answer a queue: on `days` (weekday digits, 0 Monday) from `opens` to `closes`
    (local HH:MM). `closes` before `opens` runs past midnight; equal means 24 hours. A queue
    without a row is open all the time."""

    __tablename__ = "service_hours"
    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    days: Mapped[str] = mapped_column(String(7), default="0123456")
    opens: Mapped[str] = mapped_column(String(5))
    closes: Mapped[str] = mapped_column(String(5))
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Holiday(Base):
    """The helpline's holiday calendar: agents' queues closed, campaigns do not call."""

    __tablename__ = "holidays"
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # local date YYYY-MM-DD
    name_en: Mapped[str] = mapped_column(String(100))
    name_hi: Mapped[str] = mapped_column(String(100))
    added_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class EmergencyMessage(Base):
    """The message a supervisor switches on (flood, outage): played before the main menu.
    One row (id 1); `version` grows with every new text or recording."""

    __tablename__ = "emergency_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    text_hi: Mapped[str] = mapped_column(String(1000), default="")
    text_en: Mapped[str] = mapped_column(String(1000), default="")
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CampaignChange(Base):
    """The audit log of campaign rules: who changed what, before and after."""

    __tablename__ = "campaign_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    by: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PromptRecording(Base):
    """A recording an administrator uploaded for a prompt in one language: it replaces the TTS."""

    __tablename__ = "prompt_recordings"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    duration_s: Mapped[float] = mapped_column(default=0.0)
    uploaded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- recordings and quality review (issue 16) ---------------------------------------------------


class RecordingListen(Base):
    """Who listened to which call's recording, and when (the audit admins read)."""

    __tablename__ = "recording_listens"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class QaCriterion(Base):
    """One point of the quality review the administrator defines (greeting, number read back...)."""

    __tablename__ = "qa_criteria"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_hi: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    weight: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class QaReview(Base):
    """A supervisor's review of one answered call: the score is the met criteria's share of the weight."""

    __tablename__ = "qa_reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), unique=True)
    agent: Mapped[str] = mapped_column(String(64), index=True)
    reviewer: Mapped[str] = mapped_column(String(64))
    reviewed_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    score: Mapped[int] = mapped_column(Integer)  # 0-100
    comment: Mapped[str] = mapped_column(String(1000), default="")


class QaMark(Base):
    """One criterion of a review: met or not, with the weight it had then."""

    __tablename__ = "qa_marks"
    review_id: Mapped[int] = mapped_column(ForeignKey("qa_reviews.id", ondelete="CASCADE"), primary_key=True)
    criterion: Mapped[str] = mapped_column(String(32), primary_key=True)
    weight: Mapped[int] = mapped_column(Integer)
    met: Mapped[bool] = mapped_column(Boolean)
