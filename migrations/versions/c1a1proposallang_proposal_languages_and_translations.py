"""Proposals cross back: each proposal's language, and the venture's translations of it

A proposal is written in one of the languages its call accepts (challenges.proposal_languages); the
proposals written before this revision are taken to be in their call's language. A venture may add a
translation of its text fields and answers per language.

Revision ID: c1a1proposallang
Revises: c1deeplconsent
Create Date: 2026-12-01 10:57:26.831679

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c1a1proposallang'
down_revision = 'c1deeplconsent'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('proposal_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('title', sa.String(length=400), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('approach', sa.Text(), nullable=False),
    sa.Column('team', sa.Text(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('written_by_id', sa.Integer(), nullable=False),
    sa.Column('machine_draft', sa.Boolean(), nullable=False),
    sa.Column('source_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_translations_proposal_id_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['written_by_id'], ['users.id'], name=op.f('fk_proposal_translations_written_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_translations')),
    sa.UniqueConstraint('proposal_id', 'language', name=op.f('uq_proposal_translations_proposal_id'))
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=True))
    op.execute("UPDATE proposals SET language = "
               "(SELECT challenges.language FROM challenges WHERE challenges.id = proposals.challenge_id)")
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.alter_column('language', existing_type=sa.String(length=2), nullable=False)


def downgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_column('language')

    op.drop_table('proposal_translations')
