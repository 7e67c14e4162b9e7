"""Every change to a challenge: posting, review, publication, corrections, closing, NDA, Q&A.

Each function checks the transition, changes state and timestamps, records an audit event,
queues the e-mails, and flushes; the caller commits.
"""
from datetime import datetime

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import Organization, OrganizationField, OrganizationKind, User, VerificationState
from app.challenges import search
from app.challenges.models import (
    CHALLENGE_TRANSITIONS,
    DEFAULT_RUBRIC,
    WRITTEN_LANGUAGES,
    Challenge,
    ChallengeAttachment,
    ChallengeField,
    ChallengeState,
    ClarificationQuestion,
    NdaAcceptance,
    NdaVersion,
    Program,
    ProposalQuestion,
    RubricCriterion,
    programs_for,
)
from app.challenges.translations import CriterionTranslation, QuestionTranslation
from app.common import audit, signals, uploads
from app.common.errors import DomainError, PermissionDenied, require_transition
from app.common.locking import lock
from app.common.outbox import external_url, queue_email
from app.common.time import as_utc, utcnow
from app.extensions import db

# Edition of the default NDA texts (templates/challenges/nda/); a change publishes a new edition.
NDA_EDITION = "2026-1"

PUBLIC_TEXT = ("title", "summary", "description")
# While a call is open the poster may correct its text and push the deadline back, nothing else:
# ventures have read the terms and may be writing against them.
CORRECTABLE_WHILE_OPEN = {"title", "summary", "description", "confidential", "deadline"}
# A draft may change in everything its poster chose; never its programme, owner or state.
EDITABLE_IN_DRAFT = CORRECTABLE_WHILE_OPEN | {"fields", "language", "trl", "budget_minor", "currency",
                                              "funding_sources", "blind_review", "proposal_languages"}


class DeadlineInPast(DomainError):
    default_message = _l("The deadline must be in the future.")


class NoProposalLanguage(DomainError):
    default_message = _l("Choose at least one language proposals may be written in.")


class DeadlineShortened(DomainError):
    default_message = _l("The deadline of an open challenge can be extended, not brought forward.")


class QuestionAlreadyAnswered(DomainError):
    default_message = _l("This question has already been answered.")


def default_nda_text(program: Program, language: str) -> str:
    with force_locale(language):
        return render_template(f"challenges/nda/default.{language}.md", program=program,
                               edition=NDA_EDITION).strip()


def nda_reference_translation(challenge: Challenge, language: str) -> str | None:
    """The programme's default NDA in the reader's language, when the challenge uses that default
    unchanged: a reference, so nobody accepts a legal text they cannot read. None otherwise."""
    nda = challenge.current_nda
    if language == challenge.language or language not in WRITTEN_LANGUAGES or nda is None:
        return None
    if nda.body.strip() != default_nda_text(challenge.program, challenge.language):
        return None
    return default_nda_text(challenge.program, language)


def _transition(challenge: Challenge, target: ChallengeState, *, actor, **details) -> None:
    require_transition(CHALLENGE_TRANSITIONS, challenge.state, target)
    source = challenge.state
    challenge.state = target
    audit.record(actor, f"challenge.{target.value}", challenge, from_state=source, to_state=target, **details)


def _challenge_url(challenge: Challenge) -> str:
    return external_url("challenges.show", challenge_id=challenge.id)


def _notify(users, template: str, challenge: Challenge, **context) -> None:
    url = _challenge_url(challenge)
    for user in {user.id: user for user in users if user.active}.values():
        queue_email(user, template, challenge=challenge, url=url, **context)


def poster_members(challenge: Challenge) -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.organization_id == challenge.organization_id, User.active.is_(True))))


def staff_members() -> list[User]:
    return list(db.session.scalars(
        select(User).join(User.organization)
        .where(Organization.kind == OrganizationKind.institution, Organization.institution.is_not(None),
               User.active.is_(True))))


