"""Numeric and multiple-choice items: graded on the trusted side, no sandbox needed.

item.yaml of a numeric item gives the answer as an arithmetic expression over the item's variant
parameters (``inputs * units + units``), a tolerance, and optionally typical mistakes with the
message that names each one. A choice item gives its options and the id of the right one.
"""

from __future__ import annotations

import ast
import operator
import re
from typing import Any

from grader.checks import Check, msg

_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.FloorDiv: operator.floordiv,
}


def evaluate(expression: str, variant: dict[str, Any]) -> float:
    """An arithmetic expression over the variant's names; nothing else is allowed (teacher text,
    but still parsed, never ``eval``-ed)."""

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return node.value
        if isinstance(node, ast.Name) and node.id in variant:
            return float(variant[node.id])
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        raise ValueError(f"not allowed in an answer expression: {ast.dump(node)[:60]}")

    return float(walk(ast.parse(str(expression), mode="eval")))


NUMBER = re.compile(r"^[-+]?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?$")


def parse_number(text: str) -> float | None:
    """``1 300``, ``1300``, ``0,25`` (Swedish decimal comma) and ``0.25`` are numbers."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if not NUMBER.match(cleaned):
        return None
    return float(cleaned.replace(",", "."))


def grade_numeric(config: dict[str, Any], text: str, variant: dict[str, Any]) -> list[Check]:
    expected = evaluate(config["answer"], variant)
    tolerance = float(config.get("tolerance", 0))
    got = parse_number(text)
    if got is None:
        return [
            Check(
                "answer",
                False,
                msg(
                    sv=f"Svaret ”{text.strip()[:40]}” är inget tal. Skriv bara talet, till exempel 1300 eller 0,25.",
                    en=f"The answer “{text.strip()[:40]}” is not a number. Write just the number, for example 1300 or 0.25.",
                ),
            )
        ]
    shown = f"{got:g}"
    if abs(got - expected) <= tolerance + 1e-9 * abs(expected):
        return [Check("answer", True, msg(sv=f"{shown} är rätt.", en=f"{shown} is right."))]
    for mistake in config.get("mistakes", []) or []:
        try:
            wrong = evaluate(mistake["answer"], variant)
        except (KeyError, ValueError, ZeroDivisionError):
            continue
        if abs(got - wrong) <= tolerance + 1e-9 * abs(wrong):
            return [Check("answer", False, msg(sv=f"{shown}: {mistake['sv']}", en=f"{shown}: {mistake['en']}"))]
    return [Check("answer", False, msg(sv=f"{shown} stämmer inte.", en=f"{shown} is not right."))]


def grade_choice(config: dict[str, Any], text: str) -> list[Check]:
    options = {str(o["id"]): o for o in config.get("options", []) if isinstance(o, dict) and "id" in o}
    chosen = text.strip()
    if chosen not in options:
        return [Check("answer", False, msg(sv="Välj ett av alternativen.", en="Choose one of the options."))]
    option = options[chosen]
    right = chosen == str(config.get("correct"))
    why_sv, why_en = str(option.get("why_sv", "")), str(option.get("why_en", ""))
    return [
        Check(
            "answer",
            right,
            msg(
                sv=("Rätt. " if right else "Fel. ") + why_sv,
                en=("Right. " if right else "Wrong. ") + why_en,
            ),
        )
    ]
