"""The grading worker: a Celery app with no Django, no database and no secret.

A job message carries everything grading needs (the item version's spec: its checks source, rubric,
limits, variants and answer; the code or the answer; the variant; the job's kind, id and token).
The worker grades it with ``grader.harness`` (the student's code in its jail, the teacher's checks
in theirs) and answers through the broker's ``results`` queue, where the recorder (a process with
the database, ``exercises.tasks.record_job_event``) writes it. So a worker runs on any machine
that reaches the broker, and needs only its address::

    env -i PATH=/usr/bin:/bin CELERY_BROKER_URL=redis://:PASSWORD@broker:6379/0 \\
        .venv/bin/celery -A grader.service worker -Q grading --concurrency 1 --hostname cpu@%h

Settings come from the environment only (no Django settings): ``CELERY_BROKER_URL``,
``CELERY_VISIBILITY_TIMEOUT``, ``CELERY_SOFT_TIME_LIMIT``, ``CELERY_HARD_TIME_LIMIT``, and the
sandbox's ``QUIZ_SANDBOX*``. Only the standard library, Celery, Redis and ``grader`` are imported.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from celery import Celery, Task

from grader.job import run_job

__all__ = ["app", "grade_job", "run_job"]

logger = logging.getLogger(__name__)

GRADE_TASK = "grader.grade_job"
RESULTS_QUEUE = "results"
RECORD_TASK = "exercises.tasks.record_job_event"
TRIES_KEY = "quiz:job-tries:{token}"
TRIES_TTL_SECONDS = 7 * 24 * 3600


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {value!r}") from None


# ``fixups=[]``: Celery would otherwise look for Django settings when DJANGO_SETTINGS_MODULE is set.
app = Celery("grader", fixups=[], set_as_current=True)
app.conf.update(
    broker_url=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6389/0"),
    broker_connection_retry_on_startup=True,
    broker_transport_options={"visibility_timeout": _env_int("CELERY_VISIBILITY_TIMEOUT", 600)},
    result_backend=None,
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],  # never pickle
    task_default_queue="grading",
    # A job is acknowledged after it is graded; a pool process that dies sends it back at once.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_soft_time_limit=_env_int("CELERY_SOFT_TIME_LIMIT", 240),
    task_time_limit=_env_int("CELERY_HARD_TIME_LIMIT", 300),
    task_routes={RECORD_TASK: {"queue": RESULTS_QUEUE}},
)

import grader.worker  # noqa: E402,F401  (warm sandboxes per pool process, the queue heartbeat)


def identity(hostname: str | None) -> str:
    """Who holds a claim: the Celery node name and the pid of the process that grades."""
    return f"{hostname or socket.gethostname()}/{os.getpid()}"


def _count_try(token: str) -> int | None:
    """How many times this job's message reached a grader (this one included), kept in the broker's
    Redis so that a job that kills its grader every time stops after its tries; None if unknown."""
    if not str(app.conf.broker_url).startswith(("redis://", "rediss://")):
        return None
    import redis

    from grader.launch.progress import client

    try:
        key = TRIES_KEY.format(token=token)
        pipe = client().pipeline()
        pipe.incr(key)
        pipe.expire(key, TRIES_TTL_SECONDS)
        return int(pipe.execute()[0])
    except redis.RedisError:
        logger.warning("could not count the tries of a job", exc_info=True)
        return None


def send_event(event: dict[str, Any]) -> None:
    app.send_task(RECORD_TASK, args=[event], queue=RESULTS_QUEUE)


@app.task(name=GRADE_TASK, ignore_result=True, bind=True)
def grade_job(self: Task[[dict[str, Any]], None], message: dict[str, Any]) -> None:
    """Grade one job and send the recorder ``started``, then ``finished`` with the result (or
    ``abandoned``, when the job came back more often than it may be tried)."""
    received_at = time.time()
    job = message.get("job")
    if not isinstance(job, dict):
        job = {}
    token = str(job.get("token", ""))
    base = {"kind": job.get("kind"), "id": job.get("id"), "token": token, "worker": identity(self.request.hostname)}
    tries = _count_try(token) if token else None
    if tries is not None and tries > int(job.get("max_tries", 3)):
        send_event({**base, "event": "abandoned", "tries": tries - 1})
        return
    send_event({**base, "event": "started"})
    result = run_job(message)
    timings = result.get("timings")
    if isinstance(timings, dict):  # this host's clock: for the bench's timeline, not for ordering
        timings["worker_received_at"] = round(received_at, 4)
        timings["worker_sent_at"] = round(time.time(), 4)
    send_event({**base, "event": "finished", "result": result})


@app.task(name="grader.run_examples", ignore_result=True)
def run_examples(run_id: str, payload: dict[str, Any]) -> None:
    """A free example run (not graded, no record): everything it needs is in the message and its
    state lives in Redis (``grader.examples``)."""
    from grader.examples import example_run_execute

    example_run_execute(run_id=run_id, payload=payload)
