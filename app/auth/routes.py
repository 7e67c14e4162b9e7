from functools import partial

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from app.auth import bp
from app.auth.forms import (
    ChangePasswordForm,
    EmailForm,
    InvitationForm,
    LoginForm,
    OrganizationForm,
    ProfileForm,
    RegistrationForm,
    ResetPasswordForm,
    TwoFactorForm,
    TwoFactorSetupForm,
)
from app.auth.models import Invitation, User
from app.auth.services import (
    accounts,
    invitations,
    organizations,
    passwords,
    registration,
    sessions,
    verification,
)
from app.auth.services import two_factor as second_factor
from app.common.errors import DomainError
from app.common.i18n import DEFAULT_ZONES
from app.common.routes import safe_next
from app.common.time import utcnow
from app.common.views import attempt, flash_refusal, require, run_service, visible_or_404
from app.extensions import db, limiter

PENDING_2FA = "pending_two_factor"  # password given, second factor (or required enrolment) pending
TOTP_SETUP = "totp_setup"  # the secret being enrolled, with the id of the account it is for


def _email_key() -> str:
    return "login:" + accounts.normalize_email(request.form.get("email", ""))


def _login_failed(response) -> bool:
    return bool(g.get("login_failed"))


def _pending_key() -> str:
    """Codes are counted per account, so a password cannot buy guesses from many addresses."""
    if current_user.is_authenticated:  # replacing a factor: a stolen session buys no more guesses
        return f"two-factor:{current_user.id}"
    pending = session.get(PENDING_2FA) or {}
    return f"two-factor:{pending.get('uid') or request.remote_addr}"


def _complete_login(user: User, remember: bool):
    session.pop(PENDING_2FA, None)
    session.pop(TOTP_SETUP, None)
    sessions.start_login_session(user)
    login_user(user, remember=remember)
    db.session.commit()
    return redirect(safe_next(request.args.get("next"), url_for("common.index")))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", key_func=_email_key, methods=["POST"], deduct_when=_login_failed)
