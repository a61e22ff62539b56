"""Reads for the grading dashboard: gradebook, statistics, review queue, grading health.

Every function here takes objects the caller has already checked the user may see (see
``dashboard.views``); none of them checks permissions itself.
"""

from __future__ import annotations

import difflib
import logging
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from exercises.models import Assessment, CheckResult, Course, Enrollment, Item, ScoreChange, Submission

logger = logging.getLogger(__name__)

QUEUES = ("grading", "grading-gpu")
GPU_QUEUE = "grading-gpu"


# --- Gradebook ------------------------------------------------------------------------------


class CellStatus:
    NONE = "none"
    PENDING = "pending"
    REVIEW = "review"
    OVERRIDDEN = "overridden"
    GRADED = "graded"
    FAILED = "failed"


@dataclass
class Cell:
    item: Item
    best: Decimal | None = None
    attempts: int = 0
    status: str = CellStatus.NONE
    best_submission_id: int | None = None
    last_submission_id: int | None = None


@dataclass
class GradebookRow:
    student: User
    cells: list[Cell]

    @property
    def total(self) -> Decimal:
        return sum((c.best for c in self.cells if c.best is not None), Decimal(0))


@dataclass
class Gradebook:
    course: Course
    items: list[Item]
    rows: list[GradebookRow]

    @property
    def max_total(self) -> Decimal:
        return sum((i.current_version.points for i in self.items if i.current_version), Decimal(0))


def course_students(*, course: Course) -> QuerySet[User]:
    return User.objects.filter(enrollments__course=course, enrollments__role=Enrollment.Role.STUDENT).order_by(
        "username"
    )


def course_items(*, course: Course, assessment_slug: str = "") -> list[Item]:
    items = Item.objects.filter(assessment__course=course, is_published=True).select_related(
        "current_version", "assessment"
    )
    if assessment_slug:
        items = items.filter(assessment__slug=assessment_slug)
    return list(items.order_by("assessment__order", "order"))


def gradebook(*, course: Course, assessment_slug: str = "", query: str = "", status: str = "") -> Gradebook:
    """Students x items: the best final score (what counts), attempts and a status per cell.

    The best final score over a student's attempts counts. A teacher sees scores that are not
    released to the student yet; their cell says so (status ``review``).
    """
    items = course_items(course=course, assessment_slug=assessment_slug)
    found = course_students(course=course)
    if query:
        found = found.filter(
            Q(username__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query)
        )
    students = list(found)
    cells: dict[tuple[int, int], Cell] = {}
    by_item = {i.pk: i for i in items}
    subs = (
        Submission.objects.filter(user__in=students, item__in=items)
        .order_by("created_at")
        .values_list("pk", "user_id", "item_id", "status", "final_score", "reviewed_at", "overridden")
    )
    for pk, user_id, item_id, sub_status, final, reviewed_at, overridden in subs:
        cell = cells.setdefault((user_id, item_id), Cell(item=by_item[item_id]))
        cell.attempts += 1
        cell.last_submission_id = pk
        if final is not None and (cell.best is None or final > cell.best):
            cell.best, cell.best_submission_id = final, pk
        if sub_status in Submission.PENDING:
            cell.status = CellStatus.PENDING
        elif cell.status == CellStatus.PENDING:
            pass
        elif final is not None and by_item[item_id].assessment.needs_review and reviewed_at is None:
            cell.status = CellStatus.REVIEW
        elif cell.status == CellStatus.REVIEW:
            pass
        elif overridden:
            cell.status = CellStatus.OVERRIDDEN
        elif cell.status != CellStatus.OVERRIDDEN:
            cell.status = CellStatus.GRADED if final is not None else CellStatus.FAILED
    rows = [GradebookRow(student=s, cells=[cells.get((s.pk, i.pk)) or Cell(item=i) for i in items]) for s in students]
    if status:
        rows = [r for r in rows if any(c.status == status for c in r.cells)]
    return Gradebook(course=course, items=items, rows=rows)


