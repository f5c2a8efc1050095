"""officer2: retention masks call rows and WhatsApp transcripts (masked_at, partial indexes on the
rows still held in full); the collector's pending work by officer reads a partial index of the
open complaints (issue 13)

Revision ID: 0012
Revises: 0011
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UNMASKED_CALLS = "masked_at IS NULL"
UNMASKED_CHATS = "masked_at IS NULL AND state = 'closed'"
OPEN = "state IN ('at_l1', 'at_l2')"  # storage.models.OPEN_PREDICATE, as it was when written


def upgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("masked_at", storage.models.UtcDateTime(), nullable=True))
    with op.batch_alter_table("chat_conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("masked_at", storage.models.UtcDateTime(), nullable=True))
    op.create_index("ix_calls_unmasked", "calls", ["started_at"], unique=False,
                    postgresql_where=sa.text(UNMASKED_CALLS), sqlite_where=sa.text(UNMASKED_CALLS))
    op.create_index("ix_chat_conversations_unmasked", "chat_conversations", ["closed_at"], unique=False,
                    postgresql_where=sa.text(UNMASKED_CHATS), sqlite_where=sa.text(UNMASKED_CHATS))
    op.create_index("ix_complaints_district_open", "complaints",
                    ["district_code", "officer_code", "due_at", "reopen_count", "escalated"], unique=False,
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))


def downgrade() -> None:
    op.drop_index("ix_complaints_district_open", table_name="complaints")
    op.drop_index("ix_chat_conversations_unmasked", table_name="chat_conversations")
    op.drop_index("ix_calls_unmasked", table_name="calls")
    with op.batch_alter_table("chat_conversations", schema=None) as batch_op:
        batch_op.drop_column("masked_at")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("masked_at")
