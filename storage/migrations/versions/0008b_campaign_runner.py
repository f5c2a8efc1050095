"""scale-out: the dialer runner that holds each campaign, so its limits are global (issue 10)

A revision of its own (not in 0008, which main had already merged and databases may have
passed): `campaigns.runner` and `campaigns.runner_until`.

Revision ID: 0008b
Revises: 0011
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0008b"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("runner", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("runner_until", storage.models.UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("runner_until")
        batch.drop_column("runner")
