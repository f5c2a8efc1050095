"""officer (issue 13): attachments, transfer requests, the data-access audit, a collector's district,
escalation rules and working-day SLA per category, disposal kind, interim date, overdue flag, retention

Revision ID: 0005
Revises: 0008
Create Date: 2026-12-05 00:15:55.429573
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models


revision = '0005'
down_revision = '0008'  # after scale (0008); numbers were handed out before the merge order was known
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('data_access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', storage.models.UtcDateTime(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('what', sa.String(length=32), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('phone', sa.String(length=16), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_access_log'))
    )
    with op.batch_alter_table('data_access_log', schema=None) as batch_op:
        batch_op.create_index('ix_data_access_log_at', ['at'], unique=False)
        batch_op.create_index('ix_data_access_log_phone', ['phone', 'at'], unique=False)

    op.create_table('complaint_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('mime', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('storage_key', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('added_by', sa.String(length=64), nullable=False),
    sa.Column('added_at', storage.models.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_attachments_complaint_id_complaints')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_attachments')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_complaint_attachments_storage_key'))
    )
    with op.batch_alter_table('complaint_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_attachments_complaint_id'), ['complaint_id'], unique=False)

    op.create_table('transfer_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('from_officer_code', sa.String(length=32), nullable=True),
    sa.Column('to_officer_code', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('requested_at', storage.models.UtcDateTime(), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', storage.models.UtcDateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_transfer_requests_complaint_id_complaints')),
    sa.ForeignKeyConstraint(['to_officer_code'], ['officers.code'], name=op.f('fk_transfer_requests_to_officer_code_officers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_requests'))
    )
    with op.batch_alter_table('transfer_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_requests_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index('ix_transfer_requests_to', ['to_officer_code', 'state'], unique=False)

    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_working_days', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('flag_after_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('escalate_after_days', sa.Integer(), nullable=True))

    with op.batch_alter_table('complaint_events', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_events_actor', ['actor', 'action'], unique=False)

    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disposal_kind', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('expected_at', storage.models.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('flagged_at', storage.models.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('masked_at', storage.models.UtcDateTime(), nullable=True))
        batch_op.drop_index('ix_complaints_inbox')
        batch_op.create_index('ix_complaints_inbox', ['officer_code', 'state', 'due_at', 'category_code',
                              'reopen_count', 'escalated', 'id'], unique=False)
        batch_op.create_index('ix_complaints_district_registered', ['district_code', 'registered_at', 'department_code',
                              'officer_code', 'state', 'feedback', 'disposed_at', 'due_at', 'id'], unique=False)
        batch_op.create_index('ix_complaints_district_state_due', ['district_code', 'state', 'due_at', 'officer_code',
                              'reopen_count', 'escalated', 'id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('district_code', sa.String(length=16), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_users_district_code_districts'), 'districts', ['district_code'], ['code'])



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_district_code_districts'), type_='foreignkey')
        batch_op.drop_column('district_code')

    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_district_state_due')
        batch_op.drop_index('ix_complaints_inbox')
        batch_op.create_index('ix_complaints_inbox', ['officer_code', 'state', 'due_at'], unique=False)
        batch_op.drop_index('ix_complaints_district_registered')
        batch_op.drop_column('masked_at')
        batch_op.drop_column('flagged_at')
        batch_op.drop_column('expected_at')
        batch_op.drop_column('disposal_kind')

    with op.batch_alter_table('complaint_events', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_events_actor')

    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_column('escalate_after_days')
        batch_op.drop_column('flag_after_days')
        batch_op.drop_column('sla_working_days')

    with op.batch_alter_table('transfer_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_transfer_requests_to')
        batch_op.drop_index(batch_op.f('ix_transfer_requests_complaint_id'))

    op.drop_table('transfer_requests')
    with op.batch_alter_table('complaint_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_attachments_complaint_id'))

    op.drop_table('complaint_attachments')
    with op.batch_alter_table('data_access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_data_access_log_phone')
        batch_op.drop_index('ix_data_access_log_at')

    op.drop_table('data_access_log')
