"""Labelled enumerations: stored and compared as their values, labelled in the reader's language."""
import pytest
from flask_babel import force_locale

import app.review.services  # noqa: F401  (every labelled enumeration is defined once the domains are imported)
from app.challenges.models import ChallengeState, Program
from app.common.enums import LabelledEnum
from app.proposals.models import ProposalState
from app.review.models import Recommendation


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


LABELLED = sorted(_subclasses(LabelledEnum), key=lambda cls: cls.__name__)


def test_every_domain_enumeration_is_labelled():
    names = {cls.__name__ for cls in LABELLED}
    assert {"OrganizationKind", "VerificationState", "MemberRole", "DecisionState", "Field", "Program",
            "ChallengeState", "FundingSource", "ProposalState", "Recommendation", "ProposalDecision"} <= names


@pytest.mark.parametrize("enum_class", LABELLED, ids=lambda cls: cls.__name__)
def test_members_are_their_values(enum_class):
    """A plain string from a form or a row finds the member in sets and dictionaries."""
    for member in enum_class:
        assert member == member.value and str(member) == member.value and f"{member}" == member.value
        assert member.name == member.value  # enum.Enum hashes a member as its name
        assert hash(member) == hash(member.value)
        assert enum_class(member.value) is member
        assert {member.value: True}[member] and member in {member.value}
        assert member.label is not None and str(member.label)


def test_labels_are_translated_when_shown_not_when_defined(app):
    with app.test_request_context():
        with force_locale("en"):
            assert str(ChallengeState.open.label) == "Open"
        with force_locale("ja"):
            japanese = str(ChallengeState.open.label)
        with force_locale("ko"):
            korean = str(ChallengeState.open.label)
    assert japanese != "Open" and korean != "Open" and japanese != korean


def test_badges_and_their_class():
    assert ProposalState.declined.badge == "danger"
    assert ProposalState.declined.css == "text-bg-danger"
    assert Program.joint_rnd.badge is None and Program.joint_rnd.css == ""


def test_choices_are_values_and_labels_in_order():
    assert Recommendation.choices() == [(member.value, member.label) for member in Recommendation]
    assert [value for value, _label in ProposalState.choices([ProposalState.submitted, ProposalState.draft])] == [
        "submitted", "draft"]
