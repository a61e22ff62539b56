"""Writes: everything that changes state goes through these functions (HackSoft style)."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from exercises.models import (
    Assessment,
    AssessmentStart,
    CheckResult,
    Draft,
    Extension,
    Item,
    RegradeBatch,
    ScoreChange,
    Submission,
)
from exercises.selectors import SubmissionRules, submission_rules
from exercises.signals import final_scores_changed
from grader.harness import GradeResult, ItemSpec

logger = logging.getLogger(__name__)


def _final_scores_changed(*submission_ids: int) -> None:
    """Tell listeners (the LTI app sends grades back) once the change has committed; a listener
    that fails is logged and never undoes or breaks the change itself."""

    def send() -> None:
        for receiver, result in final_scores_changed.send_robust(
            sender=Submission, submission_ids=list(submission_ids)
        ):
            if isinstance(result, Exception):
                logger.error("final_scores_changed receiver %s failed: %r", receiver, result)

    transaction.on_commit(send)


def item_spec(version: Any) -> ItemSpec:
    return ItemSpec(
        slug=version.item.slug,
        kind=version.item.kind,
        points=float(version.points),
        checks_source=version.checks,
        rubric=version.rubric,
        limits=version.config.get("limits", {}),
        variants=version.config.get("variants", {}),
        answer=version.config,
        requirements=version.config.get("requirements", []),
        weights=version.config.get("weights", {}),
    )


def submission_variant_for(*, user: User, item: Item) -> dict[str, Any]:
    """The student's parameters for an item with variants (``grader.variants``); {} otherwise."""
    from grader import variants

    version = item.current_version
    spec = version.config.get("variants", {}) if version else {}
    if not spec:
        return {}
    return variants.draw(spec, secret=settings.SECRET_KEY, user_id=user.pk, slug=item.slug)


def item_prompt_for(*, user: User, item: Item) -> str:
    """The prompt in the user's language with their variant's values filled in."""
    from grader import variants

    version = item.current_version
    if version is None:
        return ""
    return variants.render(version.prompt, submission_variant_for(user=user, item=item))


def draft_save(*, user: User, item: Item, text: str) -> Draft:
    from exams.services import exam_draft_guard

    _check_size(text)
    exam_draft_guard(user=user, item=item, text=text)  # after an exam's deadline: kept in its log only
    draft, _created = Draft.objects.update_or_create(user=user, item=item, defaults={"text": text})
    return draft


