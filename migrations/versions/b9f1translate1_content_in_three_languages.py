"""Content in three languages: translations of calls, questions, criteria and the NDA

Every call can carry its text in Japanese, Korean and English beside the marked original; each
language of an NDA version is a version of its own. Existing NDA versions are the originals, in
their call's language; existing calls take proposals in any of the three languages.

Revision ID: b9f1translate1
Revises: b9c1conflict01
Create Date: 2026-12-01 10:31:13.317410

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b9f1translate1'
down_revision = 'b9c1conflict01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('challenge_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=1000), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('confidential', sa.Text(), nullable=True),
    sa.Column('machine_draft', sa.Boolean(), nullable=False),
    sa.Column('written_by_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('source_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_challenge_translations_challenge_id_challenges'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_challenge_translations_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['written_by_id'], ['users.id'], name=op.f('fk_challenge_translations_written_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge_translations')),
    sa.UniqueConstraint('challenge_id', 'language', name=op.f('uq_challenge_translations_challenge_id'))
    )
    op.create_table('proposal_question_translations',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['proposal_questions.id'], name=op.f('fk_proposal_question_translations_question_id_proposal_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', 'language', name=op.f('pk_proposal_question_translations'))
    )
    op.create_table('rubric_criterion_translations',
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['criterion_id'], ['rubric_criteria.id'], name=op.f('fk_rubric_criterion_translations_criterion_id_rubric_criteria'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('criterion_id', 'language', name=op.f('pk_rubric_criterion_translations'))
    )
    with op.batch_alter_table('challenges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposal_languages', sa.String(length=8), nullable=False,
                                      server_default='en,ja,ko'))

    with op.batch_alter_table('challenges', schema=None) as batch_op:
        batch_op.alter_column('proposal_languages', server_default=None)

    with op.batch_alter_table('nda_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('is_original', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('written_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('machine_draft', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('source_digest', sa.String(length=64), nullable=True))
    op.execute("UPDATE nda_versions SET language = "
               "(SELECT challenges.language FROM challenges WHERE challenges.id = nda_versions.challenge_id)")
    with op.batch_alter_table('nda_versions', schema=None) as batch_op:
        batch_op.alter_column('language', existing_type=sa.String(length=2), nullable=False)
        batch_op.alter_column('is_original', server_default=None)
        batch_op.alter_column('machine_draft', server_default=None)
        batch_op.drop_constraint(batch_op.f('uq_nda_versions_challenge_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_nda_versions_challenge_id'), ['challenge_id', 'number', 'language'])
        batch_op.create_foreign_key(batch_op.f('fk_nda_versions_written_by_id_users'), 'users', ['written_by_id'], ['id'])



def downgrade():
    # Translations of NDA versions go with the tables of translations; acceptances of them go too.
    op.execute("DELETE FROM nda_acceptances WHERE nda_version_id IN "
               "(SELECT id FROM nda_versions WHERE is_original = false)")
    op.execute("DELETE FROM nda_versions WHERE is_original = false")
    with op.batch_alter_table('nda_versions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_nda_versions_written_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_nda_versions_challenge_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_nda_versions_challenge_id'), ['challenge_id', 'number'])
        batch_op.drop_column('source_digest')
        batch_op.drop_column('machine_draft')
        batch_op.drop_column('written_by_id')
        batch_op.drop_column('is_original')
        batch_op.drop_column('language')

    with op.batch_alter_table('challenges', schema=None) as batch_op:
        batch_op.drop_column('proposal_languages')

    op.drop_table('rubric_criterion_translations')
    op.drop_table('proposal_question_translations')
    op.drop_table('challenge_translations')
