"""Rubric scoring of free-text theory answers, in Swedish and English.

The rubric (``item.yaml``'s ``rubric:``, stored as a JSON list on the item version) is a list of
entries. Most entries are **concepts**::

    - id: stop-when-no-improvement        # stable id, shown to the teacher
      weight: 3                           # share of the points
      core: true                          # optional: covering it shows the answer is on topic
      negation: allowed                   # optional: "does not overfit" still evidences it
      label: {sv: "...", en: "..."}       # what the concept is, shown as feedback
      hint: {sv: "...", en: "..."}        # shown when the concept is missing
      phrases: {sv: [...], en: [...]}     # phrasings that express it
      contradictions: {sv: [...], en: [...]}  # optional: statements of the opposite
      not_with: {sv: [...], en: [...]}    # optional: its counterpart; see "said of something else"

One optional entry with ``role: topic`` lists the phrases that name the question's subject
("early stopping"); it carries no points, is not shown as a check, and its words are no evidence
for a concept (naming the subject is not explaining it).

Matching, in order of strength:

1. Every word is compared by its Snowball stem, Swedish and English (``snowballstemmer``), after
   lower-casing, with the Swedish verb and its -ing noun taken as one ("träna", "träning");
   punctuation only separates words and clauses.
2. Swedish compounds: a phrase word of at least ``MIN_COMPOUND_STEM`` letters matches as the head
   of a compound ("förlust" in "valideringsförlusten") or as its first part ("validering" in
   "valideringsdata"), but not after a prefix that changes the meaning ("träning" is not found in
   "överträning", "sedd" not in "osedd"). Written apart or together is the same ("batch storlek",
   "batchstorlek").
3. Misspellings: a word of at least ``MIN_FUZZY`` letters matches one edit away (two from
   ``MIN_FUZZY_TWO`` letters), with the same first letter; numbers and code names never fuzzily.
4. The words of a phrase must come in order, with at most one other word between them.

A concept is **not** credited from a word used in another role:

- *negated*: a negation ("inte", "not", "never", ...) up to three words before the phrase,
  between its words or right after a Swedish verb ("stoppar inte"), in the same clause, unless
  the concept says ``negation: allowed`` or the phrase carries its own negation ("not learned");
- *contradicted*: the answer states one of the concept's ``contradictions`` (not negated), for
  example "keeps training while the validation loss rises" for early stopping;
- *said of something else*: the concept lists ``not_with`` phrases (its counterpart, such as
  "hyperparameter" for a concept about parameters) and the evidence stands in a clause that
  names the counterpart ("hyperparameters are learned during training");
- *off topic*: the rubric has core concepts or a topic entry, and the answer neither covers a
  core concept nor names the topic: an answer written for another question gets nothing, even
  where it shares vocabulary ("validation", "overfitting") with this one.

Entries with ``role: relation`` (no ``id``, so the authoring form keeps them as they are) state a
relation a good answer holds: which contains which, who does what, what is used for what, what
comes before what::

    - role: relation
      name: cpu-gpu                       # shown to the teacher
      label: {sv: "...", en: "..."}       # the relation, said the right way round
      entities:                           # two or more parties, each with its own roles
        cpu: {terms: {sv: [...], en: [...]}, roles: {sv: [...], en: [...]}}
        gpu: {terms: {sv: [...], en: [...]}, roles: {sv: [...], en: [...]}}
      reversed: {sv: [...], en: [...]}    # optional: the opposite, said outright

A role phrase is attributed to the party named nearest to it in its clause ("the CPU has
thousands of cores": the GPU's role given to the CPU). When an answer gives more roles to the
wrong party than to the right one, or says one of the ``reversed`` statements (not negated), the
relation is **reversed**: the answer states the opposite of a core concept, whatever words it
shares with the rubric, and its score is capped at ``REVERSED_CAP`` with a message that names
the relation and quotes the answer.

The score is the weighted share of credited concepts. ``TheoryScore.confidence`` (0..1) says how
sure the scorer is; the teacher review queue sorts by it. Every decision keeps its evidence (the
words of the answer that matched), so a teacher can see why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import snowballstemmer

TOKEN = re.compile(
    r"(?P<num>\d+(?:[.,]\d+)+)|(?P<word>[0-9a-zåäöéüæø_]+)|(?P<stop>[.!?](?=\s|$)|:(?![a-zåäö])|[;\n,()\[\]{}]|\s[-–—]\s)",
    re.IGNORECASE,
)
SV_MARKERS = {"och", "är", "att", "som", "det", "en", "ett", "för", "med", "på", "av", "inte", "man", "den", "vid"}
EN_MARKERS = {"and", "is", "the", "that", "of", "to", "for", "with", "on", "it", "are", "not", "a", "an", "when"}
NEGATIONS = {
    # Swedish
    "inte",
    "ej",
    "icke",
    "aldrig",
    "ingen",
    "inget",
    "inga",
    # English ("doesn't" is split at the apostrophe into "doesn" and "t")
    "not",
    "never",
    "no",
    "none",
    "cannot",
    "doesn",
    "don",
    "didn",
    "isn",
    "aren",
    "wasn",
    "won",
    "shouldn",
    "mustn",
}
# Words that start a new clause: a negation before them does not reach past them.
CLAUSE_WORDS = {"men", "medan", "utan", "däremot", "istället", "but", "while", "whereas", "instead", "although"}
# A prefix that turns a word into another concept: "överträning" is not "träning".
MEANING_PREFIXES = ("över", "under", "icke", "miss", "o", "hyper", "over", "un", "non")
# Nouns in -er lose the e when inflected ("lager", "lagret", "lagren"; "parameter",
# "parametrar"), which Snowball leaves as different stems.
SV_NOUN_ER = re.compile(r"^(.{2,}?[^aeiouyåäö])(?:er|ern|erns|ret|rets|ren|rens|rar|rarna|rarnas)$")
SV_ADJECTIVE_IG = re.compile(r"ig(?:a|t|e|are|ast|aste)?$")
NEGATION_WINDOW = 3
# A stem shorter than this is no compound part: "lager" is not found in "lagerbolag".
MIN_COMPOUND_STEM = 5
MIN_COMPOUND_PART = 3
MIN_FUZZY = 6
MIN_FUZZY_TWO = 12
# An answer that reverses a relation of the rubric states the opposite of a core concept.
REVERSED_CAP = 0.3
# One role given to the wrong party can be a slip of the pen or a pronoun ("it"); two make a swap.
MIN_WRONG_ROLES = 2
COMPARISON_WORDS = {"än", "than", "unlike", "jämfört", "compared", "skillnad", "versus", "vs"}
LONG_ANSWER = 400  # words; the seed's longest theory answer (the code walk-through) has about 230

EXACT, COMPOUND, FUZZY = 3, 2, 1
STRENGTH_NAMES = {EXACT: "exact", COMPOUND: "compound", FUZZY: "fuzzy"}


@lru_cache(maxsize=2)
def _stemmer(language: str) -> Any:
    return snowballstemmer.stemmer(language)


@lru_cache(maxsize=50000)
def _stems(word: str) -> tuple[str, str]:
    return _stemmer("swedish").stemWord(word), _stemmer("english").stemWord(word)


@dataclass(frozen=True)
class Token:
    text: str
    sentence: int  # phrases match within one stretch between punctuation marks
    clause: int  # negation reaches within one clause ("men", "but", ... also end one)
    start: int  # character offsets in the answer, for the evidence
    end: int


def tokenize(text: str) -> list[Token]:
    """Lower-cased words with their sentence and clause numbers; "0,2" becomes "0.2"."""
    tokens: list[Token] = []
    sentence = clause = 0
    for m in TOKEN.finditer(text):
        if m.group("stop"):
            sentence += 1
            clause += 1
            continue
        word = (m.group("num") or m.group("word")).lower()
        if m.group("num"):
            word = word.replace(",", ".")
        if word in CLAUSE_WORDS:
            clause += 1
        tokens.append(Token(word, sentence, clause, m.start(), m.end()))
    return tokens


@lru_cache(maxsize=20000)
def _words(text: str) -> tuple[str, ...]:
    return tuple(t.text for t in tokenize(text))


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (adjacent swaps count once), giving up above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


@lru_cache(maxsize=50000)
def _sv_keys(word: str) -> frozenset[str]:
    """The Swedish stem and its derivational relatives, which Snowball keeps apart: the verb and
    its -ing/-ning noun ("överträna", "överträning"; "anpassa", "anpassning") and the -er/-r
    alternation of nouns ("lager", "lagret"; "parameter", "parametrar"). Adjectives in -ig stay
    apart from the noun Snowball makes of them."""
    stem = _stems(word)[0]
    if SV_ADJECTIVE_IG.search(word) and not stem.endswith("ig"):
        # Snowball strips the adjective ending -ig: "viktig" (important) would be "vikt" (weight).
        stem += "ig"
    keys = {stem}
    for ending in ("ning", "ing"):
        if stem.endswith(ending) and len(stem) - len(ending) >= 4:
            keys.add(stem[: -len(ending)])
    noun = SV_NOUN_ER.match(word)
    if noun:
        keys.add(noun.group(1) + "r~")
    return frozenset(keys)


@lru_cache(maxsize=200000)
def _same_stem(phrase_word: str, answer_word: str) -> bool:
    if phrase_word == answer_word:
        return True
    if _stems(phrase_word)[1] == _stems(answer_word)[1]:
        return True
    return bool(_sv_keys(phrase_word) & _sv_keys(answer_word))


@lru_cache(maxsize=200000)
def word_match(phrase_word: str, answer_word: str) -> int:
    """How strongly an answer word expresses a phrase word: EXACT, COMPOUND, FUZZY or 0."""
    if _same_stem(phrase_word, answer_word):
        return EXACT
    if not (phrase_word.isalpha() and answer_word.isalpha()):
        return 0
    p_sv = _stems(phrase_word)[0]
    if len(p_sv) >= MIN_COMPOUND_STEM and len(answer_word) > len(p_sv):
        # First part: "validering" + "sdata"; the rest must be a word of its own, not an ending.
        for first in {phrase_word, p_sv}:
            rest = answer_word[len(first) :]
            if answer_word.startswith(first) and len(rest.removeprefix("s")) >= MIN_COMPOUND_PART + 1:
                return COMPOUND
        # Head: "validerings" + "förlusten", unless the prefix changes the meaning.
        for cut in range(MIN_COMPOUND_PART, len(answer_word) - MIN_COMPOUND_STEM + 1):
            prefix, head = answer_word[:cut], answer_word[cut:]
            if head[:2] == phrase_word[:2] and _same_stem(phrase_word, head):
                return 0 if prefix in MEANING_PREFIXES else COMPOUND
        if any(answer_word == p + phrase_word for p in MEANING_PREFIXES):
            return 0
    if min(len(phrase_word), len(answer_word)) >= MIN_FUZZY and answer_word[0] == phrase_word[0]:
        limit = 2 if len(phrase_word) >= MIN_FUZZY_TWO else 1
        if _edit_distance(phrase_word, answer_word, limit) <= limit:
            return FUZZY
        # A misspelt inflected form ("stoleken" for "storleken") is one edit from the stem.
        a_sv = _stems(answer_word)[0]
        if min(len(p_sv), len(a_sv)) >= MIN_FUZZY - 1 and _edit_distance(p_sv, a_sv, limit) <= limit:
            return FUZZY
    return 0


@dataclass
class Occurrence:
    phrase: str
    language: str
    start: int  # token indices [start, end)
    end: int
    strength: int
    negated: bool
    evidence: str  # the answer's own words


def _find(phrase: tuple[str, ...], tokens: list[Token]) -> list[tuple[int, int, int, bool]]:
    """All places the phrase occurs: (start, end, strength, a negation between its words)."""
    found = []
    n = len(tokens)

    def walk(
        i: int, j: int, strength: int, gap_used: bool, negated: bool, sentence: int
    ) -> tuple[int, int, bool] | None:
        if i == len(phrase):
            return j, strength, negated
        if j >= n or tokens[j].sentence != sentence:
            return None
        s = word_match(phrase[i], tokens[j].text)
        if s:
            r = walk(i + 1, j + 1, min(strength, s), gap_used, negated, sentence)
            if r:
                return r
        # Written apart in the answer, together in the phrase ("batch storlek"), or the other way
        # round ("featuremaps"): only the same stem counts, a compound or fuzzy match of a joined
        # pair finds words that are not there ("befo|retraining").
        if j + 1 < n and tokens[j + 1].sentence == sentence:
            if _same_stem(phrase[i], tokens[j].text + tokens[j + 1].text):
                r = walk(i + 1, j + 2, strength, gap_used, negated, sentence)
                if r:
                    return r
        if i + 1 < len(phrase) and _same_stem(phrase[i] + phrase[i + 1], tokens[j].text):
            r = walk(i + 2, j + 1, strength, gap_used, negated, sentence)
            if r:
                return r
        if i > 0 and not gap_used:
            return walk(i, j + 1, strength, True, negated or tokens[j].text in NEGATIONS, sentence)
        return None

    for start in range(n):
        r = walk(0, start, EXACT, False, False, tokens[start].sentence)
        if r:
            end, strength, negated = r
            found.append((start, end, strength, negated))
    return found


def _negated_around(tokens: list[Token], start: int, end: int) -> bool:
    """A negation up to NEGATION_WINDOW words before the phrase, in the same clause, or right
    after it when the phrase ends in a Swedish finite verb (present tense in -r, passive in -s),
    where Swedish puts it: "den stoppar inte" (but not "när valideringsdatan inte förbättras",
    where the negation belongs to the verb that follows)."""
    clause = tokens[start].clause
    for k in range(max(0, start - NEGATION_WINDOW), start):
        if tokens[k].clause == clause and tokens[k].text in NEGATIONS:
            return True
    return (
        end < len(tokens)
        and tokens[end].clause == clause
        and tokens[end].text in NEGATIONS
        and tokens[end - 1].text.endswith(("r", "s"))
    )


def _occurrences(
    phrases: dict[str, Any], tokens: list[Token], answer: str, skip: frozenset[int] = frozenset()
) -> list[Occurrence]:
    """Every occurrence of the phrases; one lying wholly on ``skip`` tokens is left out."""
    result = []
    for language in ("sv", "en"):
        for phrase in (phrases or {}).get(language, []) or []:
            words = _words(str(phrase))
            if not words:
                continue
            own_negation = any(w in NEGATIONS for w in words)
            for start, end, strength, negated_inside in _find(words, tokens):
                if skip and all(k in skip for k in range(start, end)):
                    continue
                negated = not own_negation and (negated_inside or _negated_around(tokens, start, end))
                evidence = answer[tokens[start].start : tokens[end - 1].end]
                result.append(Occurrence(str(phrase), language, start, end, strength, negated, evidence))
    return result


@dataclass
class ConceptResult:
    concept_id: str
    weight: float
    covered: bool
    label_sv: str
    label_en: str
    hint_sv: str
    hint_en: str
    matched: str = ""  # the rubric phrase behind the credit
    evidence: list[str] = field(default_factory=list)  # the answer's words that matched
    strength: str = ""  # "exact", "compound" or "fuzzy": the best evidence
    # Why evidence was found but not credited: "negated", "contradicted", "other_subject" or
    # "off_topic".
    not_credited: str = ""
    rejected: list[str] = field(default_factory=list)  # the words behind not_credited
    core: bool = False


@dataclass
class RelationResult:
    """One relation of the rubric as the answer states it."""

    name: str
    label_sv: str
    label_en: str
    reversed: bool
    evidence: list[str] = field(default_factory=list)  # the answer's words that reverse it
    held: list[str] = field(default_factory=list)  # the answer's words that state it right


@dataclass
class TheoryScore:
    share: float
    language: str
    words: int
    concepts: list[ConceptResult]
    relations: list[RelationResult] = field(default_factory=list)
    on_topic: bool = True
    topic_evidence: list[str] = field(default_factory=list)
    confidence: float = 1.0
    keyword_density: float = 0.0


def _other_subject(concept: dict[str, Any], tokens: list[Token], answer: str) -> set[int]:
    """The clauses that speak of the concept's counterpart (``not_with``): what is said there
    ("hyperparameters are learned during training") is not said of the concept's subject."""
    phrases = concept.get("not_with") or {}
    if not phrases:
        return set()
    return {tokens[o.start].clause for o in _occurrences(phrases, tokens, answer) if o.strength == EXACT}


