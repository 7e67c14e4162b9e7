"""Reviews by reviewer in assigned order, and the waiting ones apart

Revision ID: c4a1myreviews
Revises: c3d1decisioncover
Create Date: 2026-12-01 17:30:00

My reviews lists a reviewer's waiting reviews first, then the others, each the latest assigned first:
read from (reviewer_id, assigned_at, id), the waiting ones from a partial index of their own, a page
reads its rows instead of sorting all of the reviewer's reviews (docs/performance.md, issue 12).
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4a1myreviews'
down_revision = 'c3d1decisioncover'
branch_labels = None
depends_on = None

WAITING = 'submitted_at IS NULL AND conflict_declared_at IS NULL'


def upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index('ix_reviews_reviewer_assigned', ['reviewer_id', 'assigned_at', 'id'], unique=False)
        batch_op.create_index('ix_reviews_reviewer_waiting', ['reviewer_id', 'assigned_at', 'id'], unique=False,
                              sqlite_where=sa.text(WAITING), postgresql_where=sa.text(WAITING))


def downgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_reviews_reviewer_waiting', sqlite_where=sa.text(WAITING),
                            postgresql_where=sa.text(WAITING))
        batch_op.drop_index('ix_reviews_reviewer_assigned')
