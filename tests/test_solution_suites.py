"""Every correct way earns full marks, every wrong way earns less and is told its mistake.

The suites live in ``tests/solutions/<item>/{correct,wrong}/*.py``. Each wrong solution starts
with ``# mistake: <text>``: the text a failed check's (English) message must contain, so the test
proves the student is told what they did wrong, not merely that they lost points. Every file is
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

from tests.conftest import CODE_ITEMS

SUITES = Path(__file__).resolve().parent / "solutions"
MISTAKE = re.compile(r"^# mistake: (.+)$", re.MULTILINE)
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
    failed = [c["message"] for c in data["checks"] if not c["passed"]]
    assert any(mistake in message for message in failed), (mistake, failed)
