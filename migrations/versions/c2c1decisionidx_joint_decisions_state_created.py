"""Joint decisions read by state in page order (the decisions page)

Revision ID: c2c1decisionidx
Revises: b9f2searchlang
Create Date: 2026-12-01 15:00:00

The decisions page lists one state, the latest first, 25 at a time: with (state, created_at, id) it
reads them in order and stops, instead of sorting every decision in the state (docs/performance.md).
The index on state alone is its prefix and goes.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c2c1decisionidx'
down_revision = 'b9f2searchlang'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('joint_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_joint_decisions_state_created', ['state', 'created_at', 'id'], unique=False)
        batch_op.drop_index('ix_joint_decisions_state')


def downgrade():
    with op.batch_alter_table('joint_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_joint_decisions_state', ['state'], unique=False)
        batch_op.drop_index('ix_joint_decisions_state_created')