def detect_language(words: list[str]) -> str:
    sv = sum(w in SV_MARKERS for w in words) + sum(any(c in w for c in "åäö") for w in words)
    en = sum(w in EN_MARKERS for w in words)
    return "en" if en > sv else "sv"


def _unique(items: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


def score(answer: str, rubric: list[dict[str, Any]]) -> TheoryScore:
    """Score one answer against a rubric (see the module docstring for the rules).

    1. Find every phrase of every concept, with its strength and whether it is negated.
    2. Find the contradictions each concept lists.
    3. Decide whether the answer is on topic (a core concept or the topic entry is found).
    4. Credit concepts with un-negated, un-contradicted evidence when the answer is on topic.
    5. Estimate how sure the scorer is (``_confidence``).
    """
    tokens = tokenize(answer)
    words = [t.text for t in tokens]
    concepts_spec = [c for c in rubric if c.get("role") not in ("topic", "relation")]
    topic_specs = [c for c in rubric if c.get("role") == "topic"]

    topic_occ = [o for t in topic_specs for o in _occurrences(t.get("phrases", {}), tokens, answer)]
    topic_evidence = _unique([o.evidence for o in topic_occ if not o.negated])
    # Naming the subject is not explaining it: "early stopping" is no evidence of "stops training".
    topic_tokens = frozenset(k for o in topic_occ for k in range(o.start, o.end))
    found = []
    used_tokens: set[int] = set()
    for concept in concepts_spec:
        occ = _occurrences(concept.get("phrases", {}), tokens, answer, topic_tokens)
        if str(concept.get("negation", "")).lower() == "allowed":
            for o in occ:
                o.negated = False
        other = _other_subject(concept, tokens, answer)
        elsewhere = [o for o in occ if not o.negated and tokens[o.start].clause in other]
        good = [o for o in occ if not o.negated and tokens[o.start].clause not in other]
        contra = [o for o in _occurrences(concept.get("contradictions", {}) or {}, tokens, answer) if not o.negated]
        found.append((concept, occ, good, contra, elsewhere))
        for o in good:
            used_tokens.update(range(o.start, o.end))

    gated = bool(topic_specs) or any(c.get("core") for c in concepts_spec)
    on_topic = not gated or bool(topic_evidence) or any(c.get("core") and g and not x for c, _, g, x, _ in found)

    results = []
    for concept, occ, good, contra, elsewhere in found:
        best = max(good, key=lambda o: o.strength) if good else None
        not_credited, rejected = "", []
        if contra:
            not_credited, rejected = "contradicted", [o.evidence for o in contra]
        elif good and not on_topic:
            not_credited, rejected = "off_topic", [o.evidence for o in good]
        elif elsewhere and not good:
            not_credited, rejected = "other_subject", [o.evidence for o in elsewhere]
        elif occ and not good:
            not_credited, rejected = "negated", [o.evidence for o in occ]
        covered = best is not None and not not_credited
        label = concept.get("label", {}) or {}
        hint = concept.get("hint", {}) or {}
        results.append(
            ConceptResult(
                concept_id=str(concept.get("id")),
                weight=float(concept.get("weight", 1)),
                covered=covered,
                label_sv=str(label.get("sv", "")),
                label_en=str(label.get("en", "")),
                hint_sv=str(hint.get("sv", "")),
                hint_en=str(hint.get("en", "")),
                matched=best.phrase if covered and best else "",
                evidence=_unique([o.evidence for o in sorted(good, key=lambda o: (-o.strength, o.start - o.end))])
                if covered
                else [],
                strength=STRENGTH_NAMES[best.strength] if covered and best else "",
                not_credited=not_credited,
                rejected=_unique(rejected),
                core=bool(concept.get("core")),
            )
        )
    total = sum(c.weight for c in results) or 1.0
    share = sum(c.weight for c in results if c.covered) / total
    relations = [_relation(r, tokens, answer) for r in rubric if r.get("role") == "relation"]
    if any(r.reversed for r in relations):
        share = min(share, REVERSED_CAP)
    density = len(used_tokens) / len(tokens) if tokens else 0.0
    result = TheoryScore(
        share=share,
        language=detect_language(words),
        words=len(words),
        concepts=results,
        relations=relations,
        on_topic=on_topic,
        topic_evidence=topic_evidence,
        keyword_density=round(density, 2),
    )
    result.confidence = _confidence(result)
    return result


def _relation(spec: dict[str, Any], tokens: list[Token], answer: str) -> RelationResult:
    """How the answer states one relation of the rubric (see the module docstring).

    1. Find every party's terms (exact or compound matches) and every role phrase (not negated).
    2. Give each role to the party named nearest to it in its clause, not inside the role phrase
       itself ("part of machine learning" names machine learning but is said of something else),
       nor one it is compared with ("faster than the CPU").
    3. Reversed when at least ``MIN_WRONG_ROLES`` roles go to a wrong party and more than to
       their own, or when the answer says one of the ``reversed`` statements outright.
    """
    entities = spec.get("entities") or {}
    terms: list[tuple[str, int, int, int]] = []  # (party, start, end, clause)
    for party, entity in entities.items():
        for o in _occurrences((entity or {}).get("terms") or {}, tokens, answer):
            # "faster than the CPU", "unlike the GPU": the party compared with is not the one
            # the clause speaks of.
            compared = any(tokens[k].text in COMPARISON_WORDS for k in range(max(0, o.start - 2), o.start))
            if o.strength >= COMPOUND and not compared:
                terms.append((str(party), o.start, o.end, tokens[o.start].clause))
    roles = [
        (str(owner), o)
        for owner, entity in entities.items()
        for o in _occurrences((entity or {}).get("roles") or {}, tokens, answer)
    ]
    # A party's name used as a role ("the CPU is a graphics processor") names no party there.
    terms = [t for t in terms if not any(t[1] < o.end and t[2] > o.start for _, o in roles)]
    held: list[str] = []
    wrong: list[str] = []
    for owner, o in roles:
        if not o.negated:
            clause = tokens[o.start].clause
            # The party the role is said of: the nearest one named before it in the clause (the
            # subject: "Keras sits on top of TensorFlow"), else the nearest after it (a passive:
            # "hyperparameters are tuned on the validation set").
            before = [(o.start - end, party) for party, start, end, c in terms if c == clause and end <= o.start]
            after = [(start - o.end, party) for party, start, end, c in terms if c == clause and start >= o.end]
            best = min(before) if before else min(after) if after else None
            if best is not None:
                (held if best[1] == owner else wrong).append(o.evidence)
    outright = [o.evidence for o in _occurrences(spec.get("reversed") or {}, tokens, answer) if not o.negated]
    label = spec.get("label") or {}
    return RelationResult(
        name=str(spec.get("name", "")),
        label_sv=str(label.get("sv", "")),
        label_en=str(label.get("en", "")),
        reversed=bool(outright) or (len(wrong) >= MIN_WRONG_ROLES and len(wrong) > len(held)),
        evidence=_unique(outright + wrong),
        held=_unique(held),
    )


def _confidence(result: TheoryScore) -> float:
    """How sure the scorer is of its score, 0..1; the review queue shows the least sure first.

    Each doubt a teacher would want to look at takes off a share:
    - credit resting on compound or misspelled-word matches only (weaker evidence);
    - evidence that was found but not credited (negation, contradiction, off topic): the scorer
      made a judgement a human should check;
    - a score in the middle, where one concept more or less changes the grade the most;
    - a short answer or a list of keywords that earns credit (little text to be sure of), or a
      very long one (it can collect phrases by sheer volume).
    An empty answer, or one with no evidence of anything, is scored with certainty.
    """
    if result.words == 0:
        return 1.0
    total = sum(c.weight for c in result.concepts) or 1.0
    confidence = 1.0
    weak = sum(c.weight for c in result.concepts if c.covered and c.strength != "exact")
    confidence -= 0.3 * weak / total
    doubts = sum(1 for c in result.concepts if c.not_credited)
    confidence -= min(0.45, 0.15 * doubts)
    if not result.on_topic and doubts:
        confidence -= 0.1
    confidence -= 0.2 * (1 - abs(2 * result.share - 1))
    if result.share > 0 and result.words < 12:
        confidence -= 0.15
    if result.share > 0 and result.keyword_density > 0.8:
        confidence -= 0.15
    if result.share > 0 and result.words > LONG_ANSWER:
        confidence -= 0.15
    return round(min(1.0, max(0.0, confidence)), 2)
