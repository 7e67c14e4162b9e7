"""Every form of the app, fuzzed: hypothesis posts arbitrary values to every POST endpoint, signed in
as each kind of user, and no answer is a 5xx; a refused submission changes nothing in the database.

Nothing here lists the forms. The endpoints come from ``app.url_map``; what each one expects comes
from the forms that the app's pages render (crawled once, as the demo accounts see them) and, for
endpoints no page shows, from the fields of every form class of the app. A new form joins by itself.
"""
import io
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, union_all
from werkzeug.datastructures import MultiDict
from werkzeug.routing import AnyConverter, IntegerConverter

from app.common.converters import MAX_ID
from app.extensions import db, limiter
from tests.common.test_inputs import all_form_classes
from tests.conftest import build_app, teardown_app

pytestmark = pytest.mark.slow  # the longest module: scheduled first

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
ROLES = {  # the demo accounts (app/demo/people.py), one of each kind
    "anonymous": None, "venture": "venture@demo.test", "venture2": "venture2@demo.test",
    "company": "company@demo.test", "university": "university@demo.test", "ipark": "ipark@demo.test",
    "mss": "mss@demo.test", "admin": "admin@demo.test",
}
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))  # per endpoint; more locally when hunting

# Values people and robots send -----------------------------------------------------------------------------

SPECIAL_NUMBERS = ["NaN", "sNaN", "-NaN", "Infinity", "-inf", "1E+999999999", "-1E-999999999", "1e3", "-0", "0",
                   "-1", str(2**31), str(2**63 - 1), str(2**63), str(2**64), "-" + str(2**63 + 1), "9" * 40,
                   "9" * 5000, "0x1F", "1_000", "١٢٣", "５０００", "1,5", "1.5", "12.345", " 7 ", "²"]
FAR_DATES = ["0001-01-01", "9999-12-31", "0000-00-00", "-0001-01-01", "10000-01-01", "2026-02-30", "1970-01-01",
             "0001-01-01T00:00", "9999-12-31T23:59", "2099-12-31T23:59", "1900-01-01T00:00", "2027-03-01T25:61",
             "2027-03-01", "2027-03-01T10:00", "2027-03-01T10:00:00Z", "2027-03-01 10:00"]
INVISIBLE = ["\u202e", "\u202d", "\u2066", "\u2069", "\u200b", "\u200d", "\ufeff", "\x07", "\x1b", "\x7f",
             "\x85", "\u2028", "\u2029", "\r", "\t", "\U000e0001"]
WORDS = ["", " ", "y", "on", "true", "false", "none", "conflict", "submit", "save", "shortlisted", "selected",
         "declined", "revision_requested", "KRW", "JPY", "USD", "XXX", "ja", "ko", "en", "Asia/Tokyo", "Mars/Base",
         "KR", "JP", "ZZ", "company", "venture", "institution", "ipark", "mss", "open_innovation",
         "ai_drug_discovery", "a@b.test", "venture@demo.test", "not-an-email", "http://x", "javascript:alert(1)",
         "//evil.example", "/\\evil.example", "https://example.test/" + "a" * 300]

ROW_NUMBERS = st.sampled_from(["²", "٣", "-1", "0x1", "", "99999999999999999999", "1" * 5000, "30", "999"])
any_text = st.text(st.characters(codec="utf-8"), max_size=40)  # every plane, no lone surrogates
values = st.one_of(
    st.sampled_from(SPECIAL_NUMBERS + FAR_DATES + WORDS),
    any_text,
    st.lists(st.sampled_from(INVISIBLE) | any_text, min_size=1, max_size=6).map("".join),
    st.integers().map(str),
    st.floats().map(str),
    st.sampled_from(["x", "日本語 ", "한국어 ", "\u202eabc"]).map(lambda word: word * 4000),  # past any length limit
)


def upload_values():
    name = st.one_of(st.just("plan.pdf"), any_text, st.sampled_from(["invoice\u202efdp.pdf", "../../etc/passwd",
                                                                      "a\\b.pdf", "", ".", "\x00.pdf"]))
    content = st.one_of(st.just(PDF), st.binary(max_size=64), st.just(PDF + b"\x00" * 10))
    return st.tuples(content, name)


# What the pages offer ---------------------------------------------------------------------------------------

