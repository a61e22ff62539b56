"""Every correct way earns full marks, every wrong way earns less and is told its mistake.

The suites live in ``tests/solutions/<item>/{correct,wrong}/*.py``. Each wrong solution starts
with ``# mistake: <text>``: the text a failed check's (English) message must contain, so the test
proves the student is told what they did wrong, not merely that they lost points. A wrong solution
may also state ``# score: <number>``, the score it must get (a fully wrong model: 0). Every file is
graded through ``manage.py grade --json``, the same harness function as the workers, with the
real sandbox and real TensorFlow.

An item with per-student variants keeps one fixed variant in ``<item>/variant.json``, passed as
``--variant``: its solutions are written for that student's numbers, and its wrong ones include
answers that are right for another student (the message must name this student's own values).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import CODE_ITEMS, item_dir

SUITES = Path(__file__).resolve().parent / "solutions"
MISTAKE = re.compile(r"^# mistake: (.+)$", re.MULTILINE)
SCORE = re.compile(r"^# score: ([0-9.]+)$", re.MULTILINE)
MIN_CORRECT, MIN_WRONG = 10, 15
# Coding items that conftest's CODE_ITEMS leaves out (a variant item's reference solution needs its
# placeholders filled; the two training checks are slow), but whose suites must be full all the same.
SUITE_ONLY_ITEMS = ["cnn-images", "regularize", "dropout-variant"]


def _cases(kind: str) -> list:
    return [
        pytest.param(folder.name, path, id=f"{folder.name}/{path.stem}")
        for folder in sorted(p for p in SUITES.iterdir() if p.is_dir())
        for path in sorted((folder / kind).glob("*.py"))
    ]


def _grade(slug: str, path: Path, capsys) -> dict:
    variant = SUITES / slug / "variant.json"
    extra = ["--variant", variant.read_text()] if variant.exists() else []
    call_command("grade", slug, str(path), "--json", *extra)
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("slug", [*CODE_ITEMS, *SUITE_ONLY_ITEMS])
def test_every_coding_exercise_has_a_full_suite(slug):
    """At least ten correct and fifteen wrong solutions, each wrong one naming its mistake."""
    folder = SUITES / slug
    correct = list((folder / "correct").glob("*.py"))
    wrong = list((folder / "wrong").glob("*.py"))
    assert len(correct) >= MIN_CORRECT, f"{slug}: {len(correct)} correct solutions"
    assert len(wrong) >= MIN_WRONG, f"{slug}: {len(wrong)} wrong solutions"
    for path in wrong:
        assert MISTAKE.search(path.read_text()), f"{path} does not declare its mistake"


@pytest.mark.integration
@pytest.mark.parametrize(("slug", "path"), _cases("correct"))
def test_correct_solution_earns_full_marks(slug, path, capsys):
    data = _grade(slug, path, capsys)
    failed = [c["message"] for c in data["checks"] if not c["passed"]]
    assert data["status"] == "graded", failed
    assert data["score"] == data["max_score"], failed


@pytest.mark.integration
@pytest.mark.parametrize(("slug", "path"), _cases("wrong"))
def test_wrong_solution_loses_marks_and_is_told_its_mistake(slug, path, capsys):
    mistake = MISTAKE.search(path.read_text()).group(1).strip()
    data = _grade(slug, path, capsys)
    assert data["score"] < data["max_score"]
    if expected := SCORE.search(path.read_text()):
        earned = [(c["name"], c["points"]) for c in data["checks"] if c["points"]]
        assert data["score"] == float(expected.group(1)), earned
    failed = [c["message"] for c in data["checks"] if not c["passed"]]
    assert any(mistake in message for message in failed), (mistake, failed)


ALL_ITEMS = sorted(p.parent.name for p in (SUITES.parent.parent / "content").glob("*/*/*/item.yaml"))


def _starter_text(slug: str) -> str:
    folder = item_dir(slug)
    for name in ("starter.py", "starter.md"):
        if (folder / name).is_file():
            return (folder / name).read_text()
    return ""  # numeric and choice items: the empty answer a student starts from


@pytest.mark.integration
@pytest.mark.parametrize("slug", ALL_ITEMS)
def test_the_untouched_starter_earns_nothing(slug, tmp_path, capsys):
    """What the starter already does is given, not the student's work: 0 points on every item."""
    path = tmp_path / "starter.txt"
    path.write_text(_starter_text(slug))
    data = _grade(slug, path, capsys)
    earned = [(c["name"], c["points"]) for c in data["checks"] if c["points"]]
    assert data["score"] == 0, earned


@pytest.mark.integration
@pytest.mark.parametrize("slug", [s for s in ALL_ITEMS if (item_dir(s) / "requirements.yaml").is_file()])
def test_every_check_enforces_a_requirement_and_every_requirement_is_checked(slug, tmp_path, capsys):
    """The reference solution reaches every check: each is claimed by a requirement of the item's
    table, and each requirement is enforced by at least one of them."""
    folder = item_dir(slug)
    if (folder / "solution.py").is_file():
        correct = sorted((SUITES / slug / "correct").glob("*.py"))
        path = correct[0] if "{{" in (folder / "solution.py").read_text() else folder / "solution.py"
    else:  # numeric and choice items: the right answer as a student would write it
        import yaml

        meta = yaml.safe_load((folder / "item.yaml").read_text())
        path = tmp_path / "answer.txt"
        path.write_text(str(meta["correct"]) if "correct" in meta else "")
        if "answer" in meta:
            from grader import quick, variants

            chosen = variants.validate(meta.get("variants", {}), {})
            path.write_text(f"{quick.evaluate(meta['answer'], chosen):g}")
    data = _grade(slug, path, capsys)
    assert data["score"] == data["max_score"], [c["message"] for c in data["checks"] if not c["passed"]]
    assert not data["feedback"].get("unmapped_checks"), data["feedback"]
    unchecked = [c["name"] for c in data["checks"] if not c.get("checks")]
    assert not unchecked, f"requirements no check enforces: {unchecked}"
