"""Two at once make one effect. Each test runs the same (or two conflicting) state changes at the
same moment on two PostgreSQL connections (the `race` fixture) and counts the effects: rows, audit
events, e-mails. Without "lock, then check" each of them changes twice, or fails with a 500
(a CHECK constraint or a deadlock at commit)."""
import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.auth.models import User
from app.common import signoff
from app.common.models import AuditEvent, DecisionState, JointDecision, OutboxEmail
from app.extensions import db
from app.proposals import services as proposals
from app.proposals.models import MAX_ATTACHMENTS, Proposal, ProposalAttachment, ProposalState
from app.review import services as review

pytestmark = pytest.mark.postgresql_only

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
REASON = "The budget does not match the plan."


# Helpers ------------------------------------------------------------------------------------------

def get(model, id_):
    return db.session.get(model, id_)


def outcomes(results):
    """Sorted outcomes; an error is shown with its exception, so a failing test says what broke."""
    return sorted(r.outcome if r.outcome != "error" else f"error: {r.error!r}"[:300] for r in results)


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audit_of(subject, action=None):
    query = select(AuditEvent).where(AuditEvent.subject_type == subject.__tablename__,
                                     AuditEvent.subject_id == subject.id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def mails(template_subject_part=None):
    rows = db.session.scalars(select(OutboxEmail))
    return [row for row in rows if template_subject_part is None or template_subject_part in row.subject]


def assert_state_history_consistent(proposal):
    """Every state change starts where the previous one ended, and the last ends in the current state."""
    changes = [event for event in audit_of(proposal) if event.to_state is not None]
    for before, after in zip(changes, changes[1:], strict=False):
        assert after.from_state == before.to_state, [(e.action, e.from_state, e.to_state) for e in changes]
    assert changes[-1].to_state == proposal.state


def pdf_upload(n):
    return FileStorage(stream=io.BytesIO(PDF + str(n).encode()), filename=f"plan-{n}.pdf",
                       content_type="application/pdf")


@pytest.fixture
def ids(users):
    return {name: user.id for name, user in users.items() if user is not None}


# The five races of the issue --------------------------------------------------------------------

def test_a_draft_submitted_from_two_tabs_at_once_is_submitted_once(race, make_proposal, ids):
    proposal = make_proposal("draft")
    proposal_id = proposal.id

    def submit():
        proposals.submit_proposal(get(Proposal, proposal_id), actor=get(User, ids["venture_owner"]))

    results = race(submit, submit)

    assert outcomes(results) == ["ok", "refused"]
    assert proposal.state == ProposalState.submitted
    assert len(audit_of(proposal, "proposal.submitted")) == 1
    assert count(OutboxEmail) == 2  # one to each of the venture's two members


def test_two_institutions_proposing_different_decisions_at_once_open_one(race, make_proposal, ids):
    proposal = make_proposal("submitted")
    proposal_id = proposal.id

    def propose(target, who, note=None):
        return lambda: review.request_proposal_decision(get(Proposal, proposal_id), target,
                                                        actor=get(User, ids[who]), note=note)

    results = race(propose(ProposalState.shortlisted, "ipark_staff"),
                   propose(ProposalState.declined, "mss_staff", REASON))

    assert outcomes(results) == ["ok", "refused"]
    assert {r.refusal for r in results} == {None, "DecisionAlreadyOpen"}
    assert count(JointDecision, JointDecision.state == DecisionState.pending) == 1


def test_parallel_uploads_never_pass_the_attachment_limit(race, make_proposal, users, ids):
    proposal = make_proposal("draft")
    for n in range(MAX_ATTACHMENTS - 1):
        proposals.add_attachment(proposal, actor=users["venture_owner"], upload=pdf_upload(n))
    db.session.commit()
    proposal_id = proposal.id

    def upload(n):
        return lambda: proposals.add_attachment(get(Proposal, proposal_id), actor=get(User, ids["venture_owner"]),
                                                upload=pdf_upload(n))

    results = race(upload(100), upload(101))

    assert outcomes(results) == ["ok", "refused"]
    assert count(ProposalAttachment, ProposalAttachment.proposal_id == proposal.id) == MAX_ATTACHMENTS


def test_withdraw_and_submit_from_two_tabs_make_a_consistent_history(race, make_proposal, ids):
    """Submit then withdraw may both happen, in that order; a withdrawn proposal is never submitted."""
    proposal = make_proposal("draft")
    proposal_id = proposal.id

    def submit():
        proposals.submit_proposal(get(Proposal, proposal_id), actor=get(User, ids["venture_owner"]))

    def withdraw():
        proposals.withdraw_proposal(get(Proposal, proposal_id), actor=get(User, ids["venture_member"]))

    submitted, withdrawn = race(submit, withdraw)

    assert withdrawn.outcome == "ok", withdrawn
    assert submitted.outcome in {"ok", "refused"}, submitted
    assert proposal.state == ProposalState.withdrawn
    assert_state_history_consistent(proposal)
    assert count(OutboxEmail) == (2 if submitted.outcome == "ok" else 0)


def test_withdraw_racing_the_second_signature_does_not_deadlock(race, make_proposal, users, ids):
    proposal = make_proposal("submitted")
    decision = review.request_proposal_decision(proposal, ProposalState.shortlisted, actor=users["ipark_staff"])
    signoff.sign_decision(decision, actor=users["ipark_staff"])
    db.session.commit()
    proposal_id, decision_id = proposal.id, decision.id

    def sign():
        signoff.sign_decision(get(JointDecision, decision_id), actor=get(User, ids["mss_staff"]))

    def withdraw():
        proposals.withdraw_proposal(get(Proposal, proposal_id), actor=get(User, ids["venture_owner"]))

    signed, withdrawn = race(sign, withdraw)

    assert withdrawn.outcome == "ok", withdrawn  # from submitted or, after the signature, from shortlisted
    assert signed.outcome in {"ok", "refused"}, signed
    assert proposal.state == ProposalState.withdrawn
    assert decision.state == (DecisionState.approved if signed.outcome == "ok" else DecisionState.rejected)
    assert_state_history_consistent(proposal)


# Every other state change: the same step twice at once (two tabs, two staff members, two
# processes of the job) changes once ----------------------------------------------------------------

def audit_count(action, subject=None):
    query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    if subject is not None:
        query = query.where(AuditEvent.subject_type == subject.__tablename__, AuditEvent.subject_id == subject.id)
    return db.session.scalar(query)


def no_mail_twice():
    sent = [(row.recipient, row.subject) for row in db.session.scalars(select(OutboxEmail))]
    assert len(sent) == len(set(sent)), sent


def no_errors(results):
    assert all(r.outcome in {"ok", "refused"} for r in results), results


def one_wins(results):
    assert outcomes(results) == ["ok", "refused"]


def as_user(name, ids):
    return get(User, ids[name])


# Challenges

@pytest.mark.parametrize(("state", "service", "actors", "action"), [
    ("draft", "submit_challenge", ("company_owner", "company_member"), "challenge.pending_review"),
    ("pending_review", "publish_challenge", ("ipark_staff", "mss_staff"), "challenge.open"),
    ("pending_review", "request_changes", ("ipark_staff", "mss_staff"), "challenge.draft"),
    ("open", "cancel_challenge", ("company_owner", "ipark_staff"), "challenge.cancelled"),
    ("closed", "award_challenge", ("ipark_staff", "mss_staff"), "challenge.awarded"),
])
def test_a_challenge_step_taken_twice_at_once_is_taken_once(race, make_challenge, ids, state, service, actors,
                                                              action):
    from app.challenges import services as challenges
    from app.challenges.models import Challenge

    challenge = make_challenge(state)
    challenge_id = challenge.id
    extra = {"note": "Say which target."} if service == "request_changes" else \
        {"reason": "The budget moved."} if service == "cancel_challenge" else {}

    def step(who):
        return lambda: getattr(challenges, service)(get(Challenge, challenge_id), actor=as_user(who, ids), **extra)

    one_wins(race(*(step(who) for who in actors)))
    assert audit_count(action, challenge) == 1
    no_mail_twice()


def test_publishing_and_sending_back_at_once_do_one_of_the_two(race, make_challenge, ids):
    from app.challenges import services as challenges
    from app.challenges.models import Challenge

    challenge_id = make_challenge("pending_review").id
    results = race(lambda: challenges.publish_challenge(get(Challenge, challenge_id),
                                                        actor=as_user("ipark_staff", ids)),
                   lambda: challenges.request_changes(get(Challenge, challenge_id), actor=as_user("mss_staff", ids),
                                                      note="Say which target."))
    one_wins(results)
    challenge = get(Challenge, challenge_id)
    assert audit_count("challenge.open", challenge) + audit_count("challenge.draft", challenge) == 1


def test_two_processes_closing_calls_at_the_deadline_close_each_once(race, make_challenge, users):
    from datetime import timedelta

    from app.challenges import services as challenges
    from app.challenges.models import Challenge
    from app.common.time import utcnow

    challenge = make_challenge("open", deadline=utcnow() - timedelta(minutes=1))
    proposal = Proposal(challenge=challenge, organization_id=users["venture_owner"].organization_id,
                 created_by_id=users["venture_owner"].id, title="Binders", state=ProposalState.draft)
    db.session.add(proposal)
    db.session.commit()
    challenge_id = challenge.id

    def close_one():
        challenges.close_challenge(get(Challenge, challenge_id))

    results = race(close_one, close_one)
    no_errors(results)
    assert audit_count("challenge.closed", get(Challenge, challenge_id)) == 1
    assert count(OutboxEmail) > 0
    no_mail_twice()


def test_awarding_while_the_job_closes_the_call_closes_it_once(race, make_challenge, ids):
    from datetime import timedelta

    from app.challenges import services as challenges
    from app.challenges.models import Challenge, ChallengeState
    from app.common.time import utcnow

    challenge_id = make_challenge("open", deadline=utcnow() - timedelta(minutes=1)).id
    results = race(lambda: challenges.close_expired_challenges(),
                   lambda: challenges.award_challenge(get(Challenge, challenge_id), actor=as_user("ipark_staff", ids)))
    no_errors(results)
    challenge = get(Challenge, challenge_id)
    assert challenge.state == ChallengeState.awarded
    assert audit_count("challenge.closed", challenge) == 1
    no_mail_twice()


def test_an_nda_accepted_from_two_tabs_is_recorded_once(race, make_challenge, ids):
    from app.challenges import services as challenges
    from app.challenges.models import Challenge, NdaAcceptance

    challenge_id = make_challenge("open").id

    def accept():
        challenges.accept_nda(get(Challenge, challenge_id), actor=as_user("venture_owner", ids), ip="192.0.2.1")

    one_wins(race(accept, accept))
    assert count(NdaAcceptance) == 1
    assert audit_count("challenge.nda_accepted") == 1


def test_a_question_answered_by_two_colleagues_at_once_keeps_one_answer(race, make_challenge, users, ids):
    from app.challenges import services as challenges
    from app.challenges.models import ClarificationQuestion

    challenge = make_challenge("open")
    question = challenges.ask_question(challenge, actor=users["venture_owner"], body="Which assay?")
    db.session.commit()
    question_id = question.id

    def answer(who, text):
        return lambda: challenges.answer_question(get(ClarificationQuestion, question_id), actor=as_user(who, ids),
                                                  answer=text)

    results = race(answer("company_owner", "SPR."), answer("company_member", "ITC."))
    one_wins(results)
    winner = "SPR." if results[0].outcome == "ok" else "ITC."
    assert get(ClarificationQuestion, question_id).answer == winner
    assert audit_count("challenge.question_answered") == 1
    no_mail_twice()


# Proposals

def test_two_colleagues_starting_a_proposal_at_once_start_one(race, make_challenge, ids):
    from app.challenges.models import Challenge

    challenge_id = make_challenge("open").id

    def start(who, title):
        return lambda: proposals.start_proposal(get(Challenge, challenge_id), actor=as_user(who, ids), title=title)

    results = race(start("venture_owner", "Ours"), start("venture_member", "Also ours"))
    one_wins(results)
    assert {r.refusal for r in results} == {None, "ProposalExists"}
    assert count(Proposal) == 1
    assert audit_count("proposal.started") == 1


def test_the_same_save_from_two_tabs_is_recorded_once(race, make_proposal, ids):
    proposal_id = make_proposal("draft").id

    def save():
        proposals.update_proposal(get(Proposal, proposal_id), actor=as_user("venture_owner", ids),
                                  changes={"title": "A sharper title"}, answers={}, milestones=[])

    no_errors(race(save, save))
    assert audit_count("proposal.updated") == 1


@pytest.mark.parametrize(("state", "service", "action"), [
    ("submitted", "withdraw_proposal", "proposal.withdrawn"),
    ("revision_requested", "submit_proposal", "proposal.submitted"),
])
def test_a_proposal_step_from_two_tabs_is_taken_once(race, make_proposal, ids, state, service, action):
    proposal_id = make_proposal(state).id

    def step(who):
        return lambda: getattr(proposals, service)(get(Proposal, proposal_id), actor=as_user(who, ids))

    one_wins(race(step("venture_owner"), step("venture_member")))
    proposal = get(Proposal, proposal_id)
    assert audit_count(action, proposal) == 1
    assert_state_history_consistent(proposal)
    no_mail_twice()


def test_the_company_choosing_from_two_tabs_chooses_once(race, make_proposal, ids):
    proposal_id = make_proposal("shortlisted").id

    def choose(who):
        return lambda: proposals.choose_proposal(get(Proposal, proposal_id), actor=as_user(who, ids))

    one_wins(race(choose("company_owner"), choose("company_member")))
    assert audit_count("proposal.chosen_by_company") == 1


def test_withdrawing_the_choice_while_staff_propose_the_selection_does_one(race, make_proposal, users, ids):
    from app.common.time import utcnow

    proposal_id = make_proposal("shortlisted", company_chosen_at=utcnow(),
                                company_chosen_by_id=users["company_owner"].id).id
    results = race(lambda: proposals.unchoose_proposal(get(Proposal, proposal_id), actor=as_user("company_owner", ids)),
                   lambda: review.request_proposal_decision(get(Proposal, proposal_id), ProposalState.selected,
                                                            actor=as_user("ipark_staff", ids)))
    one_wins(results)
    proposal = get(Proposal, proposal_id)
    # Either the choice stands and the selection waits for signatures, or neither.
    assert proposal.company_has_chosen == (count(JointDecision) == 1)


def test_a_file_removed_from_two_tabs_is_removed_once(race, make_proposal, users, ids):
    proposal = make_proposal("draft")
    attachment = proposals.add_attachment(proposal, actor=users["venture_owner"], upload=pdf_upload(1))
    db.session.commit()
    attachment_id = attachment.id

    def remove():
        return proposals.remove_attachment(get(ProposalAttachment, attachment_id), actor=as_user("venture_owner", ids))

    results = race(remove, remove)
    one_wins(results)
    assert {r.refusal for r in results} == {None, "ChangedMeanwhile"}
    assert audit_count("proposal.attachment_removed") == 1


# Reviews

def a_review(make_proposal, users, *, answered=False):
    from app.common.time import utcnow
    from app.review.models import Review

    proposal = make_proposal("submitted")
    review_ = Review(proposal=proposal, reviewer_id=users["ipark_staff"].id, assigned_by_id=users["mss_staff"].id,
                     no_conflict_at=utcnow() if answered else None)
    db.session.add(review_)
    db.session.commit()
    return review_


def test_the_same_reviewer_assigned_by_two_staff_at_once_reviews_once(race, make_proposal, ids):
    from app.review.models import Review

    proposal_id = make_proposal("submitted").id

    def assign(who):
        return lambda: review.assign_reviewer(get(Proposal, proposal_id), as_user("ipark_staff2", ids),
                                              actor=as_user(who, ids))

    one_wins(race(assign("ipark_staff"), assign("mss_staff")))
    assert count(Review) == 1
    assert audit_count("review.assigned") == 1
    no_mail_twice()


def test_answering_the_conflict_question_from_two_tabs_answers_it_once(race, make_proposal, users, ids):
    from app.proposals.conflicts import Conflict
    from app.review.models import Review

    review_id = a_review(make_proposal, users).id
    results = race(lambda: review.confirm_no_conflict(get(Review, review_id), actor=as_user("ipark_staff", ids)),
                   lambda: review.declare_review_conflict(get(Review, review_id), actor=as_user("ipark_staff", ids),
                                                          reason="A former employer."))
    one_wins(results)
    assert audit_count("review.no_conflict") + audit_count("review.conflict_declared") == 1
    assert count(Conflict) == audit_count("review.conflict_declared")


def test_a_review_submitted_from_two_tabs_is_submitted_once(race, make_proposal, users, ids):
    from app.review.models import Review

    review_id = a_review(make_proposal, users, answered=True).id

    def submit():
        review.save_review(get(Review, review_id), actor=as_user("ipark_staff", ids), scores={}, comment="Solid.",
                           recommendation="support", submit=True)

    no_errors(race(submit, submit))
    assert audit_count("review.submitted") == 1


# Joint decisions

def test_the_same_decision_proposed_twice_at_once_opens_once(race, make_proposal, ids):
    proposal_id = make_proposal("submitted").id

    def propose(who):
        return lambda: review.request_proposal_decision(get(Proposal, proposal_id), ProposalState.shortlisted,
                                                        actor=as_user(who, ids))

    one_wins(race(propose("ipark_staff"), propose("mss_staff")))
    assert count(JointDecision) == 1
    assert audit_count("decision.requested") == 1


def test_two_signatures_of_one_institution_at_once_sign_once(race, make_proposal, users, ids):
    proposal = make_proposal("submitted")
    decision_id = review.request_proposal_decision(proposal, ProposalState.shortlisted, actor=users["mss_staff"]).id
    db.session.commit()

    def sign(who):
        return lambda: signoff.sign_decision(get(JointDecision, decision_id), actor=as_user(who, ids))

    one_wins(race(sign("ipark_staff"), sign("ipark_staff2")))
    assert audit_count("decision.signed") == 1


def test_a_decision_rejected_by_both_institutions_at_once_is_rejected_once(race, make_proposal, users, ids):
    proposal = make_proposal("submitted")
    decision_id = review.request_proposal_decision(proposal, ProposalState.shortlisted, actor=users["mss_staff"]).id
    db.session.commit()

    def reject(who):
        return lambda: signoff.reject_decision(get(JointDecision, decision_id), actor=as_user(who, ids),
                                               reason="Not yet.")

    one_wins(race(reject("ipark_staff"), reject("mss_staff")))
    assert audit_count("decision.rejected") == 1


# Accounts and organisations

def test_an_organisation_verified_by_two_staff_at_once_is_verified_once(race, make_organization, make_user, ids):
    from app.auth.models import Organization, VerificationState
    from app.staff.services import set_verification

    organization = make_organization("venture", state=VerificationState.pending)
    make_user(organization=organization)
    organization_id = organization.id

    def verify(who):
        return lambda: set_verification(get(Organization, organization_id), VerificationState.verified,
                                        actor=as_user(who, ids))

    one_wins(race(verify("ipark_staff"), verify("mss_staff")))
    assert audit_count("organization.verified") == 1
    no_mail_twice()


def test_two_owners_removing_each_other_at_once_leave_an_owner(race, make_organization, make_user):
    from app.auth.models import User as U
    from app.auth.services.organizations import remove_member

    organization = make_organization("venture")
    first, second = make_user(organization=organization), make_user(organization=organization)
    first_id, second_id = first.id, second.id

    def remove(member_id, actor_id):
        return lambda: remove_member(get(U, member_id), actor=get(U, actor_id))

    results = race(remove(first_id, second_id), remove(second_id, first_id))
    one_wins(results)
    assert count(U, U.organization_id == organization.id, U.active.is_(True)) == 1
    assert audit_count("user.removed") == 1


def test_an_invitation_used_twice_at_once_makes_one_account(race, users):
    from app.auth.models import Invitation
    from app.auth.services.invitations import invite_member
    from app.auth.services.registration import register_invited_member

    owner = users["venture_owner"]
    invitation_id = invite_member(owner.organization, actor=owner, email="colleague@example.test",
                                  locale=None).id
    db.session.commit()

    def register(name):
        return lambda: register_invited_member(
            get(Invitation, invitation_id), email="colleague@example.test", name=name,
            password="a long enough password", locale="en", timezone="Asia/Seoul")

    one_wins(race(register("Kim"), register("Kim J.")))
    assert count(User, User.email == "colleague@example.test") == 1
    assert audit_count("user.joined") == 1


def test_an_invitation_revoked_while_it_is_used_does_one_of_the_two(race, users, ids):
    from app.auth.models import Invitation
    from app.auth.services.invitations import invite_member, revoke_invitation
    from app.auth.services.registration import register_invited_member

    owner = users["venture_owner"]
    invitation_id = invite_member(owner.organization, actor=owner, email="colleague@example.test",
                                  locale=None).id
    db.session.commit()
    results = race(lambda: revoke_invitation(get(Invitation, invitation_id),
                                             actor=as_user("venture_owner", ids)),
                   lambda: register_invited_member(
                       get(Invitation, invitation_id), email="colleague@example.test", name="Kim",
                       password="a long enough password", locale="en", timezone="Asia/Seoul"))
    one_wins(results)
    invitation = get(Invitation, invitation_id)
    assert (invitation.revoked_at is None) == (invitation.accepted_at is not None)


def test_a_verification_link_opened_twice_at_once_verifies_once(race, make_user):
    from app.auth.services.tokens import signed_token
    from app.auth.services.verification import verify_email

    person = make_user(verified=False)
    token = signed_token("verify-email", {"uid": person.id, "email": person.email})

    no_errors(race(lambda: verify_email(token), lambda: verify_email(token)))
    assert audit_count("user.email_verified") == 1


def test_an_account_deactivated_by_two_administrators_at_once_is_deactivated_once(race, make_user, users, ids):
    from app.staff.services import set_account_active

    person_id = make_user().id
    second_admin = make_user(admin=True).id

    def deactivate(admin_id):
        return lambda: set_account_active(get(User, person_id), False, actor=get(User, admin_id))

    one_wins(race(deactivate(ids["admin"]), deactivate(second_admin)))
    assert audit_count("user.deactivated") == 1


# Found in review: second factor, conflicts on a proposal, bulk signing in two orders ---------------

def test_one_second_factor_code_posted_twice_at_once_signs_in_once(race, users, ids):
    import pyotp

    from app.auth.services.two_factor import check_two_factor

    staff = users["ipark_staff"]
    secret = pyotp.random_base32()
    staff.totp_secret = secret
    db.session.commit()
    code = pyotp.TOTP(secret).now()

    def check():
        return lambda: check_two_factor(as_user("ipark_staff", ids), code)

    one_wins(race(check(), check()))


def test_a_conflict_declared_on_a_proposal_from_two_tabs_is_recorded_once(race, make_proposal, ids):
    from app.proposals.conflicts import Conflict

    proposal = make_proposal("submitted")
    proposal_id = proposal.id

    def declare():
        return lambda: review.declare_proposal_conflict(get(Proposal, proposal_id), actor=as_user("mss_staff", ids))

    one_wins(race(declare(), declare()))
    assert count(Conflict, Conflict.proposal_id == proposal_id) == 1


def test_two_staff_signing_the_same_decisions_in_opposite_orders_do_not_deadlock(app, users, make_user, make_challenge,
                                                                               make_proposal, race):
    """The bulk view signs in one order whatever the form's: two staff of different institutions
    sending the same ids reversed both finish, with no 409 for the whole batch."""
    challenge = make_challenge("open")
    decision_ids = []
    for _ in range(4):
        proposal = make_proposal("submitted", challenge=challenge, creator=make_user("venture"))
        decision_ids.append(review.request_proposal_decision(proposal, ProposalState.shortlisted,
                                                             actor=users["ipark_staff2"]).id)
    db.session.commit()
    emails = {name: users[name].email for name in ("ipark_staff", "mss_staff")}

    def sign_in_bulk(name, order):
        def call():
            browser = app.test_client()
            browser.post("/auth/login", data={"email": emails[name], "password": "correct horse battery"})
            return browser.post("/staff/decisions/sign", data={"decision_ids": [str(i) for i in order]}).status_code
        return call

    results = race(sign_in_bulk("ipark_staff", decision_ids), sign_in_bulk("mss_staff", decision_ids[::-1]), hold=0)
    assert [r.outcome for r in results] == ["ok", "ok"] and [r.value for r in results] == [302, 302]
    assert count(JointDecision, JointDecision.id.in_(decision_ids),
                 JointDecision.state == DecisionState.approved) == len(decision_ids)