# --- One submission ---------------------------------------------------------------------------


def submission_attempts(*, submission: Submission) -> QuerySet[Submission]:
    return Submission.objects.filter(user=submission.user, item=submission.item).order_by("-created_at")


def submission_audit(*, submission: Submission) -> QuerySet[ScoreChange]:
    return submission.score_changes.select_related("by").order_by("-at", "-pk")


@dataclass
class DiffLine:
    kind: str  # "add", "del", "hunk", "same"
    text: str


def submissions_diff(*, old: Submission, new: Submission) -> list[DiffLine]:
    """A unified diff between two attempts' texts, as lines the template escapes."""
    lines = []
    for line in difflib.unified_diff(
        old.text.splitlines(),
        new.text.splitlines(),
        fromfile=f"#{old.attempt}",
        tofile=f"#{new.attempt}",
        lineterm="",
    ):
        if line.startswith(("+++", "---")):
            kind = "hunk"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "same"
        lines.append(DiffLine(kind=kind, text=line))
    return lines


# --- Regrade ------------------------------------------------------------------------------------


@dataclass
class RegradeCandidates:
    finished: QuerySet[Submission]  # every submission with a result
    old: QuerySet[Submission]  # of those, the ones graded against an older version
    per_version: dict[int, int]  # version number -> finished submissions


def regrade_candidates(*, item: Item) -> RegradeCandidates:
    finished = Submission.objects.filter(item=item).exclude(status__in=Submission.PENDING)
    per_version = dict(
        finished.values("item_version__number")
        .annotate(n=Count("pk"))
        .order_by("item_version__number")
        .values_list("item_version__number", "n")
    )
    return RegradeCandidates(
        finished=finished, old=finished.exclude(item_version=F("item__current_version")), per_version=per_version
    )


# --- Review queue -----------------------------------------------------------------------------


def awaiting_review(*, course: Course) -> QuerySet[Submission]:
    """Finished, scored submissions of after-review assessments that no teacher has reviewed."""
    return Submission.objects.filter(
        item__assessment__course=course,
        item__assessment__release=Assessment.Release.AFTER_REVIEW,
        reviewed_at__isnull=True,
        final_score__isnull=False,
    ).exclude(status__in=Submission.PENDING)


def review_overview(*, course: Course) -> list[tuple[Item, int]]:
    counts = dict(awaiting_review(course=course).values("item").annotate(n=Count("pk")).values_list("item", "n"))
    items = Item.objects.filter(assessment__course=course, assessment__release=Assessment.Release.AFTER_REVIEW)
    return [
        (i, counts.get(i.pk, 0))
        for i in items.select_related("current_version", "assessment").order_by("assessment__order", "order")
    ]


def review_queue(*, item: Item) -> list[Submission]:
    """One question's answers awaiting review, the ones the scorer was least sure of first.

    The theory scorer puts ``feedback["confidence"]`` in [0, 1]; a missing value counts as 0.
    Sorted in Python: a queue is one question's answers (hundreds), and JSON ordering differs
    between SQLite and PostgreSQL.
    """
    subs = list(
        awaiting_review(course=item.assessment.course)
        .filter(item=item)
        .select_related("user", "item_version", "item__assessment")
        .prefetch_related("check_results")
    )
    return sorted(subs, key=lambda s: (s.confidence, s.created_at))


# --- Item statistics ---------------------------------------------------------------------------


@dataclass
class CheckRate:
    name: str
    passed: int
    total: int

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


@dataclass
class ItemStatistics:
    item: Item
    max_points: Decimal
    students: int
    scores: list[float]
    distribution: list[tuple[str, int]]
    mean: float | None
    difficulty: float | None  # mean share of the points: high is easy
    discrimination: float | None  # corrected item-total correlation
    checks: list[CheckRate]
    failures: list[tuple[str, int]]
    statuses: list[tuple[str, int]] = field(default_factory=list)


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    if len(xs) < 3:
        return None
    try:
        return statistics.correlation(xs, ys)
    except statistics.StatisticsError:  # one of them does not vary
        return None


