"""Full-text search over challenges' public text in every language, the same on SQLite and PostgreSQL.

Text is normalised (NFKC, lower case) and cut into terms: Latin and digit words whole, runs of
Han, kana and Hangul as overlapping bigrams (the CJK bigram method of Lucene's CJKAnalyzer), so
a two-character word such as 創薬 or 항체 is found inside longer text without a dictionary. The
terms live in ``challenge_search_terms`` with a weight (title counts most), per challenge and
language: the original and each translation are versions of the call, indexed alike. A query
needs every one of its terms in one version, Latin words match as prefixes (antibod →
antibodies), and relevance is the sum of the weights; a call scores as its best version.

Queries cross languages through the field's term list (app.common.termlist): a version that
mentions a concept (抗体, 항체, antibody) also holds the concept's term ("#antibody", weighted like
the part it was found in), and a query word, or a run of words, that is a form of a concept is
searched as that concept's term instead of its letters. So 항체 finds the calls that say 抗体 and
those that say antibody. Only the public part is indexed: the confidential text never reaches search.

``find_challenges`` is the listing at /challenges/: search, filters, sort and one page of results
in one statement (the page with its total) plus the eager loads of the page's rows; a count
follows only when the page comes back empty.
"""
import math
import re
import unicodedata
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import and_, case, delete, exists, func, insert, literal_column, or_, select, union_all
from sqlalchemy.orm import aliased, defer, selectinload

from app.auth.models import Organization
from app.challenges.models import (
    PUBLISHED_STATES,
    WRITTEN_LANGUAGES,
    Challenge,
    ChallengeField,
    ChallengeSearchTerm,
    ChallengeState,
    Program,
    visible_challenges_clause,
)
from app.challenges.translations import ChallengeTranslation
from app.common.cache import TimedCache
from app.common.pagination import Page
from app.common.taxonomy import Field
from app.common.termlist import concept_for, concepts_in
from app.common.time import as_utc, utcnow
from app.extensions import db

WEIGHTS = {"title": 4, "summary": 2, "description": 1}
MAX_TERM = 64
MAX_QUERY_TERMS = 12
MAX_QUERY_RUN = 32  # characters of one CJK run in a query: a pasted paragraph is not a search
MIN_PREFIX = 2  # a one-letter Latin prefix ("a") matches nearly every challenge
MAX_CONCEPT_WORDS = 8  # the longest form in the term list, in words
CONCEPT_MARK = "#"  # a concept's term, "#antibody": a real term never holds it (the tokenizer drops it)
LANGUAGE_BITS = {language: 1 << n for n, language in enumerate(WRITTEN_LANGUAGES)}  # matched languages, summed

# Han (with 々〆〇), kana, Hangul syllables and jamo.
_CJK = (r"\u3005-\u3007\u303b\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
        r"\uf900-\ufaff\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff")
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+", re.UNICODE)
_CJK_RUN = re.compile(rf"[{_CJK}]+")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def terms(text: str) -> list[str]:
    """Terms of a text in order, repeats included: words, and bigrams of CJK runs.

    A CJK run also yields its last character alone, so that a one-character query (암, 癌),
    searched as a prefix, finds the character at the end of a run (폐암) as well as inside it.
    """
    found = []
    for token in _TOKEN.findall(normalise(text)):
        if _CJK_RUN.fullmatch(token):
            if len(token) == 1:
                found.append(token)
            else:
                found.extend(token[i:i + 2] for i in range(len(token) - 1))
                found.append(token[-1])
        else:
            found.append(token[:MAX_TERM])
    return found


def concept_term(key: str) -> str:
    return CONCEPT_MARK + key


def weighted_terms(version) -> Counter:
    """Term → weight for anything with title, summary and description (a version of a call, or bench rows).

    The concepts of the term list a part mentions count as terms of that part.
    """
    weights: Counter = Counter()
    for attribute, weight in WEIGHTS.items():
        text = getattr(version, attribute)
        for term in set(terms(text)) | {concept_term(key) for key in concepts_in(text)}:
            weights[term] += weight
    return weights


