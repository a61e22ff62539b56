"""A class at the deadline: N students submit at the same instant, each on a connection of its own,
to a platform started exactly as `make run` starts it (scripts/run.sh: gunicorn, Redis, one Celery
worker, the sweeper), on its own database and Redis under a folder of its own.

Used by tests/test_web_server.py (the contract: all get 201, all are graded) and by
tests/bench_web.py (`make bench`: the figures).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MAKE_STUDENTS = """
import json
from django.contrib.auth.hashers import make_password
from rest_framework.authtoken.models import Token
from accounts.models import User
from exercises.models import Course, Enrollment
course = Course.objects.get(slug="kunskapskontroll-2")
password = make_password(None)  # unusable: these students only have tokens
users = User.objects.bulk_create([User(username=f"burst{i:03d}", password=password) for i in range({n})])
Enrollment.objects.bulk_create([Enrollment(course=course, user=u) for u in users])
print(json.dumps([Token.objects.create(user=u).key for u in users]))
"""


class Platform:
    """`scripts/run.sh` in its own process group, with PORT, REDIS_PORT and QUIZ_VAR_DIR set."""

    def __init__(self, var: Path, port: int, redis_port: int) -> None:
        self.var, self.port, self.redis_port = var, port, redis_port
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")},
            "PORT": str(port),
            "REDIS_PORT": str(redis_port),
            "QUIZ_VAR_DIR": str(var),
            "DJANGO_SETTINGS_MODULE": "quizplatform.settings",
        }
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 180) -> None:
        for port in (self.port, self.redis_port):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    raise RuntimeError(f"port {port} is taken")
        self.var.mkdir(parents=True, exist_ok=True)
        log = open(self.var / "run.log", "w")
        self.proc = subprocess.Popen(
            ["scripts/run.sh"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"scripts/run.sh exited with {self.proc.returncode}:\n{self.log('run.log')}")
            if "Quiz platform running" in self.log("run.log"):
                return
            time.sleep(0.3)
        raise RuntimeError(f"scripts/run.sh did not come up in {timeout} s:\n{self.log('run.log')}")

    def log(self, name: str) -> str:
        path = self.var / name if name == "run.log" else self.var / "log" / name
        return path.read_text(errors="replace") if path.exists() else ""

    def manage(self, *args: str) -> str:
        env = {**self.env, "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0"}
        done = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "python"), "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(done.stderr)
        return done.stdout

    def students(self, n: int) -> list[str]:
        """``n`` new enrolled students; their API tokens (the token endpoint is throttled per address)."""
        return json.loads(self.manage("shell", "-c", MAKE_STUDENTS.replace("{n}", str(n))).strip().splitlines()[-1])

    def stop(self) -> None:
        """Ctrl-C, as a developer stops `make run`; then make sure nothing is left."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


@dataclass
class Attempt:
    status: int = 0  # HTTP status of the submission, 0 if the connection failed
    error: str = ""
    submitted: float = 0.0  # seconds from the start signal to the 201
    graded: float = 0.0  # seconds from the start signal to a final status read through the API
    result: dict = field(default_factory=dict)


def burst(port: int, tokens: list[str], slug: str, code: str, grade_timeout: float = 300) -> list[Attempt]:
    """Each token in a thread with its own connection: connect, wait for all, submit at once, then
    poll its own submission (every second, as the page does) until it has a final status."""
    attempts = [Attempt() for _ in tokens]
    ready = threading.Barrier(len(tokens) + 1)
    start = [0.0]

    def one(i: int, token: str) -> None:
        attempt = attempts[i]
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.connect()
            ready.wait()
            conn.request("POST", f"/api/v1/items/{slug}/submissions", json.dumps({"code": code}), headers)
            response = conn.getresponse()
            body = response.read()
            attempt.status, attempt.submitted = response.status, time.monotonic() - start[0]
            if response.status != 201:
                attempt.error = body[:300].decode(errors="replace")
                return
            pk = json.loads(body)["id"]
            deadline = time.monotonic() + grade_timeout
            while time.monotonic() < deadline:
                time.sleep(1.0)
                conn.request("GET", f"/api/v1/submissions/{pk}", headers=headers)
                response = conn.getresponse()
                data = json.loads(response.read())
                if data["status"] not in ("queued", "running"):
                    attempt.result, attempt.graded = data, time.monotonic() - start[0]
                    return
            attempt.error = f"submission {pk} not graded in {grade_timeout} s"
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as exc:
            attempt.error = f"{type(exc).__name__}: {exc}"
        finally:
            conn.close()

    threads = [threading.Thread(target=one, args=(i, t), daemon=True) for i, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    ready.wait(timeout=60)
    start[0] = time.monotonic()
    for thread in threads:
        thread.join(grade_timeout + 180)
    return attempts


def summary(attempts: list[Attempt]) -> str:
    created = [a for a in attempts if a.status == 201]
    graded = [a for a in created if a.result]
    lines = [
        f"{len(attempts)} connections: {len(created)} × 201, "
        f"{sum(1 for a in attempts if a.status and a.status != 201)} other statuses, "
        f"{sum(1 for a in attempts if not a.status)} connection errors; {len(graded)} graded"
    ]
    if created:
        times = sorted(a.submitted for a in created)
        lines.append(f"  submit → 201: median {statistics.median(times):.2f} s, slowest {times[-1]:.2f} s")
    if graded:
        times = sorted(a.graded for a in graded)
        lines.append(
            f"  submit → graded (read through the API): median {statistics.median(times):.1f} s, "
            f"last {times[-1]:.1f} s ({len(graded) / times[-1] * 60:.0f} per minute)"
        )
    for error in sorted({a.error for a in attempts if a.error})[:5]:
        lines.append(f"  error: {error}")
    return "\n".join(lines)
