"""Writes: everything that changes state goes through these functions (HackSoft style)."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from exercises.models import CheckResult, Draft, Item, Submission
from grader.harness import GradeResult, ItemSpec

logger = logging.getLogger(__name__)


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
    _check_size(text)
    draft, _created = Draft.objects.update_or_create(user=user, item=item, defaults={"text": text})
    return draft


def _check_size(text: str) -> None:
    if len(text.encode("utf-8")) > settings.QUIZ_MAX_CODE_BYTES:
        raise ValidationError(
            _("Svaret är för stort (högst %(kb)d kB).") % {"kb": settings.QUIZ_MAX_CODE_BYTES // 1024}
        )


def submission_create(*, user: User, item: Item, text: str) -> Submission:
    """Save a submission (queued), then enqueue it once the transaction has committed.

    1. Refuse what cannot be graded: unpublished items, empty or oversized text.
    2. Save the submission with the item's current version, in a transaction.
    3. On commit, send its id to the item's queue. If the broker is down the submission stays
       queued in the database, which is the source of truth, and is sent again later.
    """
    if not item.is_published or item.current_version is None:
        raise PermissionDenied(_("Uppgiften är inte öppen."))
    if not text.strip():
        raise ValidationError(_("Svaret är tomt."))
    _check_size(text)
    version = item.current_version
    with transaction.atomic():
        attempt = Submission.objects.filter(user=user, item=item).count() + 1
        submission = Submission.objects.create(
            user=user,
            item=item,
            item_version=version,
            attempt=attempt,
            text=text,
            max_score=version.points,
            status=Submission.Status.QUEUED,
            variant=submission_variant_for(user=user, item=item),
        )
        Draft.objects.update_or_create(user=user, item=item, defaults={"text": text})
        transaction.on_commit(lambda: submission_enqueue(submission=submission))
    return submission


def submission_enqueue(*, submission: Submission) -> bool:
    """Hand a saved submission to the broker. False (and the row left for a retry) if it is down.

    ``queued_at`` is written before the send, since a worker may start on it at once.
    """
    from grader.tasks import grade_submission

    Submission.objects.filter(pk=submission.pk).update(queued_at=timezone.now())
    try:
        grade_submission.apply_async(args=[submission.pk], queue=submission.item_version.queue)
    except Exception:  # the broker is down: the row stays queued and is sent again later
        logger.exception("could not enqueue submission %s", submission.pk)
        Submission.objects.filter(pk=submission.pk, status=Submission.Status.QUEUED).update(queued_at=None)
        return False
    return True


def submission_claim(*, submission_id: int, worker: str = "") -> Submission | None:
    """Take a queued submission for grading; None if it is gone or someone else has it.

    A conditional UPDATE that must change exactly one row makes this safe to run twice.
    """
    now = timezone.now()
    # A submission left "running" by a worker that died is taken again once it is older than
    # any grade can take (the hard time limit), when the broker redelivers its message.
    stale = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)
    claimable = Q(status=Submission.Status.QUEUED) | Q(status=Submission.Status.RUNNING, started_at__lt=stale)
    claimed = Submission.objects.filter(claimable, pk=submission_id).update(
        status=Submission.Status.RUNNING, started_at=now, worker=worker or socket.gethostname()
    )
    if claimed != 1:
        return None
    submission = Submission.objects.select_related("item", "item_version").get(pk=submission_id)
    Submission.objects.filter(pk=submission_id).update(tries=submission.tries + 1)
    return submission


def submission_finish(*, submission: Submission, result: GradeResult) -> Submission:
    with transaction.atomic():
        submission.status = result.status
        submission.score = Decimal(str(result.score))
        submission.max_score = Decimal(str(result.max_score))
        submission.output = result.output
        submission.error = result.error
        submission.feedback = result.feedback
        submission.timings = result.timings
        submission.finished_at = timezone.now()
        submission.save(
            update_fields=["status", "score", "max_score", "output", "error", "feedback", "timings", "finished_at"]
        )
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
