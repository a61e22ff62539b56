"""Shared fixtures: personas, the loaded course, and the real services for integration tests.

Integration tests use the Redis that `make test` starts (CELERY_BROKER_URL) and a real Celery
worker that this file starts on the test database; nothing of the pipeline is mocked.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content" / "kunskapskontroll-2"
CODE_ITEMS = [
    "count-parameters",
    "build-network",
    "add-dropout",
    "data-split",
    "early-stopping",
    "save-load",
    "devices",
]
THEORY_ITEMS = [f"q{n:02d}" for n in range(1, 13)]


def item_dir(slug: str) -> Path:
    return next(CONTENT.glob(f"*/{slug}"))


@pytest.fixture
def course(db):
    call_command("load_content", verbosity=0, stdout=open(os.devnull, "w"))
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    from exercises.models import Course

    return Course.objects.get(slug="kunskapskontroll-2")


@pytest.fixture
def users(course):
    from accounts.models import User

    return {u.username: u for u in User.objects.all()}


def _redis_ping(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def broker_url() -> str:
    url = settings.CELERY_BROKER_URL
    if not _redis_ping(url):
        pytest.fail(f"Redis is not reachable at {url}: run the suite with `make test`, which starts it")
    return url


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, broker_url) -> Iterator[subprocess.Popen]:
    """A real Celery worker process on the test database and the test Redis."""
    import redis

    redis.Redis.from_url(broker_url).flushdb()
    proc = start_worker(broker_url=broker_url, queues="grading", hostname="test@%h", log_name="test-worker")
    yield proc
    stop_worker(proc)


def database_url_for_children() -> str:
    """The test database as a DATABASE_URL, for the processes a test starts (SQLite or PostgreSQL)."""
    from urllib.parse import quote

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    host = quote(db["HOST"], safe="")  # a Unix socket's folder is a path
    return f"postgres://{quote(db['USER'], safe='')}:{quote(db['PASSWORD'], safe='')}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(
    *, broker_url: str, queues: str, hostname: str, log_name: str, concurrency: int = 1, env: dict | None = None
) -> subprocess.Popen:
    """Start a real Celery worker on the test database; returns once it answers a ping."""
    full_env = {
        **os.environ,
        "CELERY_BROKER_URL": broker_url,
        "DATABASE_URL": database_url_for_children(),
        "DJANGO_SETTINGS_MODULE": "quizplatform.settings",
        **(env or {}),
    }
    (ROOT / "var" / "log").mkdir(parents=True, exist_ok=True)
    log = open(ROOT / "var" / "log" / f"{log_name}.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "quizplatform",
            "worker",
            "-Q",
            queues,
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "INFO",
            "--hostname",
            hostname,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],  # fmt: skip
        cwd=ROOT,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    from quizplatform.celery import app

    wanted = hostname.replace("%h", socket.gethostname())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the Celery worker exited with {proc.returncode}; see var/log/{log_name}.log")
        try:
            if any(wanted in reply for reply in app.control.ping(timeout=1.0, destination=[wanted])):
                return proc
        except Exception:
            pass
        time.sleep(0.5)
    stop_worker(proc)
    pytest.fail(f"the Celery worker did not answer within 60 s; see var/log/{log_name}.log")


def stop_worker(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wait_for_grade(pk: int, timeout: float = 120.0):
    from exercises.models import Submission

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        submission = Submission.objects.get(pk=pk)
        if not submission.is_pending:
            return submission
        time.sleep(0.2)
    raise AssertionError(f"submission {pk} still {submission.status} after {timeout} s")


@pytest.fixture
def student_api(course, celery_worker):
    """The demo student's API client (token auth), with a live worker behind it."""
    from django.test import Client

    client = Client()
    key = client.post(
        "/api/v1/auth/token", {"username": "student", "password": "student"}, content_type="application/json"
    ).json()["token"]
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
    return client


# The LTI test platform (tests/lti_platform/), a process on loopback: a fixture for every module.
from tests.lti_platform.fixtures import lms  # noqa: E402,F401
