"""messaging: WhatsApp conversations and messages, chat media, the delivery outbox, the
notifier's cursor, daily job runs, officers' e-mail (issue 15)

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-04 20:37:21.534984
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models


revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('message_contacts',
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=True),
    sa.Column('whatsapp', sa.Boolean(), nullable=False),
    sa.Column('last_inbound_at', storage.models.UtcDateTime(), nullable=True),
    sa.Column('stopped', sa.Boolean(), nullable=False),
    sa.Column('stopped_at', storage.models.UtcDateTime(), nullable=True),
    sa.Column('updated_at', storage.models.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('phone', name=op.f('pk_message_contacts'))
    )
    op.create_table('notifier_cursors',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('last_event_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', storage.models.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_notifier_cursors'))
    )
    op.create_table('outbound_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=160), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('recipient_kind', sa.String(length=16), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', storage.models.UtcDateTime(), nullable=False),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_until', storage.models.UtcDateTime(), nullable=True),
    sa.Column('provider_id', sa.String(length=128), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('status_at', storage.models.UtcDateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=255), nullable=True),
    sa.Column('created_at', storage.models.UtcDateTime(), nullable=False),
    sa.Column('sent_at', storage.models.UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbound_messages_dedupe_key'))
    )
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbound_messages_due', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_messages_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_outbound_messages_provider', ['provider_id'], unique=False)

    op.create_table('scheduled_runs',
    sa.Column('job', sa.String(length=32), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('at', storage.models.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('job', 'day', name=op.f('pk_scheduled_runs'))
    )
    op.create_table('chat_conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('profile_name', sa.String(length=150), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('step', sa.String(length=32), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('agent_user_id', sa.Integer(), nullable=True),
    sa.Column('agent_name', sa.String(length=64), nullable=True),
    sa.Column('opened_at', storage.models.UtcDateTime(), nullable=False),
    sa.Column('queued_at', storage.models.UtcDateTime(), nullable=True),
    sa.Column('taken_at', storage.models.UtcDateTime(), nullable=True),
    sa.Column('last_inbound_at', storage.models.UtcDateTime(), nullable=False),
    sa.Column('closed_at', storage.models.UtcDateTime(), nullable=True),
    sa.Column('close_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['agent_user_id'], ['users.id'], name=op.f('fk_chat_conversations_agent_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_conversations'))
    )
    with op.batch_alter_table('chat_conversations', schema=None) as batch_op:
        batch_op.create_index('ix_chat_conversations_phone', ['phone', 'state'], unique=False)
        batch_op.create_index('ix_chat_conversations_state', ['state', 'queued_at'], unique=False)

    op.create_table('chat_media',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('media_id', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('mime', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', storage.models.UtcDateTime(), nullable=True),
    sa.Column('attachment_id', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=255), nullable=True),
    sa.Column('received_at', storage.models.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_chat_media_complaint_id_complaints')),
    sa.ForeignKeyConstraint(['conversation_id'], ['chat_conversations.id'], name=op.f('fk_chat_media_conversation_id_chat_conversations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_media')),
    sa.UniqueConstraint('media_id', name=op.f('uq_chat_media_media_id'))
    )
    with op.batch_alter_table('chat_media', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_media_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_media_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index('ix_chat_media_state', ['state', 'next_attempt_at'], unique=False)

    op.create_table('chat_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('wa_id', sa.String(length=128), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('media', sa.JSON(), nullable=True),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('outbound_id', sa.Integer(), nullable=True),
    sa.Column('at', storage.models.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['chat_conversations.id'], name=op.f('fk_chat_messages_conversation_id_chat_conversations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_messages')),
    sa.UniqueConstraint('wa_id', name=op.f('uq_chat_messages_wa_id'))
    )
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_messages_conversation_id'), ['conversation_id'], unique=False)

    with op.batch_alter_table('officers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))

    # The notifier starts at the present: an existing helpline does not message its history.
    op.execute("INSERT INTO notifier_cursors (name, last_event_id, updated_at) "
               "SELECT 'events', COALESCE(MAX(id), 0), CURRENT_TIMESTAMP FROM complaint_events")



def downgrade() -> None:
    with op.batch_alter_table('officers', schema=None) as batch_op:
        batch_op.drop_column('email')

    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_messages_conversation_id'))

    op.drop_table('chat_messages')
    with op.batch_alter_table('chat_media', schema=None) as batch_op:
        batch_op.drop_index('ix_chat_media_state')
        batch_op.drop_index(batch_op.f('ix_chat_media_conversation_id'))
        batch_op.drop_index(batch_op.f('ix_chat_media_complaint_id'))

    op.drop_table('chat_media')
    with op.batch_alter_table('chat_conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_chat_conversations_state')
        batch_op.drop_index('ix_chat_conversations_phone')

    op.drop_table('chat_conversations')
    op.drop_table('scheduled_runs')
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbound_messages_provider')
        batch_op.drop_index(batch_op.f('ix_outbound_messages_event_id'))
        batch_op.drop_index('ix_outbound_messages_due')

    op.drop_table('outbound_messages')
    op.drop_table('notifier_cursors')
    op.drop_table('message_contacts')
