from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.auth.decorators import admin_required, outbox_required, staff_required
from app.auth.forms import VerificationForm
from app.auth.models import (
    Organization,
    User,
    VerificationState,
    find_accounts,
    organizations_to_verify,
    verification_counts,
)
from app.common import audit, signoff
from app.common.forms import bounded_ids
from app.common.models import DecisionState, Institution, JointDecision, OutboxEmail
from app.common.names import org_name
from app.common.outbox import given_up_emails, retry_email, retrying_count
from app.common.pagination import requested_page
from app.common.routes import requested_next
from app.common.views import attempt, bulk_apply, require, run_service, url_for_each, visible_or_404
from app.extensions import db
from app.staff import bp, services
from app.staff.audit_log import blind_actors, events_seen_by
from app.staff.forms import RejectDecisionForm, StaffAccountForm

PER_PAGE = 25
MAX_BULK_SIGN = 100


def _page() -> int:
    return requested_page()


def _back_to_decisions():
    return redirect(requested_next(url_for(".decisions")))


@bp.get("/organizations")
@staff_required
def organizations():
    state = request.args.get("state", VerificationState.pending.value)
    if state not in VerificationState.__members__:
        state = ""
    page = db.paginate(organizations_to_verify(VerificationState(state) if state else None),
                       page=_page(), per_page=PER_PAGE, error_out=False)
    return render_template("staff/organizations.html", page=page, state=state, counts=verification_counts(),
                           states=list(VerificationState))


def _organization_or_404(organization_id: int) -> Organization:
    return visible_or_404(Organization, organization_id,
                          visible=lambda organization: organization.can_verify(current_user))


@bp.get("/organizations/<int:organization_id>")
@staff_required
def organization(organization_id: int):
    organization = _organization_or_404(organization_id)
    return render_template("staff/organization.html", organization=organization,
                           history=audit.history_of(organization, limit=50), members=organization.members,
                           form=VerificationForm(), VerificationState=VerificationState)


@bp.post("/organizations/<int:organization_id>/<any(verified, rejected):target>")
@staff_required
def set_verification(organization_id: int, target: str):
    organization = _organization_or_404(organization_id)
    form = VerificationForm()
    return run_service(
        lambda: services.set_verification(organization, VerificationState(target), actor=current_user,
                                          note=form.note.data),
        lambda _result: _("%(name)s is verified.", name=org_name(organization))
        if target == VerificationState.verified
        else _("%(name)s is marked as not verified.", name=org_name(organization)),
        back=redirect(url_for(".organization", organization_id=organization.id)), form=form,
        invalid=_("The note is too long (2,000 characters at most)."), denied_is_403=False)


@bp.get("/decisions")
@staff_required
def decisions():
    state = request.args.get("state", DecisionState.pending.value)
    if state not in DecisionState.__members__:
        state = DecisionState.pending.value
    page = signoff.decisions_page(DecisionState(state), current_user, page=_page(), per_page=PER_PAGE)
    signoff.preload_subjects(page.items, current_user)
    # Each row's predicates asked once, its URLs built from one per page.
    return render_template("staff/decisions.html", page=page, state=DecisionState(state),
                           states=list(DecisionState), DecisionState=DecisionState,
                           labels=signoff.action_labels(page.items),
                           signable={decision.id for decision in page.items if decision.can_sign(current_user)},
                           links=signoff.subject_urls(page.items, current_user),
                           sign_url=url_for_each(".sign_decision", "decision_id"),
                           reject_url=url_for_each(".reject_decision", "decision_id"))


@bp.post("/decisions/<int:decision_id>/sign")
@staff_required
def sign_decision(decision_id: int):
    decision = visible_or_404(JointDecision, decision_id)
    require(decision.can_sign(current_user))
    return run_service(
        lambda: signoff.sign_decision(decision, actor=current_user),
        lambda _result: _("Signed. Both institutions have signed: the decision takes effect.")
        if decision.state == DecisionState.approved else _("Signed. The decision now waits for the other institution."),
        back=_back_to_decisions(), denied_is_403=False)


