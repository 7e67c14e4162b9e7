"""Machine drafts through the real `deepl` library, spoken to a fake DeepL server on 127.0.0.1."""
import pytest

from app.common import machine_translation, termlist
from app.common.machine_translation import MachineTranslationUnavailable, is_available, translate
from tests.fakes.deepl_server import Glossary

TERMS = {("ja", "ko"): {"抗体": "항체", "毒性": "독성", "創薬": "신약 개발", "シングルセル": "단일세포"},
         ("ko", "ja"): {"항체": "抗体"},
         ("ja", "en"): {"抗体": "antibody"},
         ("en", "ko"): {"antibody": "항체"}}


@pytest.fixture
def terms(monkeypatch):
    """A small glossary in place of the term list, so that drafts can be compared whole."""
    monkeypatch.setattr(termlist, "glossary_entries", lambda source, target: dict(TERMS.get((source, target), {})))


def glossary_requests(server, method="POST"):
    return [r for r in server.requests if r.path == "/v2/glossaries" and r.method == method]


def test_without_a_key_there_is_no_machine_translation(app):
    assert app.config["DEEPL_AUTH_KEY"] is None
    assert not is_available()
    with pytest.raises(MachineTranslationUnavailable):
        translate(["抗体"], source="ja", target="ko")


def test_available_with_a_key(fake_deepl):
    assert is_available()


def test_one_call_for_the_list_with_the_term_lists_glossary(fake_deepl):
    drafts = translate(["抗体の毒性", "", "シングルセル解析"], source="ja", target="ko")

    assert drafts[0].startswith("[KO] ") and "항체" in drafts[0] and "독성" in drafts[0]
    assert drafts[1] == ""
    assert "단일세포" in drafts[2]
    [body] = fake_deepl.translate_requests
    assert body["source_lang"] == "JA" and body["target_lang"] == "KO"
    assert body["text"] == ["抗体の毒性", "シングルセル解析"]  # the empty text is not sent
    [glossary] = fake_deepl.glossaries.values()
    assert body["glossary_id"] == glossary.glossary_id
    assert (glossary.source_lang, glossary.target_lang) == ("JA", "KO")
    assert glossary.entries["抗体"] == "항체"
    assert glossary.entries == dict(termlist.glossary_entries("ja", "ko"))
    assert {r.authorization for r in fake_deepl.requests} == {f"DeepL-Auth-Key {fake_deepl.auth_key}"}


def test_english_is_british_and_korean_and_japanese_take_the_polite_register(terms, fake_deepl):
    assert translate(["抗体"], source="ja", target="en") == ["[EN-GB] antibody"]
    translate(["antibody"], source="en", target="ko")
    english, korean = fake_deepl.translate_requests
    assert english["target_lang"] == "EN-GB" and "formality" not in english
    assert korean["target_lang"] == "KO" and korean["formality"] == "prefer_more"


def test_a_glossary_is_made_once_per_pair_and_reused(terms, fake_deepl):
    translate(["抗体"], source="ja", target="ko")
    translate(["毒性"], source="ja", target="ko")
    assert len(glossary_requests(fake_deepl)) == 1
    translate(["항체"], source="ko", target="ja")
    assert len(glossary_requests(fake_deepl)) == 2
    ids = [body["glossary_id"] for body in fake_deepl.translate_requests]
    assert ids[0] == ids[1] != ids[2]


def test_another_process_finds_the_glossary_by_name_and_an_old_one_is_deleted(terms, fake_deepl):
    translate(["抗体"], source="ja", target="ko")
    [current] = fake_deepl.glossaries.values()
    old = Glossary("old-one", "kakehashi ja-ko 0123456789abcdef", "JA", "KO", {"抗体": "항체"})
    fake_deepl.glossaries[old.glossary_id] = old
    machine_translation.forget_glossaries()  # as a new process would start

    translate(["抗体"], source="ja", target="ko")

    assert len(glossary_requests(fake_deepl)) == 1
    assert fake_deepl.translate_requests[-1]["glossary_id"] == current.glossary_id
    assert list(fake_deepl.glossaries) == [current.glossary_id]


