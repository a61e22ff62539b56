"""Measure the behaviour checks over many seeds: do their margins separate right from wrong?

    .venv/bin/python -m tests.measure_behaviour [--seeds N] [--case NAME ...] [--json FILE]

For each case (an item's reference, its starter, typical wrong answers) the sandbox runner's own
functions (``grader.jail.runner``: the same training, baselines and data recipes as grading) run
in this process with the item's probe, once per seed: the model seed and the data seed both
change, as a student's own ``set_random_seed`` or another data draw would. The item's
``grade`` then decides, and the script prints, per case, how often the behaviour check passed
and the distribution of the number it compares (quantiles). No sandbox: this measures the
checks, not the jail. It costs CPU (a cnn-images seed trains two models), so it is not a test;
run it when a margin changes and put the figures in the item's notes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content" / "kunskapskontroll-2" / "del-2-kod"
SUITES = ROOT / "tests" / "solutions"

# case name -> (item, source file relative to ROOT, the check whose verdict is measured)
CASES: dict[str, tuple[str, str, str]] = {
    "cnn/reference": ("cnn-images", "content/kunskapskontroll-2/del-2-kod/cnn-images/solution.py", "beats-dense"),
    "cnn/starter": ("cnn-images", "content/kunskapskontroll-2/del-2-kod/cnn-images/starter.py", "beats-dense"),
    "cnn/sgd": ("cnn-images", "tests/solutions/cnn-images/wrong/17_sgd_does_not_beat_dense.py", "beats-dense"),
    "cnn/no-pool": ("cnn-images", "tests/solutions/cnn-images/wrong/03_missing_pool.py", "beats-dense"),
    "cnn/1x1-kernels": ("cnn-images", "tests/solutions/cnn-images/wrong/18_one_by_one_kernels.py", "beats-dense"),
    "reg/reference": ("regularize", "content/kunskapskontroll-2/del-2-kod/regularize/solution.py", "less-overfitting"),
    "reg/starter": ("regularize", "content/kunskapskontroll-2/del-2-kod/regularize/starter.py", "less-overfitting"),
    "reg/l2-only": ("regularize", "tests/solutions/regularize/wrong/06_no_dropout.py", "less-overfitting"),
    "reg/bias-regularizer": (
        "regularize",
        "tests/solutions/regularize/wrong/04_bias_regularizer.py",
        "less-overfitting",
    ),
    "es/reference": (
        "early-stopping",
        "content/kunskapskontroll-2/del-2-kod/early-stopping/solution.py",
        "stopped-where",
    ),
    "es/starter": ("early-stopping", "content/kunskapskontroll-2/del-2-kod/early-stopping/starter.py", "stopped-early"),
    "es/patience-10": ("early-stopping", "tests/solutions/early-stopping/wrong/02_patience_10.py", "stopped-where"),
    "es/no-restore": ("early-stopping", "tests/solutions/early-stopping/wrong/03_no_restore.py", "stopped-where"),
    "es/monitors-loss": ("early-stopping", "tests/solutions/early-stopping/wrong/01_monitors_loss.py", "stopped-where"),
    "es/monitors-val-accuracy": (
        "early-stopping",
        "tests/solutions/early-stopping/wrong/09_monitors_val_accuracy.py",
        "stopped-where",
    ),
    "es/patience-0": ("early-stopping", "tests/solutions/early-stopping/wrong/10_patience_default.py", "stopped-where"),
    "es/callback-not-passed": (
        "early-stopping",
        "tests/solutions/early-stopping/wrong/04_callback_not_passed.py",
        "stopped-early",
    ),
}


_BASELINES: dict[str, Any] = {}


def _reseeded(probe: dict[str, Any], seed: int) -> dict[str, Any]:
    """The item's probe with this seed's model seed and data seed."""
    calls = []
    for call in probe["calls"]:
        call = json.loads(json.dumps(call))
        if "seed" in call:
            call["seed"] = 1000 + seed
        if isinstance(call.get("data"), dict) and "seed" in call["data"]:
            call["data"]["seed"] = 2000 + seed
        calls.append(call)
    return {**probe, "calls": calls}


def load_checks(source: str, slug: str) -> dict[str, Any]:
    """An item's checks.py in this process: a measuring tool over the repository's own content
    (graders run it in the teachers' jail, grader.launch.checks)."""
    namespace: dict[str, Any] = {"__name__": f"checks_{slug.replace('-', '_')}"}
    exec(compile(source, f"{slug}/checks.py", "exec"), namespace)
    return namespace


def waited(calls: dict[str, Any]) -> int | None:
    """early-stopping: epochs between the best val_loss and the end of training."""
    try:
        val = calls["fit"]["history"]["val_loss"]
        return len(val) - 1 - min(range(len(val)), key=val.__getitem__)
    except (KeyError, TypeError, ValueError):
        return None


def _detail(slug: str, calls: dict[str, Any], checks: dict[str, Any]) -> str:
    """What the margin is made of, and every failed check (a reference must fail none)."""
    failed = ",".join(sorted(name for name, c in checks.items() if not c.passed)) or "-"
    try:
        if slug == "cnn-images":
            data = calls["cnn"]
            cnn, dense = data["history"]["val_accuracy"][-1], data["baseline"]["history"]["val_accuracy"][-1]
            return f"cnn {cnn:.3f} dense {dense:.3f}  failed {failed}"
        if slug == "regularize":
            data = calls["model"]
            gaps = [e["inference"]["val"]["loss"] - e["inference"]["train"]["loss"] for e in (data, data["baseline"])]
            return f"gap {gaps[0]:.3f} baseline gap {gaps[1]:.3f}  failed {failed}"
        if slug == "early-stopping":
            return f"epochs run {calls['fit']['epochs_run']} waited {waited(calls)}  failed {failed}"
    except (KeyError, TypeError, ValueError, IndexError):
        pass
    return f"failed {failed}"


def run_seed(name: str, seed: int) -> tuple[bool, float | None]:
    """One case, one seed: the verdict of the case's behaviour check and the number it compares."""
    import keras

    from grader.checks import Report
    from grader.jail import runner

    slug, source, check_name = CASES[name]
    checks_ns = load_checks((CONTENT / slug / "checks.py").read_text(), slug)
    code = (ROOT / source).read_text()
    probe = _reseeded(checks_ns["PROBE"], seed)
    keras.backend.clear_session()
    keras.utils.set_random_seed(3000 + seed)  # what the student's code draws (early-stopping)
    namespace: dict[str, Any] = {"__name__": "submission", "__file__": runner.FILENAME}
    exec(compile(code, runner.FILENAME, "exec"), namespace)
    calls = {str(c["id"]): runner._call(namespace, c) for c in probe["calls"]}
    for c in probe["calls"]:  # the baseline, as the harness trains it (a child of its own there)
        data = calls[str(c["id"])]
        if isinstance(data.get("baseline_request"), dict):
            request = data.pop("baseline_request")
            # Built from data only (a parameter count, or the architecture without regularization)
            # and seeded: the same request and seed train the same baseline, so cases that share
            # them (the reference and a wrong answer of the same size) train it once per seed.
            key = json.dumps([c, request], sort_keys=True)
            if key not in _BASELINES:
                _BASELINES[key] = runner.train_baseline(c, request)
            data["baseline"] = json.loads(json.dumps(_BASELINES[key]))
    checks = {c.name: c for c in checks_ns["grade"](Report({"calls": calls}))}
    check = checks.get(check_name)
    print(f"{name:24} seed {seed:3}  {_detail(slug, calls, checks)}", flush=True)
    return bool(check and check.passed), _number(slug, calls)


def summarise(name: str, verdicts: list[tuple[bool, float | None]], check: str | None = None) -> dict[str, Any]:
    numbers = [v for _ok, v in verdicts if isinstance(v, (int, float))]
    summary: dict[str, Any] = {
        "case": name,
        "check": check or CASES[name][2],
        "seeds": len(verdicts),
        "passed": sum(ok for ok, _v in verdicts),
    }
    if numbers:
        q = statistics.quantiles(numbers, n=100, method="inclusive") if len(numbers) >= 2 else [numbers[0]] * 99
        summary.update(
            min=min(numbers), p1=q[0], p5=q[4], median=statistics.median(numbers), p95=q[94], max=max(numbers)
        )
    summary["values"] = [v for _ok, v in verdicts]
    summary["verdicts"] = [ok for ok, _v in verdicts]
    return summary


def _number(slug: str, calls: dict[str, Any]) -> float | None:
    """cnn-images: CNN minus dense validation accuracy; regularize: baseline gap minus the
    student's gap (positive = less overfitting); early-stopping: epochs waited after the best
    val_loss (the check wants 3), or epochs run when it never stopped."""
    try:
        if slug == "cnn-images":
            data = calls["cnn"]
            return round(data["history"]["val_accuracy"][-1] - data["baseline"]["history"]["val_accuracy"][-1], 4)
        if slug == "regularize":
            data = calls["model"]

            def gap(entry: dict[str, Any]) -> float:
                return entry["inference"]["val"]["loss"] - entry["inference"]["train"]["loss"]

            return round(gap(data["baseline"]) - gap(data), 4)
        if slug == "early-stopping":
            # Epochs to spare: how many more epochs fit could have run before the cap stopped it
            # (0 = the callback never stopped it: stopped-early fails). The check also wants the
            # stop exactly ``patience`` epochs after the best val_loss: printed as "waited".
            data = calls["fit"]
            return float(data["params"]["epochs"] - data["epochs_run"])
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    return None


def markdown(results: list[dict[str, Any]]) -> str:
    """The summaries as a Markdown table (the issue's note)."""
    lines = [
        "| case | check | passed / seeds | min | p1 | p5 | median | max |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        cells = [f"{r[k]:+.3f}" if k in r else "—" for k in ("min", "p1", "p5", "median", "max")]
        lines.append(f"| {r['case']} | {r['check']} | {r['passed']} / {r['seeds']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def merge(files: list[str]) -> list[dict[str, Any]]:
    """Several runs' ``--json`` files (other seeds of the same cases) as one summary per case."""
    verdicts: dict[str, list[tuple[bool, float | None]]] = {}
    checks: dict[str, str] = {}
    for file in files:
        for r in json.loads(Path(file).read_text()):
            verdicts.setdefault(r["case"], []).extend(zip(r["verdicts"], r["values"], strict=True))
            checks[r["case"]] = r["check"]
    return [summarise(name, v, checks[name]) for name, v in verdicts.items()]


def main() -> None:
    """Seeds in the outer loop, cases in the inner one: stopped early, every case has about as
    many seeds; the summary is rewritten after every seed (``--json``)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--case", action="append", choices=sorted(CASES))
    parser.add_argument("--json")
    parser.add_argument("--merge", nargs="+", metavar="JSON", help="print the Markdown table of earlier runs")
    args = parser.parse_args()
    if args.merge:
        print(markdown(merge(args.merge)))
        return
    sys.path.insert(0, str(ROOT))
    names = args.case or list(CASES)
    verdicts: dict[str, list[tuple[bool, float | None]]] = {name: [] for name in names}
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        for name in names:
            started = time.monotonic()
            ok, number = run_seed(name, seed)
            verdicts[name].append((ok, number))
            print(
                f"{name:24} seed {seed:3}  {'pass' if ok else 'FAIL'}  {number}  ({time.monotonic() - started:.0f} s)",
                flush=True,
            )
        results = [summarise(name, verdicts[name]) for name in names]
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1))
    for r in results:
        spread = (
            f"min {r['min']:+.3f}  p1 {r['p1']:+.3f}  p5 {r['p5']:+.3f}  median {r['median']:+.3f}  max {r['max']:+.3f}"
            if "min" in r
            else "no numbers"
        )
        print(f"{r['case']:24} {r['check']:18} passed {r['passed']:3}/{r['seeds']:<3}  {spread}")
    print(markdown(results))


if __name__ == "__main__":
    main()