def _check_size(text: str) -> None:
    if len(text.encode("utf-8")) > settings.QUIZ_MAX_CODE_BYTES:
        raise ValidationError(
            _("Svaret är för stort (högst %(kb)d kB).") % {"kb": settings.QUIZ_MAX_CODE_BYTES // 1024}
        )


class SubmissionRateLimited(ValidationError):
    """Too many submissions in the last minute; ``retry_after`` says how long to wait."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, code="rate_limited")
        self.retry_after = retry_after


def _check_rate(user: User) -> None:
    limit = settings.QUIZ_SUBMISSIONS_PER_MINUTE
    since = timezone.now() - timedelta(minutes=1)
    recent = list(
        Submission.objects.filter(user=user, created_at__gte=since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(recent) >= limit:
        # The oldest of the last ``limit`` leaves the window first.
        wait = max(1, int((recent[-1] - since).total_seconds()) + 1)
        raise SubmissionRateLimited(
            _("Du har lämnat in %(count)d gånger den senaste minuten. Vänta %(seconds)d sekunder och försök igen.")
            % {"count": limit, "seconds": wait},
            retry_after=wait,
        )


def submission_create(
    *, user: User, item: Item, text: str, now: datetime | None = None, check_rate: bool = True
) -> Submission:
    """Save a submission (queued), then enqueue it once the transaction has committed.

    1. Refuse what cannot be graded: unpublished items, empty or oversized text, a user over
       the submission rate (not for an exam's automatic submission at the deadline: ``check_rate``).
    2. Refuse what the assessment's rules do not allow (with the student's extension): before it
       opens, after its close (or after ``late_until`` for late work), past the time limit, or
       beyond the attempts allowed. Late work records the penalty that will apply to its score.
    3. Save the submission with the item's current version, in a transaction.
    4. On commit, send its id to the item's queue. If the broker is down the submission stays
       queued in the database, which is the source of truth, and is sent again later.
    """
    if not item.is_published or item.current_version is None:
        raise PermissionDenied(_("Uppgiften är inte öppen."))
    if not text.strip():
        raise ValidationError(_("Svaret är tomt."))
    _check_size(text)
    if check_rate:
        _check_rate(user)
    now = now or timezone.now()
    version = item.current_version
    with transaction.atomic():
        # Read the rules fresh: a teacher may have just changed them.
        assessment = Assessment.objects.get(pk=item.assessment_id)
        rules = submission_rules(assessment=assessment, user=user, item=item, now=now)
        _refuse_outside_rules(rules)
        if assessment.time_limit_minutes:
            # Submitting through the API without opening the page starts the clock too.
            assessment_start(assessment=assessment, user=user, now=now)
        attempt = rules.attempts_used + 1
        submission = Submission.objects.create(
            user=user,
            item=item,
            item_version=version,
            attempt=attempt,
            text=text,
            max_score=version.points,
            status=Submission.Status.QUEUED,
            created_at=now,
            late_penalty_percent=rules.penalty_percent,
            variant=submission_variant_for(user=user, item=item),
        )
        Draft.objects.update_or_create(user=user, item=item, defaults={"text": text})
        transaction.on_commit(lambda: submission_enqueue(submission=submission))
    return submission


def _refuse_outside_rules(rules: SubmissionRules) -> None:
    if rules.refusal:
        raise PermissionDenied(rules.refusal)


def assessment_start(*, assessment: Assessment, user: User, now: datetime | None = None) -> AssessmentStart | None:
    """Start a student's clock on a timed assessment (once: later calls return the first start).

    None before the assessment opens: a look at the page beforehand must not use up the time.
    """
    now = now or timezone.now()
    if assessment.opens_at and now < assessment.opens_at:
        return None
    start, _created = AssessmentStart.objects.get_or_create(
        assessment=assessment, user=user, defaults={"started_at": now}
    )
    return start


def submission_enqueue(*, submission: Submission) -> bool:
    """Hand a saved submission to the broker. False (and the row left for a retry) if it is down.

    ``queued_at`` is written before the send, since a worker may start on it at once.
    """
    from exercises.tasks import grade_submission
    from grader.launch.routing import choose_queue

    Submission.objects.filter(pk=submission.pk).update(queued_at=timezone.now())
    try:
        queue = choose_queue(requested=submission.item_version.queue)
        grade_submission.apply_async(args=(submission.pk,), queue=queue)
    except Exception:  # the broker is down: the row stays queued and is sent again later
        logger.exception("could not enqueue submission %s", submission.pk)
        Submission.objects.filter(pk=submission.pk, status=Submission.Status.QUEUED).update(queued_at=None)
        return False
    return True


def _worker_identity(worker: str) -> str:
    """Who holds a claim: the Celery node name and the pid of the process that grades."""
    return f"{worker or socket.gethostname()}/{os.getpid()}"


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


def _holder_is_dead(submission: Submission) -> bool:
    """True when the process that claimed this running submission is known to be gone.

    Only a holder on this machine can be checked (same host name in its node name, e.g.
    ``cpu@host``): its pid is no longer there, or is a newer process that reused the number.
    Anywhere else we cannot tell, and the lease (``started_at``) decides.
    """
    node, _sep, pid_text = submission.worker.rpartition("/")
    if not pid_text.isdigit() or node.rpartition("@")[2] != socket.gethostname() or submission.started_at is None:
        return False
    started = _process_start(int(pid_text))
    return started is None or started > submission.started_at.timestamp() + 1


def _lease_expired_before() -> Any:
    # A grade never outlives the hard time limit, so a claim older than that (plus a margin for
    # clocks) belongs to a worker that died.
    return timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)


def submission_claim(*, submission_id: int, worker: str = "") -> Submission | None:
    """Take a submission for grading; None if it is gone, finished, or someone else has it.

    1. A queued submission is taken with a conditional UPDATE that must change exactly one row,
       so two deliveries of one message never both grade it.
    2. A running one is taken again only when its holder died: the process that claimed it is
       gone (a redelivery after a SIGKILL of the pool process), or its lease has expired.
    3. One that was taken ``QUIZ_MAX_GRADE_TRIES`` times already is not graded again but given
       its final status (see ``submission_give_up``): it killed its grader every time.
    """
    now = timezone.now()
    current = Submission.objects.filter(pk=submission_id).values("status", "started_at", "worker", "tries").first()
    if current is None:
        return None
    claimable = Q(status=Submission.Status.QUEUED)
    if current["status"] == Submission.Status.RUNNING:
        row = Submission(pk=submission_id, worker=current["worker"], started_at=current["started_at"])
        if _holder_is_dead(row) or (current["started_at"] and current["started_at"] < _lease_expired_before()):
            # Conditional on the very claim we judged dead, so two redeliveries cannot both win.
            claimable = Q(status=Submission.Status.RUNNING, worker=current["worker"], started_at=current["started_at"])
    elif current["status"] != Submission.Status.QUEUED:
        return None
    if current["tries"] >= settings.QUIZ_MAX_GRADE_TRIES:
        submission_give_up(submission_id=submission_id, only_if=claimable)
        return None
    claimed = Submission.objects.filter(claimable, pk=submission_id).update(
        status=Submission.Status.RUNNING,
        started_at=now,
        worker=_worker_identity(worker),
        tries=F("tries") + 1,
    )
    if claimed != 1:
        return None
    return Submission.objects.select_related("item", "item_version").get(pk=submission_id)


def submission_give_up(*, submission_id: int, only_if: Q | None = None) -> bool:
    """Give a submission that never finished grading its final status, with the reason.

    It was taken ``tries`` times and its grader died each time (or the platform failed): no
    marks, status ``crashed``, a message that says so and that a teacher can grade it again.
    """
    submission = Submission.objects.select_related("item_version").filter(pk=submission_id).first()
    if submission is None:
        return False
    tries = submission.tries
    with transaction.atomic():
        changed = Submission.objects.filter(only_if or Q(status__in=Submission.PENDING), pk=submission_id).update(
            status=Submission.Status.CRASHED,
            score=Decimal(0),
            finished_at=timezone.now(),
            error={"type": "GradingAbandoned", "tries": tries},
        )
        if changed != 1:
            return False
        submission.check_results.all().delete()
        CheckResult.objects.create(
            submission=submission,
            order=0,
            name="run",
            passed=False,
            points=Decimal(0),
            max_points=submission.max_score,
            message_sv=(
                f"Rättningen avbröts {tries} gånger utan att bli klar: processen som rättade koden dog varje gång. "
                "Inlämningen får inga poäng. Kontakta läraren om du tror att felet ligger hos plattformen; "
                "läraren kan rätta om den."
            ),
            message_en=(
                f"Grading was interrupted {tries} times without finishing: the process grading the code died each "
                "time. The submission gets no marks. Contact your teacher if you think the platform is at fault; "
                "the teacher can grade it again."
            ),
        )
    logger.warning("submission %s abandoned after %s tries", submission_id, tries)
    return True


def submissions_sweep(*, requeue_after: float | None = None) -> dict[str, int]:
    """Find submissions the pipeline lost and set them going again (the sweeper's one round).

    1. Queued but never sent (the broker was down at submit time): send now.
    2. Queued and sent long ago (the message was lost, e.g. Redis restarted without it): send
       again; a duplicate message is harmless, the claim lets only one through.
    3. Running with a dead holder or an expired lease, and no redelivery coming: out of tries,
       give up with the reason; else back to queued and send again.
    """
    requeue_after = settings.QUIZ_REQUEUE_AFTER_SECONDS if requeue_after is None else requeue_after
    now = timezone.now()
    counts = {"sent": 0, "resent": 0, "reclaimed": 0, "abandoned": 0, "broker_down": 0}
    never_sent = Submission.objects.filter(status=Submission.Status.QUEUED, queued_at__isnull=True)
    lost = Submission.objects.filter(
        status=Submission.Status.QUEUED, queued_at__lt=now - timedelta(seconds=requeue_after)
    )
    for key, qs in (("sent", never_sent), ("resent", lost)):
        for submission in qs.select_related("item_version").order_by("created_at"):
            if submission_enqueue(submission=submission):
                counts[key] += 1
            else:
                counts["broker_down"] += 1
                return counts
    for submission in Submission.objects.filter(status=Submission.Status.RUNNING).select_related("item_version"):
        expired = submission.started_at is None or submission.started_at < _lease_expired_before()
        if not (expired or _holder_is_dead(submission)):
            continue
        holder = Q(status=Submission.Status.RUNNING, worker=submission.worker, started_at=submission.started_at)
        if submission.tries >= settings.QUIZ_MAX_GRADE_TRIES:
            counts["abandoned"] += submission_give_up(submission_id=submission.pk, only_if=holder)
            continue
        if Submission.objects.filter(holder, pk=submission.pk).update(status=Submission.Status.QUEUED) == 1:
            counts["reclaimed"] += 1
            if not submission_enqueue(submission=submission):
                counts["broker_down"] += 1
                return counts
    return counts


def submission_finish(*, submission: Submission, result: GradeResult) -> Submission:
    """Record a grade, only while the claim that produced it still holds.

    A grader that was presumed dead (its lease expired, the submission was taken by another)
    and then finishes after all must not write a second grade over the first.
    """
    with transaction.atomic():
        finished_at = timezone.now()
        held = Submission.objects.filter(
            pk=submission.pk,
            status=Submission.Status.RUNNING,
            worker=submission.worker,
            started_at=submission.started_at,
        ).update(
            status=result.status,
            score=Decimal(str(result.score)),
            max_score=Decimal(str(result.max_score)),
            output=result.output,
            error=result.error,
            feedback=result.feedback,
            timings=result.timings,
            finished_at=finished_at,
        )
        if held != 1:
            logger.warning(
                "submission %s: the claim by %s was lost; its grade is dropped", submission.pk, submission.worker
            )
            submission.refresh_from_db()
            return submission
        submission.refresh_from_db()
        if not submission.overridden:  # a teacher's override outlives a regrade
            submission.final_score = penalised(submission.score, submission.late_penalty_percent)
            submission.save(update_fields=["final_score"])
        # A regrade's audit row learns the new score once it exists.
        ScoreChange.objects.filter(
            submission=submission, kind=ScoreChange.Kind.REGRADE, details__finished=False
        ).update(new_score=submission.final_score, details=_regrade_done_details(submission))
        submission.check_results.all().delete()
        CheckResult.objects.bulk_create(
            [
                CheckResult(
                    submission=submission,
                    order=i,
                    name=c.name,
                    passed=c.passed,
                    points=Decimal(str(c.points)),
                    max_points=Decimal(str(c.max_points)),
                    message_sv=c.message_sv,
                    message_en=c.message_en,
                    hint_sv=c.hint_sv,
                    hint_en=c.hint_en,
                )
                for i, c in enumerate(result.checks)
            ]
        )
        _final_scores_changed(submission.pk)
    submission.refresh_from_db()
    return submission


def submission_grade(*, submission_id: int, worker: str = "") -> Submission | None:
    """Claim, grade through the harness, record. Returns None when there was nothing to do."""
    from grader.harness import grade, platform_error

    submission = submission_claim(submission_id=submission_id, worker=worker)
    if submission is None:
        return None
    spec = item_spec(submission.item_version)
    try:
        result = grade(spec, submission.text, submission.variant or None)
    except Exception as exc:
        logger.exception("grading submission %s failed", submission_id)
        result = platform_error(spec, type(exc).__name__)
    return submission_finish(submission=submission, result=result)


def _regrade_done_details(submission: Submission) -> Any:
    # JSON fields cannot be updated in place portably; the pending row is rebuilt with its result.
    change = (
        ScoreChange.objects.filter(submission=submission, kind=ScoreChange.Kind.REGRADE, details__finished=False)
        .order_by("-at")
        .first()
    )
    details = dict(change.details) if change else {}
    details.update(
        finished=True,
        new_version=submission.item_version.number,
        new_auto_score=str(submission.score),
        new_status=submission.status,
    )
    return details


def penalised(score: Decimal | None, penalty_percent: int) -> Decimal | None:
    """The score less a late penalty, to the hundredth (half up)."""
    if score is None:
        return None
    factor = Decimal(100 - min(penalty_percent, 100)) / Decimal(100)
    return (score * factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _require_finished(submission: Submission) -> None:
    if submission.is_pending:
        raise ValidationError(_("Inlämningen rättas fortfarande."))


def submission_score_override(*, submission: Submission, by: User, score: Decimal, comment: str) -> Submission:
    """A teacher sets the score that counts, with a reason; the change goes to the audit log.

    An override is also a review: the student sees the new score and the comment at once.
    """
    _require_finished(submission)
    comment = comment.strip()
    if not comment:
        raise ValidationError(_("Skriv en kommentar som förklarar ändringen."))
    if score < 0 or score > submission.max_score:
        raise ValidationError(
            _("Poängen måste vara mellan 0 och %(max)s.") % {"max": f"{submission.max_score.normalize():f}"}
        )
    now = timezone.now()
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        ScoreChange.objects.create(
            submission=locked,
            kind=ScoreChange.Kind.OVERRIDE,
            by=by,
            at=now,
            old_score=locked.final_score,
            new_score=score,
            comment=comment,
            details={"auto_score": None if locked.score is None else str(locked.score)},
        )
        locked.final_score = score
        locked.overridden = True
        locked.teacher_comment = comment
        locked.reviewed_at, locked.reviewed_by = now, by
        locked.save(update_fields=["final_score", "overridden", "teacher_comment", "reviewed_at", "reviewed_by"])
        _final_scores_changed(locked.pk)
    return locked


def submission_review_accept(*, submission: Submission, by: User, comment: str = "") -> Submission:
    """A teacher confirms the score as it stands (the auto score, or an earlier override).

    Refused if someone confirmed it already: two teachers working one queue learn of each other
    instead of writing the same confirmation twice.
    """
    _require_finished(submission)
    now = timezone.now()
    with transaction.atomic():
        locked = Submission.objects.select_for_update().select_related("reviewed_by").get(pk=submission.pk)
        if locked.reviewed_at is not None:
            who = locked.reviewed_by.username if locked.reviewed_by else "?"
            raise ValidationError(_("Redan granskad av %(who)s.") % {"who": who})
        ScoreChange.objects.create(
            submission=locked,
            kind=ScoreChange.Kind.ACCEPT,
            by=by,
            at=now,
            old_score=locked.final_score,
            new_score=locked.final_score,
            comment=comment.strip(),
            details={"confidence": locked.feedback.get("confidence") if locked.feedback else None},
        )
        fields = ["reviewed_at", "reviewed_by"]
        locked.reviewed_at, locked.reviewed_by = now, by
        if comment.strip():
            locked.teacher_comment = comment.strip()
            fields.append("teacher_comment")
        locked.save(update_fields=fields)
        _final_scores_changed(locked.pk)
    return locked


def submissions_regrade(*, submissions: Iterable[Submission], by: User, description: str = "") -> RegradeBatch:
    """Grade finished submissions again, against their item's CURRENT version.

    What a regrade means: the submission's text is graded by the item's current version, and the
    submission then records that version (it always records what it was graded against). The
    earlier version, status, auto score, final score and check results stay in the audit log
    (a ``ScoreChange`` of kind regrade, completed with the new result when the worker is done).
    A teacher's override survives a regrade; an unreviewed-by-override score of an assessment
    released after review goes back to the review queue. Submissions still being graded are
    skipped. Progress is read from the batch's submissions.

    1. In one transaction: record the batch, an audit row per submission, and put each back in
       the queue (status queued, the current version, no result).
    2. On commit, enqueue them all.
    """
    with transaction.atomic():
        batch = RegradeBatch.objects.create(created_by=by, description=description[:300])
        chosen = list(
            Submission.objects.select_for_update()
            .filter(pk__in=[s.pk for s in submissions])
            .exclude(status__in=Submission.PENDING)
            .select_related("item__current_version", "item_version")
            .prefetch_related("check_results")
        )
        now = timezone.now()
        for sub in chosen:
            current = sub.item.current_version
            if current is None:
                continue
            ScoreChange.objects.create(
                submission=sub,
                kind=ScoreChange.Kind.REGRADE,
                by=by,
                at=now,
                old_score=sub.final_score,
                details={
                    "finished": False,
                    "batch": batch.pk,
                    "old_version": sub.item_version.number,
                    "old_status": sub.status,
                    "old_auto_score": None if sub.score is None else str(sub.score),
                    "old_checks": [
                        {"name": c.name, "passed": c.passed, "points": str(c.points), "message": c.message_sv}
                        for c in sub.check_results.all()
                    ],
                },
            )
            sub.item_version = current
            sub.max_score = current.points
            sub.status = Submission.Status.QUEUED
            sub.score = None
            sub.started_at = sub.finished_at = sub.queued_at = None
            sub.tries = 0  # a new job: earlier deliveries must not count against its retries
            fields = ["item_version", "max_score", "status", "score", "started_at", "finished_at", "queued_at", "tries"]
            if not sub.overridden:
                sub.final_score = None
                sub.reviewed_at, sub.reviewed_by = None, None
                fields += ["final_score", "reviewed_at", "reviewed_by"]
            sub.save(update_fields=fields)
        batch.submissions.set(chosen)
        transaction.on_commit(lambda: [submission_enqueue(submission=s) for s in chosen])
    return batch


def assessment_settings_update(*, assessment: Assessment, by: User, **fields: Any) -> Assessment:
    """Change an assessment's window and rules (validated by the form that calls this)."""
    allowed = {
        "opens_at",
        "closes_at",
        "late_until",
        "time_limit_minutes",
        "attempts_allowed",
        "late_penalty_percent",
        "release",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not assessment settings: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(assessment, name, value)
    assessment.full_clean()
    assessment.save(update_fields=list(fields))
    logger.info("assessment %s settings changed by %s: %s", assessment.pk, by.pk, sorted(fields))
    return assessment


def extension_set(
    *,
    assessment: Assessment,
    user: User,
    by: User,
    closes_at: datetime | None,
    extra_attempts: int = 0,
    extra_minutes: int = 0,
    reason: str = "",
) -> Extension:
    """Give one student a later close, extra attempts or extra minutes (replacing an earlier one)."""
    extension, _created = Extension.objects.update_or_create(
        assessment=assessment,
        user=user,
        defaults={
            "closes_at": closes_at,
            "extra_attempts": extra_attempts,
            "extra_minutes": extra_minutes,
            "reason": reason.strip(),
            "created_by": by,
        },
    )
    return extension


def extension_delete(*, extension: Extension) -> None:
    extension.delete()