def test_a_glossary_deleted_on_the_server_is_made_again(terms, fake_deepl):
    translate(["抗体"], source="ja", target="ko")
    fake_deepl.glossaries.clear()

    assert translate(["抗体"], source="ja", target="ko") == ["[KO] 항체"]

    assert len(glossary_requests(fake_deepl)) == 2
    assert len(fake_deepl.glossaries) == 1


def test_markdown_keeps_its_structure_and_code_and_links_are_never_sent(terms, fake_deepl):
    text = ("# 抗体の評価\n\n"
            "- 毒性を **確認** する\n"
            "- 詳細は [資料](https://example.test/a?b=1&c=2) と `assay_v2` を参照\n\n"
            "```\nsecret_code = 1  # 抗体\n```\n\n"
            "| 項目 | 値 |\n|---|---|\n| 抗体 | 3 |\n\n"
            "1. 創薬 <https://example.test/x>\n")
    [draft] = translate([text], source="ja", target="ko")

    assert draft == ("# [KO] 항체の評価\n\n"
                     "- [KO] 독성を **確認** する\n"
                     "- [KO] 詳細は [資料](https://example.test/a?b=1&c=2) と `assay_v2` を参照\n\n"
                     "```\nsecret_code = 1  # 抗体\n```\n\n"
                     "| [KO] 項目 | 値 |\n|---|---|\n| [KO] 항체 | 3 |\n\n"
                     "1. [KO] 신약 개발 <https://example.test/x>\n")
    body = fake_deepl.translate_requests[0]
    assert body["tag_handling"] == "xml" and body["ignore_tags"] == ["k"]
    assert not fake_deepl.sent("secret_code")
    assert "<k>](https://example.test/a?b=1&amp;c=2)</k>" in body["text"][1]


def test_windows_line_ends_and_text_without_words(terms, fake_deepl):
    assert translate(["抗体\r\n\r\n---\r\n42"], source="ja", target="en") == ["[EN-GB] antibody\n\n---\n42"]


def test_long_texts_go_in_batches_of_at_most_fifty(terms, fake_deepl):
    text = "\n\n".join(f"抗体 {n}" for n in range(120))
    [draft] = translate([text], source="ja", target="ko")
    assert draft == "\n\n".join(f"[KO] 항체 {n}" for n in range(120))
    assert [len(body["text"]) for body in fake_deepl.translate_requests] == [50, 50, 20]


@pytest.mark.parametrize(("status", "message"), [
    (403, MachineTranslationUnavailable.default_message),  # a wrong or revoked key
    (456, machine_translation.QUOTA_USED_UP),               # the quota is used up
    (429, MachineTranslationUnavailable.default_message),   # too many requests, after the retries
    (503, MachineTranslationUnavailable.default_message),
    (500, MachineTranslationUnavailable.default_message),
])
def test_a_refusal_of_the_server_is_one_domain_error(fake_deepl, status, message):
    fake_deepl.fail_next(status, times=5)
    with pytest.raises(MachineTranslationUnavailable) as raised:
        translate(["抗体"], source="ja", target="ko")
    assert raised.value.message == message


def test_a_wrong_key_is_refused(app, fake_deepl):
    app.config["DEEPL_AUTH_KEY"] = "not-the-key"
    with pytest.raises(MachineTranslationUnavailable):
        translate(["抗体"], source="ja", target="ko")


def test_no_server_is_one_domain_error(app, fake_deepl):
    fake_deepl.stop()
    with pytest.raises(MachineTranslationUnavailable):
        translate(["抗体"], source="ja", target="ko")


def test_a_slow_server_times_out(app, fake_deepl):
    app.config["DEEPL_TIMEOUT"] = 0.2
    fake_deepl.delay = 1.5  # the first attempt waits about a second (the library's back-off), then gives up
    with pytest.raises(MachineTranslationUnavailable):
        translate(["抗体"], source="ja", target="ko")


def test_languages_are_checked(fake_deepl):
    with pytest.raises(ValueError):
        translate(["x"], source="ja", target="ja")
    with pytest.raises(ValueError):
        translate(["x"], source="de", target="ja")
    assert fake_deepl.requests == []


def test_nothing_to_translate_sends_nothing(fake_deepl):
    assert translate(["", "  ", "---"], source="ja", target="ko") == ["", "  ", "---"]
    assert fake_deepl.requests == []
