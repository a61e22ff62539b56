"""Similarity of submissions to one item: token fingerprints with winnowing (Django-free).

Code follows the approach of MOSS and Dolos (Schleimer, Wilkerson and Aiken, "Winnowing: local
algorithms for document fingerprinting", SIGMOD 2003), written here on the standard library:

1. Python's own ``tokenize`` splits the source; comments, blank lines, docstrings and trailing
   commas are dropped, so commenting and reformatting change nothing.
2. Every name the submission binds itself (variables, parameters, functions, classes, import
   aliases, attributes it assigns) becomes ``V``, so renaming changes nothing; names it only uses
   (``layers.Dense``, ``range``, keyword arguments) stay, they say what the code does. Strings
   become their value (quote style is formatting), numbers their text.
3. Each run of ``k`` tokens is hashed; winnowing keeps the smallest hash of every window of ``w``
   hashes, which guarantees that any shared run of at least ``k + w - 1`` tokens is seen.
   Fingerprints are a set, so reordering functions or statements does not hide them.
4. Every ``k``-gram of the item's starter and reference solution (and, for theory, of the
   question's wording and the rubric) is subtracted: what everyone was given or must write alike
   does not count. So is a fingerprint that more than half of the class shares (MOSS's idea).
5. A pair's score is the Dice coefficient of the two fingerprint sets, in [0, 1].

Theory answers use the same machinery on words: lower-cased, Swedish- or English-stemmed word
3-shingles (every shingle kept), with the prompt's and the rubric's shingles subtracted, and any
shingle made only of words of a rubric phrase found in the answer.

Why not copydetect (PyPI, MIT)? It imports matplotlib at import time (a large dependency for the
web process), hashes with Python's salted ``hash()`` (fingerprints differ between processes) and
abstracts every name, API names included, which makes independent solutions of a short Keras
exercise look alike. The algorithm is small enough to own.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import io
import keyword
import re
import tokenize
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

CODE, THEORY = "code", "theory"
# Tuned on tests/similarity/ (see tests/test_similarity.py): short Keras exercises are 60-200 tokens.
CODE_K, CODE_WINDOW = 8, 2
THEORY_K = 3
# A fingerprint held by more than this share of the documents (with at least COMMON_MIN_DOCS of
# them) is common knowledge of the class, not a sign of copying.
COMMON_SHARE, COMMON_MIN_DOCS = 0.5, 10
MAX_STRING = 40

_BUILTINS = frozenset(dir(builtins))
_CLOSERS = frozenset({")", "]", "}"})
_SKIP = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER, tokenize.TYPE_COMMENT})


@dataclass(frozen=True)
class Token:
    """A normalised token and where it stands in the original text (character offsets)."""

    text: str
    start: int
    end: int


@dataclass
class Document:
    """One student's text, tokenised and fingerprinted."""

    name: str
    text: str
    tokens: list[Token]
    kgrams: list[int]  # the hash of every k-gram, by start position
    fingerprints: dict[int, list[int]] = field(default_factory=dict)  # winnowed hash -> k-gram starts
    expected: frozenset[int] = frozenset()  # theory: k-grams made only of rubric-phrase words

    @property
    def hashes(self) -> frozenset[int]:
        return frozenset(self.fingerprints)


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    score: float

    def as_dict(self) -> dict[str, str | float]:
        return {"a": self.a, "b": self.b, "score": self.score}


# --- Code tokens ------------------------------------------------------------------------------


@dataclass
class _Bound:
    names: set[str]
    attributes: set[str]


def _bound_names(source: str) -> _Bound | None:
    """The names the code binds itself; None when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    names: set[str] = set()
    attributes: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias) and node.asname:
            names.add(node.asname)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            attributes.add(node.attr)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
    return _Bound(names=names, attributes=attributes)


def _line_starts(text: str) -> list[int]:
    starts, total = [0], 0
    for line in text.splitlines(keepends=True):
        total += len(line)
        starts.append(total)
    return starts


def _raw_tokens(source: str) -> list[tokenize.TokenInfo]:
    """Python's tokens; for text that does not tokenize (half-written code), those up to the error."""
    found: list[tokenize.TokenInfo] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            found.append(tok)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return found


