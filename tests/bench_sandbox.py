"""The sandbox options measured side by side (part of `make bench`), for build-network's solution.

- cold: a fresh bwrap and interpreter per submission (imports TensorFlow every time);
- warm/none: the fork server, children forked ahead of demand into fresh namespaces, not warmed;
- warm/build: ... and warmed after the fork by building and compiling a tiny model (the default);
- warm/predict: ... and warmed further by one predict (traces a function: costs CPU per child);
- warm/build/idle (the default): warmed as warm/build, but only once no job has come for 0.5 s.

For each: latency when submissions are spaced out (the child is ready and waiting), the rate
back to back (every child must also be forked, isolated and warmed), the child's namespace set-up
and warm-up time, and the memory a warm child adds (its PSS: pages shared with the server are
counted once between them).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quizplatform.settings")
django.setup()

from exercises.content import item_spec_from_folder  # noqa: E402
from grader.harness import grade  # noqa: E402
from grader.launch import sandbox  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAUSED = int(os.environ.get("BENCH_SANDBOX_PAUSED", "5"))
BACK_TO_BACK = int(os.environ.get("BENCH_SANDBOX_B2B", "8"))


def pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def pids_named(name: str) -> list[int]:
    out = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def main() -> None:
    folder = next((ROOT / "content").glob("*/*/build-network"))
    spec = item_spec_from_folder(folder)
    code = (folder / "solution.py").read_text()
    rows = []

    os.environ["QUIZ_SANDBOX"] = "cold"
    cold = []
    for _ in range(3):
        t0 = time.monotonic()
        result = grade(spec, code)
        cold.append(time.monotonic() - t0)
        assert result.score == result.max_score, result.status
    rows.append(("cold", statistics.median(cold), 60 / statistics.median(cold), None, None, None, None))

    os.environ["QUIZ_SANDBOX"] = "warm"
    for level, delay in (("none", "0"), ("build", "0"), ("predict", "0"), ("build", "0.5")):
        os.environ["QUIZ_SANDBOX_WARM"] = level
        os.environ["QUIZ_SANDBOX_WARM_DELAY"] = delay
        sandbox.forkserver_stop()
        server = sandbox.forkserver()
        grade(spec, code)  # the first child
        paused, setup, warm = [], [], []
        for _ in range(PAUSED):
            time.sleep(2.0)
            t0 = time.monotonic()
            result = grade(spec, code)
            paused.append(time.monotonic() - t0)
            assert result.score == result.max_score, result.status
            setup.append(result.timings.get("sandbox_child_setup", 0.0))
            warm.append(result.timings.get("sandbox_child_warm", 0.0))
        time.sleep(2.0)
        server_kb = pss_kb(server.proc.pid)  # bwrap itself: tiny
        for pid in pids_named("quiz-forkserver"):
            server_kb = max(server_kb, pss_kb(pid))
        spare_kb = max((pss_kb(pid) for pid in pids_named("quiz-job")), default=0)
        t0 = time.monotonic()
        for _ in range(BACK_TO_BACK):
            assert grade(spec, code).score == spec.points
        rate = BACK_TO_BACK / (time.monotonic() - t0) * 60
        rows.append(
            (
                f"warm/{level}" + ("/idle" if delay != "0" else ""),
                statistics.median(paused),
                rate,
                statistics.median(setup),
                statistics.median(warm),
                server_kb / 1024,
                spare_kb / 1024,
            )
        )
    sandbox.forkserver_stop()

    print(f"\nsandbox options, build-network solution graded through the harness ({os.cpu_count()} cores)")
    print(
        f"{'option':14} {'spaced s':>9} {'b2b /min':>9} {'setup s':>8} {'warm s':>7} {'server MB':>10} {'child MB':>9}"
    )
    for name, spaced, rate, setup_s, warm_s, server_mb, child_mb in rows:
        extra = (
            f"{setup_s:8.3f} {warm_s:7.3f} {server_mb:10.0f} {child_mb:9.0f}"
            if setup_s is not None
            else f"{'':8} {'':7} {'':10} {'':9}"
        )
        print(f"{name:14} {spaced:9.3f} {rate:9.1f} {extra}")
    print(
        "spaced: median latency, submissions 2 s apart; b2b: gradings per minute back to back, one process; "
        "setup: fork + namespaces + mounts; warm: warm-up after the fork; MB: proportional set size"
    )


if __name__ == "__main__":
    main()
