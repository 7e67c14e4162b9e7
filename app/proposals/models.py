"""A venture's proposal to a challenge, its answers, milestones and attachments.

Who sees what (DESIGN.md, "Proposal"): the venture's own members see its proposals; the posting
company sees one only once it is shortlisted; staff see every submitted proposal; anyone with a
declared conflict sees nothing of it. Every such rule is a predicate here; services change state.
"""
from datetime import date, datetime
from functools import cache, lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    exists,
    false,
    func,
    not_,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.orm import Mapped, joinedload, lazyload, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from app.auth.models import Organization, User
from app.challenges.models import WRITTEN_LANGUAGES, Challenge
from app.common.enums import LabelledEnum
from app.common.money import Currency
from app.common.time import utcnow
from app.extensions import db
from app.proposals.conflicts import (
    Conflict,
    conflicted_user_ids,
    proposals_declared_on_by,
    teams_met_blind_by,
    teams_named_by,
)
from app.proposals.translations import ProposalTranslation, source_digest


class ProposalState(LabelledEnum):
    draft = "draft", _l("Draft"), "secondary"
    submitted = "submitted", _l("Submitted"), "info"
    revision_requested = "revision_requested", _l("Revision requested"), "warning"
    shortlisted = "shortlisted", _l("Shortlisted"), "primary"
    selected = "selected", _l("Selected"), "success"
    declined = "declined", _l("Declined"), "danger"
    withdrawn = "withdrawn", _l("Withdrawn"), "dark"


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

# The states in which the institutions are still weighing the proposal (reviews, decisions).
UNDER_CONSIDERATION = {ProposalState.submitted, ProposalState.shortlisted}
# Once submitted, staff see it; a draft is the venture's private work.
SEEN_BY_STAFF = set(ProposalState) - {ProposalState.draft}
# The states the two institutions decide on together (one joint decision each); withdrawing and
# (re)submitting are the venture's own acts.
JOINTLY_DECIDED = {ProposalState.shortlisted, ProposalState.declined, ProposalState.revision_requested,
                   ProposalState.selected}
MAX_ATTACHMENTS = 10
# After submission a translation changes nothing the institutions weigh, so the venture may still add
# one for its readers; once declined or withdrawn nobody reads it any more.
TRANSLATABLE_AFTER_SUBMISSION = {ProposalState.submitted, ProposalState.revision_requested,
                                 ProposalState.shortlisted, ProposalState.selected}


class ProposalBar(LabelledEnum):
    """Why someone may not write a proposal to a call: the label is what they are told."""

    not_a_venture = "not_a_venture", _l("Proposals are written by members of ventures.")
    not_verified = "not_verified", _l("Your organisation must be verified by staff before you can write a proposal.")
    # Not now, or their venture has one already.
    not_accepting = "not_accepting", _l("This challenge does not accept proposals now.")


def _language_of_call(context) -> str:
    """A proposal made without a language is in its call's language (as the migration set the
    existing ones); start_proposal always names one."""
    challenge_id = context.get_current_parameters()["challenge_id"]
    return context.connection.scalar(select(Challenge.language).where(Challenge.id == challenge_id))


