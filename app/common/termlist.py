"""The field's term list in English, Japanese and Korean (app/common/data/terms.tsv).

A concept is one idea with its forms in three languages, the preferred form first: 抗体, 항체 and
antibody are the concept ``antibody``. Search finds calls across languages through it (a query for
항체 finds the calls that say 抗体), and DeepL glossaries take its preferred forms.

A variant is compared by its key: NFKC, lower case, separators (spaces, hyphens, ・) dropped, so
"single-cell", "single cell" and "Single Cell" are one variant, and 신약 개발 is 신약개발. In a
text, a variant in Latin script is found on word boundaries (its words in a row, whatever separates
them); one with Japanese or Korean script as a substring of the text, written with or without
spaces if the list writes it with a separator (신약 개발), as written otherwise (독성 is not found
in 단독 성공). A match that only exists as the end of a longer negated form listed for another
concept does not count: 非臨床試験 is not a 臨床試験, 무혈청 배지 not a 혈청, non-clinical study not
a clinical study. A one-character form (암, 癌) is the concept's name in a glossary and a query, never
looked for inside a text.
"""
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "ja", "ko")
TERMS_PATH = Path(__file__).parent / "data" / "terms.tsv"

# Han (with 々〆〇), kana, Hangul syllables and jamo: the characters search cuts into bigrams.
CJK_CHARACTERS = (r"\u3005-\u3007\u303b\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
                  r"\uf900-\ufaff\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff")
_CJK = re.compile(rf"[{CJK_CHARACTERS}]")
_TOKEN = re.compile(rf"[{CJK_CHARACTERS}]+|[^\W_{CJK_CHARACTERS}]+")
_CJK_RUN = re.compile(rf"[{CJK_CHARACTERS}]+")
_SEPARATORS = re.compile(r"[\W_]+")
# A longer form of another concept that starts with one of these before a variant negates it
# (非臨床試験, 前臨床試験, 비임상시험, 전임상시험, 무혈청 배지, 비지도학습); 肺がん still says がん.
_NEGATING_CJK = frozenset("非無未不前비무미불전")
_NEGATING_LATIN = frozenset({"non", "pre"})


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def variant_key(text: str) -> str:
    """What makes two variants the same: NFKC, lower case, no separators."""
    return _SEPARATORS.sub("", normalise(text))


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


@dataclass(frozen=True)
class Concept:
    key: str
    en: tuple[str, ...]
    ja: tuple[str, ...]
    ko: tuple[str, ...]

    def forms(self, language: str) -> tuple[str, ...]:
        return getattr(self, language)

    def preferred(self, language: str) -> str:
        return self.forms(language)[0]

    @property
    def variants(self) -> tuple[str, ...]:
        return self.en + self.ja + self.ko


