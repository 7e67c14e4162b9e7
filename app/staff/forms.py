from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

from app.common.forms import KakehashiForm, LanguageSelect


class RejectDecisionForm(KakehashiForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class StaffAccountForm(KakehashiForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    institution = SelectField(_l("Institution"), choices=[
        ("ipark", "iPark Institute"), ("mss", _l("Ministry of SMEs and Startups")),
        ("none", _l("None (site administrator)"))])
    is_admin = BooleanField(_l("Administrator: may manage accounts"))
    locale = LanguageSelect()
