"""search terms per language: each version of a call (the original, each translation) indexed apart

Revision ID: b9f2searchlang
Revises: c1a1proposallang
Create Date: 2026-12-01 11:00:00

The terms of the term list's concepts ("#antibody") come with the next indexing of each call:
`flask reindex-search` rebuilds them all (docs/performance.md).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b9f2searchlang'
down_revision = 'c1a1proposallang'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('challenge_search_terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=True))
    # The rows so far are the original's: its language.
    op.execute("UPDATE challenge_search_terms SET language = "
               "(SELECT language FROM challenges WHERE challenges.id = challenge_search_terms.challenge_id)")
    with op.batch_alter_table('challenge_search_terms', schema=None) as batch_op:
        batch_op.alter_column('language', existing_type=sa.String(length=2), nullable=False)
        batch_op.drop_index('ix_challenge_search_terms_covering')
        batch_op.drop_constraint('pk_challenge_search_terms', type_='primary')
        batch_op.create_primary_key('pk_challenge_search_terms', ['term', 'challenge_id', 'language'])
        batch_op.create_index('ix_challenge_search_terms_covering', ['term', 'challenge_id', 'language', 'weight'],
                              unique=False)


def downgrade():
    # Back to one version a call: the original's rows stay, the translations' go.
    op.execute("DELETE FROM challenge_search_terms WHERE language <> "
               "(SELECT language FROM challenges WHERE challenges.id = challenge_search_terms.challenge_id)")
    with op.batch_alter_table('challenge_search_terms', schema=None) as batch_op:
        batch_op.drop_index('ix_challenge_search_terms_covering')
        batch_op.drop_constraint('pk_challenge_search_terms', type_='primary')
        batch_op.create_primary_key('pk_challenge_search_terms', ['term', 'challenge_id'])
        batch_op.create_index('ix_challenge_search_terms_covering', ['term', 'challenge_id', 'weight'], unique=False)
        batch_op.drop_column('language')
