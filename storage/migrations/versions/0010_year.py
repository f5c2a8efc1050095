"""the IVR and dialer through a year (issue 14): service hours, holidays, the emergency message,
recorded after-hours complaints, announcement campaigns, campaign changes, uploaded prompt recordings

Revision ID: 0010
Revises: 0009
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('service_hours',
    sa.Column('queue', sa.String(length=64), nullable=False),
    sa.Column('days', sa.String(length=7), nullable=False),
    sa.Column('opens', sa.String(length=5), nullable=False),
    sa.Column('closes', sa.String(length=5), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', storage.models.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('queue', name=op.f('pk_service_hours'))
    )
    op.create_table('holidays',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('name_hi', sa.String(length=100), nullable=False),
    sa.Column('added_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_holidays'))
    )
    op.create_table('emergency_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('text_hi', sa.String(length=1000), nullable=False),
    sa.Column('text_en', sa.String(length=1000), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', storage.models.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_messages'))
    )
    op.create_table('campaign_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('at', storage.models.UtcDateTime(), nullable=False),
    sa.Column('by', sa.String(length=64), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_changes_campaign_id_campaigns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_changes'))
    )
    op.create_index(op.f('ix_campaign_changes_campaign_id'), 'campaign_changes', ['campaign_id'], unique=False)
    op.create_table('prompt_recordings',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('duration_s', sa.Double(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=True),
    sa.Column('uploaded_at', storage.models.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', 'language', name=op.f('pk_prompt_recordings'))
    )
    with op.batch_alter_table('callback_requests') as batch:
        batch.add_column(sa.Column('recording', sa.String(length=80), nullable=True))
    with op.batch_alter_table('campaigns') as batch:
        batch.add_column(sa.Column('message', sa.JSON(), server_default='{}', nullable=False))
        batch.add_column(sa.Column('confirm', sa.JSON(), server_default='{}', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('campaigns') as batch:
        batch.drop_column('confirm')
        batch.drop_column('message')
    with op.batch_alter_table('callback_requests') as batch:
        batch.drop_column('recording')
    op.drop_table('prompt_recordings')
    op.drop_index(op.f('ix_campaign_changes_campaign_id'), table_name='campaign_changes')
    op.drop_table('campaign_changes')
    op.drop_table('emergency_messages')
    op.drop_table('holidays')
    op.drop_table('service_hours')
