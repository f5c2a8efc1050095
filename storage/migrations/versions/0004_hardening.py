"""hardening: rate counters for the login throttle

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window", name=op.f("pk_rate_counters")),
    )
    op.create_index(op.f("ix_rate_counters_expires"), "rate_counters", ["expires"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_counters_expires"), table_name="rate_counters")
    op.drop_table("rate_counters")
