"""Organisations consent, or not, to machine translation of their confidential text (issue 11)

Revision ID: c1deeplconsent
Revises: b9f1translate1
Create Date: 2026-12-01 10:34:01

"""
import sqlalchemy as sa
from alembic import op

revision = 'c1deeplconsent'
down_revision = 'b9f1translate1'
branch_labels = None
depends_on = None


def upgrade():
    # Off for every organisation until its owners switch it on.
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('machine_translate_confidential', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('machine_translate_confidential')
