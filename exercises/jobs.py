"""One lifecycle for every kind of grading job: submissions (and their regrades), validation runs
and trial answers.

The web saves a job row (queued) and, on commit, sends the grading workers a message that carries
everything grading needs (``job_send``); the workers hold no database and no secret. They answer
through the broker's ``results`` queue, which the recorder (a Celery worker with the database,
``exercises.tasks``) consumes:

- ``started``: the worker took the job: the row becomes running (a claim taken with a conditional
  UPDATE that must change exactly one row), with the worker's identity, the lease's start and one
  more try;
- ``finished``: the result, written once: the first result of a job wins (conditional on the
  job's token and on the job still pending); duplicates and late results are logged and dropped;
- ``abandoned``: the worker saw the job come back more than ``max_tries`` times (each time its
  grader died): the job gets its final status with the reason.

One sweeper (``jobs_sweep``, ``manage.py requeue_stuck``) sends again what never reached the broker
or was lost there, and takes back claims whose holder died or whose lease expired, for every kind.
Each kind registers what differs (``JobKind``): its message, its queue, how a result is written and
how it gives up.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grader.status import Status

logger = logging.getLogger(__name__)

GRADE_TASK = "grader.grade_job"
RESULTS_QUEUE = "results"
RECORD_TASK = "exercises.tasks.record_job_event"


class JobStatus(models.TextChoices):
    """``grader.status.Status`` with its labels: the one status vocabulary of every job."""

    QUEUED = Status.QUEUED.value, _("I kö")
    RUNNING = Status.RUNNING.value, _("Rättas")
    GRADED = Status.GRADED.value, _("Rättad")
    SYNTAX_ERROR = Status.SYNTAX_ERROR.value, _("Syntaxfel")
    RUNTIME_ERROR = Status.RUNTIME_ERROR.value, _("Körfel")
    TIME_LIMIT = Status.TIME_LIMIT.value, _("Tidsgräns")
    MEMORY_LIMIT = Status.MEMORY_LIMIT.value, _("Minnesgräns")
    OUTPUT_LIMIT = Status.OUTPUT_LIMIT.value, _("För mycket utdata")
    CRASHED = Status.CRASHED.value, _("Kraschade")
    ERROR = Status.ERROR.value, _("Plattformsfel")
    CHECKS_ERROR = Status.CHECKS_ERROR.value, _("Fel i lärarens kontroller")
    PASSED = Status.PASSED.value, _("Godkänd")
    FAILED = Status.FAILED.value, _("Underkänd")


PENDING = (JobStatus.QUEUED, JobStatus.RUNNING)


def new_token() -> str:
    return secrets.token_hex(16)


class Job(models.Model):
    """What every kind of grading job has: its status, its claim (worker, lease, tries), the token
    its result must carry, and one timestamp per phase (PrairieLearn's habit)."""

    Status = JobStatus
    PENDING = PENDING

    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    # A fresh random token per grading (a regrade gets a new one): a result must carry it, so a
    # late result of an earlier grading, or one made up for a job never sent, is dropped.
    token = models.CharField(max_length=32, default=new_token, blank=True)
    tries = models.PositiveIntegerField(default=0, help_text="How many times a worker took it")
    worker = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING


J = TypeVar("J", bound=Job)


@dataclass(frozen=True)
class JobKind(Generic[J]):
    """What differs between kinds of job; the lifecycle is the same.

    Generic in the kind's model, so each kind's functions are checked against it; the registry
    holds kinds of different models (``JobKind[Any]``), the model picked at run time."""

    name: str
    model: type[J]
    # The body of the grading message (item spec, text, variant, ...): everything grading needs.
    message: Callable[[J], dict[str, Any]]
    queue: Callable[[J], str]
    # The final status for a result, then the rest of it written, inside the recording transaction.
    final_status: Callable[[dict[str, Any]], str]
    record: Callable[[J, dict[str, Any]], None]
    # The final status and reason of a job whose grader died ``tries`` times.
    give_up: Callable[[J], None]
    related: tuple[str, ...] = ()


KINDS: dict[str, JobKind[Any]] = {}


def job_kind_register(kind: JobKind[J]) -> None:
    KINDS[kind.name] = kind


def kind_of(job: J) -> JobKind[J]:
    for kind in KINDS.values():
        if isinstance(job, kind.model):
            return kind
    raise LookupError(f"no job kind for {type(job).__name__}")


def job_send(*, job: Job) -> bool:
    """Hand a saved job to the broker. False (and the row left queued, unsent) if it is down.

    ``queued_at`` is written before the send, since a worker may start on it at once.
    """
    from quizplatform.celery import app

    kind = kind_of(job)
    model = kind.model
    model._default_manager.filter(pk=job.pk).update(queued_at=timezone.now())
    try:
        message = job_message(job=job)
        app.send_task(GRADE_TASK, args=[message], queue=kind.queue(job))
    except Exception:  # the broker is down: the row stays queued and the sweeper sends it later
        logger.exception("could not enqueue %s %s", kind.name, job.pk)
        model._default_manager.filter(pk=job.pk, status=JobStatus.QUEUED).update(queued_at=None)
        return False
    return True


def _process_start(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds), None if there is no such process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/stat") as f:
            boot = next(float(line.split()[1]) for line in f if line.startswith("btime "))
    except (OSError, StopIteration, IndexError, ValueError):
        return None
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def holder_is_dead(*, worker: str, started_at: datetime | None) -> bool:
    """True when the process that claimed a running job is known to be gone.

    Only a holder on this machine can be checked (same host name in its node name, e.g.
    ``cpu@host``): its pid is no longer there, or is a newer process that reused the number.
    Anywhere else we cannot tell, and the lease (``started_at``) decides.
    """
    node, _sep, pid_text = worker.rpartition("/")
    if not pid_text.isdigit() or node.rpartition("@")[2] != socket.gethostname() or started_at is None:
        return False
    started = _process_start(int(pid_text))
    return started is None or started > started_at.timestamp() + 1


def lease_expired_before() -> datetime:
    # A grade never outlives the hard time limit, so a claim older than that (plus a margin for
    # clocks) belongs to a worker that died.
    return timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)


