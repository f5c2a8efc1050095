"""agent desk: wrap-up per queue, disposition reasons, callbacks served (attempts, abandoned calls)

Revision ID: 0006
Revises: 0004 (written on 0003; re-chained after main brought 0004)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

DISPOSITIONS = [
    ("complaint_registered", "Complaint registered", "शिकायत दर्ज"),
    ("status_enquiry", "Status enquiry", "स्थिति की जानकारी"),
    ("feedback", "Feedback", "प्रतिपुष्टि"),
    ("information", "Scheme information", "योजना की जानकारी"),
    ("callback_done", "Called back", "वापस कॉल की गई"),
    ("wrong_number", "Wrong number", "गलत नंबर"),
    ("silent", "Silent call", "मौन कॉल"),
    ("abusive", "Abusive caller", "अभद्र कॉलर"),
    ("other", "Other", "अन्य"),
]
QUEUES = ("helpline-hi", "helpline-en", "helpline-video")
DEFAULT_WRAPUP_S = 15


def upgrade() -> None:
    queue_settings = op.create_table(
        "queue_settings",
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("wrapup_s", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("queue", name=op.f("pk_queue_settings")),
    )
    reasons = op.create_table(
        "disposition_reasons",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_hi", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_disposition_reasons")),
    )
    op.bulk_insert(queue_settings, [{"queue": q, "wrapup_s": DEFAULT_WRAPUP_S} for q in QUEUES])
    op.bulk_insert(reasons, [{"code": code, "name_en": en, "name_hi": hi, "active": True, "position": i}
                             for i, (code, en, hi) in enumerate(DISPOSITIONS)])
    with op.batch_alter_table("callback_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="request", nullable=False))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("last_outcome", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("last_attempt_at", storage.models.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("taken_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("taken_until", storage.models.UtcDateTime(), nullable=True))
    # Before the one-open-request-per-number index: later duplicates of a number are merged into its first.
    op.execute(sa.text(
        "UPDATE callback_requests SET state = 'merged' WHERE state = 'open' AND id NOT IN "
        "(SELECT MIN(id) FROM callback_requests WHERE state = 'open' GROUP BY phone)"))
    op.create_index("uq_callback_requests_open_phone", "callback_requests", ["phone"], unique=True,
                    postgresql_where=sa.text("state = 'open'"), sqlite_where=sa.text("state = 'open'"))
    op.create_table(
        "callback_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("agent", sa.String(length=64), nullable=False),
        sa.Column("at", storage.models.UtcDateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["callback_requests.id"],
                                name=op.f("fk_callback_attempts_request_id_callback_requests")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_attempts")),
    )
    op.create_index(op.f("ix_callback_attempts_request_id"), "callback_attempts", ["request_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_callback_attempts_request_id"), table_name="callback_attempts")
    op.drop_table("callback_attempts")
    op.drop_index("uq_callback_requests_open_phone", table_name="callback_requests")
    with op.batch_alter_table("callback_requests", schema=None) as batch_op:
        for column in ("taken_until", "taken_by", "last_attempt_at", "last_outcome", "attempts", "kind"):
            batch_op.drop_column(column)
    op.drop_table("disposition_reasons")
    op.drop_table("queue_settings")