def _string_value(text: str) -> str:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return "S"
    if isinstance(value, str | bytes) and len(value) <= MAX_STRING:
        return f"S:{value!r}"
    return "S"


def code_tokens(source: str) -> list[Token]:
    """The normalised token stream of Python source (see the module's docstring)."""
    bound = _bound_names(source)
    raw = [t for t in _raw_tokens(source) if t.type not in _SKIP]
    starts = _line_starts(source)

    def offset(pos: tuple[int, int]) -> int:
        row, col = pos
        return starts[min(row - 1, len(starts) - 1)] + col

    out: list[Token] = []
    depth = 0
    in_def_header = False
    statement_start = True
    for i, tok in enumerate(raw):
        nxt = raw[i + 1] if i + 1 < len(raw) else None
        prev = raw[i - 1] if i > 0 else None
        start, end = offset(tok.start), offset(tok.end)
        text: str | None
        if tok.type == tokenize.NEWLINE or (tok.type == tokenize.OP and tok.string == ";"):
            text = None if statement_start else ";"
            statement_start = True
            in_def_header = False
            if text:
                out.append(Token(text, start, max(end, start + 1)))
            continue
        if tok.type == tokenize.INDENT:
            out.append(Token("{", start, start))
            statement_start = True
            continue
        if tok.type == tokenize.DEDENT:
            out.append(Token("}", start, start))
            statement_start = True
            continue
        if tok.type == tokenize.STRING:
            is_docstring = statement_start and (nxt is None or nxt.type in (tokenize.NEWLINE, tokenize.ENDMARKER))
            if is_docstring:
                continue
            text = _string_value(tok.string)
        elif tok.type == tokenize.NUMBER:
            text = tok.string.lower().replace("_", "")
        elif tok.type == tokenize.NAME:
            if keyword.iskeyword(tok.string):
                text = tok.string
                if tok.string == "def":
                    in_def_header = True
            elif prev is not None and prev.type == tokenize.OP and prev.string == ".":
                own = bound.attributes if bound is not None else set()
                text = "V" if tok.string in own else tok.string
            elif depth > 0 and not in_def_header and nxt is not None and nxt.type == tokenize.OP and nxt.string == "=":
                text = tok.string  # a keyword argument: the callee's name for it
            elif bound is None:
                text = tok.string if tok.string in _BUILTINS else "V"
            else:
                text = "V" if tok.string in bound.names else tok.string
        elif tok.type == tokenize.OP:
            if tok.string in "([{":
                depth += 1
            elif tok.string in ")]}":
                depth = max(depth - 1, 0)
            elif tok.string == ":" and depth == 0:
                in_def_header = False
            if tok.string == "," and nxt is not None and nxt.string in _CLOSERS:
                continue  # a trailing comma is formatting
            text = tok.string
        else:
            text = tok.string
        statement_start = False
        out.append(Token(text, start, end))
    return out


# --- Theory tokens -----------------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)
_SV_HINTS = frozenset("och är att som det en ett inte man på för med av kan vilket eller när".split())
_EN_HINTS = frozenset("the and is are of to that it in a an not can which or when".split())
_STEMMERS: dict[str, Any] = {}  # snowballstemmer ships no types


def _stemmer(lang: str) -> Any:  # a snowballstemmer stemmer (untyped library)
    if lang not in _STEMMERS:
        import snowballstemmer

        _STEMMERS[lang] = snowballstemmer.stemmer("swedish" if lang == "sv" else "english")
    return _STEMMERS[lang]