@limiter.limit("50 per 15 minutes", methods=["POST"], deduct_when=_login_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("common.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = sessions.authenticate(form.email.data, form.password.data)
        # One message for an unknown address and a wrong password: no account enumeration.
        if user is None:
            db.session.commit()  # the audit row of the refusal
            g.login_failed = True
            flash(_("The e-mail address or the password is not correct."), "danger")
            return render_template("auth/login.html", form=form), 200
        if not user.email_verified:
            sessions.record_failed_login(user.email, "unverified", user=user)
            db.session.commit()
            flash(Markup(_('Please confirm your e-mail address first: follow the link we sent you. '
                           '<a href="%(url)s">Send the link again</a>.', url=url_for(".resend_verification"))),
                  "warning")
            return render_template("auth/login.html", form=form)
        required = current_app.config["STAFF_REQUIRE_2FA"]
        if user.asks_for_second_factor(required):
            enrol = user.must_enrol_two_factor(required)
            session.pop(TOTP_SETUP, None)
            session[PENDING_2FA] = {"uid": user.id, "remember": form.remember.data, "enrol": enrol,
                                    "at": int(utcnow().timestamp())}
            target = ".two_factor_setup" if enrol else ".two_factor"
            return redirect(url_for(target, next=request.args.get("next")))
        return _complete_login(user, form.remember.data)
    return render_template("auth/login.html", form=form)


PENDING_MAX_AGE = 600  # seconds between the password and the code


def _pending_user() -> User | None:
    """Whoever gave the password in this browser in the last ten minutes, while still active
    (removal ends it)."""
    pending = session.get(PENDING_2FA)
    if not pending or utcnow().timestamp() - pending.get("at", 0) > PENDING_MAX_AGE:
        session.pop(PENDING_2FA, None)
        return None
    user = db.session.get(User, pending["uid"])
    return user if user is not None and user.active else None


@bp.route("/two-factor", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", key_func=_pending_key, methods=["POST"], deduct_when=_login_failed)
@limiter.limit("10 per 15 minutes", methods=["POST"], deduct_when=_login_failed)
def two_factor():
    user = _pending_user()
    if user is None or not user.has_two_factor:
        return redirect(url_for(".login"))
    form = TwoFactorForm()
    if form.validate_on_submit():
        try:
            second_factor.check_two_factor(user, form.code.data)
        except DomainError as error:  # not attempt(): a wrong code is kept (audit row, throttling), not undone
            db.session.commit()
            g.login_failed = True
            flash(error.message, "danger")
        else:
            return _complete_login(user, session[PENDING_2FA]["remember"])
    return render_template("auth/two_factor.html", form=form)


def _setup_secret(user: User) -> str:
    pending = session.get(TOTP_SETUP)
    if not pending or pending.get("uid") != user.id:
        pending = session[TOTP_SETUP] = {"uid": user.id, "secret": second_factor.new_totp_secret()}
    return pending["secret"]


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", key_func=_pending_key, methods=["POST"], deduct_when=_login_failed)
@limiter.limit("10 per 15 minutes", methods=["POST"], deduct_when=_login_failed)
def two_factor_setup():
    """Enrolment: for a signed-in person (replacing a factor takes a code of the current one), or
    mid-login for the first factor when two-factor is required. A password alone never reaches
    an account's existing factor."""
    if current_user.is_authenticated:
        user = current_user
    else:
        user = _pending_user()
        if user is None or not session[PENDING_2FA].get("enrol"):
            return redirect(url_for(".two_factor" if user is not None else ".login"))
        if not user.must_enrol_two_factor(current_app.config["STAFF_REQUIRE_2FA"]):
            session.pop(PENDING_2FA, None)
            return redirect(url_for(".login"))
    require(user.needs_two_factor)
    secret = _setup_secret(user)
    form = TwoFactorSetupForm()
    if form.validate_on_submit():
        try:
            second_factor.enable_two_factor(user, secret=secret, code=form.code.data,
                                            current_code=form.current_code.data)
        except DomainError as error:  # not attempt(): the audit row of a refused replacement is kept
            db.session.commit()
            g.login_failed = True
            flash(error.message, "danger")
        else:
            session.pop(TOTP_SETUP, None)
            flash(_("Two-factor sign-in is on. You will be asked for a code each time you sign in."), "success")
            if current_user.is_authenticated:
                db.session.commit()
                return redirect(url_for(".profile"))
            return _complete_login(user, session[PENDING_2FA]["remember"])
    import segno

    uri = second_factor.totp_uri(user, secret)
    qr_svg = Markup(segno.make(uri).svg_inline(scale=5, dark="#212529"))
    return render_template("auth/two_factor_setup.html", form=form, secret=secret, qr_svg=qr_svg,
                           enabled=user.has_two_factor)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        attempt(lambda: sessions.end_login_session(current_user))
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("common.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("common.index"))
    token = request.args.get("invitation")
    invitation = invitations.find_invitation(token)
    if token and (invitation is None or not invitation.is_usable()):
        flash(_("This invitation is no longer valid. Please ask your colleague for a new one."), "warning")
        return redirect(url_for(".register"))
    form = RegistrationForm(invited=invitation is not None)
    if request.method == "GET":
        locale = str(get_locale())
        form.locale.data = locale
        form.timezone.data = DEFAULT_ZONES.get(locale, "Asia/Tokyo")
        if invitation is not None:
            form.email.data = invitation.email
        elif locale == "ko":  # most Korean readers register a venture
            form.kind.data, form.country.data = "venture", "KR"
    if form.validate_on_submit():
        common = dict(email=form.email.data, name=form.name.data, password=form.password.data,
                      locale=form.locale.data, timezone=form.timezone.data)
        # A taken address answers exactly like a new one (its holder is mailed instead).
        register = partial(registration.register_invited_member, invitation, **common) if invitation is not None \
            else partial(registration.register_organization, **common, kind=form.kind.data,
                         country=form.country.data, name_latin=form.name_latin.data,
                         name_native=form.name_native.data, fields=form.fields.data)
        if attempt(register, refused=lambda error: form.email.errors.append(error.message),
                   denied_is_403=False).done:
            if invitation is not None:
                flash(_("Welcome! Your account is ready: please sign in."), "success")
            else:
                flash(_("Almost done: we sent you an e-mail with a link to confirm your address."), "success")
            return redirect(url_for(".login"))
    return render_template("auth/register.html", form=form, invitation=invitation)


@bp.get("/verify/<token>")
def verify_email(token: str):
    if not attempt(lambda: verification.verify_email(token), denied_is_403=False).done:
        return redirect(url_for(".resend_verification"))
    flash(_("Thank you: your e-mail address is confirmed. You can sign in now."), "success")
    return redirect(url_for("common.index") if current_user.is_authenticated else url_for(".login"))


@bp.route("/verify/resend", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"])
def resend_verification():
    form = EmailForm()
    if form.validate_on_submit() and attempt(lambda: verification.resend_verification(form.email.data)).done:
        flash(_("If an unconfirmed account uses this address, a new link is on its way."), "info")
        return redirect(url_for(".login"))
    return render_template("auth/email_form.html", form=form, title=_("Confirm your e-mail address"),
                           intro=_("Enter your address and we will send a new confirmation link."),
                           submit=_("Send the link"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"])
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit() and attempt(lambda: passwords.request_password_reset(form.email.data)).done:
        flash(_("If an account uses this address, we sent it a link to choose a new password. "
                "The link works once, for one hour."), "info")
        return redirect(url_for(".login"))
    return render_template("auth/email_form.html", form=form, title=_("Forgotten password"),
                           intro=_("Enter your address and we will send you a link to choose a new password."),
                           submit=_("Send the link"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        passwords.user_for_reset_token(token)
    except DomainError as error:  # not attempt(): a check of the link, nothing to commit or undo
        flash_refusal(error)
        return redirect(url_for(".forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit() and attempt(lambda: passwords.reset_password(token, form.password.data),
                                             denied_is_403=False).done:
        logout_user()
        flash(_("Your password is changed. Please sign in with the new one."), "success")
        return redirect(url_for(".login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit() and attempt(
            lambda: passwords.change_password(current_user, current_password=form.current_password.data,
                                              new_password=form.password.data),
            refused=lambda error: form.current_password.errors.append(error.message), denied_is_403=False).done:
        flash(_("Your password is changed. You were signed out everywhere else."), "success")
        return redirect(url_for(".profile"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if request.method == "GET" and not current_user.locale:
        form.locale.data = str(get_locale())
    if form.validate_on_submit() and attempt(lambda: accounts.update_profile(
            current_user, name=form.name.data, locale=form.locale.data, timezone=form.timezone.data)).done:
        flash(_("Your profile is saved."), "success")
        return redirect(url_for(".profile"))
    return render_template("auth/profile.html", form=form)


@bp.route("/organization", methods=["GET", "POST"])
@login_required
def organization():
    organization = current_user.organization
    form = OrganizationForm(obj=organization)
    if request.method == "GET":
        form.fields.data = [str(f) for f in organization.fields]
    if request.method == "POST":
        require(organization.can_edit(current_user))
    if form.validate_on_submit() and attempt(lambda: organizations.update_organization(
            organization, actor=current_user, country=form.country.data, name_latin=form.name_latin.data,
            name_native=form.name_native.data, website=form.website.data, description=form.description.data,
            fields=form.fields.data, machine_translate_confidential=form.machine_translate_confidential.data)).done:
        flash(_("The organisation profile is saved."), "success")
        return redirect(url_for(".organization"))
    return render_template("auth/organization.html", organization=organization, form=form)


@bp.get("/organization/members")
@login_required
def members():
    organization = current_user.organization
    pending = organization.pending_invitations() if organization.can_invite(current_user) else []
    members = [m for m in organization.members if m.is_colleague_of(current_user)]
    return render_template("auth/members.html", organization=organization, members=members, invitations=pending,
                           form=InvitationForm(locale=current_user.locale or "en"))


@bp.post("/organization/invitations")
@login_required
@limiter.limit("30 per hour")
def invite():
    organization = current_user.organization
    require(organization.can_invite(current_user))
    form = InvitationForm()
    return run_service(
        lambda: invitations.invite_member(organization, actor=current_user, email=form.email.data,
                                          locale=form.locale.data),
        lambda _result: _("The invitation is on its way to %(email)s.", email=form.email.data),
        back=redirect(url_for(".members")), form=form, denied_is_403=False)


@bp.post("/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(invitation_id: int):
    invitation = visible_or_404(Invitation, invitation_id)
    require(invitation.can_revoke(current_user))
    return run_service(lambda: invitations.revoke_invitation(invitation, actor=current_user),
                       _("The invitation is withdrawn."), back=redirect(url_for(".members")))


@bp.post("/members/<int:user_id>/remove")
@login_required
def remove_member(user_id: int):
    member = visible_or_404(User, user_id, visible=lambda member: member.is_colleague_of(current_user))
    require(member.can_be_removed_by(current_user))
    # Refused, for example, for the last owner.
    return run_service(lambda: organizations.remove_member(member, actor=current_user),
                       _("%(name)s no longer has access.", name=member.name), back=redirect(url_for(".members")),
                       denied_is_403=False)
