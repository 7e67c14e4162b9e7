"""A venture adding or correcting a translation of its proposal (translations.py has the table).

Each save replaces the whole translation into one language — the text fields and every answer — at
once. It locks the proposal, checks, changes, records an audit event and flushes; the caller commits.
"""
from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.challenges.models import WRITTEN_LANGUAGES
from app.common import audit
from app.common.errors import DomainError, PermissionDenied
from app.common.locking import lock
from app.common.time import utcnow
from app.extensions import db
from app.proposals.models import Proposal
from app.proposals.translations import ProposalTranslation, source_digest


class NotAProposalTranslation(DomainError):
    default_message = _l("Choose a language other than the one the proposal is written in.")


def save_proposal_translation(proposal: Proposal, *, actor: User, language: str, title: str, summary: str = "",
                              approach: str = "", team: str = "", answers: dict[int, str] | None = None,
                              machine_draft: bool = False) -> ProposalTranslation:
    """Write the proposal's translation into ``language``. A blank answer stays in the original only.
    ``machine_draft``: the text began as a machine draft that ``actor`` reviewed."""
    lock(proposal)
    if not proposal.can_translate(actor):
        raise PermissionDenied()
    if language not in WRITTEN_LANGUAGES or language == proposal.language:
        raise NotAProposalTranslation()
    now = utcnow()
    questions = {question.id for question in proposal.challenge.questions}
    digest_of_original = source_digest(proposal)
    row = proposal.translation(language)
    created = row is None
    if created:
        row = ProposalTranslation(language=language, created_at=now)
    row.title, row.summary, row.approach, row.team = title.strip(), summary.strip(), approach.strip(), team.strip()
    row.answers = {str(question_id): text.strip() for question_id, text in sorted((answers or {}).items())
                   if question_id in questions and text and text.strip()}
    row.machine_draft = machine_draft
    row.written_by = actor
    row.updated_at = now
    row.source_digest = digest_of_original
    if created:  # complete before it joins the session: a lazy load would flush it half-written
        proposal.translations.append(row)
    audit.record(actor, "proposal.translated", proposal, language=language, created=created,
                 machine_draft=machine_draft, state=str(proposal.state))
    db.session.flush()
    return row
