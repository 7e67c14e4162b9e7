import email_validator
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
    ValidationError,
)
from wtforms.validators import URL, DataRequired, Email, EqualTo, Length, Optional, Regexp

from app.auth.models import REGISTRABLE_KINDS, OrganizationKind
from app.common.forms import KakehashiForm, LanguageSelect, MultiCheckboxField, TimezoneSelect
from app.common.taxonomy import Field, country_choices

PASSWORD_MIN = 10

# The demo accounts live under the reserved .test domain (RFC 6761); accept it like any other.
if "test" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("test")


def email_field():
    return EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])


def new_password_fields():
    password = PasswordField(_l("Password"), validators=[
        DataRequired(), Length(min=PASSWORD_MIN, max=128,
                               message=_l("Use between %(min)d and %(max)d characters."))])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))])
    return password, confirm


def fields_field():
    return MultiCheckboxField(_l("Fields of activity"), choices=Field.choices())


class LoginForm(KakehashiForm):
    # No format check at sign-in: a malformed address gets the same answer as a wrong password.
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class TwoFactorForm(KakehashiForm):
    code = StringField(_l("Six-digit code"), validators=[
        DataRequired(), Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("Enter the six digits."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class TwoFactorSetupForm(TwoFactorForm):
    # Asked (and required by the service) only when a factor exists already.
    current_code = StringField(_l("Code from your current device"), validators=[
        Optional(), Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("Enter the six digits."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class RegistrationForm(KakehashiForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = email_field()
    password, confirm = new_password_fields()
    locale = LanguageSelect()
    timezone = TimezoneSelect()
    kind = SelectField(_l("Type of organisation"), choices=OrganizationKind.choices(REGISTRABLE_KINDS))
    country = SelectField(_l("Country"))
    name_latin = StringField(_l("Organisation name (Latin script)"),
                             validators=[DataRequired(), Length(max=200)])
    name_native = StringField(_l("Organisation name (own script)"),
                              validators=[Optional(), Length(max=200)])
    fields = fields_field()
    accept_terms = BooleanField(_l("I agree that Kakehashi keeps my data to run the programmes."),
                                validators=[DataRequired(message=_l("Please agree to continue."))])

    def __init__(self, *args, invited: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()
        if invited:
            for name in ("kind", "country", "name_latin", "name_native", "fields"):
                delattr(self, name)


class EmailForm(KakehashiForm):
    email = email_field()


class ResetPasswordForm(KakehashiForm):
    password, confirm = new_password_fields()


class ChangePasswordForm(KakehashiForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=128)])
    password, confirm = new_password_fields()

    def validate_password(self, field):
        if field.data and field.data == self.current_password.data:
            raise ValidationError(_l("Choose a password different from the current one."))


class ProfileForm(KakehashiForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    locale = LanguageSelect()
    timezone = TimezoneSelect()


class OrganizationForm(KakehashiForm):
    country = SelectField(_l("Country"))
    name_latin = StringField(_l("Organisation name (Latin script)"),
                             validators=[DataRequired(), Length(max=200)])
    name_native = StringField(_l("Organisation name (own script)"), validators=[Optional(), Length(max=200)])
    website = URLField(_l("Website"), validators=[Optional(), URL(), Length(max=300)])
    description = TextAreaField(_l("About the organisation"), validators=[Optional(), Length(max=5000)])
    fields = fields_field()
    machine_translate_confidential = BooleanField(
        _l("Allow machine translation of our confidential text (sent to DeepL)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()


class InvitationForm(KakehashiForm):
    email = email_field()
    locale = LanguageSelect(_l("Language of the invitation"))


class VerificationForm(KakehashiForm):
    note = TextAreaField(_l("Note to the organisation (optional)"), validators=[Optional(), Length(max=2000)])
