"""At most one open joint decision per subject, whatever its action: a shortlist and a decline
waiting side by side could both be signed. The service refuses the second; the database refuses
it too, for any path that would not ask the service."""
import pytest
from sqlalchemy.exc import IntegrityError

from app.common import signoff
from app.common.models import JointDecision
from app.extensions import db
from app.proposals.models import ProposalState
from app.review import services as review


def test_a_second_decision_of_another_action_is_refused_while_one_waits(make_proposal, users):
    proposal = make_proposal("submitted")
    review.request_proposal_decision(proposal, ProposalState.shortlisted, actor=users["ipark_staff"])
    db.session.commit()

    with pytest.raises(signoff.DecisionAlreadyOpen) as refused:
        signoff.request_decision(proposal, "proposal.decline", actor=users["mss_staff"], note="No.")
    assert str(refused.value.message) == "A decision on this is already waiting for signatures."


def test_the_database_holds_one_open_decision_per_subject(make_proposal, users):
    proposal = make_proposal("submitted")
    for action in ("proposal.shortlist", "proposal.decline"):
        db.session.add(JointDecision(subject_type="proposals", subject_id=proposal.id, action=action,
                                     requested_by_id=users["ipark_staff"].id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
