"""The processes the tests and the benchmarks start: Celery workers, and a benchmark's own site
(a private Redis and a fresh database under one var directory, a recorder, a grading worker).

Kept apart from ``conftest.py`` so that the benchmarks (plain scripts, no pytest) can use it too.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
# What a benchmark's site is built with: the schema, the course content, the demo users.
SEED = (["migrate", "-v0"], ["load_content"], ["seed_demo"])
T = TypeVar("T")


def celery_argv(
    *, app: str, queues: str, hostname: str, concurrency: int = 1, loglevel: str = "INFO", heartbeat: bool = False
) -> list[str]:
    """The command line of a Celery worker of ``app`` (``grader.service``: a grading worker;
    ``quizplatform``: the platform's app) on ``queues``, without gossip or mingle (and without
    heartbeats unless ``heartbeat``)."""
    argv = [sys.executable, "-m", "celery", "-A", app, "worker", "-Q", queues, "--concurrency", str(concurrency),
            "--loglevel", loglevel, "--hostname", hostname, "--without-gossip", "--without-mingle"]  # fmt: skip
    return argv if heartbeat else [*argv, "--without-heartbeat"]


def wait_until(predicate: Callable[[], T], timeout: float, what: str, interval: float = 0.2) -> T:
    """``predicate``'s first true value, asked every ``interval`` seconds; AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stop(proc: subprocess.Popen, timeout: float = 30) -> None:
    """Stop a process started in its own session, and its children: TERM, then KILL after ``timeout``."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def start_site(
    var: Path, *, redis_port: int, env: dict[str, str], commands: Sequence[Sequence[str]] = SEED
) -> tuple[dict[str, str], subprocess.Popen]:
    """A benchmark's own site, so that a developer's data is safe; returns its environment (also put
    in ``os.environ``) and its Redis, to ``stop`` at the end.

    1. Empty ``var`` (the database, the logs, Redis's append-only file live there).
    2. The environment: ``QUIZ_VAR_DIR``, the broker on ``redis_port``, the settings, ``env``.
    3. Start a private Redis on ``redis_port`` with an append-only file, as in production.
    4. Run each of ``commands`` with ``manage.py`` (by default migrate, load_content, seed_demo);
       if one fails, Redis is stopped before the error goes up.
    """
    shutil.rmtree(var, ignore_errors=True)
    (var / "redis").mkdir(parents=True)
    full_env = {
        **os.environ,
        "QUIZ_VAR_DIR": str(var),
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "DJANGO_SETTINGS_MODULE": "quizplatform.settings",
        **env,
    }
    os.environ.update(full_env)
    redis_proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(var / "redis"),
            "--save",
            "",
            "--appendonly",
            "yes",
        ],  # fmt: skip
        stdout=open(var / "redis.log", "w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        for cmd in commands:
            subprocess.run(
                [sys.executable, "manage.py", *cmd], cwd=ROOT, env=full_env, check=True, stdout=subprocess.DEVNULL
            )
    except BaseException:
        stop(redis_proc)
        raise
    return full_env, redis_proc


def start_worker(env: dict[str, str], concurrency: int, *, recorder: bool = False) -> subprocess.Popen:
    """A benchmark's grading worker (``grader.service``: only the broker's address in its
    environment), or its recorder (the platform's app on the ``results`` queue, with the database);
    the log goes to ``worker-<concurrency>.log`` or ``recorder.log`` in the site's var directory."""
    var = Path(env["QUIZ_VAR_DIR"])
    name = "recorder" if recorder else f"worker-{concurrency}"
    log = open(var / f"{name}.log", "w")
    if not recorder:
        env = {
            "PATH": env.get("PATH", "/usr/bin:/bin"),
            "HOME": str(var),
            "LANG": "C.UTF-8",
            "CELERY_BROKER_URL": env["CELERY_BROKER_URL"],
            **{k: v for k, v in env.items() if k.startswith("QUIZ_SANDBOX")},
        }
    argv = celery_argv(
        app="quizplatform" if recorder else "grader.service",
        queues="results" if recorder else "grading",
        hostname="recorder@%h" if recorder else f"bench{concurrency}@%h",
        concurrency=concurrency,
        loglevel="WARNING",
        heartbeat=True,
    )
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(app, worker: subprocess.Popen, hostname: str, processes: int) -> None:
    """Until the worker answers and each of its pool processes has a warm sandbox ready."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited; see {os.environ.get('QUIZ_VAR_DIR', 'var')}/worker-*.log")
        ping = app.control.ping(timeout=1.0, destination=[hostname])
        # A fork server renames itself once its imports are done (grader/jail/forkserver.py).
        servers = subprocess.run(["pgrep", "-x", "quiz-forkserver"], capture_output=True, text=True).stdout.split()
        if ping and len(servers) >= processes:
            time.sleep(3)  # the servers' first children warm up
            return
        time.sleep(0.5)
    raise SystemExit("the worker did not come up")
