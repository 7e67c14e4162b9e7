"""A venture adding or correcting a translation of its proposal (translations.py has the table).

Each save replaces the whole translation into one language — the text fields and every answer — at
once. It locks the proposal, checks, changes, records an audit event and flushes; the caller commits.
"""
from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.challenges.models import WRITTEN_LANGUAGES
from app.common import audit, machine_translation
from app.common.errors import DomainError, PermissionDenied
from app.common.locking import lock
from app.common.time import utcnow
from app.extensions import db
from app.proposals.models import Proposal
from app.proposals.translations import ProposalTranslation, source_digest


class NotAProposalTranslation(DomainError):
    default_message = _l("Choose a language other than the one the proposal is written in.")


class MachineTranslationNotAllowed(DomainError):
    default_message = _l("Your organisation has not allowed machine translation of its confidential text, and a "
                         "proposal is confidential. Its owners can allow it on the organisation profile.")


def machine_draft(proposal: Proposal, *, actor: User, language: str, written: dict[str, str]) -> dict[str, str]:
    """DeepL's drafts, from the original into ``language``, of the fields of the translation form that
    ``written`` (field name → what the form holds) leaves empty, in one request; nothing is saved.
    Only with the venture's consent. Raises MachineTranslationUnavailable."""
    if not proposal.can_translate(actor):
        raise PermissionDenied()
    if language not in WRITTEN_LANGUAGES or language == proposal.language:
        raise NotAProposalTranslation()
    if not proposal.allows_machine_translation:
        raise MachineTranslationNotAllowed()
    questions = {question.id for question in proposal.challenge.questions}
    originals = {name: getattr(proposal, name) or "" for name in ("title", "summary", "approach", "team")}
    originals |= {f"answer_{answer.question_id}": answer.body or "" for answer in proposal.answers
                  if answer.question_id in questions}
    wanted = {name: text for name, text in originals.items()
              if text.strip() and not (written.get(name) or "").strip()}
    if not wanted:
        return {}
    drafts = machine_translation.translate(list(wanted.values()), source=proposal.language, target=language)
    # Confidential text leaves for a third party: who sent which parts, with the venture's consent.
    audit.record(actor, "proposal.machine_drafted", proposal, language=language, parts=sorted(wanted))
    db.session.flush()
    return dict(zip(wanted, drafts, strict=True))


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
