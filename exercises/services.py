"""Writes: everything that changes state goes through these functions (HackSoft style)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypedDict, Unpack

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from exercises.jobs import (
    JobKind,
    JobStatus,
    job_finished,
    job_kind_register,
    job_run_inline,
    job_send,
    job_started,
    jobs_sweep,
    new_token,
)
from exercises.models import (
    Assessment,
    AssessmentStart,
    CheckResult,
    Draft,
    Extension,
    Item,
    ItemVersion,
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


def item_spec(version: ItemVersion) -> ItemSpec:
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
    """Hand a saved submission to the grading workers (``exercises.jobs.job_send``). False (and the
    row left queued, unsent, for the sweeper) if the broker is down."""
    return job_send(job=submission)


def _submission_message(submission: Submission) -> dict[str, Any]:
    """Everything a worker needs to grade it: the item version's spec, the text, the variant."""
    return {
        "spec": asdict(item_spec(submission.item_version)),
        "text": submission.text,
        "variant": submission.variant or {},
    }


def _submission_queue(submission: Submission) -> str:
    from grader.launch.routing import choose_queue

    return choose_queue(requested=submission.item_version.queue)


def _submission_status(result: dict[str, Any]) -> str:
    try:
        return str(JobStatus(str(result.get("status"))))
    except ValueError:
        return JobStatus.ERROR


def _submission_record(submission: Submission, data: dict[str, Any]) -> None:
    """Write a grade on a submission the recorder just finished (inside its transaction)."""
    try:
        result = GradeResult.from_dict(data)
    except (KeyError, TypeError, ValueError):
        logger.warning("submission %s: a malformed result, recorded as a platform error", submission.pk)
        result = GradeResult(status=JobStatus.ERROR, score=0.0, max_score=float(submission.max_score), checks=[])
    submission.score = Decimal(str(result.score))
    submission.max_score = Decimal(str(result.max_score))
    submission.output, submission.error = result.output, result.error
    submission.feedback, submission.timings = result.feedback, result.timings
    fields = ["score", "max_score", "output", "error", "feedback", "timings"]
    if not submission.overridden:  # a teacher's override outlives a regrade
        submission.final_score = penalised(submission.score, submission.late_penalty_percent)
        fields.append("final_score")
    submission.save(update_fields=fields)
    # A regrade's audit row learns the new score once it exists.
    ScoreChange.objects.filter(submission=submission, kind=ScoreChange.Kind.REGRADE, details__finished=False).update(
        new_score=submission.final_score, details=_regrade_done_details(submission)
    )
    submission.check_results.all().delete()
    CheckResult.objects.bulk_create(
        [
            CheckResult(
                submission=submission,
                order=i,
                name=c.name[:100],
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


def _submission_give_up(submission: Submission) -> None:
    """No marks, status crashed, a message that says why and that a teacher can grade it again."""
    tries = submission.tries
    submission.score = Decimal(0)
    submission.error = {"type": "GradingAbandoned", "tries": tries}
    submission.save(update_fields=["score", "error"])
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


job_kind_register(
    JobKind(
        name="submission",
        model=Submission,
        message=_submission_message,
        queue=_submission_queue,
        final_status=_submission_status,
        record=_submission_record,
        give_up=_submission_give_up,
        related=("item", "item_version"),
    )
)


def submissions_sweep(*, requeue_after: float | None = None) -> dict[str, int]:
    """The sweeper's one round (``exercises.jobs.jobs_sweep``): every kind of job, not only these."""
    return jobs_sweep(requeue_after=requeue_after)


def submission_claim(*, submission_id: int, worker: str = "") -> Submission | None:
    """What the recorder does when a worker says it started (``exercises.jobs.job_started``)."""
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None or not job_started(
        kind="submission", pk=submission.pk, token=submission.token, worker=worker
    ):
        return None
    return Submission.objects.select_related("item", "item_version").get(pk=submission_id)


def submission_finish(*, submission: Submission, result: GradeResult) -> Submission:
    """What the recorder does with a worker's result (``exercises.jobs.job_finished``): the first
    result of the job wins; a late or duplicate one changes nothing."""
    job_finished(
        kind="submission", pk=submission.pk, token=submission.token, worker=submission.worker, result=result.as_dict()
    )
    return Submission.objects.get(pk=submission.pk)


def submission_grade(*, submission_id: int, worker: str = "") -> Submission | None:
    """Grade a submission here and now, as a worker and the recorder would (tests, a shell)."""
    submission = Submission.objects.filter(pk=submission_id).first()
    return job_run_inline(job=submission, worker=worker) if submission else None


def _regrade_done_details(submission: Submission) -> dict[str, Any]:
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
        # of=self: PostgreSQL cannot lock the nullable side of the outer join to reviewed_by.
        locked = Submission.objects.select_for_update(of=("self",)).select_related("reviewed_by").get(pk=submission.pk)
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


def submission_review_undo(*, submission: Submission, by: User) -> Submission:
    """Take back a confirmation (the review queue's undo): the answer goes back to the queue.

    Only the confirmation that is the submission's latest score change, and only by the teacher
    who made it (or an admin): an undo never hides someone else's later decision.
    """
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        last = locked.score_changes.order_by("-at", "-pk").first()
        if locked.reviewed_at is None or last is None or last.kind != ScoreChange.Kind.ACCEPT:
            raise ValidationError(_("Det finns ingen bekräftelse att ångra."))
        if last.by_id != by.pk and not by.is_platform_admin:
            raise ValidationError(_("Bara den som bekräftade kan ångra."))
        ScoreChange.objects.create(
            submission=locked,
            kind=ScoreChange.Kind.UNDO_ACCEPT,
            by=by,
            at=timezone.now(),
            old_score=locked.final_score,
            new_score=locked.final_score,
            details={"undoes": last.pk},
        )
        locked.reviewed_at, locked.reviewed_by = None, None
        locked.save(update_fields=["reviewed_at", "reviewed_by"])
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
            # of=self: PostgreSQL cannot lock the nullable side of the outer join to current_version.
            Submission.objects.select_for_update(of=("self",))
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
            sub.token = new_token()  # and a late result of the earlier grading is dropped
            fields = [
                "item_version", "max_score", "status", "score", "started_at", "finished_at", "queued_at", "tries", "token"
            ]  # fmt: skip
            if not sub.overridden:
                sub.final_score = None
                sub.reviewed_at, sub.reviewed_by = None, None
                fields += ["final_score", "reviewed_at", "reviewed_by"]
            sub.save(update_fields=fields)
        batch.submissions.set(chosen)
        transaction.on_commit(lambda: [submission_enqueue(submission=s) for s in chosen])
    return batch


class AssessmentSettings(TypedDict, total=False):
    """The settings ``assessment_settings_update`` may change (the settings form's fields)."""

    opens_at: datetime | None
    closes_at: datetime | None
    late_until: datetime | None
    time_limit_minutes: int | None
    attempts_allowed: int | None
    late_penalty_percent: int
    release: str
    examples_enabled: bool


def assessment_settings_update(*, assessment: Assessment, by: User, **fields: Unpack[AssessmentSettings]) -> Assessment:
    """Change an assessment's window and rules (validated by the form that calls this)."""
    allowed = {
        "opens_at",
        "closes_at",
        "late_until",
        "time_limit_minutes",
        "attempts_allowed",
        "late_penalty_percent",
        "release",
        "examples_enabled",
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
