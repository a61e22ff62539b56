"""Similarity figures: precision at the top k per item on the test sets (code: tests/similarity/;
theory: the labelled answers of tests/theory_labels/ with reordered and edited copies), and the time to rank
a class of 300 students on one item through the command.

    .venv/bin/python tests/bench_similarity.py      (or: make bench-similarity)

k is the number of copy pairs of an item (7: five disguised copies of three solutions); the
precision is the share of copy pairs among the k best-ranked pairs.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from integrity.similarity import rank_texts  # noqa: E402
from tests.similarity_data import (  # noqa: E402
    generated_class,
    measure,
    sample_items,
    sample_texts,
    theory_items,
    theory_sample,
)


def detector(slug: str):
    """The item's detector exactly as the dashboard and the command build it (content loaded)."""
    from exercises.models import Item
    from integrity.selectors import item_detector

    item = Item.objects.select_related("current_version").get(slug=slug)
    return item_detector(version=item.current_version, kind=item.kind)


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quizplatform.settings")
    django.setup()
    print(f"{'item':<18} {'files':>5} {'k':>3} {'P@k':>5} {'lowest copy':>12} {'highest indep.':>15}")
    precisions = []
    samples = [(item, sample_texts(item)) for item in sample_items()]
    samples += [(item, theory_sample(item)) for item in theory_items()]
    for item, texts in samples:
        pairs = rank_texts(detector(item), texts, minimum=-1)
        f = measure(item, pairs)
        precisions.append(f.precision_at_k)
        print(
            f"{item:<18} {f.files:>5} {f.copy_pairs:>3} {f.precision_at_k:>5.2f} "
            f"{f.lowest_copy:>12.3f} {f.highest_independent:>15.3f}"
        )
    print(f"mean precision at k over {len(precisions)} items: {sum(precisions) / len(precisions):.2f}")

    students = 300
    with tempfile.TemporaryDirectory() as folder:
        for name, text in generated_class("build-network", students).items():
            (Path(folder) / f"{name}.py").write_text(text)
        command = [sys.executable, "manage.py", "similarity", "build-network", folder, "--json"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        command_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    pairs = json.loads(done.stdout)
    texts = generated_class("build-network", students)
    started, cpu = time.perf_counter(), time.process_time()
    rank_texts(detector("build-network"), texts)
    inside, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"{students} students x build-network: {len(pairs)} pairs; manage.py similarity --json took {wall:.2f} s "
        f"({command_cpu:.2f} s of CPU, with Django's start), the ranking itself {inside:.2f} s ({cpu:.2f} s of CPU)"
    )


if __name__ == "__main__":
    main()