def read_terms(path: Path = TERMS_PATH) -> tuple[Concept, ...]:
    """The concepts of a term list file: blank lines, `#` comments and the header line skipped."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("key\t"):
            continue
        key, *cells = line.split("\t")
        if len(cells) != len(LANGUAGES):
            raise ValueError(f"{path.name}: {key!r} has {len(cells)} language cells, not {len(LANGUAGES)}")
        found.append(Concept(key, *(tuple(cell.split("|")) for cell in cells)))
    return tuple(found)


@cache
def concepts() -> tuple[Concept, ...]:
    return read_terms()


@dataclass(frozen=True)
class _CjkVariant:
    key: str
    concept: str
    spaced: bool  # written with a separator: found with or without one
    negated_by: tuple[str, ...]  # keys of other concepts' negated forms: 非 + 臨床試験…
    latin_start: bool  # begins or ends with a Latin letter or digit (iPS細胞, 1상): a word boundary there
    latin_end: bool


class _Matcher:
    """The term list arranged for lookups: by key, Latin variants by words, CJK ones by first two characters."""

    def __init__(self, all_concepts: tuple[Concept, ...]):
        self.by_key: dict[str, Concept] = {}
        self.latin: dict[str, str] = {}  # key of a Latin variant → concept key
        self.latin_partial: set[str] = set()  # keys of its first words, to stop early
        self.cjk: dict[str, list[_CjkVariant]] = {}  # by two CJK characters of the key
        self.cjk_unfiled: list[_CjkVariant] = []  # keys without two CJK characters in a row (1상, 癌)
        written_forms = []
        for concept in all_concepts:
            for variant in concept.variants:
                key = variant_key(variant)
                self.by_key.setdefault(key, concept)
                if len(key) < 2:  # 암, 癌: as part of a text they say too little (암호, 暗号…)
                    continue
                if not has_cjk(variant):
                    words = _TOKEN.findall(normalise(variant))
                    self.latin.setdefault(key, concept.key)
                    self.latin_partial.update("".join(words[:n]) for n in range(1, len(words)))
                else:
                    written_forms.append((key, normalise(variant) != key, concept.key))
        negating = [(key, concept) for key, _, concept in written_forms if key[0] in _NEGATING_CJK]
        for key, spaced, concept in dict.fromkeys(written_forms):
            variant = _CjkVariant(
                key, concept, spaced,
                negated_by=tuple(other for other, other_concept in negating
                                 if other_concept != concept and other[1:].startswith(key)),
                latin_start=_is_latin_word(key[0]), latin_end=_is_latin_word(key[-1]))
            # Filed under its first two CJK characters in a row: 細胞 for iPS細胞, 세포 for CAR-T 세포.
            pair = next((run[:2] for run in _CJK_RUN.findall(key) if len(run) > 1), None)
            if pair:
                self.cjk.setdefault(pair, []).append(variant)
            else:
                self.cjk_unfiled.append(variant)

    def concepts_in(self, text: str) -> set[str]:
        written = normalise(text)
        found = self._latin_concepts(_TOKEN.findall(written))
        squeezed = _SEPARATORS.sub("", written)
        pairs = {run[i:i + 2] for run in _CJK_RUN.findall(squeezed) for i in range(len(run) - 1)}
        candidates = [variant for pair in pairs & self.cjk.keys() for variant in self.cjk[pair]]
        gaps = None
        for variant in candidates + self.cjk_unfiled:
            if variant.concept in found or variant.key not in squeezed:
                continue
            if gaps is None:
                gaps = _gaps(written)
            if _occurs(variant, squeezed, gaps):
                found.add(variant.concept)
        return found

    def _latin_concepts(self, tokens: list[str]) -> set[str]:
        latin = [not _CJK.match(token) for token in tokens]
        starting_at: list[set[str]] = []
        for start in range(len(tokens)):
            here = set()
            key = ""
            end = start
            while end < len(tokens) and latin[end]:
                key += tokens[end]
                if key in self.latin:
                    here.add(self.latin[key])
                if key not in self.latin_partial:
                    break
                end += 1
            starting_at.append(here)
        found = set()
        for start, here in enumerate(starting_at):
            if here and start and tokens[start - 1] in _NEGATING_LATIN:
                here = {concept for concept in here if not starting_at[start - 1] - {concept}}
            found |= here
        return found


def _gaps(written: str) -> set[int]:
    """Where the text without separators had one: the positions of the characters that followed it."""
    gaps = set()
    removed = 0
    for separator in _SEPARATORS.finditer(written):
        removed += separator.end() - separator.start()
        gaps.add(separator.end() - removed)
    return gaps


def _occurs(variant: _CjkVariant, squeezed: str, gaps: set[int]) -> bool:
    key = variant.key
    at = squeezed.find(key)
    while at != -1:
        end = at + len(key)
        attached_before = at > 0 and at not in gaps
        refused = (
            # written without a separator, it is found only as written (독성 is not in 단독 성공)
            (not variant.spaced and any(position in gaps for position in range(at + 1, end)))
            or (attached_before and any(squeezed.startswith(other, at - 1) for other in variant.negated_by))
            or (variant.latin_start and attached_before and _is_latin_word(squeezed[at - 1]))
            or (variant.latin_end and end < len(squeezed) and end not in gaps and _is_latin_word(squeezed[end])))
        if not refused:
            return True
        at = squeezed.find(key, at + 1)
    return False


def _is_latin_word(character: str) -> bool:
    return character.isalnum() and not _CJK.match(character)


@cache
def _matcher() -> _Matcher:
    return _Matcher(concepts())


def concept_for(variant: str) -> Concept | None:
    """The concept that lists this variant (in any language, written any way its key allows)."""
    return _matcher().by_key.get(variant_key(variant))


def concepts_in(text: str) -> set[str]:
    """Keys of the concepts any of whose variants occur in the text."""
    return _matcher().concepts_in(text or "")


def glossary_entries(source: str, target: str) -> dict[str, str]:
    """Preferred source form → preferred target form, for a DeepL glossary ("en", "ja", "ko").

    A concept written the same in both (DNA, DNA) is left out: there is nothing to translate.
    """
    if source not in LANGUAGES or target not in LANGUAGES or source == target:
        raise ValueError(f"no glossary from {source!r} to {target!r}")
    entries = {}
    for concept in concepts():
        term, translation = concept.preferred(source), concept.preferred(target)
        if variant_key(term) != variant_key(translation):
            entries.setdefault(term, translation)
    return entries
