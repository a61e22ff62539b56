"""Grading workers hold no secrets: a worker started with only the broker's address grades a job
message and answers with data on the ``results`` queue; the recorder writes each job's first
result once and drops duplicates, late results and made-up ones."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict

import pytest

from tests.conftest import ROOT, item_dir, start_worker, stop_worker

SOLUTION = (item_dir("count-parameters") / "solution.py").read_text()
SECRETS = ("DATABASE_URL", "DJANGO_SECRET_KEY", "DJANGO_SETTINGS_MODULE")


def _environ(pid: int) -> dict[str, str]:
    raw = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
    return dict(entry.decode().split("=", 1) for entry in raw if b"=" in entry)


def _children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            found += [int(c) for c in open(f"/proc/{pid}/task/{task}/children").read().split()]
        except OSError:
            pass
    return found


def _events(client, queue: str, count: int, timeout: float = 120) -> list[dict]:
    """The recorder's messages as they wait on the results queue (kombu's Redis transport keeps
    each as a JSON envelope with the task's arguments base64-encoded in its body)."""
    events: list[dict] = []
    deadline = time.monotonic() + timeout
    while len(events) < count and time.monotonic() < deadline:
        raw = client.rpop(queue)
        if raw is None:
            time.sleep(0.2)
            continue
        envelope = json.loads(raw)
        assert envelope["headers"]["task"] == "exercises.tasks.record_job_event"
        args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        events.append(args[0])
    return events


@pytest.mark.integration
def test_a_worker_with_only_the_brokers_address_grades_a_message_and_answers_with_data(broker_url):
    """Its own Redis database, so no recorder of the suite takes the answers before we read them."""
    import redis

    from exercises.content import item_spec_from_folder
    from quizplatform.celery import app

    url = broker_url.rsplit("/", 1)[0] + "/7"
    client = redis.Redis.from_url(url)
    client.flushdb()
    worker = start_worker(broker_url=url, queues="grading", hostname="secretless@%h", log_name="test-secretless")
    try:
        for pid in [worker.pid, *_children(worker.pid)]:
            env = _environ(pid)
            assert not set(SECRETS) & set(env), (pid, sorted(env))
            assert set(env) <= {"PATH", "HOME", "LANG", "CELERY_BROKER_URL"} | {k for k in env if "SANDBOX" in k}
        spec = item_spec_from_folder(item_dir("count-parameters"))
        message = {
            "job": {"kind": "submission", "id": 4242, "token": "a" * 32, "max_tries": 3},
            "spec": asdict(spec),
            "text": SOLUTION,
            "variant": {},
        }
        with app.connection_for_write(url) as connection:
            app.send_task("grader.grade_job", args=[message], queue="grading", connection=connection)
        started, finished = _events(client, "results", 2)
    finally:
        stop_worker(worker)
        client.flushdb()
    assert started["event"] == "started" and started["id"] == 4242 and started["token"] == "a" * 32
    assert started["worker"].startswith("secretless@")
    assert finished["event"] == "finished" and finished["result"]["status"] == "graded"
    assert finished["result"]["score"] == finished["result"]["max_score"] == 4.0
    assert finished["result"]["checks"] and all(c["passed"] for c in finished["result"]["checks"])


def test_the_grading_worker_app_imports_no_django_and_reads_no_secret():
    """``grader.service`` under ``env -i``: neither Django's settings, apps nor ORM are loaded (kombu
    loads ``django.utils`` for its JSON encoder when Django is installed, nothing more), nor any
    module of the platform, so no database connection and no secret key exist in the process."""
    code = (
        "import sys, grader.service as s\n"
        "assert not [m for m in sys.modules if m.startswith(('django.conf', 'django.db', 'django.apps'))]\n"
        "assert not [m for m in sys.modules if m.startswith(('quizplatform', 'exercises', 'authoring'))]\n"
        "assert s.app.conf.broker_url == 'redis://127.0.0.1:1/0'\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [
            "/usr/bin/env",
            "-i",
            "PATH=/usr/bin:/bin",
            "CELERY_BROKER_URL=redis://127.0.0.1:1/0",
            sys.executable,
            "-c",
            code,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


@pytest.mark.django_db
def test_the_recorder_writes_the_first_result_and_drops_duplicates_late_and_made_up_ones(users, course):
    from exercises.jobs import job_finished, job_record_event, job_started
    from exercises.models import Item
    from exercises.services import submission_create, submissions_regrade

    item = Item.objects.get(slug="q01")
    sub = submission_create(user=users["student"], item=item, text="ett svar")

    def result(score: float) -> dict:
        return {"status": "graded", "score": score, "max_score": 2.0, "checks": [], "output": "", "feedback": {}}

    assert job_started(kind="submission", pk=sub.pk, token=sub.token, worker="a@host/1")
    assert not job_started(kind="submission", pk=sub.pk, token="forged", worker="b@host/2")
    assert not job_finished(kind="submission", pk=sub.pk, token="forged", worker="b@host/2", result=result(2.0))
    assert job_finished(kind="submission", pk=sub.pk, token=sub.token, worker="a@host/1", result=result(1.0))
    # A duplicate (the same message graded twice) changes nothing.
    assert not job_finished(kind="submission", pk=sub.pk, token=sub.token, worker="c@host/3", result=result(2.0))
    sub.refresh_from_db()
    assert (sub.status, sub.score, sub.worker) == ("graded", 1, "a@host/1")
    # After a regrade, a late result of the earlier grading is dropped: the job has a new token.
    old_token = sub.token
    submissions_regrade(submissions=[sub], by=users["teacher"])
    sub.refresh_from_db()
    assert sub.token != old_token and sub.status == "queued"
    assert not job_finished(kind="submission", pk=sub.pk, token=old_token, worker="a@host/1", result=result(2.0))
    # Malformed events are dropped without an exception.
    for event in ({}, {"kind": "nope", "id": 1, "token": "x", "event": "started"}, {"kind": "submission", "id": "x"}):
        job_record_event(event)
    sub.refresh_from_db()
    assert sub.status == "queued" and sub.score is None