def interested_users(challenge: Challenge) -> list[User]:
    """Those following the call closely: they accepted its NDA or have a proposal under way (the
    domains above answer signals.challenge_followers)."""
    accepted = select(NdaAcceptance.user_id).where(NdaAcceptance.challenge_id == challenge.id)
    followers = [answer for _, answer in signals.challenge_followers.send(challenge)]
    return list(db.session.scalars(select(User).where(
        User.active.is_(True), User.id.in_(accepted.union(*followers)))))


def matching_venture_members(challenge: Challenge) -> list[User]:
    """Members of verified ventures that work in one of the call's fields."""
    ventures = (select(OrganizationField.organization_id)
                .where(OrganizationField.field.in_(select(ChallengeField.field)
                                                   .where(ChallengeField.challenge_id == challenge.id))))
    return list(db.session.scalars(
        select(User).join(User.organization)
        .where(Organization.kind == OrganizationKind.venture,
               Organization.verification_state == VerificationState.verified,
               Organization.id.in_(ventures), User.active.is_(True), User.email_verified_at.is_not(None))))


# Posting and editing --------------------------------------------------------------------------

def create_challenge(*, actor: User, program: Program, questions=(), criteria=(), nda_text=None,
                     **attributes) -> Challenge:
    """A new draft for the actor's organisation. Without criteria it gets the default rubric."""
    program = Program(program)
    if program not in programs_for(actor):
        raise PermissionDenied(_l("Your organisation cannot post challenges in this programme."))
    _check_deadline(attributes.get("deadline"))
    if "proposal_languages" in attributes:
        attributes["proposal_languages"] = _proposal_languages(attributes["proposal_languages"])
    challenge = Challenge(program=program, organization=actor.organization, created_by=actor,
                          state=ChallengeState.draft)
    _assign(challenge, attributes)
    with force_locale(challenge.language):
        criteria = criteria or [{"name": str(name), "weight": weight} for name, weight in DEFAULT_RUBRIC]
    _replace_questions(challenge, questions)
    _replace_criteria(challenge, criteria)
    challenge.nda_versions = [NdaVersion(
        number=1, language=challenge.language, body=nda_text or default_nda_text(program, challenge.language))]
    db.session.add(challenge)
    db.session.flush()
    search.index_challenge(challenge)
    audit.record(actor, "challenge.created", challenge, to_state=ChallengeState.draft, program=program.value)
    db.session.flush()
    return challenge


def update_challenge(challenge: Challenge, *, actor: User, questions=None, criteria=None, nda_text=None,
                     **changes) -> list[str]:
    """Save the poster's edits. Returns the names of what changed.

    A draft may change in everything. An open call takes corrections only; the deadline moves
    later, never earlier, and a changed NDA becomes a new version that readers accept again.
    Those who accepted the NDA or started a proposal hear of every correction.
    """
    lock(challenge)
    if not challenge.can_edit(actor):
        raise PermissionDenied()
    is_open = challenge.takes_corrections_only
    if is_open:
        extra = set(changes) - CORRECTABLE_WHILE_OPEN
        if extra or questions is not None or criteria is not None:
            raise DomainError(_l("An open challenge takes corrections to its text and a later deadline only."))
    elif set(changes) - EDITABLE_IN_DRAFT:
        raise DomainError()
    if "proposal_languages" in changes:
        changes["proposal_languages"] = _proposal_languages(changes["proposal_languages"])
    if "deadline" in changes:
        new_deadline = as_utc(changes["deadline"])
        if is_open and new_deadline < as_utc(challenge.deadline):
            raise DeadlineShortened()
        if new_deadline != as_utc(challenge.deadline):
            _check_deadline(new_deadline)
    changed = [name for name, value in changes.items() if _differs(getattr(challenge, name), value)]
    _assign(challenge, {name: changes[name] for name in changed})
    if "language" in changed:
        _follow_language(challenge)
    if questions is not None and _rows(challenge.questions, ("text", "required", "max_length")) != \
            [_normal(q, ("text", "required", "max_length")) for q in questions]:
        _replace_questions(challenge, questions)
        changed.append("questions")
    if criteria is not None and _rows(challenge.criteria, ("name", "weight")) != \
            [_normal(c, ("name", "weight")) for c in criteria]:
        _replace_criteria(challenge, criteria)
        changed.append("criteria")
    if nda_text is not None and nda_text.strip() != challenge.current_nda.body.strip():
        _revise_nda(challenge, nda_text.strip())
        changed.append("nda")
    if not changed:
        return []
    challenge.updated_at = utcnow()
    if set(changed) & set(PUBLIC_TEXT):
        search.index_challenge(challenge)
    audit.record(actor, "challenge.updated", challenge, changed=changed)
    if is_open:
        _notify(interested_users(challenge), "challenge_updated", challenge,
                deadline_extended="deadline" in changed, nda_changed="nda" in changed)
    db.session.flush()
    return changed


