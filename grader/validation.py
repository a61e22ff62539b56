"""Validation of an item's draft: a pure function from the draft's content to a verdict, run on
a grading worker like any grade (no database, no secrets; the recorder writes the verdict).

A coding exercise's reference solution must earn full marks, its starter must compile and must
not, and its visible examples must pass after the solution. A numeric or choice item's answer is
checked for every variant and graded like a student's (``grader.quick``). The teacher's
``checks.py`` runs in its own jail (``grader.launch.checks``); what it got wrong is explained here
with its file and line.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from grader.harness import ItemSpec, grade
from grader.status import Status

logger = logging.getLogger(__name__)


def _problem(sv: str, en: str) -> dict[str, str]:
    return {"sv": sv, "en": en}


def _grade(spec: ItemSpec, text: str, variant: dict[str, Any] | None = None) -> dict[str, Any]:
    try:
        return grade(spec, text, variant or None).as_dict()
    except Exception as exc:  # teacher code (checks.py) that does not load or raises while grading
        logger.info("validation: checks raised %s", exc, exc_info=True)
        return {
            "status": Status.CHECKS_ERROR,
            "score": 0.0,
            "max_score": spec.points,
            "checks": [],
            "output": "",
            "error": {"type": type(exc).__name__, "message": str(exc)[:2000]},
        }


def validate(
    spec: ItemSpec, *, solution: str, starter: str, examples: str = "", prompts: list[str] | None = None
) -> dict[str, Any]:
    """Grade the draft's reference solution and starter through the same harness and sandbox as
    submissions; the verdict as data: ``status`` (passed, failed or error), ``solution_result``,
    ``starter_result`` and ``problems`` (one message each, sv and en).

    1. Grade the reference solution: it must be graded with full marks.
    2. Grade the starter: it must compile and earn 0 points.
    3. If the exercise has visible examples, run them after the reference solution: they must pass.
    """
    if spec.kind in QUICK_KINDS:
        try:
            problems, quick_result = quick_item_problems(spec=spec, prompts=prompts or [])
        except Exception as exc:  # content shaped in a way no check foresaw: say so rather than hang
            logger.exception("validation of the %s item %s failed", spec.kind, spec.slug)
            problems, quick_result = (
                [_problem(f"Valideringen misslyckades: {exc}", f"The validation failed: {exc}")],
                None,
            )
        return {
            "status": Status.FAILED if problems else Status.PASSED,
            "solution_result": quick_result,
            "starter_result": None,
            "problems": problems,
        }
    problems = []
    if not solution.strip():
        problems.append(
            _problem(
                "Det finns ingen referenslösning (modellsvar) att rätta.",
                "There is no reference solution (model answer) to grade.",
            )
        )
    solution_result = _grade(spec, solution)
    starter_result = _grade(spec, starter)
    platform_down = Status.ERROR in (solution_result["status"], starter_result["status"])
    if solution_result["status"] == Status.CHECKS_ERROR:
        problems.append(checks_problem(solution_result["error"] or {}))
    elif solution_result["status"] != Status.GRADED or solution_result["score"] < solution_result["max_score"]:
        problems.append(
            _problem(
                f"Referenslösningen fick {solution_result['score']:g} av {solution_result['max_score']:g} poäng ({solution_result['status']}); den måste få full poäng.",
                f"The reference solution earned {solution_result['score']:g} of {solution_result['max_score']:g} points ({solution_result['status']}); it must earn full marks.",
            )
        )
    if starter_result["status"] == Status.SYNTAX_ERROR:
        problems.append(_problem("Startkoden har ett syntaxfel.", "The starter has a syntax error."))
    elif starter_result["status"] == Status.GRADED and starter_result["score"] > 0:
        # An untouched starter earns nothing: what it already does is given, not the student's work.
        earned = [c["name"] for c in starter_result.get("checks", []) if c.get("points")]
        problems.append(
            _problem(
                f"Startkoden får {starter_result['score']:g} av {starter_result['max_score']:g} poäng ({', '.join(earned)}); den måste få 0. Gör det som startkoden redan gör till ett förhandskrav, eller låt kraven räknas först när uppgiftens egna krav håller (requires i requirements.yaml).",
                f"The starter earns {starter_result['score']:g} of {starter_result['max_score']:g} points ({', '.join(earned)}); it must earn 0. Make what the starter already does a precondition, or let those requirements count only once the task's own requirements hold (requires in requirements.yaml).",
            )
        )
    if spec.kind == "code" and examples.strip() and not problems:
        with_examples = _grade(spec, solution + "\n\n# --- visible examples ---\n" + examples)
        solution_result["examples_status"] = with_examples["status"]
        if with_examples["status"] != Status.GRADED:
            message = next((c["message_sv"] for c in with_examples.get("checks", [])), "")
            problems.append(
                _problem(
                    f"Referenslösningen klarar inte de synliga exemplen: {message}",
                    f"The reference solution does not pass the visible examples: {with_examples['status']}",
                )
            )
    if platform_down:
        status = Status.ERROR
    else:
        status = Status.FAILED if problems else Status.PASSED
    return {
        "status": status,
        "solution_result": solution_result,
        "starter_result": starter_result,
        "problems": problems,
    }


def checks_problem(error: dict[str, Any]) -> dict[str, str]:
    """The teacher's checks failed: what, and where in their file (``traceback``: their frames)."""
    where = f" ({error['file']}, rad {error['line']})" if error.get("line") else ""
    where_en = f" ({error['file']}, line {error['line']})" if error.get("line") else ""
    problem = _problem(
        f"De dolda kontrollerna gav ett fel{where}: {error.get('type')}: {error.get('message')}",
        f"The hidden checks raised an error{where_en}: {error.get('type')}: {error.get('message')}",
    )
    if error.get("traceback"):
        problem["traceback"] = str(error["traceback"])[:4000]
    return problem


