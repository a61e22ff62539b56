"""Shared fixtures: personas, the loaded course, and the real services for integration tests.

Integration tests use the Redis that `make test` starts (CELERY_BROKER_URL) and a real Celery
worker that this file starts on the test database; nothing of the pipeline is mocked.

The course and the demo users are loaded once per session (``django_db_setup``); a test that needs
them asks for ``course`` or ``users``, and one that does not sees none of their rows.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.processes import celery_argv, stop

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


COURSE_SLUG = "kunskapskontroll-2"


def pytest_configure(config: pytest.Config) -> None:
    """Passwords hashed with one PBKDF2 iteration (tests/hashers.py): logins and seeding cost
    microseconds instead of a second each. And var/log/ exists, also in a fresh clone."""
    from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm

    settings.PASSWORD_HASHERS = ["tests.hashers.OneIterationPBKDF2PasswordHasher"]
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()
    (ROOT / "var" / "log").mkdir(parents=True, exist_ok=True)  # the logs of the processes tests start


def _load_course() -> None:
    call_command("load_content", verbosity=0, stdout=open(os.devnull, "w"))
    call_command("seed_demo", stdout=open(os.devnull, "w"))


# The tables the course and the demo users fill (found when they are loaded), for the tests that
# do not ask for them; and their rows as Django's JSON, to put back after a transactional test.
_COURSE_TABLES: list[str] = []
_COURSE_ROWS: list[str] = []


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> None:
    """The test database with the course loaded and the demo users seeded, once for the session.

    A test in a transaction (``db``) sees them and its changes are rolled back. A transactional test
    (``transactional_db``, ``django_db(transaction=True)``) empties the tables when it ends: the
    ``course`` fixture then puts the same rows back (pytest-django runs those tests after the others).
    A test that asks for no course sees the tables empty, as it did when each test loaded its own.
    """
    from django.apps import apps
    from django.core import serializers
    from django.db import connection

    with django_db_blocker.unblock():
        before = _row_counts(connection)
        _load_course()
        after = _row_counts(connection)
        grown = [table for table in after if after[table] != before.get(table, 0)]
        refilled = [table for table in grown if before.get(table, 0)]
        assert not refilled, f"loading the course added rows to tables that had some: {refilled}"
        models = [m for m in apps.get_models() if m._meta.db_table in grown]
        # A many-to-many table is saved with the model that holds the field.
        covered = {m._meta.db_table for m in models} | {
            f.remote_field.through._meta.db_table for m in models for f in m._meta.local_many_to_many
        }
        assert set(grown) <= covered, f"tables no model saves: {set(grown) - covered}"
        _COURSE_TABLES[:] = grown
        _COURSE_ROWS[:] = [serializers.serialize("json", m._base_manager.order_by("pk")) for m in models]


def _row_counts(connection) -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.django_table_names(only_existing=True, include_views=False):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _course_loaded() -> bool:
    from accounts.models import User
    from exercises.models import Course

    return Course.objects.filter(slug=COURSE_SLUG).exists() and User.objects.filter(username="student").exists()


@pytest.fixture(autouse=True)
def _no_course_unless_asked(request: pytest.FixtureRequest) -> None:
    """A database test that does not ask for the course (or users) sees none: the session's course
    rows are deleted in its transaction (rolled back after it), or for good in a transactional test
    (which empties the tables when it ends anyway)."""
    if "course" in request.fixturenames or not (
        "_django_db_helper" in request.fixturenames or request.node.get_closest_marker("django_db")
    ):
        return
    request.getfixturevalue("_django_db_helper")
    from django.db import connection, transaction

    if not _course_loaded():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for table in _COURSE_TABLES:  # foreign keys are checked when the transaction commits
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")


def _restore_course() -> None:
    """The session's course rows again, with their primary keys: 20 times faster than loading the
    files. The emptying does not reset the id sequences, so new rows still get ids above these."""
    from django.core import serializers
    from django.db import transaction

    with transaction.atomic():  # foreign keys are checked at the commit, whatever the order
        for rows in _COURSE_ROWS:
            for obj in serializers.deserialize("json", rows):
                obj.save()


@pytest.fixture
def course(db):
    """The course loaded from content/ with the demo users enrolled (loaded once per session)."""
    from exercises.models import Course

    if not _course_loaded():  # a transactional test before this one emptied the tables
        _restore_course()
    return Course.objects.get(slug=COURSE_SLUG)


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
    """The real pipeline behind the test database: a recorder (it has the database) and a grading
    worker that has only the broker's address, on the test Redis."""
    import redis

    redis.Redis.from_url(broker_url).flushdb()
    recorder = start_recorder(broker_url=broker_url, hostname="test-recorder@%h", log_name="test-recorder")
    proc = start_worker(broker_url=broker_url, queues="grading", hostname="test@%h", log_name="test-worker")
    yield proc
    stop_worker(proc)
    stop_worker(recorder)


def grading_worker_env(broker_url: str) -> dict[str, str]:
    """The whole environment of a grading worker: the broker's address and what any process needs
    (PATH, HOME, LANG), and the sandbox's own settings if the suite sets them. Nothing of the
    platform's: no DATABASE_URL, no DJANGO_SECRET_KEY, no DJANGO_SETTINGS_MODULE."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(ROOT / "var"),
        "LANG": "C.UTF-8",
        "CELERY_BROKER_URL": broker_url,
    }
    env.update({k: v for k, v in os.environ.items() if k.startswith("QUIZ_SANDBOX")})
    return env


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
    """Start a real grading worker (``grader.service``, no Django, only the broker's address in its
    environment); returns once it answers a ping."""
    return _start_celery(
        app="grader.service",
        queues=queues,
        hostname=hostname,
        log_name=log_name,
        concurrency=concurrency,
        env={**grading_worker_env(broker_url), **(env or {})},
    )


def start_recorder(*, broker_url: str, hostname: str, log_name: str, env: dict | None = None) -> subprocess.Popen:
    """Start the recorder: a Celery worker of the platform's app on the ``results`` queue, on the
    test database; it writes what the grading workers send back."""
    full_env = {
        **os.environ,
        "CELERY_BROKER_URL": broker_url,
        "DATABASE_URL": database_url_for_children(),
        "DJANGO_SETTINGS_MODULE": "quizplatform.settings",
        **(env or {}),
    }
    return _start_celery(
        app="quizplatform", queues="results", hostname=hostname, log_name=log_name, concurrency=1, env=full_env
    )


def _start_celery(
    *, app: str, queues: str, hostname: str, log_name: str, concurrency: int, env: dict
) -> subprocess.Popen:
    (ROOT / "var" / "log").mkdir(parents=True, exist_ok=True)
    log = open(ROOT / "var" / "log" / f"{log_name}.log", "w")
    proc = subprocess.Popen(
        celery_argv(app=app, queues=queues, hostname=hostname, concurrency=concurrency),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    # Ready once it says so in its log: a ping would need the platform's app on the worker's broker.
    wanted = hostname.replace("%h", socket.gethostname())
    path = ROOT / "var" / "log" / f"{log_name}.log"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the Celery worker exited with {proc.returncode}; see var/log/{log_name}.log")
        if f"{wanted} ready." in path.read_text(errors="replace"):
            return proc
        time.sleep(0.3)
    stop_worker(proc)
    pytest.fail(f"the Celery worker was not ready within 60 s; see var/log/{log_name}.log")


def stop_worker(proc: subprocess.Popen) -> None:
    stop(proc, timeout=20)


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