def search_term_rows(challenge_id: int, challenge) -> list[dict]:
    """The rows of challenge_search_terms for one challenge, every version of it, ready for a bulk insert.

    ``challenge.search_versions()`` gives the versions (objects with ``language``, ``title``, ``summary``
    and ``description``): the original, then each translation's public part.
    """
    rows: dict[tuple[str, str], int] = {}
    for version in challenge.search_versions():
        for term, weight in weighted_terms(version).items():
            key = (term, version.language)
            rows[key] = max(rows.get(key, 0), weight)  # one row a language, should two versions share one
    return [{"term": term, "challenge_id": challenge_id, "language": language, "weight": min(weight, 32767)}
            for (term, language), weight in rows.items()]


def index_challenge(challenge: Challenge) -> None:
    """Replace the challenge's terms; call it whenever its public text or a translation changes."""
    db.session.flush()
    db.session.execute(delete(ChallengeSearchTerm).where(ChallengeSearchTerm.challenge_id == challenge.id))
    rows = search_term_rows(challenge.id, challenge)
    if rows:
        db.session.execute(insert(ChallengeSearchTerm), rows)


def reindex_challenges(challenge_ids: list[int]) -> int:
    """Rebuild these challenges' terms, every version (after the term list or the tokenizer changed:
    `flask reindex-search`). Returns the number of rows written; flushes, never commits."""
    challenges = db.session.scalars(
        select(Challenge).where(Challenge.id.in_(challenge_ids))
        .options(selectinload(Challenge.translations).undefer(ChallengeTranslation.description))).all()
    db.session.execute(delete(ChallengeSearchTerm).where(ChallengeSearchTerm.challenge_id.in_(challenge_ids)))
    rows = [row for challenge in challenges for row in search_term_rows(challenge.id, challenge)]
    if rows:
        db.session.execute(insert(ChallengeSearchTerm), rows)
    db.session.flush()
    return len(rows)


def _concepts_and_words(words: list[str]) -> tuple[list[str], list[str]]:
    """The concepts a query names (a word, or a run of words, that is a form of one: the longest
    run first), and the words left. A one-character word stays a word: as a prefix it finds more."""
    concepts, rest = [], []
    at = 0
    while at < len(words):
        for length in range(min(MAX_CONCEPT_WORDS, len(words) - at), 0, -1):
            run = "".join(words[at:at + length])
            concept = concept_for(run) if len(run) > 1 else None
            if concept is not None:
                concepts.append(concept.key)
                at += length
                break
        else:
            rest.append(words[at])
            at += 1
    return concepts, rest


class Query:
    """A parsed query: concepts and CJK bigrams match exactly, Latin words and single CJK characters as prefixes."""

    def __init__(self, text: str):
        concepts, words = _concepts_and_words(_TOKEN.findall(normalise(text))[:MAX_QUERY_TERMS])
        if concepts or any(_CJK_RUN.fullmatch(w) or len(w) >= MIN_PREFIX for w in words):
            words = [w for w in words if _CJK_RUN.fullmatch(w) or len(w) >= MIN_PREFIX]
        self.concept_terms = sorted({concept_term(key) for key in concepts})
        self.groups: list[list[str]] = []  # each group: terms that must all match
        self.phrases: list[str] = []  # CJK runs of 3+ characters, checked as substrings
        prefixes = []
        for word in words:
            if _CJK_RUN.fullmatch(word):
                word = word[:MAX_QUERY_RUN]
                self.groups.append(terms(word)[:-1] if len(word) > 1 else [word])
                if len(word) == 1:
                    prefixes.append(word)
                elif len(word) > 2:
                    self.phrases.append(word)
            else:
                self.groups.append([word[:MAX_TERM]])
                prefixes.append(word[:MAX_TERM])
        self.exact_terms = sorted({t for g in self.groups for t in g if len(t) == 2 and _CJK_RUN.fullmatch(t)})
        # A prefix that another required term starts with adds nothing: the row that satisfies
        # the longer term satisfies it too.
        required = list(dict.fromkeys(prefixes)) + self.exact_terms
        self.prefix_words = [p for p in dict.fromkeys(prefixes)
                             if not any(other != p and other.startswith(p) for other in required)]

    @property
    def whole_terms(self) -> list[str]:
        """The terms matched exactly: CJK bigrams and concepts."""
        return self.exact_terms + self.concept_terms

    def __bool__(self) -> bool:
        return bool(self.prefix_words or self.whole_terms)