def _revise_nda(challenge: Challenge, text: str) -> None:
    """Before publication nobody has agreed to the text, so it is rewritten in place (its
    translations then show as outdated); after, it becomes a new version, in the original only."""
    current = challenge.current_nda
    if challenge.state == ChallengeState.draft or challenge.state == ChallengeState.pending_review:
        current.body = text
    else:
        challenge.nda_versions.append(NdaVersion(number=current.number + 1, language=challenge.language,
                                                 body=text))


def _follow_language(challenge: Challenge) -> None:
    """A draft written in another language than first chosen: its NDA's original follows, and a
    translation into the new language of the same version gives way (nobody accepted a draft's NDA)."""
    current = challenge.current_nda
    if current is None or current.language == challenge.language:
        return
    for version in list(challenge.nda_versions):
        if version.number == current.number and version.language == challenge.language:
            challenge.nda_versions.remove(version)
    db.session.flush()
    current.language = challenge.language


def _proposal_languages(languages) -> str:
    """The stored form ("ja,ko") of the languages a call takes proposals in, in a fixed order. At
    least one, each a written language."""
    chosen = languages.split(",") if isinstance(languages, str) else list(languages or ())
    if not chosen or set(chosen) - set(WRITTEN_LANGUAGES):
        raise NoProposalLanguage()
    return ",".join(code for code in WRITTEN_LANGUAGES if code in chosen)


def _differs(old, new) -> bool:
    if isinstance(old, datetime) and isinstance(new, datetime):
        return as_utc(old) != as_utc(new)
    if isinstance(old, list):
        return sorted(map(str, old)) != sorted(map(str, new))
    return old != new


def _assign(challenge: Challenge, attributes: dict) -> None:
    for name, value in attributes.items():
        setattr(challenge, name, as_utc(value) if isinstance(value, datetime) else value)


def _normal(row, names):
    return tuple(row[name] if isinstance(row, dict) else getattr(row, name) for name in names)


def _rows(rows, names):
    return [_normal(row, names) for row in rows]


def _translations_by_text(rows, attribute: str, translation_type, value: str) -> dict[str, list]:
    """The translations of rows being replaced, by their original text: a question or criterion
    kept word for word keeps its translations, wherever it moves."""
    kept: dict[str, list] = {}
    for row in rows:
        kept.setdefault(getattr(row, attribute), [
            translation_type(language=t.language, **{value: getattr(t, value)}) for t in row.translations])
    return kept


def _replace_questions(challenge: Challenge, questions) -> None:
    kept = _translations_by_text(challenge.questions, "text", QuestionTranslation, "text")
    challenge.questions = [ProposalQuestion(position=n, text=q["text"], required=q.get("required", True),
                                            max_length=q.get("max_length") or 2000,
                                            translations=kept.pop(q["text"], []))
                           for n, q in enumerate(questions, start=1)]


def _replace_criteria(challenge: Challenge, criteria) -> None:
    kept = _translations_by_text(challenge.criteria, "name", CriterionTranslation, "name")
    challenge.criteria = [RubricCriterion(position=n, name=c["name"], weight=c["weight"],
                                          translations=kept.pop(c["name"], []))
                          for n, c in enumerate(criteria, start=1)]


