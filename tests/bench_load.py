"""`make bench-load`: a few hundred simulated students (locust, headless) against the student
pages and the submit path of a real deployment shape: gunicorn, Redis, one Celery worker,
on their own database under var/bench-load so a developer's data is safe.

Prints requests per second and latency percentiles per endpoint, the failures, and what the
worker made of the submissions that arrived (graded, still queued when the run ended).
Knobs: LOAD_USERS (300), LOAD_SECONDS (60), LOAD_SPAWN_RATE (30), LOAD_WEB_WORKERS (2), PORT.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.processes import start_site, start_worker

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench-load"
REDIS_PORT = int(os.environ.get("BENCH_REDIS_PORT", "6398"))
PORT = int(os.environ.get("PORT", "8000"))
USERS = int(os.environ.get("LOAD_USERS", "300"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
SPAWN_RATE = int(os.environ.get("LOAD_SPAWN_RATE", "30"))
WEB_WORKERS = int(os.environ.get("LOAD_WEB_WORKERS", "2"))


def make_accounts(n: int) -> list[dict[str, str]]:
    """``n`` enrolled students, each with a live session and an API token."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from exercises.models import Course, Enrollment

    course = Course.objects.get(slug="kunskapskontroll-2")
    password = make_password("load-test-only")  # one hash for all: hashing is not what we measure
    users = User.objects.bulk_create([User(username=f"load{i:04d}", password=password) for i in range(n)])
    Enrollment.objects.bulk_create([Enrollment(course=course, user=u) for u in users])
    accounts = []
    for user in users:
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "accounts.backends.UsernameOrEmailBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        accounts.append({"session": session.session_key, "token": Token.objects.create(user=user).key})
    return accounts


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"nothing listens on {port} after {timeout} s")


def main() -> None:
    env, redis_proc = start_site(
        VAR,
        redis_port=REDIS_PORT,
        env={"DJANGO_DEBUG": "0", "LOG_LEVEL": "WARNING", "LOAD_ACCOUNTS": str(VAR / "accounts.json")},
        commands=(["migrate", "-v0"], ["load_content"], ["collectstatic", "--noinput", "-v0"]),
    )
    procs: list[subprocess.Popen] = [redis_proc]

    def start(name: str, args: list[str]) -> None:
        log = open(VAR / f"{name}.log", "w")
        procs.append(
            subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        )

    try:
        (VAR / "accounts.json").write_text(json.dumps(make_accounts(USERS)))
        # The same processes as production: the recorder (database) and a secretless grading worker.
        procs += [start_worker(env, 1, recorder=True), start_worker(env, 1)]
        start("web", [sys.executable, "-m", "gunicorn", "quizplatform.wsgi", "-b", f"127.0.0.1:{PORT}",
                      "-w", str(WEB_WORKERS), "--threads", "4", "--keep-alive", "75", "--log-level", "warning"])  # fmt: skip
        wait_port(PORT)
        started = time.time()
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "tests" / "load" / "locustfile.py"), "--headless",
             "-u", str(USERS), "-r", str(SPAWN_RATE), "-t", f"{SECONDS}s", "--host", f"http://127.0.0.1:{PORT}",
             "--csv", str(VAR / "locust"), "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, check=False, stdout=open(VAR / "locust.log", "w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        report(started)
    finally:
        for proc in reversed(procs):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def report(started: float) -> None:
    from exercises.models import Submission

    rows = list(csv.DictReader(open(VAR / "locust_stats.csv")))
    print(f"\nmachine: {os.cpu_count()} cores (shared); {USERS} simulated students for {SECONDS} s, "
          f"gunicorn {WEB_WORKERS} workers × 4 threads, SQLite, one Celery worker\n")  # fmt: skip
    print(f"{'endpoint':40} {'requests':>8} {'fails':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for row in rows:
        name = "TOTAL" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        print(
            f"{name:40} {row['Request Count']:>8} {row['Failure Count']:>6} {float(row['Requests/s']):7.1f} "
            f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
        )
    failures = VAR / "locust_failures.csv"
    if failures.exists():
        for row in list(csv.DictReader(open(failures)))[:5]:
            print(f"  failure: {row['Method']} {row['Name']}: {row['Error'][:150]} ×{row['Occurrences']}")
    arrived = Submission.objects.filter(user__username__startswith="load")
    done = arrived.exclude(status__in=Submission.PENDING)
    print(
        f"\nsubmissions: {arrived.count()} arrived, {done.count()} graded by the end "
        f"({arrived.filter(status__in=Submission.PENDING).count()} still queued for the one worker), "
        f"{arrived.filter(status='error').count()} platform errors"
    )


if __name__ == "__main__":
    main()
