"""LTI reads for the dashboard pages."""

from __future__ import annotations

from typing import Any

from exercises.models import Course
from lti.models import Context, GradeSync, Membership, Platform, ResourceLink


def course_lti(*, course: Course) -> dict[str, Any]:
    """Everything the course's LTI page shows: platforms, links, roster, scores not sent."""
    return {
        "course": course,
        "platforms": Platform.objects.filter(course=course),
        "links": ResourceLink.objects.filter(platform__course=course).select_related("item", "assessment", "platform"),
        "contexts": Context.objects.filter(platform__course=course),
        "members": Membership.objects.filter(context__platform__course=course)
        .select_related("user", "context")
        .order_by("-active", "user__last_name", "user__first_name"),
        "problems": GradeSync.objects.filter(link__platform__course=course)
        .exclude(state=GradeSync.State.SENT)
        .select_related("user", "link__item", "link__assessment")
        .order_by("-requested_at"),
        "sent": GradeSync.objects.filter(link__platform__course=course, state=GradeSync.State.SENT).count(),
    }
