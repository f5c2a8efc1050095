"""scale-out: one calls row per (server, linkedid) and one agent state row per (agent, at, state),
so a new owner of an Asterisk's event stream may write again what the old one may have written
(issue 10); the dialer runner that holds each campaign (its limits are then global).
Rows doubled by two processes tracking the same PBX before this are merged first.

Revision ID: 0008
Revises: 0009
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0008"
down_revision = "0010"  # after year (0010); numbers were handed out before the merge order was known
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM calls WHERE id NOT IN (SELECT MIN(id) FROM calls GROUP BY server, linkedid)")
    op.execute("DELETE FROM agent_state_changes WHERE id NOT IN "
               "(SELECT MIN(id) FROM agent_state_changes GROUP BY agent, at, state)")
    op.create_index("uq_calls_server_linkedid", "calls", ["server", "linkedid"], unique=True)
    op.create_index("uq_agent_state_changes_agent_at_state", "agent_state_changes", ["agent", "at", "state"],
                    unique=True)
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("runner", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("runner_until", storage.models.UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("runner_until")
        batch.drop_column("runner")
    op.drop_index("uq_agent_state_changes_agent_at_state", table_name="agent_state_changes")
    op.drop_index("uq_calls_server_linkedid", table_name="calls")
