"""The labelled theory answers (``tests/theory_labels/``) and how the scorer agrees with them.

Shared by ``tests/test_theory_labels.py`` (which holds the scorer to the issue's bar) and
``tests/bench_theory.py`` (which prints the agreement per question).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from grader.harness import ItemSpec, grade

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "theory_labels"
THEORY = ROOT / "content" / "kunskapskontroll-2" / "del-1-teori"
LOW_LABELS = ("wrong", "off-topic", "other")  # at most 30 % of the points (the bar)


@dataclass
class Labelled:
    item: str
    label: str
    lang: str
    fair: tuple[float, float]
    text: str
    why: str = ""


@dataclass
class Scored:
    answer: Labelled
    share: float  # the auto score as a share of the points
    confidence: float

    @property
    def agrees(self) -> bool:
        low, high = self.answer.fair
        return low - 1e-9 <= self.share <= high + 1e-9

    @property
    def distance(self) -> float:
        """How far outside the fair range the auto score is (0 inside it)."""
        low, high = self.answer.fair
        return max(0.0, low - self.share, self.share - high)


def theory_items() -> list[str]:
    return sorted(p.name for p in THEORY.iterdir() if (p / "item.yaml").exists())


@cache
def spec(item: str) -> ItemSpec:
    """Straight from the item's file, like ``exercises.content.item_spec_from_folder`` (which
    needs Django; the bench runs without it)."""
    meta = yaml.safe_load((THEORY / item / "item.yaml").read_text(encoding="utf-8"))
    return ItemSpec(slug=item, kind="theory", points=float(meta["points"]), rubric=meta["rubric"])


def labelled(item: str) -> list[Labelled]:
    data = yaml.safe_load((LABELS / f"{item}.yaml").read_text(encoding="utf-8"))
    return [
        Labelled(
            item, a["label"], a["lang"], (float(a["fair"][0]), float(a["fair"][1])), a["text"].strip(), a.get("why", "")
        )
        for a in data["answers"]
    ]


def seed_answers() -> list[Labelled]:
    data = yaml.safe_load((LABELS / "seed.yaml").read_text(encoding="utf-8"))
    return [
        Labelled(item, "seed", "sv", (float(a["fair"][0]), float(a["fair"][1])), a["text"], a["why"].strip())
        for item, a in data["answers"].items()
    ]


def score(answer: Labelled) -> Scored:
    item_spec = spec(answer.item)
    result = grade(item_spec, answer.text)
    return Scored(answer, result.score / item_spec.points, float(result.feedback["confidence"]))
