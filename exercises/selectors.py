"""Reads that need more than one line."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.http import Http404

from accounts.models import User
from exercises.models import Assessment, Course, Enrollment, Item, Submission


@dataclass
class ItemProgress:
    item: Item
    best: Decimal | None
    attempts: int
    last_status: str | None


def course_list(*, user: User) -> QuerySet[Course]:
    return Course.objects.all().order_by("slug")


def course_progress(*, course: Course, user: User) -> list[tuple[Assessment, list[ItemProgress]]]:
    items = Item.objects.filter(assessment__course=course, is_published=True).select_related(
        "current_version", "assessment"
    )
    stats = {
        row["item"]: row
        for row in Submission.objects.filter(user=user, item__assessment__course=course)
        .values("item")
        .annotate(best=Max("score"), last=Max("created_at"))
    }
    last_status = dict(
        Submission.objects.filter(user=user, item__assessment__course=course)
        .order_by("item", "-created_at")
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
                last_status=last_status.get(i.pk),
            )
            for i in items
            if i.assessment_id == assessment.pk
        ]
        result.append((assessment, rows))
    return result


def item_get(*, slug: str) -> Item:
    try:
        return Item.objects.select_related("current_version", "assessment__course").get(slug=slug, is_published=True)
    except Item.DoesNotExist:
        raise Http404("No such item") from None


def submissions_of(*, user: User, item: Item) -> QuerySet[Submission]:
    return Submission.objects.filter(user=user, item=item).order_by("-created_at")


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


def item_choices(*, version: Any) -> list[dict[str, str]]:
    """The options of a choice item in the active language (id and label); [] for other kinds."""
    from django.utils.translation import get_language

    if version is None or version.item.kind != "choice":
        return []
    english = (get_language() or "sv").startswith("en")
    return [
        {"id": str(o["id"]), "label": str(o.get("en") if english and o.get("en") else o.get("sv", ""))}
        for o in version.config.get("options", [])
        if isinstance(o, dict) and "id" in o
    ]
