"""Challenges (calls for proposals), their NDA, attachments, questions and search terms.

A challenge has a public part (everyone sees it once published) and a confidential part that a
venture member sees only after accepting the challenge's current NDA. Every rule about who sees
or does what is a predicate here; services change state, views ask these predicates.
"""
import enum
from datetime import datetime
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import CALL_POSTING_KINDS, Organization, OrganizationKind, User
from app.challenges.translations import (
    ChallengeText,
    ChallengeTranslation,
    CriterionTranslation,
    QuestionTranslation,
    digest,
)
from app.common.catalog import locale_name
from app.common.enums import LabelledEnum
from app.common.models import EnumRows
from app.common.money import Currency
from app.common.taxonomy import Field
from app.common.time import as_utc, utcnow
from app.extensions import db


class Program(LabelledEnum):
    open_innovation = "open_innovation", _l("Open innovation")
    joint_rnd = "joint_rnd", _l("Joint R&D")
    startup_support = "startup_support", _l("Startup support")

    @property
    def description(self):
        """What the programme is, to the poster choosing one."""
        return PROGRAM_DESCRIPTIONS[self]

    @property
    def company_chooses(self) -> bool:
        """A call posted by a company (or a university, an institute) is decided with it: it chooses
        among the shortlisted first. The institutions' own cohort calls have no company to ask."""
        return self in {Program.open_innovation, Program.joint_rnd}


PROGRAM_DESCRIPTIONS = {
    Program.open_innovation: _l("An AI or drug-development challenge for Korean ICT and bio ventures. Winners "
                                "receive your award, MSS support and a brokered collaboration."),
    Program.joint_rnd: _l("You offer a technology and seek a Korean bio venture as partner; selected teams "
                          "receive MSS R&D funding."),
    Program.startup_support: _l("A cohort call for Korean advanced-bio startups, run by iPark and MSS."),
}

# Who may post a call in each programme (DESIGN.md, the programme table).
POSTER_KINDS = {
    Program.open_innovation: CALL_POSTING_KINDS,
    Program.joint_rnd: CALL_POSTING_KINDS,
    Program.startup_support: {OrganizationKind.institution},
}


def programs_for(user) -> list[Program]:
    """The programmes in which ``user``'s organisation may post calls."""
    if not user.is_authenticated:
        return []
    kind = user.organization.kind
    if kind == OrganizationKind.institution and not user.is_staff:  # the site administrators' secretariat
        return []
    return [program for program, kinds in POSTER_KINDS.items() if kind in kinds]


class ChallengeState(LabelledEnum):
    draft = "draft", _l("Draft"), "secondary"
    pending_review = "pending_review", _l("Awaiting review"), "warning"
    open = "open", _l("Open"), "success"
    closed = "closed", _l("Closed"), "dark"
    awarded = "awarded", _l("Awarded"), "primary"
    cancelled = "cancelled", _l("Cancelled"), "danger"


CHALLENGE_TRANSITIONS: dict[ChallengeState, set[ChallengeState]] = {
    ChallengeState.draft: {ChallengeState.pending_review, ChallengeState.cancelled},
    ChallengeState.pending_review: {ChallengeState.open, ChallengeState.draft, ChallengeState.cancelled},
    ChallengeState.open: {ChallengeState.closed, ChallengeState.cancelled},
    ChallengeState.closed: {ChallengeState.awarded, ChallengeState.cancelled},
    ChallengeState.awarded: set(),
    ChallengeState.cancelled: set(),
}

# States in which anyone may read the public part (a cancelled call stays readable if it was
# ever published, so that those who followed it learn what happened).
PUBLISHED_STATES = {ChallengeState.open, ChallengeState.closed, ChallengeState.awarded}


class ConfidentialAccess(enum.StrEnum):
    """Where a person stands with a challenge's confidential part: the key of what its page tells them."""

    granted = "granted"  # they read it
    accept_new_nda = "accept_new_nda"  # they accepted a version the poster has since replaced
    accept_nda = "accept_nda"
    sign_in = "sign_in"
    verify_organization = "verify_organization"  # a venture that staff have not verified
    closed = "closed"  # a venture, once the call no longer takes signatures
    parties_only = "parties_only"  # nobody else ever reads it


