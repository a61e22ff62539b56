"""`make bench`: the real pipeline's latency against a baseline measured in the same run.

Pipeline: API submit → database → Redis → Celery worker → sandbox → result readable, for a
correct submission of each coding exercise. Baseline: the naive way, a fresh interpreter per
submission (`manage.py grade`, which starts Django and grades through the same sandbox).
Everything runs on its own database and Redis under var/bench, so a developer's data is safe.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
REDIS_PORT = int(os.environ.get("BENCH_REDIS_PORT", "6398"))
ITEMS = ["count-parameters", "build-network", "add-dropout"]
RUNS = int(os.environ.get("BENCH_RUNS", "8"))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    shutil.rmtree(VAR, ignore_errors=True)
    (VAR / "redis").mkdir(parents=True)
    env = {
        **os.environ,
        "QUIZ_VAR_DIR": str(VAR),
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "DJANGO_SETTINGS_MODULE": "quizplatform.settings",
    }
    os.environ.update(env)
    procs = [
        subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(VAR / "redis"),
                "--save",
                "",
                "--appendonly",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
        )
    ]
    try:
        manage = [sys.executable, "manage.py"]
        for cmd in (["migrate", "-v0"], ["load_content"], ["seed_demo"]):
            subprocess.run(manage + cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "quizplatform",
                    "worker",
                    "-Q",
                    "grading",
                    "--concurrency",
                    "1",
                    "--loglevel",
                    "WARNING",
                    "--without-gossip",
                    "--without-mingle",
                ],
                cwd=ROOT,
                env=env,
                stdout=open(VAR / "worker.log", "w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

        import django

        django.setup()
        from django.test import Client

        from exercises.models import Submission
        from quizplatform.celery import app

        while not app.control.ping(timeout=1.0):
            time.sleep(0.5)
        client = Client()
        key = client.post(
            "/api/v1/auth/token", {"username": "student", "password": "student"}, content_type="application/json"
        ).json()["token"]
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"

        rows = []
        for slug in ITEMS:
            code_path = next((ROOT / "content").glob(f"*/*/{slug}/solution.py"))
            code = code_path.read_text()
            latencies, phases = [], {"queued": [], "sandbox": [], "checks": []}
            for _ in range(RUNS + 1):  # the first run warms the worker and is not counted
                t0 = time.monotonic()
                pk = client.post(
                    f"/api/v1/items/{slug}/submissions", {"code": code}, content_type="application/json"
                ).json()["id"]
                while client.get(f"/api/v1/submissions/{pk}").json()["pending"]:
                    time.sleep(0.02)
                latencies.append(time.monotonic() - t0)
                s = Submission.objects.get(pk=pk)
                assert s.score == s.max_score, (slug, s.status)
                phases["queued"].append((s.started_at - s.created_at).total_seconds())
                phases["sandbox"].append(s.timings.get("sandbox_total", 0.0))
                phases["checks"].append(s.timings.get("checks_total", 0.0))
            latencies = latencies[1:]
            baseline = []
            for _ in range(max(3, RUNS // 2)):
                t0 = time.monotonic()
                subprocess.run(
                    manage + ["grade", slug, str(code_path), "--json"],
                    cwd=ROOT,
                    env=env,
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                baseline.append(time.monotonic() - t0)
            rows.append(
                (
                    slug,
                    statistics.median(latencies),
                    p95(latencies),
                    statistics.median(baseline),
                    {k: statistics.median(v[1:]) for k, v in phases.items()},
                )
            )

        print(f"\nmachine: {os.cpu_count()} cores; {RUNS} runs per item after one warm-up; one worker process\n")
        print(f"{'item':18} {'median s':>9} {'p95 s':>7} {'baseline s':>11} {'ratio':>6}   phases (median s)")
        for slug, med, high, base, ph in rows:
            print(
                f"{slug:18} {med:9.3f} {high:7.3f} {base:11.3f} {base / med:6.2f}x  "
                f"queued→started {ph['queued']:.3f}, sandbox {ph['sandbox']:.3f}, checks {ph['checks']:.4f}"
            )
        print("\nbaseline: a fresh interpreter per submission (manage.py grade); ratio = baseline / pipeline median")
    finally:
        for proc in reversed(procs):
            try:
                os.killpg(proc.pid, signal.SIGTERM) if proc.pid != procs[0].pid else proc.terminate()
            except ProcessLookupError:
                pass
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
