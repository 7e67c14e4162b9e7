"""A venture's proposals as "My proposals" lists them: one page of rows, not objects of the session.

The page shows each proposal's title, state and progress, and its call's title (in the reader's
language, as the call's own page shows it) and deadline: read in one statement, built once per
process (building a select costs more than sending it), with the count sent only when the page
does not tell it.
"""
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from app.challenges.models import Challenge, is_past_deadline
from app.challenges.translations import ChallengeTranslation
from app.common.pagination import Page
from app.extensions import db
from app.proposals.models import Proposal, ProposalState


@dataclass(frozen=True)
class ListedProposal:
    id: int
    title: str | None
    state: ProposalState
    submitted_at: datetime | None
    shortlisted_at: datetime | None
    challenge_id: int
    deadline: datetime
    call_title: str
    call_language: str

    def deadline_passed(self, now: datetime | None = None) -> bool:
        """The call's deadline has passed (Challenge.deadline_passed)."""
        return is_past_deadline(self.deadline, now)


@cache
def _statements():
    shown = aliased(ChallengeTranslation)
    own = Proposal.organization_id == bindparam("organization_id")
    last_activity = func.coalesce(Proposal.withdrawn_at, Proposal.updated_at)
    rows = (select(Proposal.id, Proposal.title, Proposal.state, Proposal.submitted_at, Proposal.shortlisted_at,
                   Proposal.challenge_id, Challenge.deadline, *Challenge.shown_title(shown))
            .join(Challenge, Challenge.id == Proposal.challenge_id)
            .outerjoin(shown, Challenge.shown_translation(shown, bindparam("language")))
            .where(own).order_by(last_activity.desc(), Proposal.id.desc())
            .limit(bindparam("limit")).offset(bindparam("offset")))
    count = select(func.count()).select_from(Proposal).where(own)
    return rows, count


def listed_proposals(organization_id: int, *, language: str, page: int, per_page: int) -> Page:
    """The venture's proposals, latest activity first (a withdrawal is an activity), for a reader
    of ``language``. Counted only beyond the first page or when it is full."""
    rows, count = _statements()
    parameters = {"organization_id": organization_id, "language": language}
    items = [ListedProposal(*row) for row in db.session.execute(
        rows, {**parameters, "limit": per_page, "offset": (page - 1) * per_page})]
    total = len(items) if page == 1 and len(items) < per_page else db.session.scalar(count, parameters)
    return Page(items=items, total=total, page=page, per_page=per_page)