def job_started(*, kind: str, pk: int, token: str, worker: str) -> bool:
    """A worker took the job (recorder side): claim it for that worker.

    1. A queued job is taken with a conditional UPDATE that must change exactly one row.
    2. A running one is taken again only when its holder died: the process that claimed it is
       gone (a redelivery after a SIGKILL of the pool process), or its lease has expired.
       Otherwise this is a duplicate delivery: logged; whichever result comes first wins.
    3. One already taken ``QUIZ_MAX_GRADE_TRIES`` times is given its final status instead.
    """
    model: type[Job] = KINDS[kind].model
    current = (
        model._default_manager.filter(pk=pk, token=token).values("status", "started_at", "worker", "tries").first()
    )
    if current is None:
        logger.warning("%s %s: a start for an unknown job or an old token, dropped", kind, pk)
        return False
    claimable = Q(status=JobStatus.QUEUED)
    if current["status"] == JobStatus.RUNNING:
        if not (
            holder_is_dead(worker=current["worker"], started_at=current["started_at"])
            or (current["started_at"] and current["started_at"] < lease_expired_before())
        ):
            logger.warning("%s %s: started again by %s while %s holds it", kind, pk, worker, current["worker"])
            return False
        # Conditional on the very claim we judged dead, so two redeliveries cannot both win.
        claimable = Q(status=JobStatus.RUNNING, worker=current["worker"], started_at=current["started_at"])
    elif current["status"] != JobStatus.QUEUED:
        logger.warning("%s %s: a start after it finished (%s), dropped", kind, pk, current["status"])
        return False
    if current["tries"] >= settings.QUIZ_MAX_GRADE_TRIES:
        job_give_up(kind=kind, pk=pk, only_if=claimable)
        return False
    claimed = model._default_manager.filter(claimable, pk=pk, token=token).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), worker=worker[:200], tries=F("tries") + 1
    )
    return claimed == 1


def job_finished(*, kind: str, pk: int, token: str, worker: str, result: dict[str, Any]) -> bool:
    """Write a job's result, once (recorder side): the first result of a job wins.

    The conditional UPDATE (this token, still pending) must change exactly one row; a duplicate
    (a redelivered message graded twice) or a late result (after a regrade, a give-up, or another
    worker's result) changes none and is logged and dropped.
    """
    job_kind = KINDS[kind]
    with transaction.atomic():
        won = job_kind.model._default_manager.filter(pk=pk, token=token, status__in=PENDING).update(
            status=job_kind.final_status(result), finished_at=timezone.now(), worker=worker[:200]
        )
        if won != 1:
            logger.warning("%s %s: a duplicate or late result from %s, dropped", kind, pk, worker)
            return False
        job = job_kind.model._default_manager.select_related(*job_kind.related).get(pk=pk)
        job_kind.record(job, result)
    return True


def job_give_up(*, kind: str, pk: int, only_if: Q | None = None, token: str | None = None) -> bool:
    """Give a job that never finished grading its final status, with the reason (its grader died
    each time it took it). Conditional on ``only_if`` (default: still pending)."""
    job_kind = KINDS[kind]
    condition = only_if or Q(status__in=PENDING)
    if token is not None:
        condition &= Q(token=token)
    with transaction.atomic():
        won = job_kind.model._default_manager.filter(condition, pk=pk).update(
            status=job_kind.final_status({"status": Status.CRASHED, "abandoned": True}), finished_at=timezone.now()
        )
        if won != 1:
            return False
        job = job_kind.model._default_manager.select_related(*job_kind.related).get(pk=pk)
        job_kind.give_up(job)
    logger.warning("%s %s abandoned after %s tries", kind, pk, job.tries)
    return True


