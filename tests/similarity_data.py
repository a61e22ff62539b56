"""The similarity test set (tests/similarity/<item>/) and generated classes for timing.

A file ``X--how.py`` is a disguised copy of ``X.py``; two files are a copy pair when they come
from the same original. Every other pair is two independent correct solutions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_SET = ROOT / "tests" / "similarity"
CONTENT = ROOT / "content"


def origin(name: str) -> str:
    return name.split("--")[0]


def is_copy_pair(a: str, b: str) -> bool:
    return origin(a) == origin(b)


def sample_items() -> list[str]:
    return sorted(p.name for p in TEST_SET.iterdir() if p.is_dir())


def sample_texts(item: str) -> dict[str, str]:
    return {p.stem: p.read_text() for p in sorted((TEST_SET / item).glob("*.py"))}


def item_files(item: str) -> tuple[str, str]:
    """The starter and the reference solution of a code item, from the content files."""
    folder = next(CONTENT.glob(f"*/*/{item}"))
    return (folder / "starter.py").read_text(), (folder / "solution.py").read_text()


@dataclass
class Figures:
    item: str
    files: int
    copy_pairs: int
    lowest_copy: float
    highest_independent: float
    precision_at_k: float  # k = copy_pairs


def measure(item: str, pairs) -> Figures:
    """Precision at k (k = the number of copy pairs) and the margin, from a ranked pair list."""
    copies = [p for p in pairs if is_copy_pair(p.a, p.b)]
    independent = [p for p in pairs if not is_copy_pair(p.a, p.b) and "--" not in p.a + p.b]
    k = len(copies)
    top = pairs[:k]
    return Figures(
        item=item,
        files=len({p.a for p in pairs} | {p.b for p in pairs}),
        copy_pairs=k,
        lowest_copy=min(p.score for p in copies),
        highest_independent=max((p.score for p in independent), default=0.0),
        precision_at_k=sum(is_copy_pair(p.a, p.b) for p in top) / k,
    )


_FILLER = ["# check", "# step", "# see lecture 3", "# done", "# note"]


def generated_class(item: str, students: int, seed: int = 15) -> dict[str, str]:
    """``students`` submissions made from the test set's files: each a differently named and
    commented variant of one of them (so there are many near-copies: the costly case)."""
    rng = random.Random(seed)
    bases = list(sample_texts(item).values())
    class_: dict[str, str] = {}
    for n in range(students):
        lines = []
        for line in bases[n % len(bases)].splitlines():
            if line.strip() and rng.random() < 0.3:
                lines.append(line[: len(line) - len(line.lstrip())] + rng.choice(_FILLER) + f" {n}")
            lines.append(line)
        text = "\n".join(lines) + "\n"
        for word in ("model", "x", "y", "n", "units", "path"):
            text = text.replace(f"{word} =", f"{word}_{n} =").replace(f"({word})", f"({word}_{n})")
        class_[f"student{n:03d}"] = text
    return class_


# --- Theory: the labelled answers of tests/theory_labels/ and disguised copies of three ---------

THEORY_LABELS = ROOT / "tests" / "theory_labels"


def _disguised_answer(text: str, how: str) -> str:
    import re

    if how == "reordered":  # the sentences in another order
        return " ".join(reversed(re.split(r"(?<=[.!?])\s+", text.strip())))
    words = []  # "edited": some words in capitals, filler words added, commas dropped
    for i, word in enumerate(text.split()):
        words.append(word.upper() if i % 7 == 0 else word)
        if i % 9 == 4:
            words.append("alltså")
    return " ".join(words).replace(",", "")


def theory_sample(item: str) -> dict[str, str]:
    """The independent answers written for ``item`` (not those written for another question)
    and ``X--reordered`` / ``X--edited`` copies of three of the longer ones."""
    import yaml

    data = yaml.safe_load((THEORY_LABELS / f"{item}.yaml").read_text())
    answers = {f"a{i:02d}": a["text"] for i, a in enumerate(data["answers"]) if a.get("label") != "other"}
    longer = [name for name, text in answers.items() if len(text.split()) >= 20][:3]
    for name, how in zip(longer, ["reordered", "edited", "reordered"], strict=False):
        answers[f"{name}--{how}"] = _disguised_answer(answers[name], how)
    return answers


def theory_items() -> list[str]:
    return sorted(p.stem for p in THEORY_LABELS.glob("q*.yaml"))
