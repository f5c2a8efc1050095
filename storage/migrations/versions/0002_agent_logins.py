"""agent logins: which agents Helpline has put in the queues (re-added after a PBX restart)

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_logins",
        sa.Column("extension", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("member_name", sa.String(length=64), nullable=False),
        sa.Column("queues", sa.String(length=255), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("pause_reason", sa.String(length=32), nullable=True),
        sa.Column("logged_in_at", storage.models.UtcDateTime(), nullable=False),
        sa.Column("updated_at", storage.models.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_agent_logins_user_id_users")),
        sa.PrimaryKeyConstraint("extension", name=op.f("pk_agent_logins")),
        sa.UniqueConstraint("user_id", name=op.f("uq_agent_logins_user_id")),
    )


def downgrade() -> None:
    op.drop_table("agent_logins")
