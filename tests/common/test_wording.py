"""The interface wording follows docs/glossary.md: no word the glossary rules out, Japanese
labels with a full-width colon, Korean particles that fit whatever a placeholder ends with."""
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
GLOSSARY = ROOT / "docs" / "glossary.md"


def catalog(lang):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po)


def msgstrs(lang):
    """(msgid, msgstr) for every translated form of every entry."""
    for message in catalog(lang):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        for string in (message.string,) if isinstance(message.string, str) else message.string:
            yield source, string


def glossary_table(heading):
    """The rows of the first table under ``## heading``, as lists of cells."""
    section = GLOSSARY.read_text(encoding="utf-8").split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]  # header, rule


def words_we_do_not_use(lang):
    return [word for language, word, _instead in glossary_table("Words we do not use") if language == lang]


def test_the_glossary_rules_words_out_in_both_languages():
    assert len(words_we_do_not_use("ja")) >= 10 and len(words_we_do_not_use("ko")) >= 15
    assert {"公開審査", "発効", "投稿", "コホート", "オーナー", "スタッフ"} <= set(words_we_do_not_use("ja"))
    assert {"MSS", "포상금", "소유자", "심사", "돌려보내", "발효", "초안", "Shonan iPark"} <= set(
        words_we_do_not_use("ko"))


@pytest.mark.parametrize("lang", ["ja", "ko"])
def test_no_msgstr_uses_a_word_the_glossary_rules_out(lang):
    words = words_we_do_not_use(lang)
    found = [(word, source, string) for source, string in msgstrs(lang) for word in words if word in string]
    assert not found, "docs/glossary.md, 'Words we do not use':\n" + "\n".join(
        f"  {word!r} in {string!r} (msgid {source!r})" for word, source, string in found)


def test_japanese_labels_take_a_full_width_colon():
    half_width = [(source, string) for source, string in msgstrs("ja")
                  if re.search(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]\s*:(?!//)", string)]
    assert not half_width, half_width


# A particle right after a placeholder (or after the quote closing it) must agree with the last
# letter of a text we do not know: 은/는, 이/가, 을/를, 와/과, 으로/로 cannot.
VARIABLE_PARTICLE = re.compile(r"%\(\w+\)s[’”'\"」]?(은|는|이|가|을|를|와|과|으로|로)(?![가-힣])")


def test_korean_particles_after_a_placeholder_fit_any_last_letter():
    wrong = [(source, string) for source, string in msgstrs("ko") if VARIABLE_PARTICLE.search(string)]
    assert not wrong, wrong


@pytest.mark.parametrize(("string", "wrong"), [
    ("제안서 ‘%(proposal)s’는 이제 수정할 수 없으며", True),
    ("%(organization)s와(과) 함께하려면", True),
    ("%(title)s을 선택", True),
    ("‘%(proposal)s’ 제안서는 이제 수정할 수 없으며", False),
    ("%(name)s 님이 초대했습니다", False),
    ("%(organization)s에서 제안서를 열람할 수 있습니다", False),
    ("%(deadline)s까지 연장되었습니다", False),
])
def test_the_particle_rule_itself(string, wrong):
    assert bool(VARIABLE_PARTICLE.search(string)) is wrong