class Proposal(db.Model):
    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[ProposalState] = mapped_column(default=ProposalState.draft)
    title: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(String(2000), default="")
    approach: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised on display
    team: Mapped[str] = mapped_column(Text, default="")
    # The language the venture wrote it in, one its call accepts: the original its readers can always see.
    language: Mapped[str] = mapped_column(String(2), default=_language_of_call)
    trl: Mapped[int | None] = mapped_column(SmallInteger)
    budget_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[Currency | None]

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    shortlisted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]  # selected or declined
    withdrawn_at: Mapped[datetime | None]
    revision_note: Mapped[str | None] = mapped_column(Text)  # the institutions' words, when asked to revise
    decision_reason: Mapped[str | None] = mapped_column(Text)  # given with a decline
    company_chosen_at: Mapped[datetime | None]
    company_chosen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # Loaded when read (one proposal) or by the list's query (load_listed): no page pays for what it
    # does not show. A call already in the session costs no query.
    challenge = relationship("Challenge", innerjoin=True)
    organization = relationship("Organization", innerjoin=True)
    created_by = relationship("User", foreign_keys=[created_by_id])
    answers: Mapped[list["ProposalAnswer"]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan")
    milestones: Mapped[list["ProposalMilestone"]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalMilestone.position")
    attachments: Mapped[list["ProposalAttachment"]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalAttachment.id")
    # Loaded by the pages that show one proposal's text (one query), never by lists.
    translations: Mapped[list[ProposalTranslation]] = relationship(
        cascade="all, delete-orphan", order_by=ProposalTranslation.language)

    __table_args__ = (
        UniqueConstraint("challenge_id", "organization_id", name="one_proposal_per_venture"),
        Index("ix_proposals_challenge_state", "challenge_id", "state"),
        CheckConstraint("state IN ('draft', 'withdrawn') OR submitted_at IS NOT NULL",
                        name="submitted_at_matches_state"),
        CheckConstraint("(state IN ('shortlisted', 'selected')) <= (shortlisted_at IS NOT NULL)",
                        name="shortlisted_at_matches_state"),
        CheckConstraint("(state IN ('selected', 'declined')) = (decided_at IS NOT NULL)",
                        name="decided_at_matches_state"),
        CheckConstraint("(state = 'withdrawn') = (withdrawn_at IS NOT NULL)", name="withdrawn_at_matches_state"),
        CheckConstraint("(company_chosen_at IS NULL) = (company_chosen_by_id IS NULL)",
                        name="company_choice_complete"),
        CheckConstraint("trl IS NULL OR trl BETWEEN 1 AND 9", name="trl_range"),
        CheckConstraint("budget_minor IS NULL OR budget_minor >= 0", name="budget_not_negative"),
        CheckConstraint("(budget_minor IS NULL) = (currency IS NULL)", name="budget_has_currency"),
    )

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.state}>"

    # -- state ------------------------------------------------------------------------------------

    @property
    def is_draft(self) -> bool:
        return self.state == ProposalState.draft

    @property
    def awaits_revision(self) -> bool:
        return self.state == ProposalState.revision_requested

    @property
    def is_selected(self) -> bool:
        return self.state == ProposalState.selected

    @property
    def is_shortlisted(self) -> bool:
        return self.state == ProposalState.shortlisted

    @property
    def is_under_consideration(self) -> bool:
        return self.state in UNDER_CONSIDERATION

    @property
    def was_shortlisted(self) -> bool:
        return self.shortlisted_at is not None

    @property
    def needs_company_choice(self) -> bool:
        """Company calls are decided with the company: it chooses among the shortlisted first."""
        return self.challenge.program.company_chooses

    @property
    def company_has_chosen(self) -> bool:
        return self.company_chosen_at is not None

    def answer_to(self, question) -> str:
        for answer in self.answers:
            if answer.question_id == question.id:
                return answer.body
        return ""

    def missing_required_answers(self) -> list:
        """The challenge's required questions left blank (what blocks submission, besides the basics)."""
        return [question for question in self.challenge.questions
                if question.required and not self.answer_to(question).strip()]

    # -- languages ----------------------------------------------------------------------------------

    def translation(self, language: str) -> ProposalTranslation | None:
        return next((row for row in self.translations if row.language == language), None)

    @property
    def translation_languages(self) -> list[str]:
        """The written languages other than the original's, each with or without a translation yet."""
        return [language for language in WRITTEN_LANGUAGES if language != self.language]

    def translation_beside(self, reader: str, wanted: str | None = None) -> ProposalTranslation | None:
        """The translation shown beside the original: the one the reader asked for, else the one into the
        reader's language, else (for a reader of neither language) the first there is. None when the
        reader reads the original's language or asked for the original alone."""
        if wanted and (chosen := self.translation(wanted)) is not None:
            return chosen
        if wanted == self.language or reader == self.language:
            return None
        return self.translation(reader) or next(iter(self.translations), None)

    def translation_outdated(self, translation: ProposalTranslation) -> bool:
        """The venture changed the original since it wrote this translation."""
        return translation.source_digest != source_digest(self)

    def missing_basics(self) -> list[str]:
        return [name for name in ("title", "summary", "approach") if not (getattr(self, name) or "").strip()]

    # -- who is who -------------------------------------------------------------------------------

    def is_member(self, user) -> bool:
        """A member of the proposing venture."""
        return user.is_authenticated and user.organization_id == self.organization_id

    def is_conflicted(self, user) -> bool:
        """Declared a conflict that covers this proposal (conflicted_proposals_clause)."""
        if not user.is_authenticated or self.is_member(user):
            return False
        preloaded = self.__dict__.get("_preloaded_conflicts", {})
        if user.id in preloaded:
            return preloaded[user.id]
        return user.id in conflicted_user_ids(self, candidates=[user.id])

    def _is_company_member(self, user) -> bool:
        return user.is_authenticated and user.organization_id == self.challenge.organization_id

    # -- predicates -------------------------------------------------------------------------------

    def can_view(self, user) -> bool:
        """Own venture: always. Staff: once submitted. The posting company: once shortlisted (and
        not withdrawn). A declared conflict hides it entirely."""
        if not user.is_authenticated:
            return False
        if self.is_member(user):
            return True
        if user.is_staff:
            allowed = self.state in SEEN_BY_STAFF
        elif self._is_company_member(user):
            allowed = self.was_shortlisted and self.state != ProposalState.withdrawn
        else:
            return False
        return allowed and not self.is_conflicted(user)

    def can_see_identity(self, user) -> bool:
        """With blind review, who proposed stays hidden from everyone but the venture until it is
        selected and the collaboration begins."""
        return self.is_member(user) or not self.challenge.blind_review or self.is_selected

    def can_edit(self, user, now: datetime | None = None) -> bool:
        """Its members: a draft or a submitted proposal until the deadline (to the second), and a
        proposal sent back for revision until they resubmit it."""
        if not self.is_member(user) or self.challenge.is_cancelled:
            return False
        if self.state == ProposalState.revision_requested:
            return True
        return self.state in {ProposalState.draft, ProposalState.submitted} and \
            not self.challenge.deadline_passed(now)

    def can_submit(self, user, now: datetime | None = None) -> bool:
        return self.state in {ProposalState.draft, ProposalState.revision_requested} and \
            self.can_edit(user, now)

    @property
    def allows_machine_translation(self) -> bool:
        """A proposal is confidential throughout: it goes to DeepL only if its venture's owners allow
        machine translation of the organisation's confidential text."""
        return self.organization.machine_translate_confidential

    def can_translate(self, user, now: datetime | None = None) -> bool:
        """Its members, while they may edit it, and after submitting until a decision closes it: a
        translation changes nothing of what was submitted and lets the reviewers and the company read it
        in their language."""
        if not self.is_member(user) or self.challenge.is_cancelled:
            return False
        return self.state in TRANSLATABLE_AFTER_SUBMISSION or self.can_edit(user, now)

    def can_withdraw(self, user) -> bool:
        """Its members, until the final decision."""
        return self.is_member(user) and ProposalState.withdrawn in PROPOSAL_TRANSITIONS[self.state]

    def can_view_attachment(self, attachment: "ProposalAttachment", user) -> bool:
        return attachment.proposal_id == self.id and self.can_view(user)

    def can_manage_attachments(self, user) -> bool:
        return self.can_edit(user)

    def can_choose(self, user) -> bool:
        """The posting company picks the proposals it wants among the shortlisted."""
        return (self.needs_company_choice and self.is_shortlisted and not self.company_has_chosen
                and self._is_company_member(user) and self.can_view(user))

    def can_unchoose(self, user) -> bool:
        return (self.needs_company_choice and self.is_shortlisted and self.company_has_chosen
                and self._is_company_member(user) and self.can_view(user))

    def can_assign_reviewers(self, user) -> bool:
        return user.is_authenticated and user.is_staff and self.is_under_consideration and self.can_view(user)

    def may_review(self, candidate) -> bool:
        """Staff of either institution; the posting company's members once it is shortlisted."""
        if not candidate.active or self.is_conflicted(candidate):
            return False
        return candidate.is_staff or (self.is_shortlisted and self._is_company_member(candidate))

    def can_request_decision(self, user, target: ProposalState) -> bool:
        """Staff propose a decision for both institutions to sign; a selection in a company call
        waits for the company's choice."""
        if not (user.is_authenticated and user.is_staff and self.can_view(user)):
            return False
        if target not in PROPOSAL_TRANSITIONS[self.state] or target not in JOINTLY_DECIDED:
            return False
        if target == ProposalState.selected and self.needs_company_choice and not self.company_has_chosen:
            return False
        return True

    def can_declare_conflict(self, user) -> bool:
        """“I have a conflict with this proposal’s team”: anyone who may review and sees it. It is
        declared on the proposal, so that a blind proposal's venture is never named to the declarer."""
        return (user.is_authenticated and not user.is_venture and not self.is_member(user)
                and self.state != ProposalState.draft and self.can_view(user))


# -- what the challenge pages ask of proposals (template globals: challenges sits below) -------------

def proposal_of(challenge: Challenge, user) -> Proposal | None:
    """The user's venture's proposal to this call, if it has one."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(_proposal_of(), {"challenge_id": challenge.id, "organization_id": user.organization_id})


@cache
def _proposal_of():
    """Built once per process (a call's page asks it of every venture reader)."""
    return select(Proposal).where(Proposal.challenge_id == bindparam("challenge_id"),
                                  Proposal.organization_id == bindparam("organization_id"))


def can_start_proposal(challenge: Challenge, user, now: datetime | None = None) -> bool:
    """Members of verified ventures, while the call takes proposals; one proposal per venture."""
    return proposal_bar(challenge, user, now) is None


def default_proposal_language(challenge: Challenge, user) -> str:
    """The writer's own language when the call accepts it, else the first the call accepts."""
    accepted = challenge.proposal_language_list or [challenge.language]
    locale = getattr(user, "locale", None)
    return locale if locale in accepted else accepted[0]


def proposal_bar(challenge: Challenge, user, now: datetime | None = None) -> ProposalBar | None:
    """Why ``user`` may not start a proposal to ``challenge``; None when they may."""
    if not (user.is_authenticated and user.is_venture):
        return ProposalBar.not_a_venture
    if not user.organization.is_verified:
        return ProposalBar.not_verified
    if not challenge.is_accepting(now) or proposal_of(challenge, user) is not None:
        return ProposalBar.not_accepting
    return None


def preload_conflicts(proposals, user) -> None:
    """Answer ``is_conflicted(user)`` for a page of proposals with one query, not one per proposal,
    so that list pages can call the predicates on every row. Valid for the current request only."""
    proposals = list(proposals)
    if not proposals or not user.is_authenticated:
        return
    conflicted = set(db.session.scalars(select(Proposal.id).where(
        Proposal.id.in_([proposal.id for proposal in proposals]), conflicted_proposals_clause(user.id))))
    for proposal in proposals:
        proposal.__dict__.setdefault("_preloaded_conflicts", {})[user.id] = proposal.id in conflicted


def title_of_call(option):
    """``option``, a load of calls for a list that shows each call's title in the reader's language
    (translations) and deadline: not their fields, funding sources or poster."""
    return option.options(lazyload(Challenge.field_rows), lazyload(Challenge.funding_rows),
                          lazyload(Challenge.organization))


def name_of_venture(option):
    """``option``, a load of ventures for a list that names them: not their fields."""
    return option.lazyload(Organization.field_rows)


def load_translations(proposal: Proposal) -> None:
    """The proposal's translations and who wrote each, in one query: for the pages that show its text
    beside a translation (lists never load them)."""
    if "translations" in proposal.__dict__:
        return
    rows = db.session.scalars(select(ProposalTranslation).where(ProposalTranslation.proposal_id == proposal.id)
                              # the writer's name only: not their organisation and its fields
                              .options(joinedload(ProposalTranslation.written_by).lazyload(User.organization))
                              .order_by(ProposalTranslation.language)).all()
    set_committed_value(proposal, "translations", list(rows))


def not_conflicted_clause(user):
    """SQL condition on Proposal: none of ``user``'s declared conflicts covers it (for counts and
    lists outside the review pages, which must not count what a conflicted person may not see)."""
    if not user.is_authenticated:
        return true()
    return not_(conflicted_proposals_clause(user.id))


def proposal_counts(challenge_ids: list[int], user) -> dict[int, dict[ProposalState, int]]:
    """{challenge id: {state: number of proposals}} for the calls ``challenge_ids``, leaving out the
    proposals a conflict of ``user``'s hides from them."""
    counts: dict[int, dict[ProposalState, int]] = {}
    if challenge_ids:
        rows = db.session.execute(
            select(Proposal.challenge_id, Proposal.state, func.count())
            .where(Proposal.challenge_id.in_(challenge_ids), not_conflicted_clause(user))
            .group_by(Proposal.challenge_id, Proposal.state))
        for challenge_id, state, count in rows:
            counts.setdefault(challenge_id, {})[state] = count
    return counts


def challenge_proposals(challenge_id: int, ids) -> list[Proposal]:
    """Those of the proposals ``ids`` that answer the call ``challenge_id`` (to act on several at once)."""
    return list(db.session.scalars(select(Proposal).where(Proposal.id.in_(set(ids)),
                                                          Proposal.challenge_id == challenge_id)))


# The person a conflict names (by account or by address): one alias of the table for every query, built
# once (an ORM alias cost half a millisecond to build, and the clause is built several times a request).
_CONFLICT_PERSON = User.__table__.alias("conflict_person")


@lru_cache(maxsize=1024)  # an expression is immutable: built once per declarer and process, used by every query
def conflicted_proposals_clause(user_id: int):
    """SQL condition on Proposal: ``user_id`` declared a conflict that covers it
    (app.proposals.conflicts).

    A venture named in advance, a person (by account or by e-mail address) and a team met on a
    proposal whose venture the declarer could see cover every proposal of that venture. A team met
    on a blind proposal covers that proposal and the venture's other blind proposals only: hiding
    its named proposals too would show the declarer which venture they had declared against.

    Correlated with the proposal (EXISTS keyed by its id, venture and call): a query filters the
    proposals it reads anyway with a probe or two each, and PostgreSQL counts what the condition leaves
    (an anti-join), where ``NOT (… IN …)`` left it guessing and reading every proposal (issue 12).
    """
    active = (Conflict.user_id == user_id, Conflict.withdrawn_at.is_(None))
    blind_call = (exists().where(Challenge.id == Proposal.challenge_id, Challenge.blind_review.is_(True))
                  .correlate(Proposal))
    person = _CONFLICT_PERSON.c
    return or_(
        exists().where(*active, Conflict.organization_id == Proposal.organization_id,
                       or_(Conflict.identity_hidden.is_(False), blind_call)).correlate(Proposal),
        exists().where(*active, Conflict.proposal_id == Proposal.id).correlate(Proposal),
        # IS NOT NULL: the terms of the partial indexes (user_id, person_id) and (user_id, email), which
        # SQLite does not infer from the join (it read all of the declarer's conflicts for each proposal).
        exists().where(*active, Conflict.person_id.is_not(None), Conflict.person_id == person.id,
                       person.organization_id == Proposal.organization_id).correlate(Proposal),
        exists().where(*active, Conflict.email.is_not(None), Conflict.email == person.email,
                       person.organization_id == Proposal.organization_id).correlate(Proposal))


@lru_cache(maxsize=1024)  # immutable, as conflicted_proposals_clause
def conflicted_proposal_ids(user_id: int):
    """SELECT of the ids of the proposals ``user_id``'s conflicts cover (the same rule as
    conflicted_proposals_clause), found from the conflicts: the proposals of the ventures they name,
    by ix_proposals_organization_id. For what refers to proposals by id without reading them (the
    decisions on them, the audit log): reads the conflicted ventures' proposals, not every proposal."""
    blind_call = exists().where(Challenge.id == Proposal.challenge_id, Challenge.blind_review.is_(True))
    of_teams = select(Proposal.id).where(Proposal.organization_id.in_(teams_named_by(user_id)))
    # The call probed by key for each proposal of a team met blind, not every blind call listed first.
    of_teams_met_blind = select(Proposal.id).where(Proposal.organization_id.in_(teams_met_blind_by(user_id)),
                                                   blind_call)
    return union(of_teams, proposals_declared_on_by(user_id), of_teams_met_blind)


def visible_proposals_clause(user):
    """SQL condition for the proposals ``user`` may see: the query form of Proposal.can_view."""
    if not user.is_authenticated:
        return false()
    own = Proposal.organization_id == user.organization_id
    not_conflicted = not_(conflicted_proposals_clause(user.id))
    if user.is_staff:
        return or_(own, and_(Proposal.state.in_(SEEN_BY_STAFF), not_conflicted))
    company = select(Challenge.id).where(Challenge.organization_id == user.organization_id)
    return or_(own, and_(Proposal.challenge_id.in_(company), Proposal.shortlisted_at.is_not(None),
                         Proposal.state != ProposalState.withdrawn, not_conflicted))


class ProposalAnswer(db.Model):
    __tablename__ = "proposal_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("proposal_questions.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text, default="")

    proposal: Mapped[Proposal] = relationship(back_populates="answers")

    __table_args__ = (UniqueConstraint("proposal_id", "question_id"),)


class ProposalMilestone(db.Model):
    """One step of the proposed timeline: what is delivered, by when."""

    __tablename__ = "proposal_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    due_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))

    proposal: Mapped[Proposal] = relationship(back_populates="milestones")


class ProposalAttachment(db.Model):
    __tablename__ = "proposal_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="attachments")

    def name_for(self, user) -> str:
        """The file name shown and offered on download. The name a venture gave its file often
        carries its own name, so those from whom blind review hides the venture get a neutral one."""
        if self.proposal.can_see_identity(user):
            return self.filename
        return f"proposal-{self.proposal_id}-attachment-{self.id}.pdf"
