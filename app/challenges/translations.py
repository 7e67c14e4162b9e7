"""A call's text in the languages it was not written in, and what each reader is shown.

The poster writes a call in one language (``Challenge.language``): that text is the original and
is never overwritten by a translation. Its posting organisation and the institutions' staff add
translations: one ``ChallengeTranslation`` per language holds the public part and the
confidential part, with a ``QuestionTranslation`` per question and a ``CriterionTranslation`` per
rubric line. The NDA is a legal text, so its translations are NDA versions of their own
(``NdaVersion.language``), accepted as such.

A translation records who wrote it, who reviewed it and whether it began as a machine draft
(a machine draft is only ever saved by the person who reviewed it). It also keeps a digest of the
original it translates: when the original changes, the translation is shown as outdated until
someone updates it.
"""
import hashlib
from datetime import datetime
from functools import cache

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, bindparam, literal_column, select, union_all
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.auth.models import User
from app.common.time import utcnow
from app.extensions import db


def digest(*texts: str) -> str:
    """What a translation was made from: a change to any of ``texts`` changes it."""
    joined = "\x1f".join(text or "" for text in texts)
    return hashlib.sha256(joined.encode()).hexdigest()


class ChallengeTranslation(db.Model):
    """The call's public and confidential text in one more language."""

    __tablename__ = "challenge_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(1000))
    # The long texts load when a page reads them: listings show the title and summary only.
    description: Mapped[str] = deferred(mapped_column(Text))
    confidential: Mapped[str] = deferred(mapped_column(Text, default=""))
    machine_draft: Mapped[bool] = mapped_column(default=False)  # began as a machine draft
    written_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    written_by: Mapped[User] = relationship(foreign_keys=[written_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    __table_args__ = (UniqueConstraint("challenge_id", "language"),)


class QuestionTranslation(db.Model):
    __tablename__ = "proposal_question_translations"

    question_id: Mapped[int] = mapped_column(ForeignKey("proposal_questions.id", ondelete="CASCADE"),
                                             primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)
    text: Mapped[str] = mapped_column(String(500))


class CriterionTranslation(db.Model):
    __tablename__ = "rubric_criterion_translations"

    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criteria.id", ondelete="CASCADE"),
                                              primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


TEXT_FIELDS = ("title", "summary", "description", "confidential")


class ChallengeText:
    """The call as one reader is shown it: in ``language`` where a translation exists, else the original.

    Templates read ``text.title``, ``text.summary``, ``text.description``, ``text.confidential``,
    ``text.question(q)`` and ``text.criterion(c)``, and put ``text.lang`` in a ``lang`` attribute.
    ``wanted`` is the language the reader asked for; ``translation`` is None when the original shows.
    """

    def __init__(self, challenge, wanted: str, translation: ChallengeTranslation | None):
        self.challenge = challenge
        self.wanted = wanted
        self.translation = translation
        self._items: dict = {}

    @property
    def lang(self) -> str:
        return self.translation.language if self.translation else self.challenge.language

    @property
    def original_language(self) -> str:
        return self.challenge.language

    @property
    def is_translation(self) -> bool:
        return self.translation is not None

    @property
    def missing(self) -> bool:
        """The reader wanted their own language and there is no translation into it yet."""
        return self.translation is None and self.wanted != self.challenge.language

    @property
    def outdated(self) -> bool:
        return self.translation is not None and \
            self.challenge.translation_outdated(self.translation)

    def __getattr__(self, name):
        if name in TEXT_FIELDS:
            return getattr(self._source(name), name)
        raise AttributeError(name)

    def _source(self, name: str):
        """A translation may leave a part untranslated (the confidential part, say): that part shows
        in the original."""
        if self.translation is not None and getattr(self.translation, name):
            return self.translation
        return self.challenge

    def lang_for(self, name: str) -> str:
        """The language of one part as shown, for its ``lang`` attribute."""
        source = self._source(name)
        return source.language

    def question(self, question) -> str:
        """The question in the shown language; the original where it was left untranslated."""
        return self._item_texts(QuestionTranslation).get(question.id) or question.text

    def criterion(self, criterion) -> str:
        return self._item_texts(CriterionTranslation).get(criterion.id) or criterion.name

    def question_lang(self, question) -> str:
        return self.lang if question.id in self._item_texts(QuestionTranslation) else self.original_language

    def criterion_lang(self, criterion) -> str:
        return self.lang if criterion.id in self._item_texts(CriterionTranslation) else self.original_language

    def _item_texts(self, model) -> dict[int, str]:
        """Every question's and criterion's translation into the shown language: one statement for
        both, the first time either is asked for."""
        if self.translation is None:
            return {}
        if not self._items:
            self._items = {QuestionTranslation: {}, CriterionTranslation: {}}
            rows = db.session.execute(_item_translations(), {"challenge_id": self.challenge.id, "language": self.lang})
            for kind, key, text in rows:
                self._items[QuestionTranslation if kind == "question" else CriterionTranslation][key] = text
        return self._items[model]


@cache
def _item_translations():
    """(kind, id, text) of a call's questions' and criteria's translations into a language. Built
    once per process: building a statement costs more than sending this one."""
    questions, criteria = db.metadata.tables["proposal_questions"], db.metadata.tables["rubric_criteria"]
    challenge_id, language = bindparam("challenge_id"), bindparam("language")
    return union_all(
        select(literal_column("'question'"), QuestionTranslation.question_id, QuestionTranslation.text)
        .join(questions, questions.c.id == QuestionTranslation.question_id)
        .where(questions.c.challenge_id == challenge_id, QuestionTranslation.language == language),
        select(literal_column("'criterion'"), CriterionTranslation.criterion_id, CriterionTranslation.name)
        .join(criteria, criteria.c.id == CriterionTranslation.criterion_id)
        .where(criteria.c.challenge_id == challenge_id, CriterionTranslation.language == language))
