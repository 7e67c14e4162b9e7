"""The message catalog, looked up once per process and language.

Flask-Babel finds the catalog again for every string it translates (the request's context, its
locale, the locale's name: a few dozen microseconds), and a page of twenty calls translates some
hundreds of strings: its labels, badges and headings. The strings are constants, and so are the
catalogs while the process runs, so each translation is kept here per (language, message) the
first time it is asked for. Nothing here may be a minute old: it never changes at run time.

``locale_name`` is ``str(flask_babel.get_locale())`` read once per request (and again under
``force_locale``, which sets another Locale object); ``template_gettext`` is the templates'
``_``/``gettext`` and ``translate_plural`` their ``ngettext``; ``cached_lazy`` turns a
``lazy_gettext`` string (an enum's label) into one that translates through the same cache.
"""
import flask_babel
from flask import g, has_app_context
from flask_babel.speaklater import LazyString
from jinja2 import pass_eval_context
from markupsafe import Markup

DEFAULT_LOCALE = "en"  # what Flask-Babel gives outside an app context: the msgids themselves

_translated: dict[tuple[str, str], str] = {}
_labels: dict[tuple[str, str], Markup] = {}
_catalogs: dict[str, object] = {}


def locale_name() -> str:
    """The name of the locale pages and e-mails are rendered in ('ja'), as ``str(get_locale())``."""
    context = g.get("_flask_babel") if has_app_context() else None
    locale = getattr(context, "babel_locale", None)
    if locale is None:
        locale = flask_babel.get_locale()  # selects it, once per request
        if locale is None:
            return DEFAULT_LOCALE
        context = g._flask_babel
    named = getattr(context, "kakehashi_locale_name", None)
    if named is None or named[0] is not locale:  # force_locale and refresh() set another Locale
        named = context.kakehashi_locale_name = (locale, str(locale))
    return named[1]


def _catalog(name: str):
    try:
        return _catalogs[name]
    except KeyError:
        catalog = _catalogs[name] = flask_babel.get_translations()
        return catalog


def translate(message: str) -> str:
    """``gettext`` of a constant string, without variables (the templates' ``_`` adds those)."""
    name = locale_name()
    try:
        return _translated[name, message]
    except KeyError:
        text = _translated[name, message] = _catalog(name).ugettext(message)
        return text


@pass_eval_context
def template_gettext(eval_context, message: str, **variables) -> str:
    """The templates' ``_`` and ``gettext``, answering as Jinja's newstyle gettext does (the
    translation formatted with ``variables``, escaped into Markup where the template autoescapes),
    without its two indirections; most of a page's labels take no variable, and their Markup is kept
    per language."""
    if not eval_context.autoescape:
        return translate(message) % variables
    if variables:
        return Markup(translate(message)) % variables
    key = (locale_name(), message)
    try:
        return _labels[key]
    except KeyError:
        label = _labels[key] = Markup(translate(message)) % {}
        return label


def translate_plural(singular: str, plural: str, number: int) -> str:
    return _catalog(locale_name()).ungettext(singular, plural, number)


def cached_lazy(label):
    """``label`` (a ``lazy_gettext`` string without variables) translated through ``translate``;
    anything else as it is."""
    if isinstance(label, LazyString) and label._func is flask_babel.gettext and len(label._args) == 1 \
            and not label._kwargs:
        return LazyString(translate, label._args[0])
    return label


def forget() -> None:
    """Drop what was looked up (a test that changes the catalogs on disk)."""
    _translated.clear()
    _labels.clear()
    _catalogs.clear()
