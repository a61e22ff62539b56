"""Faults injected into the real pipeline: workers killed with SIGKILL, Redis killed and
restarted, the broker down at submit time, a submission whose grader dies every time.

Every test starts its own Redis (with its append-only file), web server, workers and sweeper
on the extra ports, on the test database, and kills them all when it ends, failed or not.
The database is the source of truth: after each fault every submission is graded exactly once
(``tries`` tells how many times a worker took it) or has a final status that says why.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import ROOT, database_url_for_children, grading_worker_env, item_dir
from tests.processes import celery_argv, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BASE_PORT = int(os.environ.get("FAULT_BASE_PORT", "6434"))
REDIS_PORT, WEB_PORT = BASE_PORT, BASE_PORT + 4
SOLUTION = (item_dir("count-parameters") / "solution.py").read_text()
SLOW_SOLUTION = "import time\ntime.sleep(4)\n" + SOLUTION
VISIBILITY_TIMEOUT = 6


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


class Processes:
    """Every process a fault test starts, each in its own process group, all killed at the end."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.procs: list[subprocess.Popen] = []
        self.recorder: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
            "DATABASE_URL": database_url_for_children(),
            "DJANGO_SETTINGS_MODULE": "quizplatform.settings",
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "QUIZ_SUBMISSIONS_PER_MINUTE": "10000",
            "QUIZ_SUBMIT_RATE": "10000/min",
            "QUIZ_TOKEN_RATE": "10000/min",
        }

    def start(self, name: str, args: list[str], base_env: dict | None = None, **env: str) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "ab")
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env={**(self.env if base_env is None else base_env), **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @staticmethod
    def kill(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                self.kill(proc, signal.SIGTERM)

    # --- the services -----------------------------------------------------------------------------

    def redis(self) -> subprocess.Popen:
        data = self.tmp / "redis"
        data.mkdir(exist_ok=True)
        proc = self.start(
            "redis",
            [
                "redis-server",
                "--port",
                str(REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(data),
                "--appendonly",
                "yes",
                "--save",
                "",
                "--daemonize",
                "no",
            ],
        )
        wait_until(lambda: not _free(REDIS_PORT), 10, "Redis to listen")
        return proc

    def worker(self, name: str) -> subprocess.Popen:
        """A grading worker with only the broker's address (and the recorder, once, beside it)."""
        if self.recorder is None:
            self.recorder = self._celery("recorder", app="quizplatform", queue="results", base_env=self.env)
        return self._celery(
            f"worker-{name}",
            app="grader.service",
            queue="grading",
            base_env={
                **grading_worker_env(self.env["CELERY_BROKER_URL"]),
                "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            },
            hostname=f"{name}@%h",
        )

    def _celery(self, name: str, *, app: str, queue: str, base_env: dict, hostname: str = "") -> subprocess.Popen:
        proc = self.start(
            name,
            celery_argv(app=app, queues=queue, hostname=hostname or f"{name}@%h"),
            base_env=base_env,
        )
        wait_until(lambda: "ready." in self.log(name) or proc.poll() is not None, 60, name)
        assert proc.poll() is None, self.log(name)
        return proc

    def web(self) -> subprocess.Popen:
        proc = self.start(
            "web", [sys.executable, "manage.py", "runserver", f"127.0.0.1:{WEB_PORT}", "--noreload", "--nothreading"]
        )
        wait_until(lambda: not _free(WEB_PORT), 30, "the web server")
        return proc

    def sweeper(self, every: float = 1.0, older_than: int = 5) -> subprocess.Popen:
        return self.start(
            "sweeper",
            [sys.executable, "manage.py", "requeue_stuck", "--every", str(every), "--older-than", str(older_than)],
        )

    def sweep_once(self) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", "requeue_stuck"], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture
def procs(tmp_path, course) -> Iterator[Processes]:
    for port in (REDIS_PORT, WEB_PORT):
        if not _free(port):
            pytest.fail(f"port {port} is taken: set FAULT_BASE_PORT to a free range of 5 ports")
    processes = Processes(tmp_path)
    try:
        yield processes
    finally:
        processes.stop_all()


class Api:
    """A student's client of the web server the test started."""

    def __init__(self, username: str = "student") -> None:
        self.base = f"http://127.0.0.1:{WEB_PORT}/api/v1"
        self.token = self._post("/auth/token", {"username": username, "password": username}, auth=False)["token"]

    def _post(self, path: str, body: dict, auth: bool = True) -> dict:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **({"Authorization": f"Token {self.token}"} if auth else {})},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def submit(self, code: str, slug: str = "count-parameters") -> int:
        return self._post(f"/items/{slug}/submissions", {"code": code})["id"]


def row(pk: int):
    from exercises.models import Submission

    return Submission.objects.get(pk=pk)


def _row_if(pk: int, test):
    submission = row(pk)
    return submission if test(submission) else None


def graded(pk: int, timeout: float = 90):
    return wait_until(lambda: _row_if(pk, lambda s: not s.is_pending), timeout, f"submission {pk} to finish")


def running(pk: int, timeout: float = 60):
    return wait_until(lambda: _row_if(pk, lambda s: s.status == "running"), timeout, f"submission {pk} to run")


def assert_graded_once(pk: int, tries: int) -> None:
    submission = row(pk)
    assert (submission.status, submission.score, submission.tries) == ("graded", Decimal(4), tries), (
        submission.status,
        submission.score,
        submission.tries,
        submission.output,
    )
    assert one_set_of_results(submission)


def one_set_of_results(submission) -> bool:
    """One set of check results, not two (the count itself follows the item's requirements)."""
    names = list(submission.check_results.values_list("name", flat=True))
    return bool(names) and len(names) == len(set(names))


def test_a_pool_process_killed_mid_grade_is_redelivered_and_graded_once(procs):
    """SIGKILL of the pool process: the main process sees the loss, the message is rejected back
    to the queue at once (acks_late + reject_on_worker_lost), and the claim of the dead process is
    taken over because its pid is gone."""
    procs.redis()
    main = procs.worker("a")
    procs.web()
    pk = Api().submit(SLOW_SOLUTION)
    victim = running(pk)
    pool_pid = int(victim.worker.rsplit("/", 1)[1])
    assert pool_pid != main.pid
    os.kill(pool_pid, signal.SIGKILL)
    graded(pk)
    assert main.poll() is None
    time.sleep(3)  # nothing more happens to it
    assert_graded_once(pk, tries=2)
    assert row(pk).worker.rsplit("/", 1)[1] != str(pool_pid)


def test_a_worker_killed_whole_mid_grade_is_redelivered_after_the_visibility_timeout(procs):
    """SIGKILL of the main process and its children: the message stays unacknowledged in Redis
    and a restarted worker takes it back once the visibility timeout has passed."""
    procs.redis()
    first = procs.worker("a")
    procs.web()
    pk = Api().submit(SLOW_SOLUTION)
    running(pk)
    procs.kill(first)
    assert row(pk).status == "running"  # the database knows: taken, not finished
    time.sleep(VISIBILITY_TIMEOUT)
    procs.worker("b")
    graded(pk, timeout=60)
    assert_graded_once(pk, tries=2)
    assert row(pk).worker.startswith("b@")


def test_a_dead_workers_submission_is_reclaimed_by_the_sweeper(procs):
    """Without a restart of the dead worker, the sweeper sees its claim is dead and sends the
    submission again to the workers still alive."""
    procs.redis()
    workers = {"a": procs.worker("a"), "b": procs.worker("b")}
    procs.web()
    pk = Api().submit(SLOW_SOLUTION)
    holder = running(pk).worker.split("@")[0]
    procs.kill(workers[holder])
    procs.sweeper()
    graded(pk, timeout=60)
    time.sleep(VISIBILITY_TIMEOUT + 2)  # a late redelivery of the first message changes nothing
    assert_graded_once(pk, tries=2)


def test_broker_down_at_submit_time_keeps_the_submission_and_grades_it_when_it_returns(procs):
    redis = procs.redis()
    procs.worker("a")
    procs.web()
    api = Api()
    procs.kill(redis)
    started = time.monotonic()
    pk = api.submit(SOLUTION)
    assert time.monotonic() - started < 30
    submission = row(pk)
    assert submission.status == "queued" and submission.queued_at is None  # kept, known unsent
    procs.redis()
    out = procs.sweep_once()
    assert "sent=1" in out, out
    graded(pk, timeout=60)
    assert_graded_once(pk, tries=1)


def test_redis_killed_and_restarted_mid_stream_loses_no_submission(procs):
    """Submissions keep coming while Redis is killed (SIGKILL) and restarted from its append-only
    file; the sweeper sends what was never sent or was lost. Every one is graded, none twice."""
    redis = procs.redis()
    procs.worker("a")
    procs.web()
    procs.sweeper(every=1, older_than=VISIBILITY_TIMEOUT * 2)
    api = Api()
    code = "import time\ntime.sleep(0.3)\n" + SOLUTION
    ids = [api.submit(code) for _ in range(6)]
    procs.kill(redis)
    ids += [api.submit(code) for _ in range(3)]  # the broker is down for these
    web_log = procs.log("web")
    assert all(f"could not enqueue submission {pk}" in web_log for pk in ids[6:]), "the broker was not down"
    time.sleep(1)
    procs.redis()
    ids += [api.submit(code) for _ in range(3)]
    for pk in ids:
        graded(pk, timeout=120)
    time.sleep(2)
    from exercises.models import Submission

    rows = list(Submission.objects.filter(pk__in=ids))
    assert len(rows) == 12
    assert all((s.status, s.score) == ("graded", Decimal(4)) for s in rows), [(s.pk, s.status) for s in rows]
    assert all(one_set_of_results(s) for s in rows)
    assert all(s.tries <= 2 for s in rows), [(s.pk, s.tries) for s in rows]


def test_a_submission_that_kills_its_grader_every_time_stops_after_bounded_tries(procs):
    """The grader process dies every time it takes this submission (here we kill it, as a crash
    in a native library would): after QUIZ_MAX_GRADE_TRIES the submission gets a final status
    with the reason, and the worker goes on with the next one."""
    procs.redis()
    procs.worker("a")
    procs.web()
    api = Api()
    pk = api.submit(SLOW_SOLUTION)
    kills = 0
    deadline = time.monotonic() + 120
    while row(pk).is_pending and time.monotonic() < deadline:
        submission = row(pk)
        if submission.status == "running" and submission.tries > kills:
            os.kill(int(submission.worker.rsplit("/", 1)[1]), signal.SIGKILL)
            kills += 1
        time.sleep(0.1)
    submission = row(pk)
    assert kills == settings.QUIZ_MAX_GRADE_TRIES
    assert (submission.status, submission.score, submission.tries) == ("crashed", Decimal(0), kills)
    message = submission.check_results.get().message_en
    assert f"interrupted {kills} times" in message and "teacher" in message
    assert submission.finished_at is not None
    after = api.submit(SOLUTION)
    graded(after)
    assert_graded_once(after, tries=1)


def test_the_sweeper_runs_wherever_the_platform_runs():
    """`make run` and the compose file both start the sweeper loop."""
    import yaml

    assert "requeue_stuck --every" in (ROOT / "scripts" / "run.sh").read_text()
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert "requeue_stuck --every" in " ".join(compose["services"]["sweeper"]["command"])


@pytest.mark.django_db
def test_the_sweeper_takes_back_expired_claims_and_gives_up_on_those_out_of_tries(users, broker_url):
    """A claim held on another machine cannot be checked for life: its lease (the hard time
    limit + 30 s) decides. Out of tries, the sweeper gives the final status instead."""
    from datetime import timedelta

    from django.utils import timezone

    from exercises.models import Item, Submission
    from exercises.services import submissions_sweep

    item = Item.objects.get(slug="count-parameters")
    long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)

    def stuck(tries: int, started_at) -> Submission:
        return Submission.objects.create(
            user=users["student"],
            item=item,
            item_version=item.current_version,
            text=SOLUTION,
            max_score=4,
            status="running",
            started_at=started_at,
            tries=tries,
            worker="cpu@another-machine/4242",
        )

    expired, out_of_tries, alive = stuck(1, long_ago), stuck(settings.QUIZ_MAX_GRADE_TRIES, long_ago), stuck(1, None)
    Submission.objects.filter(pk=alive.pk).update(started_at=timezone.now())
    counts = submissions_sweep()
    assert (counts["reclaimed"], counts["abandoned"]) == (1, 1), counts
    expired.refresh_from_db()
    assert expired.status == "queued" and expired.queued_at is not None and expired.tries == 1
    out_of_tries.refresh_from_db()
    assert (out_of_tries.status, out_of_tries.score) == ("crashed", 0)
    assert "Rättningen avbröts 3 gånger" in out_of_tries.check_results.get().message_sv
    assert Submission.objects.get(pk=alive.pk).status == "running"  # a live lease is left alone
