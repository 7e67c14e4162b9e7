"""The term list of the field: its shape (app/common/data/terms.tsv), lookups, matching in a text, glossaries."""
import re
from collections import defaultdict

import pytest

from app.common.termlist import (
    LANGUAGES,
    Concept,
    concept_for,
    concepts,
    concepts_in,
    glossary_entries,
    normalise,
    read_terms,
    variant_key,
)

JAPANESE = re.compile(r"[\u3005\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")  # kana and kanji
HANGUL = re.compile(r"[\uac00-\ud7af]")

# The shape of the list ------------------------------------------------------------------------


def test_the_list_holds_at_least_400_concepts():
    assert len(concepts()) >= 400


def test_keys_are_unique_and_plain():
    keys = [concept.key for concept in concepts()]
    assert len(keys) == len(set(keys))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key) for key in keys), keys


def test_every_concept_has_english_japanese_and_korean():
    for concept in concepts():
        for language in LANGUAGES:
            assert concept.forms(language), (concept.key, language)


def test_no_empty_variant_and_no_stray_whitespace():
    for concept in concepts():
        for variant in concept.variants:
            assert variant, concept.key
            assert variant == variant.strip() and "  " not in variant, (concept.key, variant)
            assert not re.search(r"[\t\n\r\u3000\u00a0]", variant), (concept.key, variant)


def test_no_variant_belongs_to_two_concepts():
    owners = defaultdict(set)
    for concept in concepts():
        for variant in concept.variants:
            owners[variant_key(variant)].add(concept.key)
            owners[normalise(variant)].add(concept.key)
    assert {variant: keys for variant, keys in owners.items() if len(keys) > 1} == {}


def test_no_variant_is_repeated_within_a_cell():
    for concept in concepts():
        for language in LANGUAGES:
            written = [normalise(variant) for variant in concept.forms(language)]
            assert len(written) == len(set(written)), (concept.key, language)


def test_the_japanese_cell_is_japanese_and_the_korean_cell_korean():
    for concept in concepts():
        assert any(JAPANESE.search(variant) for variant in concept.ja), concept.key
        assert any(HANGUL.search(variant) for variant in concept.ko), concept.key
        assert not any(HANGUL.search(variant) for variant in concept.ja), concept.key
        assert not any(JAPANESE.search(variant) for variant in concept.ko + concept.en), concept.key
        assert not any(HANGUL.search(variant) for variant in concept.en), concept.key


@pytest.mark.parametrize(("key", "en", "ja", "ko"), [
    ("antibody", "antibody", "抗体", "항체"),
    ("drug-discovery", "drug discovery", "創薬", "신약 개발"),
    ("single-cell", "single-cell", "シングルセル", "단일세포"),
    ("toxicity", "toxicity", "毒性", "독성"),
])
def test_the_examples_of_the_issue_are_there(key, en, ja, ko):
    concept = next(concept for concept in concepts() if concept.key == key)
    assert (concept.en[0], concept.ja[0], concept.ko[0]) == (en, ja, ko)
    assert concept_for(en) == concept_for(ja) == concept_for(ko) == concept


def test_read_terms_skips_comments_and_the_header_and_refuses_a_short_line(tmp_path):
    path = tmp_path / "terms.tsv"
    path.write_text("# a comment\nkey\ten\tja\tko\n\ntoxicity\ttoxicity|toxic\t毒性\t독성\n", encoding="utf-8")
    assert read_terms(path) == (Concept("toxicity", ("toxicity", "toxic"), ("毒性",), ("독성",)),)
    path.write_text("toxicity\ttoxicity\t毒性\n", encoding="utf-8")
    with pytest.raises(ValueError, match="toxicity"):
        read_terms(path)


# Lookups and matching ------------------------------------------------------------------------------

@pytest.mark.parametrize(("variant", "key"), [
    ("항체", "antibody"), ("ANTIBODIES", "antibody"), ("ｍＡｂ", "antibody"),
    ("단일 세포", "single-cell"), ("single cell", "single-cell"), ("Single-Cell", "single-cell"),
    ("신약개발", "drug-discovery"), ("신약 개발", "drug-discovery"), ("iPS細胞", "ips-cell"),
])
def test_concept_for_reads_any_variant_however_written(variant, key):
    assert concept_for(variant).key == key


def test_concept_for_an_unknown_word_is_none():
    assert concept_for("kakehashi") is None
    assert concept_for("") is None


@pytest.mark.parametrize(("text", "expected", "absent"), [
    ("抗体医薬品の製造", {"antibody"}, set()),
    ("항체를 이용한 진단", {"antibody", "diagnosis"}, set()),
    # Latin words on word boundaries, several in a row whatever separates them
    ("Single-cell RNA sequencing", {"single-cell", "single-cell-sequencing", "rna-seq"}, set()),
    ("single cell analysis", {"single-cell"}, set()),
    ("Antibodies and mAbs", {"antibody"}, set()),
    ("antibodyome", set(), {"antibody"}),
    # written with a space in the list: found with or without it
    ("신약개발 파트너", {"drug-discovery"}, set()),
    ("신약 개발 파트너", {"drug-discovery"}, set()),
    ("細胞・遺伝子治療", {"cell-and-gene-therapy"}, set()),
    ("細胞遺伝子治療", {"cell-and-gene-therapy"}, set()),
    # written without one: only as written
    ("단독 성공", set(), {"toxicity"}),
    # a Latin letter or digit at the edge of a variant needs a boundary there
    ("the iPS細胞 line", {"ips-cell"}, set()),
    ("chips細胞", set(), {"ips-cell"}),
    ("임상 1상", {"phase-1"}, set()),
    ("임상 11상", set(), {"phase-1"}),
    # the negated form of another concept is not the concept
    ("非臨床試験の受託", {"preclinical"}, {"clinical-trial"}),
    ("전임상시험 결과", {"preclinical"}, {"clinical-trial"}),
    ("비임상시험과 임상시험", {"preclinical", "clinical-trial"}, set()),
    ("무혈청 배지", {"serum-free-medium"}, {"serum"}),
    ("non-clinical study", {"preclinical"}, {"clinical-trial"}),
    ("肺がんの早期診断", {"lung-cancer", "cancer", "early-diagnosis"}, set()),  # 肺 is no negation
    # one-character forms are never looked for inside a text
    ("암호화", set(), {"cancer"}),
    ("", set(), set()),
])
def test_concepts_in(text, expected, absent):
    found = concepts_in(text)
    assert expected <= found and not (absent & found), found


def test_every_variant_finds_its_own_concept():
    for concept in concepts():
        for variant in concept.variants:
            if len(variant_key(variant)) > 1:
                assert concept.key in concepts_in(f"… {variant} …"), (concept.key, variant)


# Glossaries ------------------------------------------------------------------------------------------

def test_glossary_entries_map_preferred_forms():
    japanese_to_korean = glossary_entries("ja", "ko")
    assert japanese_to_korean["抗体"] == "항체"
    assert japanese_to_korean["シングルセル"] == "단일세포"
    assert glossary_entries("en", "ja")["drug discovery"] == "創薬"
    assert glossary_entries("ko", "en")["독성"] == "toxicity"
    assert len(japanese_to_korean) >= 400


def test_glossary_entries_leave_out_what_is_written_alike():
    assert "DNA" not in glossary_entries("en", "ja")


@pytest.mark.parametrize(("source", "target"), [("en", "en"), ("en", "fr"), ("de", "ja")])
def test_glossary_entries_refuse_unknown_pairs(source, target):
    with pytest.raises(ValueError):
        glossary_entries(source, target)
