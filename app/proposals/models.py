"""A venture's proposal to a challenge.

The challenge pages count proposals per state and tell ventures with a proposal under way about
changes to the call; the proposal workflow itself (forms, submission, review) builds on this table.
"""
import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db


class ProposalState(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"
    revision_requested = "revision_requested"
    shortlisted = "shortlisted"
    selected = "selected"
    declined = "declined"
    withdrawn = "withdrawn"


PROPOSAL_STATE_LABELS = {
    ProposalState.draft: _l("Draft"),
    ProposalState.submitted: _l("Submitted"),
    ProposalState.revision_requested: _l("Revision requested"),
    ProposalState.shortlisted: _l("Shortlisted"),
    ProposalState.selected: _l("Selected"),
    ProposalState.declined: _l("Declined"),
    ProposalState.withdrawn: _l("Withdrawn"),
}

PROPOSAL_TRANSITIONS: dict[ProposalState, set[ProposalState]] = {
    ProposalState.draft: {ProposalState.submitted, ProposalState.withdrawn},
    ProposalState.submitted: {ProposalState.shortlisted, ProposalState.declined,
                              ProposalState.revision_requested, ProposalState.withdrawn},
    ProposalState.revision_requested: {ProposalState.submitted, ProposalState.withdrawn},
    ProposalState.shortlisted: {ProposalState.selected, ProposalState.declined, ProposalState.withdrawn},
    ProposalState.selected: set(),
    ProposalState.declined: set(),
    ProposalState.withdrawn: set(),
}


class Proposal(db.Model):
    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[ProposalState] = mapped_column(default=ProposalState.draft)
    title: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]

    challenge = relationship("Challenge")
    organization = relationship("Organization")

    __table_args__ = (
        UniqueConstraint("challenge_id", "organization_id", name="one_proposal_per_venture"),
        Index("ix_proposals_challenge_state", "challenge_id", "state"),
        CheckConstraint("state IN ('draft', 'withdrawn') OR submitted_at IS NOT NULL",
                        name="submitted_at_matches_state"),
    )
