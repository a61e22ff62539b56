"""``{% similarity_marks submission %}``: the pair marks that name a submission's author on its item,
for the dashboard's submission page (which only the course's teachers and admins see)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Q

from exercises.models import Submission
from integrity.models import PairMark

register = template.Library()


@register.inclusion_tag("integrity/_marks.html")
def similarity_marks(submission: Submission) -> dict[str, Any]:
    marks = (
        PairMark.objects.filter(item_id=submission.item_id)
        .filter(Q(student_a_id=submission.user_id) | Q(student_b_id=submission.user_id))
        .select_related("by", "student_a", "student_b", "item")
        .order_by("-at", "-pk")
    )
    rows = []
    for mark in marks:
        other = mark.student_b if mark.student_a_id == submission.user_id else mark.student_a
        rows.append({"mark": mark, "other": other})
    return {"rows": rows, "item": submission.item}
