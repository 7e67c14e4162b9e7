"""Funding: awards, tranches, evidence, payees, deposits, payouts, Stripe's events, and the ledger

The ledger's two tables are append-only, as the audit log is (app.common.models.append_only_statements).

Revision ID: d1a1funding
Revises: c5a1reviewscore
Create Date: 2026-12-01 19:52:27.717927

"""
import sqlalchemy as sa
from alembic import op

from app.common.models import append_only_statements


# revision identifiers, used by Alembic.
revision = 'd1a1funding'
down_revision = 'c5a1reviewscore'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stripe_events',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('created', sa.BigInteger(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=200), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_events'))
    )
    op.create_table('stripe_customers',
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_stripe_customers_organization_id_organizations')),
    sa.PrimaryKeyConstraint('organization_id', name=op.f('pk_stripe_customers')),
    sa.UniqueConstraint('customer_id', name=op.f('uq_stripe_customers_customer_id'))
    )
    op.create_table('payees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('bank_account', 'stripe_connect', name='payeekind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('state', sa.Enum('unconfirmed', 'active', 'superseded', name='payeestate', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('account_holder', sa.String(length=200), nullable=True),
    sa.Column('bank_name', sa.String(length=200), nullable=True),
    sa.Column('bank_country', sa.String(length=2), nullable=True),
    sa.Column('account_number', sa.String(length=40), nullable=True),
    sa.Column('swift', sa.String(length=11), nullable=True),
    sa.Column('stripe_account_id', sa.String(length=64), nullable=True),
    sa.Column('payouts_enabled', sa.Boolean(), nullable=False),
    sa.Column('account_event_at', sa.BigInteger(), nullable=True),
    sa.Column('confirmation_digest', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('payouts_from', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(state = 'unconfirmed') = (confirmed_at IS NULL)", name=op.f('ck_payees_payee_confirmed_at')),
    sa.CheckConstraint("kind <> 'bank_account' OR (account_holder IS NOT NULL AND bank_name IS NOT NULL AND account_number IS NOT NULL)", name=op.f('ck_payees_payee_bank_details')),
    sa.CheckConstraint("kind <> 'stripe_connect' OR stripe_account_id IS NOT NULL OR state = 'unconfirmed'", name=op.f('ck_payees_payee_stripe_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_payees_created_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_payees_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payees')),
    sa.UniqueConstraint('confirmation_digest', name=op.f('uq_payees_confirmation_digest'))
    )
    with op.batch_alter_table('payees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payees_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payees_stripe_account_id'), ['stripe_account_id'], unique=False)
        batch_op.create_index('uq_payees_active', ['organization_id'], unique=True, sqlite_where=sa.text("state = 'active'"), postgresql_where=sa.text("state = 'active'"))

    op.create_table('reconciliation_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('mismatch_count', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=80), nullable=True),
    sa.Column('error_detail', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_reconciliation_runs_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_runs'))
    )
    op.create_table('remittance_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tranche_ids', sa.JSON(), nullable=False),
    sa.Column('exported_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['exported_by_id'], ['users.id'], name=op.f('fk_remittance_exports_exported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remittance_exports'))
    )
    op.create_table('reconciliation_mismatches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('missing_in_ledger', 'missing_at_stripe', 'amount_differs', 'currency_differs', 'status_differs', 'destination_differs', name='mismatchkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('subject', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.String(length=255), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=True),
    sa.Column('ours', sa.JSON(), nullable=True),
    sa.Column('stripe', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['reconciliation_runs.id'], name=op.f('fk_reconciliation_mismatches_run_id_reconciliation_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_mismatches')),
    sa.UniqueConstraint('run_id', 'position', name='uq_reconciliation_mismatches_position')
    )
    with op.batch_alter_table('reconciliation_mismatches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_mismatches_run_id'), ['run_id'], unique=False)

    op.create_table('awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('payer_organization_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.Enum('company_award', 'mss_commercialization', 'mss_rnd', 'ipark_in_kind', name='awardsource', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('state', sa.Enum('proposed', 'approved', 'active', 'completed', 'cancelled', name='awardstate', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('currency', sa.Enum('JPY', 'KRW', 'USD', name='currency', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('in_kind_what', sa.String(length=200), nullable=True),
    sa.Column('in_kind_where', sa.String(length=200), nullable=True),
    sa.Column('in_kind_days', sa.Integer(), nullable=True),
    sa.Column('in_kind_from', sa.Date(), nullable=True),
    sa.Column('in_kind_until', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("(source = 'company_award') = (payer_organization_id IS NOT NULL)", name=op.f('ck_awards_award_company_pays')),
    sa.CheckConstraint("(source = 'ipark_in_kind') = (currency IS NULL)", name=op.f('ck_awards_award_money_or_in_kind')),
    sa.CheckConstraint("(state = 'cancelled') = (cancelled_at IS NOT NULL)", name=op.f('ck_awards_award_cancelled_at')),
    sa.CheckConstraint("(state = 'completed') = (completed_at IS NOT NULL)", name=op.f('ck_awards_award_completed_at')),
    sa.CheckConstraint("(state IN ('active', 'completed')) = (activated_at IS NOT NULL) OR state = 'cancelled'", name=op.f('ck_awards_award_activated_at')),
    sa.CheckConstraint("source <> 'ipark_in_kind' OR (in_kind_what IS NOT NULL AND in_kind_days > 0)", name=op.f('ck_awards_award_in_kind_entitlement')),
    sa.CheckConstraint("source = 'ipark_in_kind' OR amount_minor > 0", name=op.f('ck_awards_award_money_positive')),
    sa.CheckConstraint("state = 'proposed' OR state = 'cancelled' OR approved_at IS NOT NULL", name=op.f('ck_awards_award_approved_at')),
    sa.CheckConstraint('amount_minor >= 0 AND amount_minor <= 1000000000000000', name=op.f('ck_awards_award_amount_range')),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_awards_challenge_id_challenges')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_awards_organization_id_organizations')),
    sa.ForeignKeyConstraint(['payer_organization_id'], ['organizations.id'], name=op.f('fk_awards_payer_organization_id_organizations')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_awards_proposal_id_proposals')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_awards_proposed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_awards'))
    )
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_awards_challenge_id'), ['challenge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_awards_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_awards_payer_organization_id'), ['payer_organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_awards_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_awards_state'), ['state'], unique=False)

    op.create_table('deposits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('stripe_checkout', 'bank_transfer', name='depositmethod', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('state', sa.Enum('open', 'processing', 'paid', 'failed', 'expired', name='depositstate', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.Enum('JPY', 'KRW', 'USD', name='currency', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('fee_minor', sa.BigInteger(), nullable=False),
    sa.Column('refunded_minor', sa.BigInteger(), nullable=False),
    sa.Column('stripe_session_id', sa.String(length=255), nullable=True),
    sa.Column('stripe_payment_intent_id', sa.String(length=255), nullable=True),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('checkout_url', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failure', sa.String(length=200), nullable=True),
    sa.CheckConstraint("(state = 'paid') = (received_at IS NOT NULL)", name=op.f('ck_deposits_deposit_received_at')),
    sa.CheckConstraint("method <> 'bank_transfer' OR reference IS NOT NULL", name=op.f('ck_deposits_deposit_reference')),
    sa.CheckConstraint("method <> 'stripe_checkout' OR stripe_session_id IS NOT NULL OR state = 'open'", name=op.f('ck_deposits_deposit_session')),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_deposits_deposit_amount_positive')),
    sa.CheckConstraint('refunded_minor >= 0 AND refunded_minor <= amount_minor', name=op.f('ck_deposits_deposit_refund_range')),
    sa.ForeignKeyConstraint(['award_id'], ['awards.id'], name=op.f('fk_deposits_award_id_awards')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_deposits_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deposits')),
    sa.UniqueConstraint('stripe_session_id', name=op.f('uq_deposits_stripe_session_id'))
    )
    with op.batch_alter_table('deposits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deposits_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deposits_stripe_payment_intent_id'), ['stripe_payment_intent_id'], unique=False)

    op.create_table('ledger_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('company_escrow', 'venture_payable', 'stripe_balance', 'bank_clearing', 'mss_programme', 'mss_disbursements', 'ipark_in_kind', 'in_kind_entitlement', 'fx', 'processor_fees', 'suspense', name='accountkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('currency', sa.String(length=8), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['award_id'], ['awards.id'], name=op.f('fk_ledger_accounts_award_id_awards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_accounts'))
    )
    with op.batch_alter_table('ledger_accounts', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_accounts_award', ['award_id'], unique=False)

    op.create_table('tranches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('state', sa.Enum('planned', 'evidence_submitted', 'approved', 'payout_pending', 'remittance_due', 'paid', 'rejected', name='tranchestate', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('evidence_report', sa.Text(), nullable=True),
    sa.Column('evidence_submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('evidence_submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('payout_method', sa.Enum('stripe_transfer', 'bank_remittance', 'mss_disbursement', name='payoutmethod', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('payout_problem', sa.String(length=80), nullable=True),
    sa.Column('payout_problem_detail', sa.Text(), nullable=True),
    sa.Column('payee_id', sa.Integer(), nullable=True),
    sa.Column('transfer_attempt', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("(state = 'paid') = (paid_at IS NOT NULL)", name=op.f('ck_tranches_tranche_paid_at')),
    sa.CheckConstraint("(state = 'rejected') = (rejection_reason IS NOT NULL)", name=op.f('ck_tranches_tranche_rejection_reason')),
    sa.CheckConstraint("(state IN ('approved', 'payout_pending', 'remittance_due', 'paid')) = (approved_at IS NOT NULL)", name=op.f('ck_tranches_tranche_approved_at')),
    sa.CheckConstraint("state = 'planned' OR evidence_submitted_at IS NOT NULL", name=op.f('ck_tranches_tranche_evidence_at')),
    sa.CheckConstraint("state NOT IN ('payout_pending', 'remittance_due', 'paid') OR payout_method IS NOT NULL", name=op.f('ck_tranches_tranche_payout_method')),
    sa.CheckConstraint('amount_minor >= 0', name=op.f('ck_tranches_tranche_amount_not_negative')),
    sa.ForeignKeyConstraint(['award_id'], ['awards.id'], name=op.f('fk_tranches_award_id_awards')),
    sa.ForeignKeyConstraint(['evidence_submitted_by_id'], ['users.id'], name=op.f('fk_tranches_evidence_submitted_by_id_users')),
    sa.ForeignKeyConstraint(['payee_id'], ['payees.id'], name=op.f('fk_tranches_payee_id_payees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tranches')),
    sa.UniqueConstraint('award_id', 'position', name='uq_tranches_award_position')
    )
    with op.batch_alter_table('tranches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tranches_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tranches_state'), ['state'], unique=False)

    op.create_table('evidence_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tranche_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('storage_key', sa.String(length=80), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tranche_id'], ['tranches.id'], name=op.f('fk_evidence_files_tranche_id_tranches')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_evidence_files_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_files')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_evidence_files_storage_key'))
    )
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_files_tranche_id'), ['tranche_id'], unique=False)

    op.create_table('ledger_transactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('deposit', 'processor_fee', 'refund', 'commitment', 'transfer', 'transfer_reversal', 'remittance', 'mss_disbursement', 'in_kind_grant', name='transactionkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=True),
    sa.Column('tranche_id', sa.Integer(), nullable=True),
    sa.Column('deposit_id', sa.Integer(), nullable=True),
    sa.Column('external_id', sa.String(length=255), nullable=True),
    sa.Column('memo', sa.String(length=300), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['awards.id'], name=op.f('fk_ledger_transactions_award_id_awards')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_ledger_transactions_created_by_id_users')),
    sa.ForeignKeyConstraint(['deposit_id'], ['deposits.id'], name=op.f('fk_ledger_transactions_deposit_id_deposits')),
    sa.ForeignKeyConstraint(['tranche_id'], ['tranches.id'], name=op.f('fk_ledger_transactions_tranche_id_tranches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_transactions')),
    sa.UniqueConstraint('key', name=op.f('uq_ledger_transactions_key'))
    )
    with op.batch_alter_table('ledger_transactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_transactions_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_transactions_external_id'), ['external_id'], unique=False)

    op.create_table('payouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tranche_id', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('stripe_transfer', 'bank_remittance', 'mss_disbursement', name='payoutmethod', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('stripe_transfer_id', sa.String(length=255), nullable=True),
    sa.Column('reversed_minor', sa.BigInteger(), nullable=False),
    sa.Column('sent_minor', sa.BigInteger(), nullable=False),
    sa.Column('sent_currency', sa.Enum('JPY', 'KRW', 'USD', name='sent_currency', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('received_minor', sa.BigInteger(), nullable=True),
    sa.Column('received_currency', sa.Enum('JPY', 'KRW', 'USD', name='received_currency', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('rate', sa.String(length=30), nullable=True),
    sa.Column('fee_minor', sa.BigInteger(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("method <> 'stripe_transfer' OR stripe_transfer_id IS NOT NULL", name=op.f('ck_payouts_payout_transfer_id')),
    sa.CheckConstraint("method = 'stripe_transfer' OR reference IS NOT NULL", name=op.f('ck_payouts_payout_reference')),
    sa.CheckConstraint('sent_minor > 0 AND fee_minor >= 0', name=op.f('ck_payouts_payout_amounts')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_payouts_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['tranche_id'], ['tranches.id'], name=op.f('fk_payouts_tranche_id_tranches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payouts')),
    sa.UniqueConstraint('stripe_transfer_id', name=op.f('uq_payouts_stripe_transfer_id')),
    sa.UniqueConstraint('tranche_id', 'attempt', name='uq_payouts_tranche_attempt')
    )
    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['ledger_accounts.id'], name=op.f('fk_ledger_entries_account_id_ledger_accounts')),
    sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transactions.id'], name=op.f('fk_ledger_entries_transaction_id_ledger_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entries_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_transaction_id'), ['transaction_id'], unique=False)

    op.create_index("uq_ledger_accounts", "ledger_accounts", ["kind", "currency", sa.text("coalesce(award_id, 0)")],
                    unique=True)
    dialect = op.get_bind().dialect.name
    for table in ("ledger_transactions", "ledger_entries"):
        for statement in append_only_statements(table).get(dialect, []):
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in ("ledger_transactions", "ledger_entries"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    op.drop_index("uq_ledger_accounts", table_name="ledger_accounts")
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entries_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_account_id'))

    op.drop_table('ledger_entries')
    op.drop_table('payouts')
    with op.batch_alter_table('ledger_transactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_transactions_external_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_transactions_award_id'))

    op.drop_table('ledger_transactions')
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_files_tranche_id'))

    op.drop_table('evidence_files')
    with op.batch_alter_table('tranches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tranches_state'))
        batch_op.drop_index(batch_op.f('ix_tranches_award_id'))

    op.drop_table('tranches')
    with op.batch_alter_table('ledger_accounts', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_accounts_award')

    op.drop_table('ledger_accounts')
    with op.batch_alter_table('deposits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deposits_stripe_payment_intent_id'))
        batch_op.drop_index(batch_op.f('ix_deposits_award_id'))

    op.drop_table('deposits')
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_awards_state'))
        batch_op.drop_index(batch_op.f('ix_awards_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_awards_payer_organization_id'))
        batch_op.drop_index(batch_op.f('ix_awards_organization_id'))
        batch_op.drop_index(batch_op.f('ix_awards_challenge_id'))

    op.drop_table('awards')
    with op.batch_alter_table('reconciliation_mismatches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_mismatches_run_id'))

    op.drop_table('reconciliation_mismatches')
    op.drop_table('remittance_exports')
    op.drop_table('reconciliation_runs')
    with op.batch_alter_table('payees', schema=None) as batch_op:
        batch_op.drop_index('uq_payees_active', sqlite_where=sa.text("state = 'active'"), postgresql_where=sa.text("state = 'active'"))
        batch_op.drop_index(batch_op.f('ix_payees_stripe_account_id'))
        batch_op.drop_index(batch_op.f('ix_payees_organization_id'))

    op.drop_table('payees')
    op.drop_table('stripe_customers')
    op.drop_table('stripe_events')
