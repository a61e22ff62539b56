"""Requirement tables: what an item's prompt asks for, which checks enforce it, and its points.

An item folder's ``requirements.yaml`` lists every requirement its prompt states::

    - id: input
      text: {sv: "Modellen tar emot n_cols features", en: "The model takes n_cols features"}
      checks: [input-shape, uses-n-cols]     # names (or fnmatch patterns) of checks.py's checks
      precondition: true                     # no points; when it fails, nothing else counts
    - id: dense-100
      text: {sv: ..., en: ...}
      checks: [layer-1]
      points: 2                              # a weight; shares of the item's points
      requires: [dropout-1]                  # optional: counts only when these hold too
    - id: not-trained
      ...
      requires_any: [dense-100, dense-50]    # optional: counts only when one of these holds

Scoring by requirement (``score``) rather than by check means a mistake that several checks
notice costs once, a precondition gates the rest, and a teacher sets the weights
(``weights: {id: number}`` in ``item.yaml`` overrides a requirement's ``points``).

Weights are shares, not points: the item's ``points`` are divided among the requirements in
proportion to their weights, so the weights need not add up to the item's points (when they do,
a weight is the requirement's points). Authoring shows the resulting points next to each weight.

``requires_any`` is for what the prompt forbids ("no other layers", "does not train the model"):
any answer that does little obeys it, so it earns its points only once the answer meets at least
one of the task's own requirements. A model that meets nothing but the preconditions earns 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from grader.checks import Check


class RequirementError(ValueError):
    """A requirement table that cannot be used: its message says where and why."""


@dataclass(frozen=True)
class Requirement:
    id: str
    text_sv: str
    text_en: str
    checks: tuple[str, ...]
    points: float = 1.0
    precondition: bool = False
    requires: tuple[str, ...] = ()
    requires_any: tuple[str, ...] = ()

    def matches(self, check_name: str) -> bool:
        return any(fnmatchcase(check_name, pattern) for pattern in self.checks)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "text": {"sv": self.text_sv, "en": self.text_en},
            "checks": list(self.checks),
        }
        if self.precondition:
            data["precondition"] = True
        else:
            data["points"] = self.points
        if self.requires:
            data["requires"] = list(self.requires)
        if self.requires_any:
            data["requires_any"] = list(self.requires_any)
        return data


def parse(data: Any, *, where: str = "requirements.yaml") -> list[Requirement]:
    """The table from its YAML data; every problem is a ``RequirementError`` naming the entry."""
    if not isinstance(data, list) or not data:
        raise RequirementError(f"{where}: must be a non-empty list of requirements")
    result: list[Requirement] = []
    seen: set[str] = set()
    for number, entry in enumerate(data, 1):
        here = f"{where}, requirement {number}"
        if not isinstance(entry, dict):
            raise RequirementError(f"{here}: must be a mapping")
        rid = entry.get("id")
        if not isinstance(rid, str) or not rid.strip():
            raise RequirementError(f"{here}: needs an id")
        here = f"{where}, requirement {rid!r}"
        if rid in seen:
            raise RequirementError(f"{here}: the id is used twice")
        seen.add(rid)
        text = entry.get("text")
        if not isinstance(text, dict) or not str(text.get("sv", "")).strip() or not str(text.get("en", "")).strip():
            raise RequirementError(f"{here}: needs text with both sv and en")
        checks = entry.get("checks")
        if not isinstance(checks, list) or not checks or not all(isinstance(c, str) and c for c in checks):
            raise RequirementError(f"{here}: needs the names of the checks that enforce it (checks: [...])")
        precondition = entry.get("precondition", False) is True
        points = entry.get("points", 0 if precondition else 1)
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
            raise RequirementError(f"{here}: points must be a number ≥ 0")
        if precondition and points:
            raise RequirementError(f"{here}: a precondition carries no points of its own")
        requires = entry.get("requires", [])
        if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
            raise RequirementError(f"{here}: requires must be a list of requirement ids")
        requires_any = entry.get("requires_any", [])
        if not isinstance(requires_any, list) or not all(isinstance(r, str) for r in requires_any):
            raise RequirementError(f"{here}: requires_any must be a list of requirement ids")
        result.append(
            Requirement(
                id=rid,
                text_sv=str(text["sv"]).strip(),
                text_en=str(text["en"]).strip(),
                checks=tuple(checks),
                points=float(points),
                precondition=precondition,
                requires=tuple(requires),
                requires_any=tuple(requires_any),
            )
        )
    for requirement in result:
        named = requirement.requires + requirement.requires_any
        unknown = [r for r in named if r not in seen or r == requirement.id]
        if unknown:
            raise RequirementError(f"{where}, requirement {requirement.id!r}: requires unknown {', '.join(unknown)}")
    if not any(not r.precondition and r.points > 0 for r in result):
        raise RequirementError(f"{where}: at least one requirement must carry points")
    return result


def check_weights(requirements: list[Requirement], weights: Any, *, where: str = "item.yaml") -> dict[str, float]:
    """``weights`` from item.yaml, validated against the table: ids must exist, numbers ≥ 0."""
    if weights in (None, {}):
        return {}
    if not isinstance(weights, dict):
        raise RequirementError(f"{where}: weights must map requirement ids to numbers")
    ids = {r.id: r for r in requirements}
    result = {}
    for key, value in weights.items():
        if key not in ids:
            raise RequirementError(f"{where}: weights names {key!r}, which is not in requirements.yaml")
        if ids[key].precondition:
            raise RequirementError(f"{where}: {key!r} is a precondition; it carries no points")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise RequirementError(f"{where}: the weight of {key!r} must be a number ≥ 0")
        result[str(key)] = float(value)
    if not any(result.get(r.id, r.points) > 0 for r in requirements if not r.precondition):
        raise RequirementError(f"{where}: the weights leave no requirement with points")
    return result


@dataclass
class RequirementOutcome:
    """One requirement's verdict: its checks' messages (each once), its points and why."""

    requirement: Requirement
    passed: bool
    points: float
    max_points: float
    message_sv: str
    message_en: str
    hint_sv: str = ""
    hint_en: str = ""
    checks: list[str] = field(default_factory=list)
    counted: bool = True  # False when a precondition or a required requirement failed


def _unique(texts: list[str]) -> list[str]:
    seen: list[str] = []
    for text in texts:
        if text and text not in seen:
            seen.append(text)
    return seen


def score(
    total_points: float,
    checks: list[Check],
    requirements: list[Requirement],
    weights: dict[str, float] | None = None,
) -> tuple[float, list[RequirementOutcome], list[Check]]:
    """Score ``checks`` by requirement.

    1. Each check belongs to the first requirement whose patterns match its name; a check no
       requirement claims is returned as unmapped (shown, worth nothing: a content error).
    2. A requirement holds when at least one of its checks ran and none failed. One that no
       check reached (an earlier failure stopped them) does not hold.
    3. When a precondition fails nothing counts; a requirement whose ``requires`` fail, or none
       of whose ``requires_any`` holds, does not count either.
    4. The item's points are shared among the other requirements by weight (``weights`` over
       ``points``); the score is the sum of the counted, held requirements' shares.
    """
    weights = weights or {}
    owned: dict[str, list[Check]] = {r.id: [] for r in requirements}
    unmapped: list[Check] = []
    for check in checks:
        owner = next((r for r in requirements if r.matches(check.name)), None)
        if owner is None:
            unmapped.append(check)
        else:
            owned[owner.id].append(check)
    holds = {r.id: bool(owned[r.id]) and all(c.passed for c in owned[r.id]) for r in requirements}
    gate_failed = [r for r in requirements if r.precondition and not holds[r.id]]
    weight = {r.id: 0.0 if r.precondition else float(weights.get(r.id, r.points)) for r in requirements}
    total_weight = sum(weight.values()) or 1.0
    outcomes: list[RequirementOutcome] = []
    earned = 0.0
    for r in requirements:
        own = owned[r.id]
        missing_first = [q for q in r.requires if not holds[q]]
        none_of_any = bool(r.requires_any) and not any(holds[q] for q in r.requires_any)
        counted = not gate_failed and not missing_first and not none_of_any
        share = round(total_points * weight[r.id] / total_weight, 2)
        if own:
            shown = [c for c in own if not c.passed] if not holds[r.id] else own
            sv = " ".join(_unique([c.message.sv for c in shown]))
            en = " ".join(_unique([c.message.en for c in shown]))
        else:
            sv = "Inte kontrollerat: ett tidigare krav är inte uppfyllt."
            en = "Not checked: an earlier requirement does not hold."
        if holds[r.id] and not counted and share:
            text_of = {x.id: x for x in requirements}
            if gate_failed or missing_first:
                blockers = gate_failed or [text_of[q] for q in missing_first]
                sv += f" (Räknas först när detta håller: {'; '.join(b.text_sv for b in blockers)}.)"
                en += f" (Counts only once this holds: {'; '.join(b.text_en for b in blockers)}.)"
            else:
                blockers = [text_of[q] for q in r.requires_any]
                sv += f" (Räknas först när något av detta håller: {'; '.join(b.text_sv for b in blockers)}.)"
                en += f" (Counts only once one of these holds: {'; '.join(b.text_en for b in blockers)}.)"
        hint = next((c.hint for c in own if not c.passed and c.hint), None)
        points = share if holds[r.id] and counted else 0.0
        earned += total_points * weight[r.id] / total_weight if holds[r.id] and counted else 0.0
        outcomes.append(
            RequirementOutcome(
                requirement=r,
                passed=holds[r.id],
                points=points,
                max_points=share,
                message_sv=sv,
                message_en=en,
                hint_sv=hint.sv if hint else "",
                hint_en=hint.en if hint else "",
                checks=[c.name for c in own],
                counted=counted,
            )
        )
    return round(earned, 2), outcomes, unmapped
