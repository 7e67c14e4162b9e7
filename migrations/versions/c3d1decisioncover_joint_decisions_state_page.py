"""Joint decisions by state in page order, covering the conflict filter and the count

Revision ID: c3d1decisioncover
Revises: c2c1decisionidx
Create Date: 2026-12-01 17:00:00

The decisions page counts the decisions in a state that no conflict of the reader hides, which tests
each decision's subject: with (subject_type, subject_id) in the index as well, the count and the page
read the index alone instead of every decision's row (SQLite at 100,000 proposals, 4,600 pending
decisions: 6.9 → 1.9 ms; docs/performance.md). It replaces (state, created_at, id), its prefix.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3d1decisioncover'
down_revision = 'c2c1decisionidx'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('joint_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_joint_decisions_state_page',
                              ['state', 'created_at', 'id', 'subject_type', 'subject_id'], unique=False)
        batch_op.drop_index('ix_joint_decisions_state_created')


def downgrade():
    with op.batch_alter_table('joint_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_joint_decisions_state_created', ['state', 'created_at', 'id'], unique=False)
        batch_op.drop_index('ix_joint_decisions_state_page')