def guess_language(text: str) -> str:
    words = [w.lower() for w in _WORD.findall(text)]
    sv = sum(w in _SV_HINTS for w in words) + 3 * sum(ch in "åäö" for ch in text.lower())
    en = sum(w in _EN_HINTS for w in words)
    return "en" if en > sv else "sv"


def word_tokens(text: str, lang: str | None = None) -> list[Token]:
    """Lower-cased, stemmed words with their places in the text."""
    stemmer = _stemmer(lang or guess_language(text))
    return [Token(stemmer.stemWord(m.group().lower()), m.start(), m.end()) for m in _WORD.finditer(text)]


# --- Fingerprints ------------------------------------------------------------------------------


def _hash(tokens: Sequence[Token]) -> int:
    joined = "\x1f".join(t.text for t in tokens).encode()
    return int.from_bytes(hashlib.blake2b(joined, digest_size=8).digest(), "big")


def kgram_hashes(tokens: Sequence[Token], k: int) -> list[int]:
    return [_hash(tokens[i : i + k]) for i in range(len(tokens) - k + 1)]


def winnow(hashes: Sequence[int], window: int) -> dict[int, list[int]]:
    """Robust winnowing: the smallest hash of every window (rightmost on a tie), each selection once."""
    chosen: dict[int, list[int]] = {}
    if window <= 1 or len(hashes) <= window:
        if window > 1 and hashes:
            # Shorter than one window: its minimum is the one fingerprint winnowing would keep.
            best = min(range(len(hashes)), key=lambda i: (hashes[i], -i))
            return {hashes[best]: [best]}
        for i, h in enumerate(hashes):
            chosen.setdefault(h, []).append(i)
        return chosen
    last = -1
    for left in range(len(hashes) - window + 1):
        best = left
        for i in range(left, left + window):
            if hashes[i] <= hashes[best]:
                best = i
        if best != last:
            chosen.setdefault(hashes[best], []).append(best)
            last = best
    return chosen


