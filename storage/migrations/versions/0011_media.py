"""media: call recordings (per-queue setting, the file on the call row, the listening audit),
quality review (criteria, reviews, marks), sign-language agents and softphone auto-answer (issue 16)

Revision ID: 0011
Revises: 0008 (written on 0009; re-chained after main brought 0010 and 0008)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0011"
down_revision = "0005"  # chain: 0009 → 0010 → 0008 → 0005 → 0011 (numbers handed out before the merge order was known)
branch_labels = None
depends_on = None

CRITERIA = [
    ("greeting", "Greeting and introduction", "अभिवादन और परिचय", 1),
    ("listened", "Listened without interrupting", "बिना टोके सुना", 1),
    ("category", "Correct department and category", "सही विभाग और श्रेणी", 2),
    ("read_back", "Complaint number read back", "शिकायत संख्या दोहराई", 2),
    ("courtesy", "Courtesy and closing", "शिष्टाचार और समापन", 1),
]


def upgrade() -> None:
    with op.batch_alter_table("queue_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("record", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recording", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("recording_deleted_at", storage.models.UtcDateTime(), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sign_language", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("auto_answer", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "recording_listens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("at", storage.models.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_recording_listens_call_id_calls")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_listens")),
    )
    op.create_index(op.f("ix_recording_listens_call_id"), "recording_listens", ["call_id"], unique=False)
    op.create_index(op.f("ix_recording_listens_at"), "recording_listens", ["at"], unique=False)
    criteria = op.create_table(
        "qa_criteria",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_hi", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_qa_criteria")),
    )
    op.bulk_insert(criteria, [{"code": c, "name_en": en, "name_hi": hi, "weight": w, "active": True, "position": i}
                              for i, (c, en, hi, w) in enumerate(CRITERIA)])
    op.create_table(
        "qa_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("agent", sa.String(length=64), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=False),
        sa.Column("reviewed_at", storage.models.UtcDateTime(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_qa_reviews_call_id_calls")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_reviews")),
        sa.UniqueConstraint("call_id", name=op.f("uq_qa_reviews_call_id")),
    )
    op.create_index(op.f("ix_qa_reviews_agent"), "qa_reviews", ["agent"], unique=False)
    op.create_index(op.f("ix_qa_reviews_reviewed_at"), "qa_reviews", ["reviewed_at"], unique=False)
    op.create_table(
        "qa_marks",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=32), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["qa_reviews.id"], name=op.f("fk_qa_marks_review_id_qa_reviews"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("review_id", "criterion", name=op.f("pk_qa_marks")),
    )


def downgrade() -> None:
    op.drop_table("qa_marks")
    op.drop_index(op.f("ix_qa_reviews_reviewed_at"), table_name="qa_reviews")
    op.drop_index(op.f("ix_qa_reviews_agent"), table_name="qa_reviews")
    op.drop_table("qa_reviews")
    op.drop_table("qa_criteria")
    op.drop_index(op.f("ix_recording_listens_at"), table_name="recording_listens")
    op.drop_index(op.f("ix_recording_listens_call_id"), table_name="recording_listens")
    op.drop_table("recording_listens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("auto_answer")
        batch_op.drop_column("sign_language")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("recording_deleted_at")
        batch_op.drop_column("recording")
    with op.batch_alter_table("queue_settings", schema=None) as batch_op:
        batch_op.drop_column("record")
