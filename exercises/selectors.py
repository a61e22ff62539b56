"""Reads that need more than one line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from exercises.models import Assessment, AssessmentStart, Course, Enrollment, Extension, Item, Submission


@dataclass
class ItemProgress:
    item: Item
    best: Decimal | None
    attempts: int
    last_status: str | None

    @property
    def last_status_display(self) -> str:
        """The status in the reader's language (never the raw code)."""
        if not self.last_status:
            return ""
        if self.last_status == "received":  # an exam that shows no feedback: only that it arrived
            return _("Inlämnad")
        return str(Submission.Status(self.last_status).label)


def courses_for(*, user: User) -> QuerySet[Course]:
    """Courses ``user`` takes or teaches (every course for a platform admin): the one rule for
    which course pages, items and submit paths a user reaches."""
    if not user.is_authenticated:
        return Course.objects.none()
    if user.is_platform_admin:
        return Course.objects.all()
    return Course.objects.filter(enrollments__user=user).distinct()


def course_list(*, user: User) -> QuerySet[Course]:
    return courses_for(user=user).order_by("slug")


def course_get(*, user: User, slug: str) -> Course:
    """A course the user takes or teaches; 404 for any other (its existence is not revealed)."""
    try:
        return courses_for(user=user).get(slug=slug)
    except Course.DoesNotExist:
        raise Http404("No such course") from None


def course_progress(*, course: Course, user: User) -> list[tuple[Assessment, list[ItemProgress]]]:
    items = Item.objects.filter(assessment__course=course, is_published=True).select_related(
        "current_version", "assessment"
    )
    # What counts is the final score, and only once it is released to the student.
    released = Q(item__assessment__release=Assessment.Release.IMMEDIATE) | Q(reviewed_at__isnull=False)
    from exams.selectors import hidden_score_assessments  # exam mode may hold scores back

    hidden = hidden_score_assessments(user=user, assessment_ids=[a.pk for a in course.assessments.all()])
    stats = {
        row["item"]: row
        for row in Submission.objects.filter(released, user=user, item__assessment__course=course)
        .exclude(item__assessment__in=list(hidden))
        .values("item")
        .annotate(best=Max("final_score"), last=Max("created_at"))
    }
    # Oldest first: the dict keeps the last (newest) status of each item.
    last_status = dict(
        Submission.objects.filter(user=user, item__assessment__course=course)
        .order_by("item", "created_at")
        .values_list("item", "status")
    )
    counts: dict[int, int] = {}
    for item_id in Submission.objects.filter(user=user, item__assessment__course=course).values_list("item", flat=True):
        counts[item_id] = counts.get(item_id, 0) + 1
    result = []
    for assessment in course.assessments.all():
        rows = [
            ItemProgress(
                item=i,
                best=stats.get(i.pk, {}).get("best"),
                attempts=counts.get(i.pk, 0),
                # Exam mode without feedback: not even whether it ran, until the scores are shown.
                last_status="received"
                if hidden.get(i.assessment_id) == "none" and i.pk in last_status
                else last_status.get(i.pk),
            )
            for i in items
            if i.assessment_id == assessment.pk
        ]
        result.append((assessment, rows))
    return result


def item_get(*, slug: str, user: User) -> Item:
    """A published item of a course the user takes or teaches; 404 for any other."""
    try:
        return Item.objects.select_related("current_version", "assessment__course").get(
            slug=slug, is_published=True, assessment__course__in=courses_for(user=user)
        )
    except Item.DoesNotExist:
        raise Http404("No such item") from None


def submissions_of(*, user: User, item: Item) -> QuerySet[Submission]:
    return Submission.objects.filter(user=user, item=item).select_related("item__assessment").order_by("-created_at")


def courses_taught(*, user: User) -> QuerySet[Course]:
    """Courses whose staff ``user`` is: every course for a platform admin, else the ones where the
    user is enrolled as a teacher. The one rule for teacher pages and teacher API calls."""
    if not user.is_authenticated:
        return Course.objects.none()
    if user.is_platform_admin:
        return Course.objects.all()
    return Course.objects.filter(enrollments__user=user, enrollments__role=Enrollment.Role.TEACHER)


def user_teaches(*, user: User, course: Course) -> bool:
    return courses_taught(user=user).filter(pk=course.pk).exists()