def _successor(word: str) -> str:
    """The smallest string above every string that starts with `word`, in code-point order."""
    following = ord(word[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates cannot be stored: step over them
        following = 0xE000
    return word[:-1] + chr(following)


def _prefix_condition(word: str):
    # A range on the term column, which leads the covering index on both databases (the column
    # sorts by code point: BINARY on SQLite, collation "C" on PostgreSQL).
    return and_(ChallengeSearchTerm.term >= word, ChallengeSearchTerm.term < _successor(word))


def _term_rows(query: Query):
    """The index rows of the query's terms: (challenge_id, language, weight, part), part n for the n-th
    prefix and -1 for the whole terms.

    The rows of each prefix, and of the whole terms (one IN list), are read separately and put
    together with UNION ALL: each part is a range of the covering index, where an OR would make
    PostgreSQL read the table.
    """
    term_rows = ChallengeSearchTerm
    columns = (term_rows.challenge_id, term_rows.language, term_rows.weight)
    parts = [select(*columns, literal_column(str(n)).label("part")).where(_prefix_condition(word))
             for n, word in enumerate(query.prefix_words)]
    if query.whole_terms:
        parts.append(select(*columns, literal_column("-1").label("part"))
                     .where(term_rows.term.in_(query.whole_terms)))
    return (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("term_rows")


def _holds_every_term(query: Query, rows) -> list:
    """HAVING conditions true when a group's rows hold every term of the query: at least one row in
    each prefix's range (MAX), a row for each whole term (SUM); none for a single term."""
    whole = query.whole_terms
    if len(query.prefix_words) + len(whole) == 1:
        return []
    checks = [func.max(case((rows.c.part == n, 1), else_=0)) == 1 for n in range(len(query.prefix_words))]
    if whole:
        checks.append(func.sum(case((rows.c.part == -1, 1), else_=0)) == len(whole))
    return checks


def matching_versions(query: Query):
    """A subquery of (challenge_id, language, score) for the versions holding every term of the query."""
    rows = _term_rows(query)
    stmt = (select(rows.c.challenge_id.label("challenge_id"), rows.c.language.label("language"),
                   func.sum(rows.c.weight).label("score"))
            .group_by(rows.c.challenge_id, rows.c.language))
    if checks := _holds_every_term(query, rows):
        stmt = stmt.having(and_(*checks))
    return stmt.subquery("version_matches")


def phrase_conditions(query: Query, text) -> list:
    """Bigrams may all be present without being adjacent: a longer CJK word must appear as written.

    The check reads the stored text (a challenge's, or a translation's), which is not normalised: a
    version that writes the phrase in half-width katakana has its bigrams but fails this check, and
    is not found.
    """
    return [or_(text.title.contains(phrase, autoescape=True),
                text.summary.contains(phrase, autoescape=True),
                text.description.contains(phrase, autoescape=True)) for phrase in query.phrases]


def matching_versions_as_written(query: Query):
    """matching_versions, less those whose text lacks a longer CJK word as written.

    The phrase check sits inside the subquery, so that it reads the text of the matching
    versions only: as a condition of the outer query, SQLite would run it on every open call
    before the join whenever it chose to start from the challenges.
    """
    matches = matching_versions(query)
    if not query.phrases:
        return matches
    original = aliased(Challenge, name="phrase_original")
    translation = aliased(ChallengeTranslation, name="phrase_translation")
    return (select(matches.c.challenge_id, matches.c.language, matches.c.score)
            .where(or_(exists().where(original.id == matches.c.challenge_id, original.language == matches.c.language,
                                      *phrase_conditions(query, original)),
                       exists().where(translation.challenge_id == matches.c.challenge_id,
                                      translation.language == matches.c.language,
                                      *phrase_conditions(query, translation))))
            .subquery("versions_as_written"))


def matching_challenges(query: Query, reader_language: str | None = None):
    """A subquery of (challenge_id, score, languages, in_reader_language) for the matching challenges.

    A challenge matches when one of its versions holds every term; it scores as its best matching
    version; ``languages`` sums the LANGUAGE_BITS of the versions that matched, and
    ``in_reader_language`` is 1 when one of them is in the reader's language. (Grouping the rows by
    version, then the versions by challenge, is three times faster on SQLite than one GROUP BY per
    challenge with each language's test and score side by side.)
    """
    if not query.prefix_words and len(query.whole_terms) == 1:
        # One whole term (a concept, or a CJK bigram): a version has at most one row of it, which is
        # its score; no need to group by version first.
        versions = (select(ChallengeSearchTerm.challenge_id, ChallengeSearchTerm.language,
                           ChallengeSearchTerm.weight.label("score"))
                    .where(ChallengeSearchTerm.term == query.whole_terms[0]).subquery("version_matches"))
    else:
        versions = matching_versions_as_written(query)
    bits = case(*[(versions.c.language == language, bit) for language, bit in LANGUAGE_BITS.items()], else_=0)
    in_reader_language = case((versions.c.language == (reader_language or ""), 1), else_=0)
    return (select(versions.c.challenge_id.label("challenge_id"), func.max(versions.c.score).label("score"),
                   func.sum(bits).label("languages"), func.max(in_reader_language).label("in_reader_language"))
            .group_by(versions.c.challenge_id)
            .subquery("matches"))


def matched_languages(bits: int | None) -> tuple[str, ...]:
    return tuple(language for language, bit in LANGUAGE_BITS.items() if (bits or 0) & bit)


# The listing ------------------------------------------------------------------------------------

STATUSES = ("open", "closed", "awarded", "all")
SORTS = ("relevance", "deadline", "newest")
MAX_PER_PAGE = 100
PUBLIC_STATES = (ChallengeState.open, ChallengeState.closed, ChallengeState.awarded)


def _status_condition(status: str, now: datetime):
    """Only published calls are listed; an open call read past its deadline is closed."""
    is_open = and_(Challenge.state == ChallengeState.open, Challenge.deadline > now)
    if status == "open":
        return is_open
    if status == "closed":
        return or_(Challenge.state == ChallengeState.closed,
                   and_(Challenge.state == ChallengeState.open, Challenge.deadline <= now))
    if status == "awarded":
        return Challenge.state == ChallengeState.awarded
    return Challenge.state.in_(PUBLIC_STATES)


def _deadline_keys(status: str, now: datetime) -> list[tuple]:
    """Soonest deadline first; calls whose deadline has passed follow, the most recent first."""
    if status == "open":
        return [(Challenge.deadline, False)]
    passed = Challenge.deadline <= now
    return [(passed, False), (case((~passed, Challenge.deadline)), False), (Challenge.deadline, True)]


# What a result card shows (templates/challenges/_card.html): the poster (joined), the fields, the titles
# and summaries of the translations; not the long texts, which the card never reads.
CARD_LOADING = (selectinload(Challenge.field_rows), defer(Challenge.description), defer(Challenge.confidential),
                defer(Challenge.review_note))


def _page_number(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 1


def find_challenges(*, user, q: str = "", program=None, field=None, status: str | None = "open",
                    country: str | None = None, sort: str | None = None, page=1, per_page: int = 20,
                    now: datetime | None = None, reader_language: str | None = None) -> Page:
    """Search and filter the published challenges `user` may see; one page of them.

    status: "open" (accepting: open and before its deadline), "closed" (closed, or open past its
    deadline), "awarded", or "all"/None (the three). sort: "relevance" (the default with a query),
    "deadline" (the default without) or "newest"; by relevance, calls of equal score matched in
    ``reader_language`` come first. Unknown program, field, status or sort values raise ValueError;
    the form checks them first. Page numbers out of range are clamped. With a query, the page's
    ``matched_languages`` says in which languages each call matched.
    """
    now = as_utc(now or utcnow()).astimezone(UTC)  # SQLite compares the UTC wall time as text
    status = status or "all"
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    query = Query(q or "") or None  # blank, or nothing searchable in it: no search
    sort = sort or ("relevance" if query else "deadline")
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    if sort == "relevance" and not query:
        sort = "deadline"
    per_page = min(max(_page_number(per_page), 1), MAX_PER_PAGE)

    conditions = [visible_challenges_clause(user), _status_condition(status, now)]
    if program:
        conditions.append(Challenge.program == Program(program))
    if field:
        conditions.append(exists().where(ChallengeField.challenge_id == Challenge.id,
                                         ChallengeField.field == Field(field)))
    if country:
        conditions.append(Challenge.organization_id.in_(
            select(Organization.id).where(Organization.country == country.strip().upper())))

    def restrict(stmt):
        if query:
            stmt = stmt.join(matches, matches.c.challenge_id == Challenge.id)
        return stmt.where(*conditions)

    matches = matching_challenges(query, reader_language) if query else None
    if sort == "relevance":
        keys = [(matches.c.score, True), (matches.c.in_reader_language, True), *_deadline_keys(status, now),
                (Challenge.id, False)]
    elif sort == "newest":
        keys = [(Challenge.published_at, True), (Challenge.id, True)]
    else:
        keys = [*_deadline_keys(status, now), (Challenge.id, False)]
    languages = matches.c.languages if query else literal_column("0")

    def page_rows(number: int, *, with_total: bool) -> list:
        """One page: its calls, their matched languages and, with a query, the number of matches.

        The page is sorted and cut on the keys alone, then the whole rows are loaded: sorting
        thousands of rows with their descriptions is what made a common word slow. A search's total
        comes with its page (COUNT(*) OVER ()), so that the matches are computed once, not again
        for a count: search across languages doubled the matches of common words.
        """
        total = func.count().over() if with_total else literal_column("0")
        page_keys = (restrict(select(Challenge.id.label("id"), languages.label("languages"), total.label("total"),
                                     *[key.label(f"k{n}") for n, (key, _) in enumerate(keys)]))
                     .order_by(*[key.desc() if descending else key.asc() for key, descending in keys])
                     .limit(per_page).offset((number - 1) * per_page).subquery("page_keys"))
        return db.session.execute(
            select(Challenge, page_keys.c.languages, page_keys.c.total).join(page_keys, page_keys.c.id == Challenge.id)
            .options(*CARD_LOADING)
            .order_by(*[page_keys.c[f"k{n}"].desc() if descending else page_keys.c[f"k{n}"].asc()
                        for n, (_, descending) in enumerate(keys)])).unique().all()

    def count() -> int:
        return db.session.scalar(restrict(select(func.count()).select_from(Challenge)))

    page = max(_page_number(page), 1)
    rows = None
    if query:  # the total comes with the page; a count only when the page is empty
        rows = page_rows(page, with_total=True)
        total = rows[0].total if rows else count()
    else:  # the count reads the listing index alone, the page sorts its first rows only: cheaper apart
        total = count()
    pages = max(1, math.ceil(total / per_page))
    if not total:
        return Page(items=[], total=0, page=1, per_page=per_page)
    if page > pages:  # past the end: the last page
        page, rows = pages, None
    if rows is None:
        rows = page_rows(page, with_total=False)
    return Page(items=[challenge for challenge, _, _ in rows], total=total, page=page, per_page=per_page,
                matched_languages={challenge.id: matched_languages(bits) for challenge, bits, _ in rows if query})


# The listing's cache (docs/performance.md, "Where we cache") --------------------------------------

# A page of results as HTML, per worker: 256 pages of twenty cards are a few megabytes.
LISTING_CACHE = TimedCache("challenge listing", size=256)
# What a result card shows comes from these tables: a commit that writes one drops the cache.
LISTED_TABLES = (Challenge, ChallengeTranslation, ChallengeField, ChallengeSearchTerm, Organization)


def listing_audience(user) -> tuple:
    """The viewers who are shown the same rows as ``user``, whatever the filters.

    Every status lists PUBLIC_STATES only, and visible_challenges_clause lets anyone see a call in a
    published state: the clause adds no row for its poster (a draft, a cancelled call) or for staff,
    so everybody is one audience. Were the listing to show a state that only some may see, each
    class of viewer would be its own audience (the poster's organisation, staff, the others).
    """
    if set(PUBLIC_STATES) <= PUBLISHED_STATES:
        return ("everyone",)
    if user.is_authenticated and user.can_use_staff_pages:
        return ("staff",)
    if user.is_authenticated:
        return ("organization", user.organization_id)
    return ("anonymous",)


def listing_key(*, user, q: str, program, field, status: str, country, sort: str, page: int, per_page: int,
                language: str, zone: str, now: datetime) -> tuple:
    """Everything a page of results depends on: the filters as find_challenges reads them, the audience,
    the reader's language (texts, labels, the order of equal scores) and zone (dates), and the minute
    (countdowns, and open calls whose deadline passed)."""
    return (listing_audience(user), normalise(q), program or "", field or "", status, country or "", sort,
            page, per_page, language, zone, as_utc(now).replace(second=0, microsecond=0).isoformat())
