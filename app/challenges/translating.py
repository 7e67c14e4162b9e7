"""Adding and correcting a call's translations (translations.py has the tables and the rules).

The posting organisation and the institutions' staff translate; each save replaces the whole
translation into one language at once — the public part, the confidential part, every question,
every criterion and the current NDA — and is indexed for search. Each function locks the call,
checks, changes, records an audit event and flushes; the caller commits.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.challenges import search
from app.challenges.models import WRITTEN_LANGUAGES, Challenge, NdaAcceptance, NdaVersion
from app.challenges.translations import ChallengeTranslation, CriterionTranslation, QuestionTranslation, digest
from app.common import audit, machine_translation
from app.common.errors import DomainError, PermissionDenied
from app.common.locking import lock
from app.common.time import utcnow
from app.extensions import db


class NotATranslation(DomainError):
    default_message = _l("Choose a language other than the one the challenge is written in.")


class NdaTranslationAccepted(DomainError):
    default_message = _l("Ventures have accepted this translation of the NDA, so it can no longer change. "
                         "Change the NDA itself to issue a new version.")


def save_translation(challenge: Challenge, *, actor: User, language: str, title: str, summary: str,
                     description: str, confidential: str = "", questions: dict[int, str] | None = None,
                     criteria: dict[int, str] | None = None, nda: str = "",
                     machine_draft: bool = False) -> ChallengeTranslation:
    """Write the call's translation into ``language``. Blank questions, criteria or NDA leave those in
    the original. ``machine_draft``: the text began as a machine draft that ``actor`` reviewed."""
    lock(challenge)
    if not challenge.can_translate(actor):
        raise PermissionDenied()
    if language not in WRITTEN_LANGUAGES or language == challenge.language:
        raise NotATranslation()
    now = utcnow()
    source = challenge.translation_source_digest()  # what the translator had before them
    row = challenge.translation(language)
    if row is None:
        row = ChallengeTranslation(language=language, created_at=now, source_digest=source)
        challenge.translations.append(row)
    row.title, row.summary, row.description, row.confidential = title, summary, description, confidential
    row.machine_draft = machine_draft
    row.written_by = actor
    row.reviewed_by = actor if machine_draft else None
    row.updated_at = now
    _translate_rows(challenge.questions, questions or {}, language, QuestionTranslation, "text")
    _translate_rows(challenge.criteria, criteria or {}, language, CriterionTranslation, "name")
    row.source_digest = source
    nda_language = _translate_nda(challenge, language, nda.strip(), actor=actor, machine_draft=machine_draft)
    db.session.flush()
    challenge.forget_texts()
    search.index_challenge(challenge)
    audit.record(actor, "challenge.translated", challenge, language=language, machine_draft=machine_draft,
                 nda=nda_language)
    db.session.flush()
    return row


# What a machine draft may send (issue 11): the public part, the questions and the criteria always;
# the confidential part and the NDA only when the posting organisation has allowed it.
CONFIDENTIAL_FIELDS = ("confidential", "nda")


def machine_draft(challenge: Challenge, *, actor: User, language: str,
                  written: dict[str, str]) -> tuple[dict[str, str], bool]:
    """DeepL's drafts, from the original into ``language``, of the parts of the translation form that
    ``written`` (field name → what the form holds) leaves empty, in one request. Nothing is saved: the
    person reviews the draft and saves it (``save_translation(..., machine_draft=True)``). Returns the
    drafts by field name, and whether confidential text was held back for want of consent.
    Raises MachineTranslationUnavailable."""
    if not challenge.can_translate(actor):
        raise PermissionDenied()
    if language not in WRITTEN_LANGUAGES or language == challenge.language:
        raise NotATranslation()
    originals = {"title": challenge.title, "summary": challenge.summary, "description": challenge.description}
    originals |= {f"question_{question.id}": question.text for question in challenge.questions}
    originals |= {f"criterion_{criterion.id}": criterion.name for criterion in challenge.criteria}
    originals |= {"confidential": challenge.confidential or "",
                  "nda": challenge.current_nda.body if challenge.current_nda else ""}
    wanted = {name: text for name, text in originals.items()
              if (text or "").strip() and not (written.get(name) or "").strip()}
    held_back = False
    if not challenge.allows_machine_translation_of_confidential:
        held_back = any(name in wanted for name in CONFIDENTIAL_FIELDS)
        wanted = {name: text for name, text in wanted.items() if name not in CONFIDENTIAL_FIELDS}
    drafts = machine_translation.translate(list(wanted.values()), source=challenge.language, target=language) \
        if wanted else []
    if wanted:
        # Text leaves for a third party: who sent which parts of which call, and whether confidential.
        audit.record(actor, "challenge.machine_drafted", challenge, language=language, parts=sorted(wanted),
                     confidential=any(name in wanted for name in CONFIDENTIAL_FIELDS))
        db.session.flush()
    return dict(zip(wanted, drafts, strict=True)), held_back


def _translate_rows(rows, texts: dict[int, str], language: str, translation_type, attribute: str) -> None:
    for item in rows:
        existing = next((t for t in item.translations if t.language == language), None)
        text = (texts.get(item.id) or "").strip()
        if not text:
            if existing is not None:
                item.translations.remove(existing)
        elif existing is None:
            item.translations.append(translation_type(language=language, **{attribute: text}))
        else:
            setattr(existing, attribute, text)


def _translate_nda(challenge: Challenge, language: str, text: str, *, actor: User, machine_draft: bool) -> bool:
    """The current NDA in ``language``: a legal version of its own. Once accepted it never changes."""
    current = challenge.current_nda
    if current is None:
        return False
    existing = challenge.nda_in(language)
    if not text:
        if existing is not None and _accepted(existing):
            raise NdaTranslationAccepted()
        if existing is not None:
            challenge.nda_versions.remove(existing)
        return False
    if existing is not None and existing.body == text and existing.source_digest == digest(current.body):
        return True
    if existing is not None:
        if _accepted(existing):
            raise NdaTranslationAccepted()
        existing.body, existing.written_by, existing.machine_draft = text, actor, machine_draft
        existing.source_digest = digest(current.body)
        return True
    challenge.nda_versions.append(NdaVersion(
        number=current.number, language=language, is_original=False, body=text, written_by=actor,
        machine_draft=machine_draft, source_digest=digest(current.body)))
    return True


def _accepted(version: NdaVersion) -> bool:
    return version.id is not None and db.session.scalar(
        select(NdaAcceptance.id).where(NdaAcceptance.nda_version_id == version.id).limit(1)) is not None