def submission_visible(*, user: User, pk: int) -> Submission:
    """A submission its owner, a teacher of its course or an admin may see; 404 for anyone else."""
    qs = Submission.objects.select_related("item", "item_version", "user", "item__assessment__course").prefetch_related(
        "check_results"
    )
    qs = qs.filter(Q(user=user) | Q(item__assessment__course__in=courses_taught(user=user)))
    try:
        return qs.get(pk=pk)
    except Submission.DoesNotExist:
        raise Http404("No such submission") from None


@dataclass
class SubmissionRules:
    """What an assessment allows one student right now, with their extension applied."""

    opens_at: datetime | None
    closes_at: datetime | None
    late_until: datetime | None
    deadline: datetime | None  # the end of the time limit, once the student has started
    attempts_allowed: int | None
    attempts_used: int
    penalty_percent: int  # what a submission made now would lose
    refusal: str  # why a submission made now is refused; empty if it is allowed

    @property
    def attempts_left(self) -> int | None:
        if self.attempts_allowed is None:
            return None
        return max(self.attempts_allowed - self.attempts_used, 0)


def submission_rules(
    *, assessment: Assessment, user: User, item: Item | None, now: datetime | None = None
) -> SubmissionRules:
    """The window, time limit, attempts and late penalty for ``user`` on ``item`` at ``now``
    (``item`` None: the assessment's own rules, no attempts counted, as for an exam's sitting).

    Late work (after the close) is taken only when the assessment has a late penalty, until
    ``late_until`` if that is set (an extension's later close moves both).
    """
    now = now or timezone.now()
    extension = Extension.objects.filter(assessment=assessment, user=user).first()
    closes_at = assessment.closes_at
    late_until = assessment.late_until
    attempts_allowed = assessment.attempts_allowed
    extra_minutes = 0
    if extension is not None:
        if extension.closes_at and (closes_at is None or extension.closes_at > closes_at):
            if closes_at is not None and late_until is not None:
                late_until = late_until + (extension.closes_at - closes_at)
            closes_at = extension.closes_at
        if attempts_allowed is not None:
            attempts_allowed += extension.extra_attempts
        extra_minutes = extension.extra_minutes
    deadline = None
    if assessment.time_limit_minutes:
        start = AssessmentStart.objects.filter(assessment=assessment, user=user).first()
        if start is not None:
            deadline = start.started_at + timedelta(minutes=assessment.time_limit_minutes + extra_minutes)
    used = Submission.objects.filter(user=user, item=item).count()
    penalty = 0
    refusal = ""
    if assessment.opens_at and now < assessment.opens_at:
        refusal = _("Provet öppnar %(when)s.") % {
            "when": timezone.localtime(assessment.opens_at).strftime("%Y-%m-%d %H:%M")
        }
    elif closes_at and now > closes_at:
        if assessment.late_penalty_percent and (late_until is None or now <= late_until):
            penalty = assessment.late_penalty_percent
        else:
            refusal = _("Provet är stängt.")
    if not refusal and deadline and now > deadline:
        refusal = _("Tiden för provet är slut.")
    if not refusal and attempts_allowed is not None and used >= attempts_allowed:
        refusal = _("Du har använt alla dina försök (%(n)d).") % {"n": attempts_allowed}
    return SubmissionRules(
        opens_at=assessment.opens_at,
        closes_at=closes_at,
        late_until=late_until,
        deadline=deadline,
        attempts_allowed=attempts_allowed,
        attempts_used=used,
        penalty_percent=penalty,
        refusal=refusal,
    )


def item_choices(*, version: Any) -> list[dict[str, str]]:
    """The options of a choice item in the active language (id and label); [] for other kinds."""
    from django.utils.translation import get_language

    if version is None or version.item.kind != "choice":
        return []
    return choice_options(config=version.config, english=(get_language() or "sv").startswith("en"))


def choice_options(*, config: dict[str, Any], english: bool) -> list[dict[str, str]]:
    """A choice item's options (id and label) from its config, also a draft's (authoring preview)."""
    return [
        {"id": str(o["id"]), "label": str(o.get("en") if english and o.get("en") else o.get("sv", ""))}
        for o in config.get("options", []) or []
        if isinstance(o, dict) and "id" in o
    ]