def _best_finals(*, course: Course) -> dict[tuple[int, int], tuple[float, int]]:
    """(user, item) -> (best final score, that submission's id), over the course's students."""
    best: dict[tuple[int, int], tuple[float, int]] = {}
    rows = Submission.objects.filter(
        item__assessment__course=course,
        final_score__isnull=False,
        user__enrollments__course=course,
        user__enrollments__role=Enrollment.Role.STUDENT,
    ).values_list("user_id", "item_id", "final_score", "pk")
    for user_id, item_id, final, pk in rows:
        key = (user_id, item_id)
        score = float(final or 0)  # never None: filtered above
        if key not in best or score > best[key][0]:
            best[key] = (score, pk)
    return best


def item_statistics(*, item: Item, bins: int = 10) -> ItemStatistics:
    """Score distribution, pass rate per check, common failures, difficulty, discrimination.

    Each student counts once, with their best final score. Discrimination is the correlation
    between the item's score and the student's total on the course's other items (corrected
    item-total correlation): near 0 or negative means the item does not separate strong
    students from weak ones.
    """
    course = item.assessment.course
    max_points = item.current_version.points if item.current_version else Decimal(0)
    best = _best_finals(course=course)
    totals: dict[int, float] = defaultdict(float)
    for (user_id, _item_id), (score, _pk) in best.items():
        totals[user_id] += score
    mine = {user_id: v for (user_id, item_id), v in best.items() if item_id == item.pk}
    scores = [v[0] for v in mine.values()]
    rest = [totals[u] - v[0] for u, v in mine.items()]
    counts = [0] * bins
    for s in scores:
        share = s / float(max_points) if max_points else 0.0
        counts[min(int(share * bins), bins - 1)] += 1
    labels = [f"{100 * i // bins}–{100 * (i + 1) // bins} %" for i in range(bins)]
    mean = statistics.fmean(scores) if scores else None
    check_rows = (
        CheckResult.objects.filter(submission_id__in=[pk for _s, pk in mine.values()])
        .values("name")
        .annotate(total=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
        .order_by("name")
    )
    failures = list(
        CheckResult.objects.filter(submission__item=item, passed=False)
        .values("message_sv")
        .annotate(n=Count("pk"))
        .order_by("-n", "message_sv")
        .values_list("message_sv", "n")[:10]
    )
    statuses = list(
        Submission.objects.filter(item=item).values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return ItemStatistics(
        item=item,
        max_points=max_points,
        students=len(scores),
        scores=scores,
        distribution=list(zip(labels, counts, strict=True)),
        mean=mean,
        difficulty=(mean / float(max_points)) if (mean is not None and max_points) else None,
        discrimination=_pearson(scores, rest),
        checks=[CheckRate(name=r["name"], passed=r["passed"], total=r["total"]) for r in check_rows],
        failures=failures,
        statuses=[(str(Submission.Status(st).label), n) for st, n in sorted(statuses, key=lambda r: -r[1])],
    )


def course_statistics(*, course: Course) -> list[ItemStatistics]:
    return [item_statistics(item=i) for i in course_items(course=course)]


# --- Queue and worker health -------------------------------------------------------------------


@dataclass
class WorkerInfo:
    name: str
    queues: list[str]
    active: int

    @property
    def gpu(self) -> bool:
        return GPU_QUEUE in self.queues


@dataclass(frozen=True)
class FailedGrade:
    submission: Submission
    reason: str  # failure_reason(submission)


@dataclass
class Health:
    queues: dict[str, int | None]
    broker_error: str
    workers: list[WorkerInfo]
    finished_last_hour: int
    latency_median: float | None
    latency_p95: float | None
    wait_median: float | None
    failed: list[FailedGrade]
    stuck: list[Submission]


def queue_lengths() -> tuple[dict[str, int | None], str]:
    """Messages waiting per grading queue, read from the Redis broker (a list per queue)."""
    import redis

    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=2)
        return {q: int(cast(int, client.llen(q))) for q in QUEUES}, ""  # a synchronous client
    except redis.RedisError as exc:
        return dict.fromkeys(QUEUES), f"{type(exc).__name__}: {exc}"


def workers_online(timeout: float = 1.0) -> list[WorkerInfo]:
    """Workers that answer, with the queues they consume and how many submissions they grade now.

    One broadcast (it waits its whole timeout for replies); what each worker is grading is read
    from the database, where a claim records the worker's node name.
    """
    from quizplatform.celery import app

    try:
        queues = app.control.inspect(timeout=timeout).active_queues() or {}
    except Exception:  # the broker is down: no worker can be reached either
        logger.warning("could not inspect workers", exc_info=True)
        return []
    running = Counter(
        # The node name, without a "/pid" suffix some deployments add to the claim.
        w.split("/", 1)[0]
        for w in Submission.objects.filter(status=Submission.Status.RUNNING).values_list("worker", flat=True)
    )
    return sorted(
        (
            WorkerInfo(name=name, queues=sorted(q["name"] for q in qs), active=running.get(name, 0))
            for name, qs in queues.items()
        ),
        key=lambda w: w.name,
    )


def _percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(int(round(p * (len(ordered) - 1))), len(ordered) - 1)]


