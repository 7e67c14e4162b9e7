"""The templates' ``_``: what Jinja's newstyle gettext answers, with a label's markup kept per language."""
import pytest
from flask import render_template_string
from flask_babel import force_locale
from jinja2 import Environment
from jinja2.ext import InternationalizationExtension

from app.common import catalog

CASES = [
    ('{{ _("Sign in") }}', {}),
    ('{{ _("Times are shown in %(zone)s.", zone=zone) }}', {"zone": "<b>Tokyo</b> & Seoul"}),
    ('{{ _("Sign in") }}{{ _("Sign in") }} {{ _("Challenges")|length }}', {}),
    ('{{ _("100%% sure <%(x)s>", x=x) }}', {"x": "<i>"}),
    ('{{ _("100%% sure") }}', {}),
    ('{% trans %}Sign in{% endtrans %}', {}),
]


def stock_rendering(source: str, autoescape: bool, **context) -> str:
    """As Jinja's own newstyle gettext renders it, over the same catalog lookup."""
    environment = Environment(autoescape=autoescape, extensions=[InternationalizationExtension])
    environment.install_gettext_callables(catalog.translate, catalog.translate_plural, newstyle=True)
    return environment.from_string(source).render(**context)


@pytest.mark.parametrize("lang", ["en", "ja", "ko"])
@pytest.mark.parametrize(("source", "context"), CASES)
def test_templates_translate_as_jinja_s_newstyle_gettext(app, lang, source, context):
    with app.test_request_context(), force_locale(lang):
        for autoescape in (True, False):  # pages, and e-mails' plain text
            app.jinja_env.autoescape = autoescape
            try:
                assert render_template_string(source, **context) == stock_rendering(source, autoescape, **context)
            finally:
                app.jinja_env.autoescape = True


def test_a_label_is_translated_once_per_language(app, monkeypatch):
    looked_up = []
    translate = catalog.translate
    monkeypatch.setattr(catalog, "translate", lambda message: looked_up.append(message) or translate(message))
    catalog.forget()
    with app.test_request_context():
        for lang in ("ja", "ja", "ko", "ja"):
            with force_locale(lang):
                render_template_string('{{ _("Sign in") }}')
    assert looked_up == ["Sign in", "Sign in"]

