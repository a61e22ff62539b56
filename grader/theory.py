"""Rubric scoring of free-text theory answers, in Swedish and English.

A rubric is a list of weighted concepts, each with phrasings per language. A phrase matches when
its words appear in order and adjacent in the answer, each word compared by its Snowball stem
(Swedish and English), and a single long stem also matches inside a longer word, which is how
Swedish compounds ("valideringsförlust" for "validering") are found. The score is the weighted
share of concepts covered. This is deliberately simple and honest: it says which concepts it
found and which it did not, and a teacher can see why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import snowballstemmer

WORD = re.compile(r"[0-9a-zåäöéü_]+", re.IGNORECASE)
SV_MARKERS = {"och", "är", "att", "som", "det", "en", "ett", "för", "med", "på", "av", "inte", "man", "den", "vid"}
EN_MARKERS = {"and", "is", "the", "that", "of", "to", "for", "with", "on", "it", "are", "not", "a", "an", "when"}
# A stem shorter than this only matches whole words: "vikt" must not match inside "viktig".
MIN_COMPOUND_STEM = 5


@lru_cache(maxsize=2)
def _stemmer(language: str) -> Any:
    return snowballstemmer.stemmer(language)


def _tokens(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


@lru_cache(maxsize=20000)
def _stems(word: str) -> tuple[str, str]:
    return _stemmer("swedish").stemWord(word), _stemmer("english").stemWord(word)


def _word_matches(phrase_word: str, answer_word: str) -> bool:
    if phrase_word == answer_word:
        return True
    p_sv, p_en = _stems(phrase_word)
    a_sv, a_en = _stems(answer_word)
    if p_sv == a_sv or p_en == a_en:
        return True
    return len(p_sv) >= MIN_COMPOUND_STEM and p_sv in answer_word


def _phrase_in(phrase: list[str], words: list[str]) -> bool:
    n = len(phrase)
    if n == 0:
        return False
    for start in range(len(words) - n + 1):
        if all(_word_matches(p, words[start + i]) for i, p in enumerate(phrase)):
            return True
    return False


def detect_language(words: list[str]) -> str:
    sv = sum(w in SV_MARKERS for w in words)
    en = sum(w in EN_MARKERS for w in words)
    return "en" if en > sv else "sv"


@dataclass
class ConceptResult:
    concept_id: str
    weight: float
    covered: bool
    label_sv: str
    label_en: str
    hint_sv: str
    hint_en: str
    matched: str = ""


@dataclass
class TheoryScore:
    share: float
    language: str
    words: int
    concepts: list[ConceptResult]


def score(answer: str, rubric: list[dict[str, Any]]) -> TheoryScore:
    words = _tokens(answer)
    concepts = []
    for concept in rubric:
        phrases = concept.get("phrases", {})
        matched = ""
        for language in ("sv", "en"):
            for phrase in phrases.get(language, []) or []:
                if _phrase_in(_tokens(str(phrase)), words):
                    matched = str(phrase)
                    break
            if matched:
                break
        label = concept.get("label", {})
        hint = concept.get("hint", {}) or {}
        concepts.append(
            ConceptResult(
                concept_id=str(concept.get("id")),
                weight=float(concept.get("weight", 1)),
                covered=bool(matched),
                label_sv=str(label.get("sv", "")),
                label_en=str(label.get("en", "")),
                hint_sv=str(hint.get("sv", "")),
                hint_en=str(hint.get("en", "")),
                matched=matched,
            )
        )
    total = sum(c.weight for c in concepts) or 1.0
    share = sum(c.weight for c in concepts if c.covered) / total
    return TheoryScore(share=share, language=detect_language(words), words=len(words), concepts=concepts)
