"""outbox: back-off (next_attempt_at), messages given up (failed_at), a stable Message-ID

Revision ID: b9e1outbox0001
Revises: b9d1onedecision
Create Date: 2026-12-01 04:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b9e1outbox0001'
down_revision = 'b9d1onedecision'
branch_labels = None
depends_on = None

UNSENT = 'sent_at IS NULL AND failed_at IS NULL'
OLD_MAX_ATTEMPTS = 5  # what the worker gave up after before this revision


def upgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=250), nullable=True))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True))

    # Rows queued before: an id of their own, due now; those the old worker gave up are failed,
    # so that staff see them and can try them again.
    op.execute("UPDATE outbox_emails SET message_id = '<outbox-' || id || '@kakehashi.invalid>', "
               "next_attempt_at = created_at")
    op.execute(f"UPDATE outbox_emails SET failed_at = CURRENT_TIMESTAMP "
               f"WHERE sent_at IS NULL AND attempts >= {OLD_MAX_ATTEMPTS}")

    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.alter_column('message_id', existing_type=sa.String(length=250), nullable=False)
        batch_op.alter_column('next_attempt_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_emails_message_id'), ['message_id'])
        batch_op.create_check_constraint(batch_op.f('ck_outbox_emails_sent_or_failed'),
                                         'sent_at IS NULL OR failed_at IS NULL')
        batch_op.drop_index('ix_outbox_emails_unsent', sqlite_where=sa.text('sent_at IS NULL'),
                            postgresql_where=sa.text('sent_at IS NULL'))
        batch_op.create_index('ix_outbox_emails_due', ['next_attempt_at', 'id'], unique=False,
                              sqlite_where=sa.text(UNSENT), postgresql_where=sa.text(UNSENT))
        batch_op.create_index('ix_outbox_emails_failed', ['failed_at'], unique=False,
                              sqlite_where=sa.text('failed_at IS NOT NULL'),
                              postgresql_where=sa.text('failed_at IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_emails_failed', sqlite_where=sa.text('failed_at IS NOT NULL'),
                            postgresql_where=sa.text('failed_at IS NOT NULL'))
        batch_op.drop_index('ix_outbox_emails_due', sqlite_where=sa.text(UNSENT), postgresql_where=sa.text(UNSENT))
        batch_op.create_index('ix_outbox_emails_unsent', ['id'], unique=False, sqlite_where=sa.text('sent_at IS NULL'),
                              postgresql_where=sa.text('sent_at IS NULL'))
        batch_op.drop_constraint(batch_op.f('ck_outbox_emails_sent_or_failed'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_outbox_emails_message_id'), type_='unique')
        batch_op.drop_column('failed_at')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('message_id')
