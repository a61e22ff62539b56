"""Scores of each coding item's reference, starter and typical wrong answers, as a table.

    .venv/bin/python -m tests.score_table [ITEM ...] [--json]

Grades through the same harness and sandbox as the workers (``grader.harness.grade``), straight
from the item folders (no database). The typical wrong answers are the suites' files named in
``TYPICAL`` below: the classes of mistakes issue 13 measured.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content" / "kunskapskontroll-2" / "del-2-kod"
SUITES = ROOT / "tests" / "solutions"
TYPICAL = {
    "build-network": ["04_units", "10_mse", "18_trains_in_build", "19_fully_wrong_model"],
    "add-dropout": ["01_only_first_dropout", "04_changed_units"],
    "count-parameters": ["01_weights_only"],
    "data-split": ["09_hardcoded_sizes", "17_fixed_test_length"],
    "early-stopping": ["16_validation_split_01", "17_mse_loss", "04_callback_not_passed"],
    "save-load": ["01_weights_only", "16_returns_directory"],
    "cnn-images": [
        "03_missing_pool",
        "17_sgd_does_not_beat_dense",
        "19_fully_wrong_cnn",
        "20_starter_plus_one_wrong_conv",
    ],
    "regularize": ["06_no_dropout", "02_l2_missing_second"],
    "devices": ["17_hardcoded_dict", "08_inverted"],
    "dropout-variant": ["02_neighbours_units", "19_fully_wrong_model"],
}
EXTRA_CORRECT = {"save-load": ["11_returns_pathlib", "12_returns_pathlike"]}


def _variant(slug: str) -> dict | None:
    path = SUITES / slug / "variant.json"
    return json.loads(path.read_text()) if path.exists() else None


def rows(slugs: list[str]) -> list[dict]:
    from exercises.content import item_spec_from_folder
    from grader.harness import grade

    out = []
    for slug in slugs:
        folder = CONTENT / slug
        spec = item_spec_from_folder(folder)
        variant = _variant(slug)
        reference = (folder / "solution.py").read_text()
        if "{{" in reference:
            reference = sorted((SUITES / slug / "correct").glob("*.py"))[0].read_text()
        cases = [("reference", reference), ("starter", (folder / "starter.py").read_text())]
        for name in EXTRA_CORRECT.get(slug, []):
            cases.append((f"correct/{name}", (SUITES / slug / "correct" / f"{name}.py").read_text()))
        for name in TYPICAL.get(slug, []):
            path = SUITES / slug / "wrong" / f"{name}.py"
            if path.exists():
                cases.append((f"wrong/{name}", path.read_text()))
        for case, code in cases:
            result = grade(spec, code, variant)
            out.append(
                {"item": slug, "case": case, "score": result.score, "max": result.max_score, "status": result.status}
            )
            print(f"{slug:18} {case:34} {result.score:6.2f} / {result.max_score:g}  {result.status}", flush=True)
    return out


if __name__ == "__main__":
    import os

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quizplatform.settings")
    django.setup()
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    data = rows(args or list(TYPICAL))
    if "--json" in sys.argv:
        print(json.dumps(data))