QUICK_KINDS = ("numeric", "choice")
# Every combination of variant values is evaluated: a bound keeps a validation short.
MAX_VARIANT_COMBINATIONS = 10_000


def quick_item_problems(*, spec: ItemSpec, prompts: list[str]) -> tuple[list[dict[str, str]], dict[str, Any] | None]:
    """What is wrong with a numeric or choice item, one message each (sv, en), and the grading of
    its right answer (the first variant's) as the validation page shows it.

    1. Variants: a mapping of names to non-empty lists (numbers, for a numeric item); every
       ``{{ name }}`` in the prompts must be one of them.
    2. Numeric: the answer, and every typical mistake, must evaluate for every variant; the
       answer written as a number must earn full marks for each variant.
    3. Choice: options with unique ids and a Swedish text; ``correct`` is exactly one of them;
       it earns full marks and every other option earns none.
    """
    from grader import quick, variants

    problems: list[dict[str, str]] = []
    spec_variants = spec.variants or {}
    if not isinstance(spec_variants, dict) or not all(isinstance(v, list) and v for v in spec_variants.values()):
        problems.append(
            _problem(
                "Varianterna ska vara en mappning från namn till en lista av värden.",
                "The variants must map names to lists of values.",
            )
        )
        return problems, None
    used = {name for prompt in prompts for name in variants.PLACEHOLDER.findall(prompt or "")}
    for name in sorted(used - set(spec_variants)):
        problems.append(
            _problem(
                f"Texten använder {{{{ {name} }}}}, men det finns ingen sådan variantparameter.",
                f"The prompt uses {{{{ {name} }}}}, but there is no such variant parameter.",
            )
        )
    count = math.prod(len(values) for values in spec_variants.values())
    if count > MAX_VARIANT_COMBINATIONS:
        problems.append(
            _problem(
                f"Varianterna ger {count} kombinationer; högst {MAX_VARIANT_COMBINATIONS} går att kontrollera.",
                f"The variants make {count} combinations; at most {MAX_VARIANT_COMBINATIONS} can be checked.",
            )
        )
        return problems, None
    combinations = variants.every(spec_variants) or [{}]
    config = spec.answer
    if spec.kind == "numeric":
        bad_values = [
            f"{n}={v!r}"
            for n, values in spec_variants.items()
            for v in values
            if isinstance(v, bool) or not isinstance(v, (int, float))
        ]
        if bad_values:
            problems.append(
                _problem(
                    f"Variantvärden i en talfråga måste vara tal: {', '.join(bad_values)}.",
                    f"Variant values of a numeric item must be numbers: {', '.join(bad_values)}.",
                )
            )
            return problems, None
        try:
            tolerance = float(config.get("tolerance", 0))
        except (TypeError, ValueError):
            tolerance = -1.0
        if not tolerance >= 0:
            problems.append(_problem("Toleransen måste vara ett tal ≥ 0.", "The tolerance must be a number ≥ 0."))
            return problems, None
        expressions = [("svaret", "the answer", config.get("answer"))]
        for i, mistake in enumerate(config.get("mistakes") or [], start=1):
            if not isinstance(mistake, dict) or not {"answer", "sv", "en"} <= set(mistake):
                problems.append(
                    _problem(
                        f"Typiskt fel nr {i} behöver answer, sv och en.",
                        f"Typical mistake no. {i} needs answer, sv and en.",
                    )
                )
                continue
            expressions.append((f"typiskt fel nr {i}", f"typical mistake no. {i}", mistake["answer"]))
        for name_sv, name_en, expression in expressions:
            for variant in combinations:
                try:
                    quick.evaluate(str(expression), variant)
                except (ValueError, SyntaxError, ArithmeticError, TypeError) as exc:
                    shown = ", ".join(f"{k}={v}" for k, v in variant.items()) or "-"
                    problems.append(
                        _problem(
                            f"Uttrycket för {name_sv} ({expression}) går inte att räkna ut för varianten {shown}: {exc}",
                            f"The expression of {name_en} ({expression}) cannot be evaluated for the variant {shown}: {exc}",
                        )
                    )
                    break
        if problems:
            return problems, None
        results = [(v, _grade(spec, repr(quick.evaluate(str(config["answer"]), v)), v)) for v in combinations]
    else:
        options = config.get("options") or []
        ids = [str(o.get("id", "")) if isinstance(o, dict) else "" for o in options]
        if len(options) < 2:
            problems.append(
                _problem("En flervalsfråga behöver minst två alternativ.", "A choice item needs at least two options.")
            )
        if any(not i for i in ids) or any(not (isinstance(o, dict) and o.get("sv")) for o in options):
            problems.append(
                _problem(
                    "Varje alternativ behöver ett id och en svensk text (sv).",
                    "Every option needs an id and a Swedish text (sv).",
                )
            )
        duplicates = sorted({i for i in ids if i and ids.count(i) > 1})
        if duplicates:
            problems.append(
                _problem(
                    f"Flera alternativ har samma id: {', '.join(duplicates)}.",
                    f"Several options have the same id: {', '.join(duplicates)}.",
                )
            )
        correct = str(config.get("correct", ""))
        if correct not in ids:
            problems.append(
                _problem(
                    f"Rätt alternativ ”{correct}” finns inte bland alternativen ({', '.join(ids)}).",
                    f"The correct option “{correct}” is not among the options ({', '.join(ids)}).",
                )
            )
        if problems:
            return problems, None
        results = [({}, _grade(spec, correct))]
        for other in ids:
            wrong = _grade(spec, other) if other != correct else None
            if wrong and wrong["score"] > 0:
                problems.append(
                    _problem(
                        f"Alternativ {other} ger poäng fast det är fel.", f"Option {other} earns points though wrong."
                    )
                )
    for variant, result in results:
        if result["status"] != "graded" or result["score"] < result["max_score"]:
            shown = ", ".join(f"{k}={v}" for k, v in variant.items())
            problems.append(
                _problem(
                    f"Det rätta svaret fick {result['score']:g} av {result['max_score']:g} poäng {shown}.".strip(),
                    f"The right answer earned {result['score']:g} of {result['max_score']:g} points {shown}.".strip(),
                )
            )
    return problems, results[0][1]