def _check_deadline(deadline) -> None:
    if deadline is not None and as_utc(deadline) <= utcnow():
        raise DeadlineInPast()


# Review and publication ---------------------------------------------------------------------------

def submit_challenge(challenge: Challenge, *, actor: User) -> None:
    """The poster asks the institutions to publish; staff of both are told."""
    lock(challenge)
    if not challenge.can_submit_for_review(actor):
        raise PermissionDenied()
    _check_deadline(challenge.deadline)
    _transition(challenge, ChallengeState.pending_review, actor=actor)
    challenge.submitted_at = utcnow()
    _notify([u for u in staff_members() if u.id != actor.id], "challenge_submitted", challenge)
    db.session.flush()


def publish_challenge(challenge: Challenge, *, actor: User) -> None:
    """Open the call. The poster is told, and so is every venture working in one of its fields."""
    lock(challenge)
    if not challenge.can_review_publication(actor):
        raise PermissionDenied()
    _check_deadline(challenge.deadline)
    _transition(challenge, ChallengeState.open, actor=actor)
    challenge.published_at = utcnow()
    challenge.review_note = None
    _notify(poster_members(challenge), "challenge_published", challenge)
    _notify(matching_venture_members(challenge), "challenge_matching", challenge)
    db.session.flush()


def request_changes(challenge: Challenge, *, actor: User, note: str) -> None:
    lock(challenge)
    if not challenge.can_review_publication(actor):
        raise PermissionDenied()
    if not note.strip():
        raise DomainError(_l("Say what should change, so the poster knows what to do."))
    _transition(challenge, ChallengeState.draft, actor=actor, note=note.strip())
    challenge.review_note = note.strip()
    _notify(poster_members(challenge), "challenge_changes_requested", challenge, note=challenge.review_note)
    db.session.flush()


def close_challenge(challenge: Challenge, *, actor: User | None = None, now: datetime | None = None) -> None:
    """At the deadline; `flask jobs run` calls this for every call whose deadline has passed."""
    now = now or utcnow()
    lock(challenge)
    if not challenge.deadline_passed(now):
        raise DomainError(_l("This challenge is open until its deadline."))
    _transition(challenge, ChallengeState.closed, actor=actor)
    challenge.closed_at = now
    _notify(poster_members(challenge), "challenge_closed", challenge)
    signals.challenge_closed.send(challenge)
    db.session.flush()


def close_expired_challenges(now: datetime | None = None) -> int:
    now = now or utcnow()
    expired = db.session.scalars(
        select(Challenge).where(Challenge.state == ChallengeState.open, Challenge.deadline <= now)
        .order_by(Challenge.id).with_for_update(skip_locked=True, of=Challenge))
    count = 0
    for challenge in expired:
        close_challenge(challenge, now=now)
        count += 1
    return count


def cancel_challenge(challenge: Challenge, *, actor: User, reason: str) -> None:
    lock(challenge)
    if not challenge.can_cancel(actor):
        raise PermissionDenied()
    if not reason.strip():
        raise DomainError(_l("Give a reason: those following the challenge will read it."))
    was_published = challenge.was_published()
    _transition(challenge, ChallengeState.cancelled, actor=actor, reason=reason.strip())
    challenge.cancelled_at = utcnow()
    audience = poster_members(challenge) + (interested_users(challenge) if was_published else [])
    _notify([u for u in audience if u.id != actor.id], "challenge_cancelled", challenge, reason=reason.strip())
    db.session.flush()


def award_challenge(challenge: Challenge, *, actor: User) -> None:
    lock(challenge)
    if not challenge.can_award(actor):
        raise PermissionDenied()
    if challenge.state == ChallengeState.open:  # past its deadline, the job has not run yet
        close_challenge(challenge, actor=actor)
    _transition(challenge, ChallengeState.awarded, actor=actor)
    challenge.awarded_at = utcnow()
    _notify(poster_members(challenge) + interested_users(challenge), "challenge_awarded", challenge)
    db.session.flush()


