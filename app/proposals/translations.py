"""A proposal's text in the languages it was not written in, and what its readers are shown.

A venture writes its proposal in one of the languages its call accepts (``Proposal.language``): that
text is the original, and reviewers always read it. The venture may add a translation per language
(``ProposalTranslation``) of its text fields and its answers, so that a Japanese company or a Korean
reviewer reads it in their own language beside the original. A translation changes no content: the
venture may add one after submitting, until a decision closes the proposal (``can_translate``).

Like a call's translations, it keeps a digest of the original it translates: when the venture changes
the original, the translation shows as outdated until they update it.
"""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.challenges.translations import digest
from app.common.time import utcnow
from app.extensions import db

TEXT_FIELDS = ("title", "summary", "approach", "team")


class ProposalTranslation(db.Model):
    """The proposal's title, summary, approach, team and answers in one more language."""

    __tablename__ = "proposal_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(2))
    # A translation runs longer than its original (Japanese into English, twice or more).
    title: Mapped[str] = mapped_column(String(400))
    summary: Mapped[str] = mapped_column(Text, default="")
    approach: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised on display
    team: Mapped[str] = mapped_column(Text, default="")
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # {"question id": text}; JSON keys are strings
    written_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    machine_draft: Mapped[bool] = mapped_column(default=False)  # began as a machine draft the writer reviewed
    source_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    written_by: Mapped[User] = relationship(innerjoin=True)  # named with the text: the page's query loads it

    __table_args__ = (UniqueConstraint("proposal_id", "language"),)

    def answer_to(self, question) -> str:
        return (self.answers or {}).get(str(question.id), "")


def source_digest(proposal) -> str:
    """What a translation of ``proposal`` is made from: its text fields and its answers, in order."""
    answers = sorted((answer.question_id, answer.body) for answer in proposal.answers)
    return digest(*(getattr(proposal, name) or "" for name in TEXT_FIELDS),
                  *(f"{question_id}:{body}" for question_id, body in answers))
