"""Search and the listing: the tokenizer, what a query finds, filters, sort, pages, query count."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth.models import AnonymousUser
from app.challenges.models import Program
from app.challenges.search import (
    Page,
    Query,
    find_challenges,
    normalise,
    terms,
    weighted_terms,
)
from app.common.time import utcnow
from app.extensions import db

# The tokenizer --------------------------------------------------------------------------------


def test_normalise_folds_width_and_case():
    assert normalise("ＡＩ Drug ｿﾌﾄ") == "ai drug ソフト"
    assert normalise(None) == ""


@pytest.mark.parametrize(("text", "expected"), [
    ("Antibody-drug conjugates, 2026!", ["antibody", "drug", "conjugates", "2026"]),
    ("KRAS_G12D", ["kras", "g12d"]),
    ("創薬", ["創薬", "薬"]),
    ("抗体医薬品", ["抗体", "体医", "医薬", "薬品", "品"]),
    ("항체를 찾다", ["항체", "체를", "를", "찾다", "다"]),
    ("AI創薬", ["ai", "創薬", "薬"]),
    ("癌", ["癌"]),
    ("人々", ["人々", "々"]),
    ("ＡＩ", ["ai"]),
])
def test_terms(text, expected):
    assert terms(text) == expected


def test_long_latin_words_are_cut():
    assert terms("x" * 100) == ["x" * 64]


def test_weighted_terms_add_the_weight_of_each_part_once():
    class Text:
        title = "Antibody discovery"
        summary = "antibody antibody"
        description = "An antibody for KRAS"

    weights = weighted_terms(Text())
    assert weights["antibody"] == 4 + 2 + 1
    assert weights["discovery"] == 4
    assert weights["kras"] == 1


@pytest.mark.parametrize(("text", "prefixes", "exact", "phrases", "concepts"), [
    ("antibod", ["antibod"], [], [], []),
    ("a binder", ["binder"], [], [], []),  # one-letter words are dropped…
    ("a", ["a"], [], [], []),  # …unless nothing else is left
    ("a antibody", [], [], [], ["#antibody"]),  # …or a concept is
    ("bind binders", ["binders"], [], [], []),  # "bind" is implied by "binders"
    ("koala koala", ["koala"], [], [], []),
    ("抗体医薬品", [], ["体医", "医薬", "抗体", "薬品"], ["抗体医薬品"], []),
    ("薬 薬品", [], ["薬品"], [], []),
    ("암", ["암"], [], [], []),  # one CJK character: a prefix over bigrams, even when it names a concept
    # A word, or a run of words, that is a form of a concept of the term list: searched as the concept.
    ("創薬", [], [], [], ["#drug-discovery"]),
    ("항체", [], [], [], ["#antibody"]),
    ("ANTIBODIES", [], [], [], ["#antibody"]),
    ("antibody 抗体 항체", [], [], [], ["#antibody"]),
    ("신약 개발", [], [], [], ["#drug-discovery"]),  # two words, one concept
    ("single cell kras", ["kras"], [], [], ["#single-cell"]),
    ("ＡＩ創薬", [], [], [], ["#ai-drug-discovery"]),  # the longest run first
    ("ai 抗体医薬品", [], ["体医", "医薬", "抗体", "薬品"], ["抗体医薬品"], ["#ai"]),
])
def test_query_parsing(text, prefixes, exact, phrases, concepts):
    query = Query(text)
    assert (query.prefix_words, query.exact_terms, query.phrases, query.concept_terms) == (
        prefixes, exact, phrases, concepts)
    assert query


@pytest.mark.parametrize("text", ["", "   ", "!!! ---", "_"])
def test_query_without_terms_is_empty(text):
    assert not Query(text)


# What a query finds ------------------------------------------------------------------------------

@pytest.fixture
def anonymous(app):
    return AnonymousUser()


def titles(page: Page) -> list[str]:
    return [challenge.title for challenge in page.items]


def found(q, anonymous, **filters) -> set[str]:
    return set(titles(find_challenges(user=anonymous, q=q, status="all", **filters)))


@pytest.fixture
def corpus(make_challenge):
    make_challenge(title="Antibodies for solid tumours", summary="Bispecific formats.", description="Phase I.")
    make_challenge(title="AI創薬プラットフォーム", summary="低分子の探索", description="共同研究")
    make_challenge(title="抗体医薬品の製造", summary="CMC", description="スケールアップ")
    make_challenge(title="항체를 이용한 진단", summary="체외진단", description="바이오마커")
    make_challenge(title="신약개발 파트너", summary="후보물질", description="임상 1상")
    make_challenge(title="抗体の医薬への応用", summary="非臨床", description="薬品ではない")
    make_challenge(title="KRAS inhibitors", summary="Covalent binders with AI", description="Machine learning.")
    make_challenge(title="폐암 조기 진단", summary="액체생검", description="AI")


ANTIBODY_CALLS = {"Antibodies for solid tumours", "抗体医薬品の製造", "항체를 이용한 진단", "抗体の医薬への応用"}


@pytest.mark.parametrize(("q", "expected"), [
    ("antibod", {"Antibodies for solid tumours"}),  # a Latin word is a prefix
    ("bispecif", {"Antibodies for solid tumours"}),
    ("開発", set()),  # a two-character word inside longer text (no concept): 開発 is not 개발
    # A form of a concept finds every call that names the concept, in any language.
    ("ANTIBODIES", ANTIBODY_CALLS),
    ("抗体", ANTIBODY_CALLS),
    ("항체", ANTIBODY_CALLS),
    ("創薬", {"AI創薬プラットフォーム", "신약개발 파트너"}),
    ("신약", {"신약개발 파트너"}),
    ("개발", {"신약개발 파트너"}),
    ("ai 創薬", {"AI創薬プラットフォーム"}),  # every term must match
    ("kras ai", {"KRAS inhibitors"}),
    ("kras 創薬", set()),
    ("ＡＩ 創薬", {"AI創薬プラットフォーム"}),  # full-width Latin is folded
    ("ａｉ", {"AI創薬プラットフォーム", "KRAS inhibitors", "폐암 조기 진단"}),
    # 抗体, 体医 (no), 医薬, 薬品 are all in 抗体の医薬への応用 / 薬品ではない, but not in a row
    ("抗体医薬品", {"抗体医薬品の製造"}),
    ("암", {"폐암 조기 진단"}),  # one character at the end of a run
    ("진단", {"항체를 이용한 진단", "폐암 조기 진단"}),
    ("anti antibodies", {"Antibodies for solid tumours"}),
    ("tumour antibody", {"Antibodies for solid tumours"}),  # "tumour" prefixes "tumours"; antibodies are antibody
    ("solid phases", set()),  # "phases" does not prefix "phase"
])
def test_search(corpus, anonymous, q, expected):
    assert found(q, anonymous) == expected


def test_bigrams_present_but_apart_do_not_make_a_longer_word(make_challenge, anonymous):
    # 抗体, 体医, 医薬, 薬品 all occur below, but 抗体医薬品 never does.
    make_challenge(title="抗体と体医学", summary="医薬と薬品", description="")
    assert found("抗体医薬品", anonymous) == set()
    assert found("抗体", anonymous) == {"抗体と体医学"}


def test_confidential_text_is_never_searchable(make_challenge, users, anonymous):
    make_challenge(title="Target discovery", confidential="The secret target is PCSK9 ヒミツ 비밀")
    for viewer in (anonymous, users["company_owner"], users["ipark_staff"]):
        for q in ("pcsk9", "ヒミツ", "비밀"):
            assert find_challenges(user=viewer, q=q, status="all").total == 0
    assert find_challenges(user=anonymous, q="target", status="all").total == 1


# Across languages ---------------------------------------------------------------------------------------

@pytest.fixture
def translate(users):
    """translate(challenge, "ko", title=…, summary=…, description=…, confidential=…), as staff would."""
    from app.challenges.translating import save_translation

    def translate(challenge, language, *, title, summary="", description="", confidential=""):
        save_translation(challenge, actor=users["ipark_staff"], language=language, title=title, summary=summary,
                         description=description, confidential=confidential)
        db.session.commit()

    return translate


def matches(q, anonymous, **arguments) -> dict[str, tuple]:
    """Title → the languages the call matched in."""
    page = find_challenges(user=anonymous, q=q, status="all", **arguments)
    return {challenge.title: page.matched_languages[challenge.id] for challenge in page.items}


def test_a_korean_query_finds_a_japanese_only_call_through_the_term_list(make_challenge, anonymous):
    make_challenge(title="抗体医薬品の共同研究", summary="非臨床試験まで", description="", language="ja")
    make_challenge(title="低分子の探索", summary="", description="", language="ja")
    assert matches("항체", anonymous) == {"抗体医薬品の共同研究": ("ja",)}
    assert matches("antibodies", anonymous) == {"抗体医薬品の共同研究": ("ja",)}
    assert matches("임상시험", anonymous) == {}  # 非臨床試験 is no clinical trial


def test_single_cell_is_found_in_every_script(make_challenge, anonymous):
    make_challenge(title="シングルセル解析による標的探索", summary="", description="", language="ja")
    make_challenge(title="Single-cell atlas of the liver", summary="", description="", language="en")
    make_challenge(title="단일 세포 분석 플랫폼", summary="", description="", language="ko")
    expected = {"シングルセル解析による標的探索": ("ja",), "Single-cell atlas of the liver": ("en",),
                "단일 세포 분석 플랫폼": ("ko",)}
    for q in ("단일세포", "単一細胞", "single cell", "SINGLE-CELL", "싱글셀"):
        assert matches(q, anonymous) == expected, q


def test_a_translation_is_found_by_its_own_words_and_says_so(make_challenge, translate, anonymous):
    call = make_challenge(title="Biomarkers for sarcopenia", summary="Muscle loss in the elderly.",
                          description="Partners with patient cohorts.", language="en")
    make_challenge(title="Another call", summary="", description="", language="en")
    translate(call, "ko", title="근감소증 바이오마커", summary="고령자의 근육 손실.",
              description="환자 코호트를 보유한 파트너.")
    assert matches("고령자", anonymous) == {"Biomarkers for sarcopenia": ("ko",)}  # in the translation only
    assert matches("코호트를 보유한", anonymous) == {"Biomarkers for sarcopenia": ("ko",)}  # a phrase, as written
    assert matches("elderly", anonymous) == {"Biomarkers for sarcopenia": ("en",)}
    assert matches("sarcopenia", anonymous) == {"Biomarkers for sarcopenia": ("en", "ko")}  # both name it
    assert matches("고령자 elderly", anonymous) == {}  # every term in one version


def test_a_phrase_must_be_written_in_the_version_that_matched(make_challenge, translate, anonymous):
    call = make_challenge(title="Muscle study", summary="", description="", language="en")
    # 코호, 호트 … are all in the translation, but 코호트를 보유한 only in neither part as written
    translate(call, "ko", title="코호트 연구", summary="트를 보유한 파트너", description="")
    assert matches("코호트를 보유한", anonymous) == {}


def test_the_confidential_part_of_a_translation_is_never_indexed(make_challenge, translate, users, anonymous):
    call = make_challenge(title="Target discovery", summary="", description="", language="en")
    translate(call, "ja", title="標的探索", confidential="秘密の標的はPCSK9、コード名ヒミツ")
    for viewer in (anonymous, users["company_owner"], users["ipark_staff"]):
        for q in ("pcsk9", "ヒミツ", "コード名"):
            assert find_challenges(user=viewer, q=q, status="all").total == 0
    assert matches("標的探索", anonymous) == {"Target discovery": ("en", "ja")}  # target-discovery, both


def test_when_scores_tie_the_readers_language_comes_first(make_challenge, anonymous):
    deadline = utcnow() + timedelta(days=10)
    japanese = make_challenge(title="抗体", summary="", description="", language="ja", deadline=deadline)
    korean = make_challenge(title="항체", summary="", description="", language="ko", deadline=deadline)
    english = make_challenge(title="Antibody", summary="", description="", language="en", deadline=deadline)
    stronger = make_challenge(title="Antibody", summary="antibody", description="", language="en",
                              deadline=deadline + timedelta(days=1))

    def order(reader):
        return [c.id for c in find_challenges(user=anonymous, q="항체", reader_language=reader).items]

    assert order("ko") == [stronger.id, korean.id, japanese.id, english.id]  # score first, then the reader's
    assert order("ja") == [stronger.id, japanese.id, korean.id, english.id]
    assert order("en") == [stronger.id, english.id, japanese.id, korean.id]
    assert order(None) == [stronger.id, japanese.id, korean.id, english.id]  # then the usual keys


def test_reindex_search_rebuilds_every_version(app, make_challenge, translate, anonymous):
    from sqlalchemy import delete

    from app.challenges.models import ChallengeSearchTerm

    call = make_challenge(title="抗体の探索", summary="", description="", language="ja")
    translate(call, "ko", title="항체 탐색")
    before = db.session.execute(select(ChallengeSearchTerm.term, ChallengeSearchTerm.language,
                                       ChallengeSearchTerm.weight)).all()
    db.session.execute(delete(ChallengeSearchTerm).where(ChallengeSearchTerm.term.startswith("#")))  # as before
    db.session.commit()
    assert matches("antibody", anonymous) == {}
    result = app.test_cli_runner().invoke(args=["reindex-search", "--chunk", "1"])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 challenges" in result.output
    after = db.session.execute(select(ChallengeSearchTerm.term, ChallengeSearchTerm.language,
                                      ChallengeSearchTerm.weight)).all()
    assert sorted(after) == sorted(before)
    assert matches("antibody", anonymous) == {"抗体の探索": ("ja", "ko")}


def test_no_query_no_matched_languages(make_challenge, anonymous):
    make_challenge(title="Antibody")
    assert find_challenges(user=anonymous, status="all").matched_languages == {}


@pytest.mark.parametrize("viewer", ["company_owner", "company_member", "ipark_staff", "admin", "anonymous"])
@pytest.mark.parametrize("status", ["open", "closed", "awarded", "all"])
def test_only_published_challenges_are_listed_even_for_their_poster(make_challenge, users, anonymous,
                                                                     viewer, status):
    for state in ("draft", "pending_review", "cancelled"):
        make_challenge(state, title=f"Antibody {state}")
    make_challenge("open", title="Antibody open")
    make_challenge("closed", title="Antibody closed")
    make_challenge("awarded", title="Antibody awarded")
    user = anonymous if viewer == "anonymous" else users[viewer]
    expected = {"Antibody open", "Antibody closed", "Antibody awarded"} if status == "all" else {f"Antibody {status}"}
    assert set(titles(find_challenges(user=user, q="antibody", status=status))) == expected
    assert set(titles(find_challenges(user=user, status=status))) == expected


# Filters --------------------------------------------------------------------------------------------

def test_an_open_challenge_past_its_deadline_is_listed_as_closed(make_challenge, anonymous):
    now = utcnow()
    make_challenge("open", title="Just expired", deadline=now - timedelta(seconds=1))
    make_challenge("open", title="Still open", deadline=now + timedelta(seconds=1))
    make_challenge("closed", title="Closed")
    assert titles(find_challenges(user=anonymous, now=now)) == ["Still open"]
    assert set(titles(find_challenges(user=anonymous, status="closed", now=now))) == {"Just expired", "Closed"}
    assert find_challenges(user=anonymous, status="awarded", now=now).total == 0
    assert find_challenges(user=anonymous, status=None, now=now).total == 3
    # At the deadline's second the call is over (Challenge.deadline_passed).
    assert titles(find_challenges(user=anonymous, now=now + timedelta(seconds=1))) == []


def test_filter_by_program_field_and_country(make_challenge, make_user, make_organization, anonymous):
    korean_poster = make_user(organization=make_organization("university", country="KR"))
    make_challenge(title="Drug A", program=Program.open_innovation, fields=("ai_drug_discovery",))
    make_challenge(title="Drug B", program=Program.joint_rnd, fields=("diagnostics", "bioinformatics"))
    make_challenge(title="Drug C", program=Program.startup_support, fields=("cell_gene_therapy",),
                   poster=korean_poster)

    def listed(**filters):
        return set(titles(find_challenges(user=anonymous, **filters)))

    assert listed(program="joint_rnd") == {"Drug B"}
    assert listed(program=Program.startup_support, q="drug") == {"Drug C"}
    assert listed(field="bioinformatics") == {"Drug B"}
    assert listed(field="ai_drug_discovery", program="joint_rnd") == set()
    assert listed(country="kr") == {"Drug C"}
    assert listed(country="JP", q="drug") == {"Drug A", "Drug B"}
    assert listed() == {"Drug A", "Drug B", "Drug C"}


@pytest.mark.parametrize("bad", [dict(status="pending_review"), dict(sort="cheapest"), dict(program="x"),
                                 dict(field="astrology")])
def test_unknown_filter_values_are_refused(app, anonymous, bad):
    with pytest.raises(ValueError):
        find_challenges(user=anonymous, **bad)


# Sorting --------------------------------------------------------------------------------------------

def test_sorting(make_challenge, anonymous):
    now = utcnow()
    late = make_challenge(title="Late", description="antibody", deadline=now + timedelta(days=60))
    soon = make_challenge(title="Soon antibody", deadline=now + timedelta(days=5))
    middle = make_challenge(title="Middle", summary="antibody", deadline=now + timedelta(days=20))
    soon.published_at, middle.published_at, late.published_at = (now - timedelta(days=d) for d in (3, 1, 2))
    db.session.commit()

    def order(**arguments):
        return titles(find_challenges(user=anonymous, now=now, **arguments))

    assert order() == ["Soon antibody", "Middle", "Late"]  # by deadline without a query
    assert order(sort="newest") == ["Middle", "Late", "Soon antibody"]
    # With a query: by relevance (title 4 > summary 2 > description 1).
    assert order(q="antibody") == ["Soon antibody", "Middle", "Late"]
    late.title = "Late antibody"
    from app.challenges.search import index_challenge
    index_challenge(late)
    db.session.commit()
    assert order(q="antibody") == ["Late antibody", "Soon antibody", "Middle"]  # 4 + 1 beats 4
    assert order(q="antibody", sort="deadline") == ["Soon antibody", "Middle", "Late antibody"]
    assert order(sort="relevance") == ["Soon antibody", "Middle", "Late antibody"]  # no query: deadline


def test_deadline_sort_of_past_calls_puts_the_latest_first(make_challenge, anonymous):
    now = utcnow()
    make_challenge("closed", title="Long ago", deadline=now - timedelta(days=90))
    make_challenge("closed", title="Last week", deadline=now - timedelta(days=7))
    make_challenge("open", title="Next week", deadline=now + timedelta(days=7))
    make_challenge("open", title="Next month", deadline=now + timedelta(days=30))
    assert titles(find_challenges(user=anonymous, status="all", now=now)) == [
        "Next week", "Next month", "Last week", "Long ago"]


# Pages ------------------------------------------------------------------------------------------------

def test_pagination(make_challenge, anonymous):
    now = utcnow()
    for n in range(25):
        make_challenge(title=f"Call {n:02}", deadline=now + timedelta(days=n + 1))

    first = find_challenges(user=anonymous, per_page=10, now=now)
    assert (first.total, first.pages, first.page, len(first.items)) == (25, 3, 1, 10)
    assert (first.has_prev, first.has_next, first.prev_num, first.next_num) == (False, True, None, 2)
    assert (first.first, first.last) == (1, 10)
    last = find_challenges(user=anonymous, per_page=10, page=3, now=now)
    assert titles(last) == ["Call 20", "Call 21", "Call 22", "Call 23", "Call 24"]
    assert (last.has_next, last.prev_num, last.first, last.last) == (False, 2, 21, 25)
    for page, clamped in [(0, 1), (-5, 1), (99, 3), ("2", 2), ("two", 1), (None, 1)]:
        assert find_challenges(user=anonymous, per_page=10, page=page, now=now).page == clamped
    assert find_challenges(user=anonymous, per_page=10, page=99, now=now).items == last.items
    nothing = find_challenges(user=anonymous, q="nothing-like-this", page=4)
    assert (nothing.total, nothing.pages, nothing.page, nothing.items, nothing.first) == (0, 1, 1, [], 0)
    assert find_challenges(user=anonymous, per_page=10_000).per_page == 100


@pytest.mark.parametrize(("page", "pages", "expected"), [
    (1, 3, [1, 2, 3]),
    (1, 20, [1, 2, 3, 4, 5, None, 19, 20]),
    (10, 20, [1, 2, None, 8, 9, 10, 11, 12, 13, 14, None, 19, 20]),
])
def test_iter_pages(page, pages, expected):
    assert list(Page(items=[object()], total=pages * 10, page=page, per_page=10).iter_pages()) == expected


# Cost ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("viewer", ["anonymous", "venture_owner"])
def test_listing_a_page_takes_the_same_few_queries_whatever_the_number_of_rows(
        make_challenge, users, anonymous, count_queries, viewer):
    user = anonymous if viewer == "anonymous" else users[viewer]

    def queries_for_a_page(expected_items):
        if viewer != "anonymous":
            assert not user.can_use_staff_pages and user.organization_id  # loaded, as by the login
        db.session.expunge_all()  # a fresh session, as in a request
        with count_queries() as queries:
            page = find_challenges(user=user, q="antibody 抗体", field="ai_drug_discovery", per_page=20)
            cards = [(c.organization.display_name, c.fields, c.text_in("ko").title, c.text_in("ko").summary)
                     for c in page.items]
        assert len(cards) == expected_items  # what a result card shows: poster, fields, title, summary
        for someone in users.values():
            if someone is not None:
                db.session.add(someone)
        return len(queries)

    for n in range(5):
        make_challenge(title=f"Antibody 抗体 {n}")
    few = queries_for_a_page(5)
    for n in range(25):
        make_challenge(title=f"抗体 antibody {n}")
    many = queries_for_a_page(20)
    # The page with its count (COUNT(*) OVER ()) and its posters, then the loads of its fields and of the
    # titles of its translations (one query each, whatever the number of calls); nothing the card does not show.
    assert few == many <= 3