class FundingSource(LabelledEnum):
    company_award = "company_award", _l("Company award")
    mss_commercialization = "mss_commercialization", _l("MSS commercialization funding")
    mss_rnd = "mss_rnd", _l("MSS R&D funding")
    ipark_in_kind = "ipark_in_kind", _l("Shonan iPark facilities and lab support")


TRL_LEVELS = range(1, 10)
WRITTEN_LANGUAGES = ("en", "ja", "ko")


class ChallengeField(db.Model):
    __tablename__ = "challenge_fields"

    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"),
                                              primary_key=True)
    field: Mapped[Field] = mapped_column(primary_key=True)

    __table_args__ = (Index("ix_challenge_fields_field", "field", "challenge_id"),)


class ChallengeFundingSource(db.Model):
    __tablename__ = "challenge_funding_sources"

    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"),
                                              primary_key=True)
    source: Mapped[FundingSource] = mapped_column(primary_key=True)


def is_past_deadline(deadline: datetime, now: datetime | None = None) -> bool:
    """The deadline is the last moment not accepted: at the deadline's second it is over."""
    return (now or utcnow()) >= as_utc(deadline)


class Challenge(db.Model):
    __tablename__ = "challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    program: Mapped[Program] = mapped_column(index=True)
    state: Mapped[ChallengeState] = mapped_column(default=ChallengeState.draft)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(1000))
    description: Mapped[str] = mapped_column(Text)
    confidential: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(2))
    trl: Mapped[int | None] = mapped_column(SmallInteger)
    budget_minor: Mapped[int | None] = mapped_column(BigInteger)  # KRW budgets pass 2^31
    currency: Mapped[Currency | None]
    deadline: Mapped[datetime]
    blind_review: Mapped[bool] = mapped_column(default=False)
    # The languages proposals may be written in, comma-separated (proposal_language_list).
    proposal_languages: Mapped[str] = mapped_column(String(8), default="en,ja,ko")

    review_note: Mapped[str | None] = mapped_column(Text)  # staff's note when sending it back
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    awarded_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship(lazy="joined", innerjoin=True)
    created_by: Mapped[User] = relationship()
    # Loaded where a page shows them: the listing (fields) and the call's page (both) load them
    # with the call (search.find_challenges, routes.show); one call's form or e-mail reads them when read.
    field_rows: Mapped[list[ChallengeField]] = relationship(cascade="all, delete-orphan")
    funding_rows: Mapped[list[ChallengeFundingSource]] = relationship(cascade="all, delete-orphan")
    questions: Mapped[list["ProposalQuestion"]] = relationship(
        back_populates="challenge", cascade="all, delete-orphan", order_by="ProposalQuestion.position")
    criteria: Mapped[list["RubricCriterion"]] = relationship(
        back_populates="challenge", cascade="all, delete-orphan", order_by="RubricCriterion.position")
    attachments: Mapped[list["ChallengeAttachment"]] = relationship(
        back_populates="challenge", cascade="all, delete-orphan", order_by="ChallengeAttachment.id")
    nda_versions: Mapped[list["NdaVersion"]] = relationship(
        back_populates="challenge", cascade="all, delete-orphan", order_by=lambda: [NdaVersion.number, NdaVersion.id])
    # Title and summary of every translation load with a page of calls, in one query; the long texts
    # are deferred (translations.py).
    translations: Mapped[list[ChallengeTranslation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=ChallengeTranslation.language)

    __table_args__ = (
        # Everything the listing filters and sorts on (search.find_challenges), so that counting
        # and sorting thousands of calls reads this index and not the rows with their long text.
        Index("ix_challenges_listing", "state", "deadline", "published_at", "organization_id", "program", "id"),
        Index("ix_challenges_state_published", "state", "published_at"),
        CheckConstraint("trl IS NULL OR trl BETWEEN 1 AND 9", name="trl_range"),
        CheckConstraint("budget_minor IS NULL OR budget_minor >= 0", name="budget_not_negative"),
        CheckConstraint("(budget_minor IS NULL) = (currency IS NULL)", name="budget_has_currency"),
        CheckConstraint("state IN ('draft', 'cancelled') OR submitted_at IS NOT NULL",
                        name="submitted_at_matches_state"),
        CheckConstraint("(state IN ('open', 'closed', 'awarded')) <= (published_at IS NOT NULL)",
                        name="published_at_matches_state"),
        CheckConstraint("(state IN ('closed', 'awarded')) <= (closed_at IS NOT NULL)",
                        name="closed_at_matches_state"),
        CheckConstraint("(state = 'awarded') = (awarded_at IS NOT NULL)", name="awarded_at_matches_state"),
        CheckConstraint("(state = 'cancelled') = (cancelled_at IS NOT NULL)",
                        name="cancelled_at_matches_state"),
    )

    # -- the programme's vocabularies -----------------------------------------------------------

    fields = EnumRows("field_rows", "field", Field, ChallengeField)
    funding_sources = EnumRows("funding_rows", "source", FundingSource, ChallengeFundingSource)

    # -- time -------------------------------------------------------------------------------------

    def deadline_passed(self, now: datetime | None = None) -> bool:
        return is_past_deadline(self.deadline, now)

    def effective_state(self, now: datetime | None = None) -> ChallengeState:
        """An open challenge read past its deadline is closed, whether or not the job has run yet."""
        if self.state == ChallengeState.open and self.deadline_passed(now):
            return ChallengeState.closed
        return self.state

    def is_accepting(self, now: datetime | None = None) -> bool:
        return self.effective_state(now) == ChallengeState.open

    @property
    def is_draft(self) -> bool:
        return self.state == ChallengeState.draft

    @property
    def changes_requested(self) -> bool:
        """Sent back by staff with a note, and not yet submitted again."""
        return self.is_draft and bool(self.review_note)

    @property
    def awaits_review(self) -> bool:
        return self.state == ChallengeState.pending_review

    @property
    def is_cancelled(self) -> bool:
        return self.state == ChallengeState.cancelled

    @property
    def takes_corrections_only(self) -> bool:
        """Published and open: ventures are reading the terms, so only text and a later deadline change."""
        return self.state == ChallengeState.open

    @property
    def current_nda(self) -> "NdaVersion | None":
        """The latest version of the NDA as its poster wrote it (its translations are versions too)."""
        originals = [version for version in self.nda_versions if version.is_original]
        return originals[-1] if originals else None

    def nda_in(self, language: str) -> "NdaVersion | None":
        """The current NDA in ``language``: the original, or a translation made of the current version."""
        current = self.current_nda
        if current is None or language == current.language:
            return current
        return next((version for version in self.nda_versions
                     if version.number == current.number and version.language == language), None)

    def current_nda_languages(self) -> list[str]:
        current = self.current_nda
        return [version.language for version in self.nda_versions
                if current is not None and version.number == current.number]

    # -- languages ---------------------------------------------------------------------------------

    def translation(self, language: str) -> ChallengeTranslation | None:
        return next((row for row in self.translations if row.language == language), None)

    def text_in(self, language: str) -> ChallengeText:
        """The call as a reader of ``language`` is shown it (the original when it is their language
        or nobody has translated it yet)."""
        texts = self.__dict__.setdefault("_texts", {})  # one per language for the page or e-mail
        if language not in texts:
            translation = None if language == self.language else self.translation(language)
            texts[language] = ChallengeText(self, language, translation)
        return texts[language]

    @staticmethod
    def shown_translation(translation, language):
        """For a query that lists calls as rows: the ON clause of an outer join of ``translation`` (an
        alias of ChallengeTranslation) to the translation ``text_in(language)`` shows, none when
        ``language`` is the call's own."""
        return and_(translation.challenge_id == Challenge.id, translation.language == language,
                    Challenge.language != language)

    @staticmethod
    def shown_title(translation) -> tuple:
        """Over that join, the title and its language as ``text_in`` shows them (a translation's
        empty part shows the original's), labelled call_title and call_language."""
        return (func.coalesce(func.nullif(translation.title, ""), Challenge.title).label("call_title"),
                func.coalesce(translation.language, Challenge.language).label("call_language"))

    def forget_texts(self) -> None:
        """After a translation changed: the next read builds the reader's text again."""
        self.__dict__.pop("_texts", None)

    @property
    def text(self) -> ChallengeText:
        """The call in the language of the page or e-mail being rendered."""
        return self.text_in(locale_name())

    def translation_source_digest(self) -> str:
        """What a translation of this call is made from: its text, questions and criteria."""
        return digest(self.title, self.summary, self.description, self.confidential,
                      *(question.text for question in self.questions),
                      *(criterion.name for criterion in self.criteria))

    def translation_outdated(self, translation: ChallengeTranslation) -> bool:
        """The original changed after this translation was saved (the page asks for an update)."""
        return translation.source_digest != self.translation_source_digest()

    def translated_by_poster(self, translation: ChallengeTranslation) -> bool:
        """The posting organisation wrote this translation (else the institutions' staff did)."""
        return translation.written_by.organization_id == self.organization_id

    def missing_languages(self) -> list[str]:
        """The written languages the call has no translation into yet (publication review shows them)."""
        have = {self.language, *(row.language for row in self.translations)}
        return [language for language in WRITTEN_LANGUAGES if language not in have]

    @property
    def proposal_language_list(self) -> list[str]:
        return [code for code in WRITTEN_LANGUAGES if code in (self.proposal_languages or "").split(",")]

    def search_versions(self) -> list:
        """What search indexes: the original's public part, then each translation's."""
        return [self, *self.translations]

    # -- predicates -------------------------------------------------------------------------------

    def is_poster(self, user) -> bool:
        return user.is_authenticated and user.organization_id == self.organization_id

    def was_published(self) -> bool:
        return self.published_at is not None

    def can_view(self, user) -> bool:
        """Published calls are public; drafts and calls under review only for the poster and staff."""
        if self.state in PUBLISHED_STATES or (self.state == ChallengeState.cancelled and self.was_published()):
            return True
        return self.is_poster(user) or user.can_use_staff_pages

    def can_view_confidential(self, user) -> bool:
        """Staff and the poster always; a member of a verified venture once they accepted the
        current NDA. The partnership vouches for who reads: withdrawn verification closes the text."""
        if not self.can_view(user) or not user.is_authenticated:
            return False
        if self.is_poster(user) or user.can_use_staff_pages:
            return True
        return user.is_venture and user.organization.is_verified and self.has_accepted_nda(user)

    def accepted_nda_numbers(self, user) -> set[int]:
        """The NDA versions (numbers) ``user`` accepted, in whichever language."""
        if not user.is_authenticated:
            return set()
        held = self.__dict__.get("_accepted_nda_numbers")  # inside confidential_access only
        if held is not None and user.id in held:
            return held[user.id]
        numbers = set(db.session.scalars(_accepted_nda_numbers(), {"challenge_id": self.id, "user_id": user.id}))
        if held is not None:
            held[user.id] = numbers
        return numbers

    def accepted_current_nda(self, user) -> "NdaVersion | None":
        """The row of the current NDA ``user`` accepted: its language is the one they read."""
        current = self.current_nda
        if current is None or not user.is_authenticated:
            return None
        return db.session.scalar(
            select(NdaVersion).join(NdaAcceptance, NdaAcceptance.nda_version_id == NdaVersion.id)
            .where(NdaAcceptance.challenge_id == self.id, NdaAcceptance.user_id == user.id,
                   NdaVersion.number == current.number).limit(1))

    def has_accepted_nda(self, user) -> bool:
        """Accepted the current version, in its original or in one of its translations."""
        nda = self.current_nda
        return nda is not None and nda.number in self.accepted_nda_numbers(user)

    def has_accepted_earlier_nda(self, user) -> bool:
        """Accepted a version the poster has since replaced: they must accept the new text."""
        nda = self.current_nda
        accepted = self.accepted_nda_numbers(user)
        return nda is not None and bool(accepted) and nda.number not in accepted

    def can_accept_nda(self, user) -> bool:
        """Members of verified ventures, while the call is open and they have not yet accepted."""
        return (user.is_authenticated and user.is_venture and user.organization.is_verified
                and self.is_accepting() and self.current_nda is not None
                and not self.has_accepted_nda(user))

    def confidential_access(self, user) -> ConfidentialAccess:
        """What ``user`` may do about the confidential part: read it, accept the NDA (again, after a
        new version), or why neither. The predicates it asks read ``user``'s acceptances once between
        them (they would read them up to three times); nothing is kept once it has answered."""
        self.__dict__["_accepted_nda_numbers"] = {}
        try:
            return self._confidential_access(user)
        finally:
            self.__dict__.pop("_accepted_nda_numbers", None)

    def _confidential_access(self, user) -> ConfidentialAccess:
        if self.can_view_confidential(user):
            return ConfidentialAccess.granted
        if self.can_accept_nda(user):
            if self.has_accepted_earlier_nda(user):
                return ConfidentialAccess.accept_new_nda
            return ConfidentialAccess.accept_nda
        if not user.is_authenticated:
            return ConfidentialAccess.sign_in
        if user.is_venture:
            if not user.organization.is_verified:
                return ConfidentialAccess.verify_organization
            return ConfidentialAccess.closed
        return ConfidentialAccess.parties_only

    @property
    def allows_machine_translation_of_confidential(self) -> bool:
        """The posting organisation's owners let its confidential text go to DeepL for machine drafts."""
        return self.organization.machine_translate_confidential

    def can_translate(self, user) -> bool:
        """The posting organisation and the institutions' staff add and correct translations, in any
        state but cancelled: translating is part of brokering a call, before and after publication."""
        return (self.is_poster(user) or (user.is_authenticated and user.is_staff)) and not self.is_cancelled

    def can_edit(self, user) -> bool:
        """The poster's members, while it is a draft (anything) or open (corrections, a later deadline)."""
        return self.is_poster(user) and (
            self.state == ChallengeState.draft or self.is_accepting())

    def can_submit_for_review(self, user) -> bool:
        return self.is_poster(user) and self.state == ChallengeState.draft

    def can_review_publication(self, user) -> bool:
        """Staff of either institution publish or send back, but never a call they wrote themselves."""
        return (user.is_authenticated and user.is_staff and self.state == ChallengeState.pending_review
                and user.id != self.created_by_id)

    def can_cancel(self, user) -> bool:
        return (self.is_poster(user) or (user.is_authenticated and user.is_staff)) and \
            ChallengeState.cancelled in CHALLENGE_TRANSITIONS[self.state]

    def can_award(self, user) -> bool:
        """Marking a closed call awarded is the institutions' word, after selection."""
        return user.is_authenticated and user.is_staff and self.effective_state() == ChallengeState.closed

    def can_ask_question(self, user) -> bool:
        return (user.is_authenticated and user.is_venture and user.organization.is_verified
                and self.is_accepting())

    def can_answer_questions(self, user) -> bool:
        return self.is_poster(user) and self.state in {ChallengeState.open, ChallengeState.closed}

    def can_manage_attachments(self, user) -> bool:
        return self.can_edit(user)

    def can_list_proposals(self, user) -> bool:
        """The per-challenge proposals page: staff (all they may see) and the poster (the shortlisted)."""
        return user.is_authenticated and (user.is_staff or self.is_poster(user)) and self.can_view(user)

    def can_rank_proposals(self, user) -> bool:
        """Scores, the CSV export and bulk decisions are the institutions' tools; the posting company
        sees its shortlisted proposals without the institutions' scores."""
        return user.is_authenticated and user.is_staff and self.can_list_proposals(user)

    def questions_seen_by(self, user) -> list["ClarificationQuestion"]:
        """The clarification questions ``user`` may read: the latest answers first, then those
        waiting for an answer, oldest first."""
        questions = db.session.scalars(_clarification_questions(), {"challenge_id": self.id})
        return [question for question in questions if question.can_view(user)]

    def can_view_attachment(self, attachment: "ChallengeAttachment", user) -> bool:
        if attachment.challenge_id != self.id or not self.can_view(user):
            return False
        return not attachment.confidential or self.can_view_confidential(user)


class NdaVersion(db.Model):
    """The text a venture member agrees to; a change while open makes a new version to accept.

    Each language of a version is a version of its own: the original (``is_original``) in the call's
    language, and translations of the same number added by the poster or staff, each a legal text
    that a reader may accept instead of the original. An acceptance names the row its reader saw.
    """

    __tablename__ = "nda_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    number: Mapped[int]
    language: Mapped[str] = mapped_column(String(2))
    is_original: Mapped[bool] = mapped_column(default=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Translations only: who wrote it, whether it began as a machine draft, what it translates.
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    machine_draft: Mapped[bool] = mapped_column(default=False)
    source_digest: Mapped[str | None] = mapped_column(String(64))

    challenge: Mapped[Challenge] = relationship(back_populates="nda_versions")
    written_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("challenge_id", "number", "language"),
                      CheckConstraint("number >= 1", name="number_positive"))

    @property
    def outdated(self) -> bool:
        """A translation of a text the poster has since rewritten (before publication, in place)."""
        if self.is_original:
            return False
        original = next((version for version in self.challenge.nda_versions
                         if version.is_original and version.number == self.number), None)
        return original is not None and self.source_digest != digest(original.body)


class NdaAcceptance(db.Model):
    __tablename__ = "nda_acceptances"

    id: Mapped[int] = mapped_column(primary_key=True)
    nda_version_id: Mapped[int] = mapped_column(ForeignKey("nda_versions.id", ondelete="CASCADE"))
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(45))

    nda_version: Mapped[NdaVersion] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("nda_version_id", "user_id"),)


