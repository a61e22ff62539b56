"""Writes of exam mode: its settings, the drafts kept after the deadline, and the automatic
submission of each student's drafts at their deadline (by the browser at zero, or the sweeper)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from exams.models import ExamAutoSubmission, ExamEvent, ExamSettings
from exams.rules import grace, sitting_for
from exercises.models import Assessment, Draft, Item, Submission

logger = logging.getLogger(__name__)

SETTINGS_FIELDS = {
    "enabled",
    "allowed_networks",
    "access_code",
    "require_seb",
    "seb_config_keys",
    "seb_browser_exam_keys",
    "feedback",
}


def exam_settings_update(*, assessment: Assessment, by: User, **fields: Any) -> ExamSettings:
    """Set an assessment's exam mode (validated by the form that calls this)."""
    unknown = set(fields) - SETTINGS_FIELDS
    if unknown:
        raise ValueError(f"not exam settings: {sorted(unknown)}")
    exam, _created = ExamSettings.objects.get_or_create(assessment=assessment)
    for name, value in fields.items():
        setattr(exam, name, value)
    exam.updated_by = by
    exam.full_clean()
    exam.save()
    logger.info("exam settings of assessment %s changed by %s", assessment.pk, by.pk)
    return exam


def exam_draft_guard(*, user: User, item: Item, text: str, now: datetime | None = None) -> None:
    """Called by ``draft_save``: after the student's deadline (and its grace) a draft no longer
    replaces the one that will be submitted; it is kept in the exam log, and the student told."""
    now = now or timezone.now()
    sitting = sitting_for(assessment=item.assessment, user=user, now=now)
    if sitting is None or sitting.deadline is None or now <= sitting.deadline + grace():
        return
    ExamEvent.objects.create(
        user=user,
        assessment=item.assessment,
        kind=ExamEvent.Kind.LATE_DRAFT,
        at=now,
        detail={"item": item.slug, "text": text},
    )
    raise ValidationError(_("Tiden är slut. Texten är sparad i provloggen men räknas inte."), code="exam_over")


def _unsubmitted(draft: Draft) -> str:
    """Why a draft is not submitted automatically; empty if it should be."""
    text = draft.text
    version = draft.item.current_version
    if not text.strip():
        return "empty"
    if version is not None and text.strip() == (version.starter or "").strip():
        return "starter unchanged"
    last = Submission.objects.filter(user=draft.user_id, item=draft.item_id).order_by("-created_at").first()
    if last is not None and last.text == text:
        return "already submitted"
    return ""


def exam_submit_drafts(
    *, user: User, assessment: Assessment, source: str, now: datetime | None = None
) -> list[Submission]:
    """Submit the student's drafts of an exam at their deadline, each once.

    1. Only after the student's own deadline (its grace is for the browser's last text).
    2. For every item with a draft: claim (user, item, deadline) by creating the claim row; a
       claim that exists already (the browser and the sweeper both came) means it is done.
    3. A draft that is empty, the unchanged starter, or what was submitted last is not submitted.
    4. The submission is made as at the deadline (``submission_create(now=deadline)``): the rules
       judge it by the moment the time ended, and the rate limit does not apply to it.
    """
    from exercises.services import submission_create

    now = now or timezone.now()
    sitting = sitting_for(assessment=assessment, user=user, now=now)
    if sitting is None or sitting.deadline is None or now < sitting.deadline:
        return []
    deadline = sitting.deadline
    done = set(
        ExamAutoSubmission.objects.filter(user=user, item__assessment=assessment, deadline=deadline).values_list(
            "item_id", flat=True
        )
    )
    drafts = (
        Draft.objects.filter(user=user, item__assessment=assessment, item__is_published=True)
        .exclude(item_id__in=done)
        .select_related("item__current_version", "item__assessment")
        .order_by("item__order")
    )
    submitted = []
    for draft in drafts:
        try:
            with transaction.atomic():
                claim = ExamAutoSubmission.objects.create(
                    user=user, item=draft.item, deadline=deadline, source=source, created_at=now
                )
        except IntegrityError:
            continue  # someone else took it
        reason = _unsubmitted(draft)
        if not reason:
            try:
                submission = submission_create(
                    user=user, item=draft.item, text=draft.text, now=deadline, check_rate=False
                )
            except (ValidationError, PermissionDenied) as exc:
                reason = " ".join(getattr(exc, "messages", [str(exc)]))[:300]
            else:
                claim.submission = submission
                submitted.append(submission)
                ExamEvent.objects.create(
                    user=user,
                    assessment=assessment,
                    kind=ExamEvent.Kind.AUTO_SUBMITTED,
                    at=now,
                    submission=submission,
                    detail={"item": draft.item.slug, "source": source},
                )
        claim.note = reason
        claim.save(update_fields=["submission", "note"])
    if submitted:
        logger.info("exam %s: %d drafts of user %s submitted (%s)", assessment.pk, len(submitted), user.pk, source)
    return submitted


def exam_final_submit(*, user: User, item: Item, text: str, now: datetime | None = None) -> list[Submission]:
    """The browser at zero: save the text it holds as the draft, then submit the student's drafts.

    Taken until the deadline's grace has passed; later, the text is kept in the exam log only.
    """
    from exercises.services import draft_save

    now = now or timezone.now()
    sitting = sitting_for(assessment=item.assessment, user=user, now=now)
    if sitting is None or sitting.deadline is None:
        raise ValidationError(_("Provet har ingen sluttid."), code="no_deadline")
    if now < sitting.deadline - grace():
        raise ValidationError(_("Tiden är inte slut än."), code="too_early")
    if text.strip():
        draft_save(user=user, item=item, text=text)  # refused (and kept in the log) after the grace
    return exam_submit_drafts(user=user, assessment=item.assessment, source=ExamAutoSubmission.Source.BROWSER, now=now)


def exam_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The sweeper's round for exams: submit the drafts of every student whose deadline (and its
    grace) has passed, so a closed laptop still gets its draft in. Safe to run anywhere, twice."""
    now = now or timezone.now()
    pairs = (
        Draft.objects.filter(item__assessment__exam__enabled=True, item__is_published=True)
        .filter(~Q(text=""))
        .values_list("user_id", "item__assessment_id")
        .distinct()
    )
    counts = {"exam_submitted": 0}
    users: dict[int, User] = {}
    assessments: dict[int, Assessment] = {}
    for user_id, assessment_id in pairs:
        user = users.get(user_id) or User.objects.get(pk=user_id)
        assessment = assessments.get(assessment_id) or Assessment.objects.select_related("course").get(pk=assessment_id)
        users[user_id], assessments[assessment_id] = user, assessment
        sitting = sitting_for(assessment=assessment, user=user, now=now)
        if sitting is None or sitting.deadline is None or now <= sitting.deadline + grace():
            continue
        counts["exam_submitted"] += len(
            exam_submit_drafts(user=user, assessment=assessment, source=ExamAutoSubmission.Source.SWEEP, now=now)
        )
    return counts


def exam_submission_log(*, request: Any, user: User, item: Item, status: int) -> None:
    """A submission made through a page or the API during an exam, with the address it came from."""
    from exams.access import client_address

    sitting = sitting_for(assessment=item.assessment, user=user)
    if sitting is None:
        return
    ExamEvent.objects.create(
        user=user,
        assessment=item.assessment,
        kind=ExamEvent.Kind.SUBMITTED,
        ip=client_address(request),
        path=request.get_full_path()[:300],
        detail={"item": item.slug, "status": status},
    )