# NDA ------------------------------------------------------------------------------------------------

class NdaChanged(DomainError):
    default_message = _l("The non-disclosure agreement changed while you were reading it. Please read "
                         "the current version.")


def accept_nda(challenge: Challenge, *, actor: User, ip: str | None, version_id: int | None = None) -> NdaAcceptance:
    """Record who agreed to which text — the version and the language they were shown —, when and
    from where; it opens the confidential part. ``version_id`` is the NDA row the page showed (the
    original when not given); a version replaced meanwhile is refused."""
    lock(challenge)
    if not challenge.can_accept_nda(actor):
        raise PermissionDenied()
    current = challenge.current_nda
    nda = current if version_id is None else next(
        (version for version in challenge.nda_versions if version.id == version_id), None)
    if nda is None or nda.number != current.number:
        raise NdaChanged()
    acceptance = NdaAcceptance(nda_version=nda, challenge_id=challenge.id, user=actor, ip=ip,
                               accepted_at=utcnow())
    db.session.add(acceptance)
    db.session.flush()
    audit.record(actor, "challenge.nda_accepted", challenge, nda_version=nda.number, language=nda.language)
    db.session.flush()
    return acceptance


# Clarification questions ------------------------------------------------------------------------

def ask_question(challenge: Challenge, *, actor: User, body: str) -> ClarificationQuestion:
    lock(challenge)
    if not challenge.can_ask_question(actor):
        raise PermissionDenied()
    question = ClarificationQuestion(challenge=challenge, asked_by=actor, body=body.strip(), asked_at=utcnow())
    db.session.add(question)
    db.session.flush()
    audit.record(actor, "challenge.question_asked", challenge, question_id=question.id)
    _notify(poster_members(challenge), "question_asked", challenge, question=question)
    db.session.flush()
    return question


def answer_question(question: ClarificationQuestion, *, actor: User, answer: str) -> None:
    """Publish the answer with the question, the asker unnamed; followers and the asker are told."""
    lock(question.challenge, question)  # answered from two tabs: published once
    if question.is_answered:
        raise QuestionAlreadyAnswered()
    if not question.can_answer(actor):
        raise PermissionDenied()
    question.answer = answer.strip()
    question.answered_by_id = actor.id
    question.answered_at = utcnow()
    challenge = question.challenge
    audit.record(actor, "challenge.question_answered", challenge, question_id=question.id)
    _notify(interested_users(challenge) + [question.asked_by], "question_answered", challenge,
            question=question)
    db.session.flush()


# Attachments --------------------------------------------------------------------------------------

def add_attachment(challenge: Challenge, *, actor: User, upload, confidential: bool) -> ChallengeAttachment:
    """Store a PDF. Raises uploads.InvalidUpload for anything that is not one."""
    lock(challenge)
    if not challenge.can_manage_attachments(actor):
        raise PermissionDenied()
    stored = uploads.store_pdf(upload)
    attachment = ChallengeAttachment(challenge=challenge, filename=stored.filename, storage_key=stored.key,
                                     size=stored.size, sha256=stored.sha256, confidential=confidential,
                                     uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    audit.record(actor, "challenge.attachment_added", challenge, attachment_id=attachment.id,
                 filename=attachment.filename, confidential=confidential)
    db.session.flush()
    return attachment


def remove_attachment(attachment: ChallengeAttachment, *, actor: User) -> str:
    """Returns the storage key, for the caller to discard the file once the change is committed."""
    challenge = attachment.challenge
    lock(challenge, attachment)  # removed from another tab meanwhile: ChangedMeanwhile
    if not challenge.can_manage_attachments(actor):
        raise PermissionDenied()
    audit.record(actor, "challenge.attachment_removed", challenge, attachment_id=attachment.id,
                 filename=attachment.filename)
    challenge.attachments.remove(attachment)
    db.session.flush()
    return attachment.storage_key