def grading_health(*, courses: QuerySet[Course], now: datetime | None = None) -> Health:
    """Queues, workers, and the last hour's throughput and latency from Submission timestamps.

    Latency runs from when the submission was sent to the queue (``queued_at``, which a regrade
    resets) to when its result was written; waiting is queued to started. Failed jobs are the
    platform's failures (error, crashed) of the last 24 hours in ``courses``.
    """
    now = now or timezone.now()
    lengths, broker_error = queue_lengths()
    hour = Submission.objects.filter(finished_at__gte=now - timedelta(hours=1), item__assessment__course__in=courses)
    latencies, waits = [], []
    for created, queued, started, finished in hour.values_list("created_at", "queued_at", "started_at", "finished_at"):
        if finished is None:  # filtered out above
            continue
        latencies.append((finished - (queued or created)).total_seconds())
        if started and queued:
            waits.append((started - queued).total_seconds())
    in_courses = Submission.objects.filter(item__assessment__course__in=courses).select_related("item", "user")
    failed_submissions = list(
        in_courses.filter(
            status__in=[Submission.Status.ERROR, Submission.Status.CRASHED],
            finished_at__gte=now - timedelta(hours=24),
        )
        .prefetch_related("check_results")
        .order_by("-finished_at")[:50]
    )
    failed = [FailedGrade(submission=sub, reason=failure_reason(sub)) for sub in failed_submissions]
    stuck = list(
        in_courses.filter(status__in=Submission.PENDING, created_at__lt=now - timedelta(minutes=10)).order_by(
            "created_at"
        )[:50]
    )
    return Health(
        queues=lengths,
        broker_error=broker_error,
        workers=workers_online() if not broker_error else [],
        finished_last_hour=len(latencies),
        latency_median=statistics.median(latencies) if latencies else None,
        latency_p95=_percentile(latencies, 0.95),
        wait_median=statistics.median(waits) if waits else None,
        failed=failed,
        stuck=stuck,
    )


def failure_reason(submission: Submission) -> str:
    """Why a grade failed: the error the harness recorded, else its first failed check's message."""
    error: Any = submission.error
    if isinstance(error, dict) and (error.get("message") or error.get("type")):
        return ": ".join(str(error[k]) for k in ("type", "message") if error.get(k))
    failed = [c for c in submission.check_results.all() if not c.passed]
    return failed[0].message if failed else str(submission.get_status_display())