def jobs_sweep(*, requeue_after: float | None = None) -> dict[str, int]:
    """Find jobs the pipeline lost and set them going again (the sweeper's one round), every kind.

    1. Queued but never sent (the broker was down at submit time): send now.
    2. Queued and sent long ago (the message was lost, e.g. Redis restarted without it): send
       again; a duplicate message is harmless, the first result wins.
    3. Running with a dead holder or an expired lease, and no redelivery coming: out of tries,
       give up with the reason; else back to queued and send again.
    """
    requeue_after = settings.QUIZ_REQUEUE_AFTER_SECONDS if requeue_after is None else requeue_after
    now = timezone.now()
    counts = {"sent": 0, "resent": 0, "reclaimed": 0, "abandoned": 0, "broker_down": 0}
    for kind in KINDS.values():
        objects: models.Manager[Job] = kind.model._default_manager
        never_sent = objects.filter(status=JobStatus.QUEUED, queued_at__isnull=True)
        lost = objects.filter(status=JobStatus.QUEUED, queued_at__lt=now - timedelta(seconds=requeue_after))
        for key, qs in (("sent", never_sent), ("resent", lost)):
            for job in qs.select_related(*kind.related).order_by("created_at"):
                if job_send(job=job):
                    counts[key] += 1
                else:
                    counts["broker_down"] += 1
                    return counts
        for job in objects.filter(status=JobStatus.RUNNING).select_related(*kind.related):
            expired = job.started_at is None or job.started_at < lease_expired_before()
            if not (expired or holder_is_dead(worker=job.worker, started_at=job.started_at)):
                continue
            holder = Q(status=JobStatus.RUNNING, worker=job.worker, started_at=job.started_at)
            if job.tries >= settings.QUIZ_MAX_GRADE_TRIES:
                counts["abandoned"] += job_give_up(kind=kind.name, pk=job.pk, only_if=holder)
                continue
            if objects.filter(holder, pk=job.pk).update(status=JobStatus.QUEUED) == 1:
                counts["reclaimed"] += 1
                if not job_send(job=job):
                    counts["broker_down"] += 1
                    return counts
    return counts


def job_record_event(event: dict[str, Any]) -> None:
    """One message from a grading worker on the ``results`` queue (the recorder's task body).

    Parsed strictly: anything malformed is logged and dropped (a worker is not trusted with the
    database, and not with the shape of what it writes either).
    """
    try:
        kind = str(event["kind"])
        pk = int(event["id"])
        token = str(event["token"])
        worker = str(event.get("worker", ""))[:200]
        what = str(event["event"])
    except (KeyError, TypeError, ValueError):
        logger.warning("malformed job event dropped: %.200r", event)
        return
    if kind not in KINDS:
        logger.warning("job event for an unknown kind %r dropped", kind)
        return
    if what == "started":
        job_started(kind=kind, pk=pk, token=token, worker=worker)
    elif what == "finished" and isinstance(event.get("result"), dict):
        job_finished(kind=kind, pk=pk, token=token, worker=worker, result=event["result"])
    elif what == "abandoned":
        job_give_up(kind=kind, pk=pk, token=token)
    else:
        logger.warning("%s %s: unknown or malformed event %r dropped", kind, pk, what)


def job_message(*, job: Job) -> dict[str, Any]:
    """The grading message of a job: its identity (kind, id, token, tries allowed) and its body."""
    kind = kind_of(job)
    return {
        "job": {"kind": kind.name, "id": job.pk, "token": job.token, "max_tries": settings.QUIZ_MAX_GRADE_TRIES},
        **kind.message(job),
    }


def job_run_inline(*, job: J, worker: str = "") -> J | None:
    """Grade a job in this process exactly as a grading worker and the recorder would (the same
    message, ``grader.service.run_job``, the same recording); None if it is not this caller's to
    take (finished, or held by a live worker). For tests and a shell, never for the web."""
    from grader.job import run_job

    kind = kind_of(job)
    identity = f"{worker or 'inline'}@{socket.gethostname()}/{os.getpid()}"
    if not job_started(kind=kind.name, pk=job.pk, token=job.token, worker=identity):
        return None
    result = run_job(job_message(job=job))
    job_finished(kind=kind.name, pk=job.pk, token=job.token, worker=identity, result=result)
    return kind.model._default_manager.get(pk=job.pk)