class ProposalQuestion(db.Model):
    """A question the poster asks every proposal to answer."""

    __tablename__ = "proposal_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(500))
    required: Mapped[bool] = mapped_column(default=True)
    max_length: Mapped[int] = mapped_column(default=2000)

    challenge: Mapped[Challenge] = relationship(back_populates="questions")
    # Read by services only; pages read one language's at once (ChallengeText.question).
    translations: Mapped[list[QuestionTranslation]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (CheckConstraint("max_length BETWEEN 1 AND 20000", name="max_length_range"),)


class RubricCriterion(db.Model):
    """One line of the review rubric; reviewers score it 1–5, weighted."""

    __tablename__ = "rubric_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[int]

    challenge: Mapped[Challenge] = relationship(back_populates="criteria")
    translations: Mapped[list[CriterionTranslation]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (CheckConstraint("weight BETWEEN 1 AND 100", name="weight_range"),)


DEFAULT_RUBRIC = (  # (name, weight): what most calls of this kind judge on
    (_l("Scientific and technical merit"), 30),
    (_l("Fit with the challenge"), 25),
    (_l("Team and track record"), 20),
    (_l("Feasibility of the plan"), 15),
    (_l("Business potential"), 10),
)


class ChallengeAttachment(db.Model):
    __tablename__ = "challenge_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    confidential: Mapped[bool] = mapped_column(default=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    challenge: Mapped[Challenge] = relationship(back_populates="attachments")


class ClarificationQuestion(db.Model):
    """A venture's question: private until the poster answers, then public without the asker's name."""

    __tablename__ = "clarification_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]

    challenge: Mapped[Challenge] = relationship()
    asked_by: Mapped[User] = relationship(foreign_keys=[asked_by_id])

    __table_args__ = (
        Index("ix_clarification_questions_challenge", "challenge_id", "answered_at"),
        CheckConstraint("(answer IS NULL) = (answered_at IS NULL)", name="answered_at_matches_answer"),
    )

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    def can_view(self, user) -> bool:
        """Answered: everyone who sees the call. Before that: the asker, the poster and staff."""
        if not self.challenge.can_view(user):
            return False
        if self.is_answered:
            return True
        return user.is_authenticated and (
            user.id == self.asked_by_id or self.challenge.is_poster(user) or user.can_use_staff_pages)

    def can_answer(self, user) -> bool:
        return not self.is_answered and self.challenge.can_answer_questions(user)


# Statements every call's page sends, built once per process: building a select and its cache key
# costs more than sending one of these.

@cache
def _accepted_nda_numbers():
    return (select(NdaVersion.number).join(NdaAcceptance, NdaAcceptance.nda_version_id == NdaVersion.id)
            .where(NdaAcceptance.challenge_id == bindparam("challenge_id"),
                   NdaAcceptance.user_id == bindparam("user_id")))


@cache
def _clarification_questions():
    """A call's questions: the latest answers first, then those waiting for an answer, oldest first."""
    return (select(ClarificationQuestion).where(ClarificationQuestion.challenge_id == bindparam("challenge_id"))
            .order_by(ClarificationQuestion.answered_at.is_(None), ClarificationQuestion.answered_at.desc(),
                      ClarificationQuestion.asked_at))


class ChallengeSearchTerm(db.Model):
    """One term of a version of a challenge's public text (the original, or a translation), for search
    that works alike on SQLite and PostgreSQL.

    Latin words are stored whole; runs of Japanese and Korean script as overlapping character
    pairs (bigrams), which is how CJK search engines find 創薬 or 항체 inside longer text; the
    concepts of the term list the text mentions as "#" and the concept's key (see search.py).
    """

    __tablename__ = "challenge_search_terms"

    # Code-point order, so that a prefix is a range the index answers (see search.py).
    term: Mapped[str] = mapped_column(String(64).with_variant(String(64, collation="C"), "postgresql"),
                                      primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"),
                                              primary_key=True, index=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)  # the version's
    weight: Mapped[int] = mapped_column(SmallInteger)

    # Covering: a search reads term, challenge, language and weight from the index alone, never the
    # rows (an index-only scan on PostgreSQL, a covering index on SQLite).
    __table_args__ = (Index("ix_challenge_search_terms_covering", "term", "challenge_id", "language", "weight"),)


def visible_challenges_clause(user):
    """SQL condition for the challenges `user` may see (the query form of Challenge.can_view)."""
    public = or_(Challenge.state.in_(PUBLISHED_STATES),
                 and_(Challenge.state == ChallengeState.cancelled, Challenge.published_at.is_not(None)))
    if user.is_authenticated and user.can_use_staff_pages:
        return True
    if user.is_authenticated:
        return or_(public, Challenge.organization_id == user.organization_id)
    return public


def posted_by(organization_id: int):
    """An organisation's calls in every state, the latest worked on first (a query to paginate)."""
    return (select(Challenge).where(Challenge.organization_id == organization_id)
            .order_by(Challenge.updated_at.desc(), Challenge.id.desc()))


def awaiting_publication():
    """Calls waiting for the staff's review, oldest first: first come, first served (a query to paginate)."""
    return (select(Challenge).where(Challenge.state == ChallengeState.pending_review)
            .order_by(Challenge.submitted_at, Challenge.id))


def untranslated(language: str | None = None):
    """Calls under publication review or open to proposals that lack a translation into ``language``
    (any of the three, without it): the institutions' translation work, soonest deadline first (a
    query to paginate)."""
    def missing(code):
        return and_(Challenge.language != code, ~exists().where(
            ChallengeTranslation.challenge_id == Challenge.id, ChallengeTranslation.language == code))

    condition = missing(language) if language else or_(*(missing(code) for code in WRITTEN_LANGUAGES))
    return (select(Challenge)
            .where(Challenge.state.in_([ChallengeState.pending_review, ChallengeState.open]), condition)
            .order_by(Challenge.deadline, Challenge.id))