class Detector:
    """Fingerprints documents of one item and ranks their pairs.

    ``boilerplate`` are texts whose k-grams never count (starter, reference, prompt, rubric labels);
    ``phrases`` (theory only) are rubric phrases: a shingle made only of their words never counts.
    """

    def __init__(
        self,
        *,
        kind: str,
        boilerplate: Iterable[str] = (),
        phrases: Iterable[str] = (),
        k: int | None = None,
        window: int | None = None,
    ) -> None:
        if kind not in (CODE, THEORY):
            raise ValueError(f"unknown kind {kind!r}")
        self.kind = kind
        self.k = k or (CODE_K if kind == CODE else THEORY_K)
        self.window = window or (CODE_WINDOW if kind == CODE else 1)
        self.boilerplate: set[int] = set()
        for text in boilerplate:
            if not text:
                continue
            if kind == THEORY:
                for lang in ("sv", "en"):
                    self.boilerplate.update(kgram_hashes(word_tokens(text, lang), self.k))
            else:
                self.boilerplate.update(kgram_hashes(self.tokens(text), self.k))
        self.phrases: list[tuple[str, ...]] = []
        for phrase in phrases if kind == THEORY else ():
            for lang in ("sv", "en"):
                stems = tuple(t.text for t in word_tokens(phrase, lang))
                if stems and stems not in self.phrases:
                    self.phrases.append(stems)

    def tokens(self, text: str) -> list[Token]:
        return code_tokens(text) if self.kind == CODE else word_tokens(text)

    def _phrase_marks(self, tokens: Sequence[Token]) -> list[bool]:
        marked = [False] * len(tokens)
        words = [t.text for t in tokens]
        for stems in self.phrases:
            n = len(stems)
            for i in range(len(words) - n + 1):
                if tuple(words[i : i + n]) == stems:
                    marked[i : i + n] = [True] * n
        return marked

    def document(self, name: str, text: str) -> Document:
        tokens = self.tokens(text)
        kgrams = kgram_hashes(tokens, self.k)
        if self.kind == THEORY and self.phrases:
            marked = self._phrase_marks(tokens)
            expected = {h for i, h in enumerate(kgrams) if all(marked[i : i + self.k])}
        else:
            expected = set()
        fingerprints = {
            h: where
            for h, where in winnow(kgrams, self.window).items()
            if h not in self.boilerplate and h not in expected
        }
        return Document(
            name=name, text=text, tokens=tokens, kgrams=kgrams, fingerprints=fingerprints, expected=frozenset(expected)
        )

    def documents(self, texts: dict[str, str]) -> list[Document]:
        """Fingerprint every text, then drop what more than half of the class shares."""
        docs = [self.document(name, text) for name, text in sorted(texts.items())]
        if len(docs) >= COMMON_MIN_DOCS:
            counts = Counter(h for d in docs for h in d.fingerprints)
            common = {h for h, n in counts.items() if n > COMMON_SHARE * len(docs)}
            if common:
                for d in docs:
                    d.fingerprints = {h: w for h, w in d.fingerprints.items() if h not in common}
        return docs

    @staticmethod
    def score(a: Document, b: Document) -> float:
        ha, hb = a.fingerprints.keys(), b.fingerprints.keys()
        if not ha or not hb:
            return 0.0
        return round(2 * len(ha & hb) / (len(ha) + len(hb)), 4)

    def rank(self, docs: Sequence[Document], *, minimum: float = 0.0) -> list[Pair]:
        """Every pair with a score above ``minimum``, highest first (then by names)."""
        pairs = []
        keys = [(d.name, set(d.fingerprints)) for d in docs]
        for i, (name_a, ha) in enumerate(keys):
            for name_b, hb in keys[i + 1 :]:
                score = round(2 * len(ha & hb) / (len(ha) + len(hb)), 4) if ha and hb else 0.0
                if score > minimum:
                    pairs.append(Pair(name_a, name_b, score))
        pairs.sort(key=lambda p: (-p.score, p.a, p.b))
        return pairs

    def regions(self, a: Document, b: Document) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """The character ranges of each text that the other one shares (what does not count excluded).

        Every k-gram of one text whose hash the other has is marked, not only the winnowed ones,
        so the marks cover the whole shared run.
        """
        shared = (set(a.kgrams) & set(b.kgrams)) - self.boilerplate - a.expected - b.expected
        return self._spans(a, shared), self._spans(b, shared)

    def _spans(self, doc: Document, shared: set[int]) -> list[tuple[int, int]]:
        covered = [False] * len(doc.tokens)
        for i, h in enumerate(doc.kgrams):
            if h in shared:
                covered[i : i + self.k] = [True] * self.k
        spans: list[tuple[int, int]] = []
        for token, hit in zip(doc.tokens, covered, strict=True):
            if not hit or token.end <= token.start:
                continue
            if spans and self._joinable(doc.text[spans[-1][1] : token.start]):
                spans[-1] = (spans[-1][0], token.end)
            else:
                spans.append((token.start, token.end))
        return spans

    def _joinable(self, gap: str) -> bool:
        """Two marked tokens join across what is only space or punctuation (or a comment)."""
        if self.kind == THEORY:
            return not _WORD.search(gap)
        stripped = re.sub(r"#[^\n]*", "", gap)
        return not stripped.strip(" \t\r\n,")


def segments(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[str, bool]]:
    """The text cut into (piece, marked) runs, for a template to escape and render."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for start, end in sorted(spans):
        start = max(start, pos)
        if start > pos:
            out.append((text[pos:start], False))
        if end > start:
            out.append((text[start:end], True))
        pos = max(pos, end)
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def rank_texts(detector: Detector, texts: dict[str, str], *, minimum: float = 0.0) -> list[Pair]:
    """The ranked pairs of ``{name: text}``: what the command and the dashboard both call."""
    return detector.rank(detector.documents(texts), minimum=minimum)
