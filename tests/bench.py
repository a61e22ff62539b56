"""`make bench`: the real pipeline's latency and throughput against a baseline measured in the same run.

Pipeline: API submit → database → Redis → Celery worker → warm sandbox → checks → result readable,
for a correct submission of each coding exercise. Baseline: the naive way, a fresh interpreter per
submission (`manage.py grade`: it starts Python, Django and a sandbox with TensorFlow each time and
grades through the same harness). Everything runs on its own database and Redis under var/bench,
so a developer's data is safe.

1. Latency: RUNS submissions per item, one at a time, each after a short pause (students do not
   submit within milliseconds of each other's feedback; the burst case is part 2). Median, 95th
   percentile, and the median of each phase: queued (submit → a worker claimed it), sandbox ready
   (→ the warm child has the job), student code (its import and the probe's calls), checks (the
   hidden checks on the trusted side), record (→ the result is readable through the API).
2. Throughput: BURST submissions of build-network from as many students at once, with one worker
   process and then two; all must be graded, none lost.
3. A prediction of the worker processes a class needs to get all feedback within two minutes.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tests.processes import start_site, start_worker, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
REDIS_PORT = int(os.environ.get("BENCH_REDIS_PORT", "6398"))
ITEMS = os.environ.get("BENCH_ITEMS", "count-parameters,build-network,add-dropout").split(",")
RUNS = int(os.environ.get("BENCH_RUNS", "12"))
BURST = int(os.environ.get("BENCH_BURST", "60"))
PAUSE = float(os.environ.get("BENCH_PAUSE", "1.0"))
CLASS_SIZE = 300
DEADLINE_SECONDS = 120


PHASES = ("queued", "ready", "code", "end", "checks", "worker", "recorder", "seen")
PHASE_TEXT = (
    "queued: submit → a worker has it | sandbox ready: → the warm child has it | student code: its import and "
    "the probe's calls | sandbox end: → its answer is in | checks: the hidden checks in the teachers' jail | "
    "worker: the rest of the worker's part (probe, events, progress) | recorder: → the result is written | "
    "seen: → the student's poll sees it"
)


def timeline(s, seen: float) -> dict[str, float]:
    """Where one submission's time went, from the clocks of the web, the worker and the recorder
    (one host here). ``seen``: when the poll saw the result (time.time())."""
    t = s.timings
    created = s.created_at.timestamp()
    received = t.get("worker_received_at", s.started_at.timestamp())
    sent = t.get("worker_sent_at", received + t.get("worker_total", 0.0))
    ready = t.get("sandbox_ready", 0.0)
    code = t.get("sandbox_preload", 0.0) + t.get("sandbox_import", 0.0) + t.get("sandbox_calls", 0.0)
    sandbox, checks = t.get("sandbox_total", 0.0), t.get("checks_total", 0.0)
    return {
        "queued": received - created,
        "ready": ready,
        "code": code,
        "end": max(0.0, sandbox - ready - code),
        "checks": checks,
        "worker": max(0.0, sent - received - sandbox - checks),
        "recorder": s.finished_at.timestamp() - sent,
        "seen": seen - s.finished_at.timestamp(),
    }


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def main() -> None:
    env, redis_proc = start_site(VAR, redis_port=REDIS_PORT, env={"QUIZ_SUBMIT_RATE": "100000/min"})
    worker = recorder = None
    try:
        manage = [sys.executable, "manage.py"]
        import django

        django.setup()
        from django.test import Client
        from rest_framework.authtoken.models import Token

        from accounts.models import User
        from exercises.models import Course, Enrollment, Submission
        from quizplatform.celery import app

        course = Course.objects.get(slug="kunskapskontroll-2")
        clients = []
        for n in range(max(BURST, RUNS + 1)):
            user, _ = User.objects.get_or_create(username=f"bench{n:03d}", defaults={"role": User.Role.STUDENT})
            Enrollment.objects.get_or_create(course=course, user=user)
            client = Client()
            client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
            clients.append(client)

        def submit(client: Client, slug: str, code: str) -> int:
            response = client.post(f"/api/v1/items/{slug}/submissions", {"code": code}, content_type="application/json")
            assert response.status_code == 201, response.content
            return response.json()["id"]

        recorder = start_worker(env, 1, recorder=True)
        worker = start_worker(env, 1)
        wait_ready(app, worker, f"bench1@{os.uname().nodename}", 1)

        # 1. Latency, one submission at a time.
        rows = []
        for slug in ITEMS:
            code_path = next((ROOT / "content").glob(f"*/*/{slug}/solution.py"))
            code = code_path.read_text()
            latencies: list[float] = []
            phases: dict[str, list[float]] = {k: [] for k in PHASES}
            for run in range(RUNS + 1):  # the first run per item is not counted
                time.sleep(PAUSE)
                t0 = time.monotonic()
                client = clients[run % len(clients)]  # students, not one student: each has a rate limit
                pk = submit(client, slug, code)
                while client.get(f"/api/v1/submissions/{pk}").json()["pending"]:
                    time.sleep(0.01)
                elapsed = time.monotonic() - t0
                seen = time.time()
                s = Submission.objects.get(pk=pk)
                assert s.score == s.max_score, (slug, s.status, s.output[-500:])
                if run == 0:
                    continue
                latencies.append(elapsed)
                for name, value in timeline(s, seen).items():
                    phases[name].append(value)
            baseline = []
            for _ in range(max(3, RUNS // 3)):
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
                    {k: statistics.median(v) for k, v in phases.items()},
                )
            )

        # 2. Throughput: a burst from BURST students, one worker process, then two.
        code = next((ROOT / "content").glob("*/*/build-network/solution.py")).read_text()
        bursts = []
        for processes in (1, 2) if BURST else ():  # BENCH_BURST=0: latency only
            if processes != 1:
                stop(worker)
                worker = start_worker(env, processes)
                wait_ready(app, worker, f"bench{processes}@{os.uname().nodename}", processes)
            t0 = time.monotonic()
            pks = [submit(client, "build-network", code) for client in clients[:BURST]]
            submitted = time.monotonic() - t0
            pending = set(pks)
            while pending and time.monotonic() - t0 < 900:
                done = Submission.objects.filter(pk__in=pending, finished_at__isnull=False).values_list("pk", flat=True)
                pending -= set(done)
                time.sleep(0.1)
            total = time.monotonic() - t0
            graded = Submission.objects.filter(pk__in=pks, status="graded")
            full = sum(1 for s in graded if s.score == s.max_score)
            lat = [(s.finished_at - s.created_at).total_seconds() for s in Submission.objects.filter(pk__in=pks)]
            bursts.append((processes, len(pks), graded.count(), full, submitted, total, len(pks) / total * 60, lat))

        # 3. Report.
        print(f"\nmachine: {os.cpu_count()} cores ({os.uname().machine}), shared; warm sandbox (fork server)")
        print(
            f"latency: {RUNS} correct submissions per item, one at a time, {PAUSE:.1f} s apart, after one not counted"
        )
        print(f"\n{'item':18} {'median s':>9} {'p95 s':>7} {'baseline s':>11} {'ratio':>7}   phases, median s:")
        print(f"{'':56}" + " | ".join(f"{k:>8}" for k in PHASES))
        for slug, med, high, base, ph in rows:
            print(
                f"{slug:18} {med:9.3f} {high:7.3f} {base:11.3f} {base / med:6.1f}x   "
                + " | ".join(f"{ph[k]:8.3f}" for k in PHASES)
            )
        print(f"phases: {PHASE_TEXT}")
        print("baseline: a fresh interpreter per submission (manage.py grade); ratio = baseline / pipeline median")
        if bursts:
            print(f"\nthroughput: {BURST} build-network submissions from {BURST} students at once")
            print(f"{'processes':>9} {'sent':>5} {'graded':>7} {'full':>5} {'submit s':>9} {'all done s':>11} {'per min':>8} "
                  f"{'latency p50 s':>14} {'p95 s':>7}")  # fmt: skip
            for processes, sent, graded, full, submitted, total, per_min, lat in bursts:
                print(
                    f"{processes:>9} {sent:>5} {graded:>7} {full:>5} {submitted:9.2f} {total:11.2f} {per_min:8.1f} "
                    f"{statistics.median(lat):14.2f} {p95(lat):7.2f}"
                )
            one, two = bursts[0][6], bursts[-1][6]
            print(f"scaling 1 → 2 processes on {os.cpu_count()} cores: {two / one:.2f}x")
            per_process = two / 2
            need = CLASS_SIZE / (DEADLINE_SECONDS / 60)
            machines = math.ceil(need / per_process / 2)
            print(
                f"\nprediction: {CLASS_SIZE} students submitting at a deadline need {need:.0f} gradings/min to have all "
                f"feedback within {DEADLINE_SECONDS} s; at {per_process:.0f}/min per process (one per core, measured "
                f"above) that is {math.ceil(need / per_process)} worker processes, i.e. "
                f"{machines} machine{'s' if machines != 1 else ''} like this one"
            )
    finally:
        for proc in (worker, recorder):
            if proc is not None:
                stop(proc)
        stop(redis_proc)


if __name__ == "__main__":
    main()
