"""Every table, imported once so that Alembic and create_all see the whole schema."""
from app.auth.models import Invitation, LoginSession, Organization, OrganizationField, User  # noqa: F401
from app.challenges.models import (  # noqa: F401
    Challenge,
    ChallengeAttachment,
    ChallengeField,
    ChallengeFundingSource,
    ChallengeSearchTerm,
    ClarificationQuestion,
    NdaAcceptance,
    NdaVersion,
    ProposalQuestion,
    RubricCriterion,
)
from app.challenges.translations import ChallengeTranslation, CriterionTranslation, QuestionTranslation  # noqa: F401
from app.common.models import AuditEvent, JointDecision, OutboxEmail  # noqa: F401
from app.funding.ledger import LedgerAccount, LedgerEntry, LedgerTransaction  # noqa: F401
from app.funding.models import (  # noqa: F401
    Award,
    Deposit,
    EvidenceFile,
    Payee,
    Payout,
    ReconciliationMismatch,
    ReconciliationRun,
    RemittanceExport,
    StripeCustomer,
    StripeEvent,
    Tranche,
)
from app.proposals.conflicts import Conflict  # noqa: F401
from app.proposals.models import Proposal, ProposalAnswer, ProposalAttachment, ProposalMilestone  # noqa: F401
from app.proposals.translations import ProposalTranslation  # noqa: F401
from app.review.models import Review, ReviewScore  # noqa: F401
