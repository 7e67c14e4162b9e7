"""Conflicts that keep blind review blind: on a proposal, by address, withdrawn by staff only

Revision ID: b9c1conflict01
Revises: b9e1outbox0001
Create Date: 2026-12-01 04:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b9c1conflict01'
down_revision = 'b9e1outbox0001'
branch_labels = None
depends_on = None

OLD_INDEXES = {
    'uq_review_conflicts_organization': (['user_id', 'organization_id'], 'organization_id IS NOT NULL'),
    'uq_review_conflicts_person': (['user_id', 'person_id'], 'person_id IS NOT NULL'),
}
NEW_INDEXES = {
    'uq_review_conflicts_organization': (
        ['user_id', 'organization_id'], 'organization_id IS NOT NULL AND proposal_id IS NULL AND withdrawn_at IS NULL'),
    'uq_review_conflicts_person': (['user_id', 'person_id'], 'person_id IS NOT NULL AND withdrawn_at IS NULL'),
    'uq_review_conflicts_email': (['user_id', 'email'], 'email IS NOT NULL AND withdrawn_at IS NULL'),
    'uq_review_conflicts_proposal': (['user_id', 'proposal_id'], 'proposal_id IS NOT NULL AND withdrawn_at IS NULL'),
}
ONE_COUNTERPART = ("(organization_id IS NOT NULL AND person_id IS NULL AND email IS NULL) "
                   "OR (organization_id IS NULL AND person_id IS NOT NULL AND email IS NULL) "
                   "OR (organization_id IS NULL AND person_id IS NULL AND email IS NOT NULL)")


def _partial(batch_op, name, columns, where, create):
    kwargs = dict(sqlite_where=sa.text(where), postgresql_where=sa.text(where))
    if create:
        batch_op.create_index(name, columns, unique=True, **kwargs)
    else:
        batch_op.drop_index(name, **kwargs)


def upgrade():
    with op.batch_alter_table('review_conflicts', schema=None) as batch_op:
        for name, (columns, where) in OLD_INDEXES.items():
            _partial(batch_op, name, columns, where, create=False)
        batch_op.drop_constraint(op.f('ck_review_conflicts_one_counterpart'), type_='check')
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('proposal_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('identity_hidden', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withdrawal_reason', sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(op.f('fk_review_conflicts_proposal_id_proposals'), 'proposals',
                                    ['proposal_id'], ['id'])
        batch_op.create_foreign_key(op.f('fk_review_conflicts_withdrawn_by_id_users'), 'users',
                                    ['withdrawn_by_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_review_conflicts_one_counterpart'), ONE_COUNTERPART)
        batch_op.create_check_constraint(op.f('ck_review_conflicts_proposal_names_its_team'),
                                         'proposal_id IS NULL OR organization_id IS NOT NULL')
        batch_op.create_check_constraint(op.f('ck_review_conflicts_hidden_identity_on_proposal'),
                                         'NOT identity_hidden OR proposal_id IS NOT NULL')
        batch_op.create_check_constraint(op.f('ck_review_conflicts_email_lowercase'),
                                         'email IS NULL OR email = lower(email)')
        batch_op.create_check_constraint(op.f('ck_review_conflicts_withdrawal_complete'),
                                         '(withdrawn_at IS NULL) = (withdrawn_by_id IS NULL) '
                                         'AND (withdrawn_at IS NULL) = (withdrawal_reason IS NULL)')
        batch_op.create_index('ix_review_conflicts_email', ['email'], unique=False)
        for name, (columns, where) in NEW_INDEXES.items():
            _partial(batch_op, name, columns, where, create=True)


def downgrade():
    # Rows the older schema cannot hold (by address, withdrawn) go; the others stay. A conflict on a
    # proposal becomes one with its team, so of several with the same team one stays: the team's own
    # if there is one, else the oldest.
    op.execute("DELETE FROM review_conflicts WHERE email IS NOT NULL OR withdrawn_at IS NOT NULL")
    op.execute("DELETE FROM review_conflicts WHERE proposal_id IS NOT NULL AND EXISTS ("
               "SELECT 1 FROM review_conflicts AS kept WHERE kept.user_id = review_conflicts.user_id"
               " AND kept.organization_id = review_conflicts.organization_id"
               " AND (kept.proposal_id IS NULL OR kept.id < review_conflicts.id))")
    with op.batch_alter_table('review_conflicts', schema=None) as batch_op:
        for name, (columns, where) in NEW_INDEXES.items():
            _partial(batch_op, name, columns, where, create=False)
        batch_op.drop_index('ix_review_conflicts_email')
        for name in ('withdrawal_complete', 'email_lowercase', 'hidden_identity_on_proposal',
                     'proposal_names_its_team', 'one_counterpart'):
            batch_op.drop_constraint(op.f(f'ck_review_conflicts_{name}'), type_='check')
        batch_op.drop_constraint(op.f('fk_review_conflicts_withdrawn_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_review_conflicts_proposal_id_proposals'), type_='foreignkey')
        for column in ('withdrawal_reason', 'withdrawn_by_id', 'withdrawn_at', 'identity_hidden', 'proposal_id',
                       'email'):
            batch_op.drop_column(column)
        batch_op.create_check_constraint(op.f('ck_review_conflicts_one_counterpart'),
                                         '(organization_id IS NULL) <> (person_id IS NULL)')
        for name, (columns, where) in OLD_INDEXES.items():
            _partial(batch_op, name, columns, where, create=True)
