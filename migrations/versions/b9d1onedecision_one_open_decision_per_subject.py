"""one open joint decision per subject, whatever its action

Revision ID: b9d1onedecision
Revises: 5839c433214c
Create Date: 2026-12-01 04:30:00

Two open decisions on one subject (a shortlist and a decline proposed at the same moment) could
both be signed. Should a database hold such pairs already, the newer ones lapse (rejected by their
own requester, with a reason), so the unique index can be built.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b9d1onedecision'
down_revision = '5839c433214c'
branch_labels = None
depends_on = None

PENDING = sa.text("state = 'pending'")


def upgrade():
    op.execute(
        "UPDATE joint_decisions SET state = 'rejected', rejected_by_id = requested_by_id, "
        "rejected_at = CURRENT_TIMESTAMP, decided_at = CURRENT_TIMESTAMP, "
        "rejection_reason = 'Lapsed: another decision on the same subject was already waiting.' "
        "WHERE state = 'pending' AND EXISTS (SELECT 1 FROM joint_decisions AS older "
        "WHERE older.subject_type = joint_decisions.subject_type "
        "AND older.subject_id = joint_decisions.subject_id "
        "AND older.state = 'pending' AND older.id < joint_decisions.id)")
    with op.batch_alter_table('joint_decisions', schema=None) as batch_op:
        batch_op.drop_index('uq_joint_decisions_pending', sqlite_where=PENDING, postgresql_where=PENDING)
        batch_op.create_index('uq_joint_decisions_pending', ['subject_type', 'subject_id'], unique=True,
                              sqlite_where=PENDING, postgresql_where=PENDING)


def downgrade():
    with op.batch_alter_table('joint_decisions', schema=None) as batch_op:
        batch_op.drop_index('uq_joint_decisions_pending', sqlite_where=PENDING, postgresql_where=PENDING)
        batch_op.create_index('uq_joint_decisions_pending', ['subject_type', 'subject_id', 'action'], unique=True,
                              sqlite_where=PENDING, postgresql_where=PENDING)