@dataclass
class PageForm:
    action: str
    role: str = "anonymous"  # who saw it
    fields: list = field(default_factory=list)  # (name, value) as the page would send them
    files: list = field(default_factory=list)  # names of file inputs


class FormCollector(HTMLParser):
    """The POST forms of a page, with what a browser would send unchanged."""

    def __init__(self, page_url):
        super().__init__()
        self.page_url, self.forms, self.current = page_url, [], None
        self.select_name = self.textarea_name = None
        self.select_first = self.select_chosen = None
        self.textarea = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.current = PageForm(action=attrs.get("action") or self.page_url)
            self.forms.append(self.current)
        form_id = attrs.get("form")
        target = next((f for f in self.forms if form_id and f"#{form_id}" == f.action), None) or self.current
        if target is None or not attrs.get("name"):
            if tag == "option" and self.select_name is not None:
                self._option(attrs)
            return
        name, kind = attrs["name"], (attrs.get("type") or "text").lower()
        if tag == "input":
            if kind == "file":
                target.files.append(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    target.fields.append((name, attrs.get("value") or "y"))
            elif kind != "submit" or not any(n == name for n, _ in target.fields):
                target.fields.append((name, attrs.get("value") or ""))
        elif tag == "button" and kind == "submit":
            if not any(n == name for n, _ in target.fields):
                target.fields.append((name, attrs.get("value") or "y"))
        elif tag == "select":
            self.select_name, self.select_first, self.select_chosen = name, None, None
        elif tag == "textarea":
            self.textarea_name, self.textarea = name, []

    def _option(self, attrs):
        value = attrs.get("value") or ""
        if self.select_first is None:
            self.select_first = value
        if "selected" in attrs:
            self.select_chosen = value

    def handle_data(self, data):
        if self.textarea_name is not None:
            self.textarea.append(data)

    def handle_endtag(self, tag):
        if tag == "select" and self.select_name is not None and self.current is not None:
            chosen = self.select_chosen if self.select_chosen is not None else self.select_first
            self.current.fields.append((self.select_name, chosen or ""))
            self.select_name = None
        elif tag == "textarea" and self.textarea_name is not None and self.current is not None:
            self.current.fields.append((self.textarea_name, "".join(self.textarea)))
            self.textarea_name = None
        elif tag == "form":
            self.current = None


def form_class_field_names(app) -> set[str]:
    """Every field name of every form class (rows of a FieldList with their prefixes)."""
    names = set()
    with app.test_request_context():
        for cls in all_form_classes():
            try:
                form = cls(meta={"csrf": False}, formdata=None)
            except TypeError:  # pragma: no cover - a form that needs arguments: its pages show it
                continue
            for bound in form:
                entries = getattr(bound, "entries", None)
                for entry in entries if entries is not None else [bound]:
                    names.update(sub.name for sub in entry) if hasattr(entry, "form") else names.add(entry.name)
    names.discard("csrf_token")
    return names


# The world the fuzz runs in ---------------------------------------------------------------------------------

class World:
    def __init__(self, app):
        self.app = app
        self.ids: dict[str, list[int]] = {}
        self.forms: dict[str, list[PageForm]] = {}  # endpoint → forms seen on pages
        self.names = form_class_field_names(app)
        self.adapter = app.url_map.bind("localhost")

    def client(self, role):
        """A new client signed in as ``role`` through the real form (the fuzz may have signed it out,
        changed its password or deactivated it: each example starts afresh)."""
        from app.auth.models import User
        from app.demo import DEMO_PASSWORD

        client = self.app.test_client()
        if ROLES[role] is not None:
            db.session.execute(db.update(User).where(User.email == ROLES[role]).values(active=True))
            user = db.session.scalar(select(User).where(User.email == ROLES[role]))
            user.set_password(DEMO_PASSWORD)
            db.session.commit()
            limiter.reset()
            response = client.post("/auth/login", data={"email": ROLES[role], "password": DEMO_PASSWORD})
            assert response.status_code == 302, f"cannot sign in as {role}"
        return client

    def ids_for(self, rule, name):
        """Ids of the rows an <int:…_id> argument names: every table whose model's name ends with it."""
        if name not in self.ids:
            stem = name.removesuffix("_id").replace("_", "")
            models = [mapper.class_ for mapper in db.Model.registry.mappers
                      if mapper.class_.__name__.lower().endswith(stem)]
            assert models, f"{rule.rule}: no model for <int:{name}>; teach the fuzz test what it names"
            found = set()
            for model in models:
                found.update(db.session.scalars(select(model.id).limit(30)))
            self.ids[name] = sorted(found)
        return self.ids[name]

    def crawl(self):
        """The POST forms of every page, as each demo account sees it."""
        get_rules = [rule for rule in self.app.url_map.iter_rules()
                     if "GET" in rule.methods and rule.endpoint != "static"]
        for role in ROLES:
            client = self.client(role)
            for rule in get_rules:
                for path in self.sample_paths(rule, limit=2):
                    response = client.get(path)
                    if response.status_code != 200 or "html" not in (response.content_type or ""):
                        continue
                    collector = FormCollector(path)
                    collector.feed(response.get_data(as_text=True))
                    for form in collector.forms:
                        form.role = role
                        self.remember(form)

    def remember(self, form):
        parts = urlsplit(form.action)
        try:
            endpoint, _ = self.adapter.match(parts.path, method="POST")
        except Exception:  # an anchor or another site: not ours to post to
            return
        known = self.forms.setdefault(endpoint, [])
        if len(known) < 24 and (form.role, form.fields) not in [(f.role, f.fields) for f in known]:
            known.append(form)

    def sample_paths(self, rule, limit):
        """URLs of ``rule`` with real ids (and, for POST rules, ids that exist nowhere)."""
        choices = []
        for name, converter in rule._converters.items():
            if isinstance(converter, IntegerConverter):
                choices.append((name, self.ids_for(rule, name)[:limit] or [1]))
            elif isinstance(converter, AnyConverter):
                choices.append((name, sorted(converter.items)))
            else:
                choices.append((name, ["sample"]))
        paths = [{}]
        for name, options in choices:
            paths = [dict(path, **{name: option}) for path in paths for option in options]
        return [rule.build(values, append_unknown=False)[1] for values in paths[:limit * 2]]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    app, ctx = build_app(MAIL_FILE_DIR=str(folder / "mail"), UPLOAD_DIR=str(folder / "uploads"))
    from app.demo import seed

    seed()
    db.session.commit()
    world = World(app)
    world.crawl()
    yield world
    teardown_app(app, ctx)


def post_rules():
    from app import create_app

    app = create_app("testing")
    return sorted((rule for rule in app.url_map.iter_rules() if "POST" in rule.methods), key=lambda r: r.rule)


# Written on a refusal on purpose: the security log of failed sign-ins (and of wrong codes).
AUDITED_REFUSALS = ("user.login_failed",)


def _rows(table):
    from app.common.models import AuditEvent

    query = select(table)
    if table is AuditEvent.__table__:
        query = query.where(AuditEvent.action.not_in(AUDITED_REFUSALS))
    return query


def snapshot() -> dict:
    """Every table as a fingerprint of its rows (its row count when large): a refused submission
    changes none."""
    db.session.expire_all()
    tables = list(db.metadata.sorted_tables)
    counts = db.session.execute(union_all(*[
        select(text(f"'{table.name}'"), db.func.count()).select_from(_rows(table).subquery())
        for table in tables])).all()
    fingerprint = dict(counts)
    for table in tables:
        if 0 < fingerprint[table.name] < 500:
            fingerprint[table.name] = hash(tuple(sorted(map(repr, db.session.execute(_rows(table)).all()))))
    return fingerprint


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


# The test ---------------------------------------------------------------------------------------------------

@st.composite
def submissions(draw, world, rule):
    """(role, path, form data) for ``rule``: a form a page offered, or any names, then mutated."""
    offered = world.forms.get(rule.endpoint, [])
    page_form = draw(st.sampled_from(offered)) if offered and draw(st.integers(0, 4)) else None
    if page_form is not None and draw(st.integers(0, 3)):
        role = page_form.role  # mostly as someone who may use it, to get past 403 and 404
    else:
        role = draw(st.sampled_from(sorted(ROLES)))
    if page_form is not None and draw(st.integers(0, 3)):
        path = page_form.action
    else:
        values_of = {}
        for name, converter in rule._converters.items():
            if isinstance(converter, IntegerConverter):
                values_of[name] = draw(st.sampled_from(world.ids_for(rule, name) or [1])
                                       | st.sampled_from([0, 1, MAX_ID]))
            elif isinstance(converter, AnyConverter):
                values_of[name] = draw(st.sampled_from(sorted(converter.items)))
            else:
                values_of[name] = draw(st.sampled_from(["sample", "x" * 200])
                                       | any_text.filter(lambda word: word.strip("/.")))
        path = rule.build(values_of, append_unknown=False)[1]
    base = list(page_form.fields) if page_form is not None else []
    names = sorted({name for name, _ in base} | set(draw(st.lists(st.sampled_from(sorted(world.names)), max_size=6))))
    if draw(st.integers(0, 4)) == 0:  # rows of a list with odd numbers: "questions-²-text"
        names += [re.sub(r"-\d+-", f"-{draw(ROW_NUMBERS)}-", name, count=1)
                  for name in names if re.search(r"-\d+-", name)]
    data = []
    for name in names:
        sent = [value for n, value in base if n == name]
        action = draw(st.sampled_from(["keep", "keep", "fuzz", "fuzz", "missing", "repeat"]))
        if action == "keep" and sent:
            data += [(name, value) for value in sent]
        elif action == "missing":
            continue
        elif action == "repeat":
            data += [(name, draw(values)) for _ in range(draw(st.integers(2, 4)))]
        else:
            data.append((name, draw(values)))
    files = []
    for name in (page_form.files if page_form is not None else []):
        if draw(st.booleans()):
            content, filename = draw(upload_values())
            files.append((name, (io.BytesIO(content), filename)))
    return role, path, data, files


def _post(client, path, data, files):
    if files:
        return client.post(path, data=MultiDict(data + files), content_type="multipart/form-data")
    return client.post(path, data=MultiDict(data), content_type="application/x-www-form-urlencoded")


def refused(response, client) -> bool:
    if response.status_code >= 400:
        return True
    categories = {category for category, _ in flashes(client)}
    if response.status_code == 200:
        page = response.get_data(as_text=True)
        return "is-invalid" in page or "alert-danger" in page
    return "danger" in categories and "success" not in categories


@pytest.mark.parametrize("rule", post_rules(), ids=lambda rule: rule.endpoint)
def test_no_form_answers_5xx_and_a_refusal_changes_nothing(world, rule):
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=bool(os.environ.get("CI")),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(submission=submissions(world, rule))
    def post_anything(submission):
        role, path, data, files = submission
        client = world.client(role)
        before = snapshot()
        response = _post(client, path, data, files)
        assert response.status_code < 500, (role, path, data, response.status_code)
        event(f"{response.status_code} {'refused' if refused(response, client) else 'taken'}")
        if refused(response, client):
            assert snapshot() == before, (role, path, data, "refused, yet the database changed")

    post_anything()


def test_the_fuzz_reaches_the_forms(world):
    """A crawl that found no forms would make the fuzz above vacuous."""
    assert len(world.forms) >= 20, sorted(world.forms)
    assert {"challenges.new", "proposals.edit", "review.show", "auth.profile"} <= set(world.forms)
    assert len(world.names) > 40


def query_names() -> list[str]:
    """Every query-string name the app reads (``args.get("…")`` in its source), and ``page``."""
    from pathlib import Path

    import app as package

    source = "\n".join(path.read_text() for path in Path(package.__path__[0]).rglob("*.py"))
    return sorted(set(re.findall(r"""args\.get(?:list)?\(\s*["'](\w+)["']""", source)) | {"page"})


def get_rules():
    from app import create_app

    app = create_app("testing")
    return sorted((rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and rule.endpoint != "static"),
                  key=lambda r: r.rule)


@pytest.mark.parametrize("rule", get_rules(), ids=lambda rule: rule.endpoint)
def test_no_page_answers_5xx_to_any_query_string(world, rule):
    names = query_names()

    @settings(max_examples=max(2, EXAMPLES // 2), deadline=None, database=None,
              derandomize=bool(os.environ.get("CI")), suppress_health_check=[HealthCheck.too_slow])
    @given(role=st.sampled_from(sorted(ROLES)), path=st.sampled_from(world.sample_paths(rule, limit=2)),
           query=st.lists(st.tuples(st.sampled_from(names), values | st.just("\x00")), max_size=5))
    def get_anything(role, path, query):
        response = world.client(role).get(path, query_string=MultiDict(query))
        assert response.status_code < 500, (role, path, query, response.status_code)

    get_anything()