@bp.post("/decisions/sign")
@staff_required
def sign_decisions():
    """Sign several decisions at once; each is signed on its own, so one refusal stops no other."""
    wanted = bounded_ids(request.form.getlist("decision_ids"), limit=MAX_BULK_SIGN)
    if not wanted:
        flash(_("Select the decisions to sign."), "danger")
        return _back_to_decisions()
    found = signoff.decisions_among(wanted)
    signoff.preload_subjects(found, current_user)

    def not_yours(decision: JointDecision) -> str | None:
        if decision.can_sign(current_user):
            return None
        return _("#%(id)d: not yours to sign (already signed for your institution, already decided, or you "
                 "declared a conflict)", id=decision.id)

    outcome = bulk_apply(wanted, found, lambda decision: signoff.sign_decision(decision, actor=current_user),
                         name=lambda decision: f"#{decision.id}", refuse=not_yours)
    signed, failures = len(outcome.done), outcome.refused
    effective = sum(decision.state == DecisionState.approved for decision in outcome.done)
    if signed:
        flash(_("Signed: %(signed)d. Took effect (both institutions have signed): %(effective)d.",
                signed=signed, effective=effective), "success")
    if failures:
        flash(ngettext("%(num)d decision could not be signed: %(reasons)s",
                       "%(num)d decisions could not be signed: %(reasons)s", len(failures),
                       reasons="; ".join(failures)), "danger")
    return _back_to_decisions()


@bp.post("/decisions/<int:decision_id>/reject")
@staff_required
def reject_decision(decision_id: int):
    decision = visible_or_404(JointDecision, decision_id)
    require(decision.can_reject(current_user))
    form = RejectDecisionForm()
    return run_service(lambda: signoff.reject_decision(decision, actor=current_user, reason=form.reason.data),
                       _("The decision is rejected."), back=_back_to_decisions(), form=form,
                       invalid=_("Please give a reason for the rejection."), denied_is_403=False)


@bp.get("/audit")
@staff_required
def audit_log():
    action = request.args.get("action", "").strip()
    page = db.paginate(events_seen_by(current_user, action=action[:80]), page=_page(), per_page=50,
                       error_out=False)
    return render_template("staff/audit.html", page=page, action=action,
                           anonymous_actors=blind_actors(page.items, current_user))


@bp.get("/accounts")
@admin_required
def accounts():
    q = request.args.get("q", "").strip()[:100]
    page = db.paginate(find_accounts(q), page=_page(), per_page=PER_PAGE, error_out=False)
    return render_template("staff/accounts.html", page=page, q=q)


@bp.route("/accounts/new", methods=["GET", "POST"])
@admin_required
def new_account():
    form = StaffAccountForm()
    if form.validate_on_submit():
        institution = None if form.institution.data == "none" else Institution(form.institution.data)
        if attempt(lambda: services.create_staff_account(
                actor=current_user, email=form.email.data, name=form.name.data, institution=institution,
                is_admin=form.is_admin.data or institution is None, locale=form.locale.data),
                refused=lambda error: form.email.errors.append(error.message), denied_is_403=False).done:
            flash(_("The account is ready; %(email)s received a link to choose a password.",
                    email=form.email.data), "success")
            return redirect(url_for(".accounts"))
    return render_template("staff/account_new.html", form=form)


def _account_or_404(user_id: int) -> User:
    """Every account is known to administrators; only other people's are theirs to manage."""
    user = visible_or_404(User, user_id, visible=lambda user: current_user.is_admin)
    require(user.can_be_managed_by(current_user))
    return user


@bp.post("/accounts/<int:user_id>/<any(deactivate, reactivate):change>")
@admin_required
def set_account_active(user_id: int, change: str):
    user = _account_or_404(user_id)
    return run_service(lambda: services.set_account_active(user, change == "reactivate", actor=current_user),
                       lambda _result: _("%(name)s can sign in again.", name=user.name) if user.active
                       else _("%(name)s can no longer sign in.", name=user.name),
                       back=redirect(url_for(".accounts", q=user.email)), denied_is_403=False)


@bp.post("/accounts/<int:user_id>/reset-two-factor")
@admin_required
def reset_two_factor(user_id: int):
    user = _account_or_404(user_id)
    return run_service(lambda: services.reset_two_factor(user, actor=current_user),
                       _("Two-factor sign-in is reset for %(name)s.", name=user.name),
                       back=redirect(url_for(".accounts", q=user.email)), denied_is_403=False)


@bp.get("/outbox")
@outbox_required
def outbox():
    """E-mail given up (refused for good, or a day of tries in vain), for administrators to send
    again. Not for institution staff: a recipient and a subject together can name the venture of
    a blind proposal, and staff review. Addresses and subjects only, never bodies."""
    page = db.paginate(given_up_emails(), page=_page(), per_page=PER_PAGE, error_out=False)
    return render_template("staff/outbox.html", page=page, retrying=retrying_count())


@bp.post("/outbox/<int:email_id>/retry")
@outbox_required
def retry_outbox_email(email_id: int):
    email = visible_or_404(OutboxEmail, email_id, visible=lambda email: OutboxEmail.can_manage(current_user))
    return run_service(lambda: retry_email(email, actor=current_user),
                       _("The message to %(recipient)s is queued again and will be sent shortly.",
                         recipient=email.recipient),
                       back=redirect(requested_next(url_for(".outbox"))), denied_is_403=False)
