"""scale-out: one calls row per (server, linkedid) and one agent state row per (agent, at, state),
so a new owner of an Asterisk's event stream may write again what the old one may have written
(issue 10). Rows doubled by two processes tracking the same PBX before this are merged first.

Revision ID: 0008
Revises: 0010
"""
from __future__ import annotations

from alembic import op

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


def downgrade() -> None:
    op.drop_index("uq_agent_state_changes_agent_at_state", table_name="agent_state_changes")
    op.drop_index("uq_calls_server_linkedid", table_name="calls")
