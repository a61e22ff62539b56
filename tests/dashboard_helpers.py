"""Shared data for the dashboard tests: a second course with its own teacher, and graded
submissions made through the real services (the grade itself is given, as a worker would)."""

from __future__ import annotations

from django.db import transaction

from exercises.models import Item
from exercises.services import submission_claim, submission_create, submission_finish
from grader.harness import CheckOutcome, GradeResult


def graded(user, slug: str, score: float, *, text: str = "ett svar", confidence=None, checks=None, now=None):
    """A submission created by ``submission_create`` and finished by ``submission_finish``.

    All in one transaction: the message sent on commit then finds the row graded, so a real
    worker running in the same session leaves it alone (its claim changes no row).
    """
    with transaction.atomic():
        item = Item.objects.select_related("current_version").get(slug=slug)
        sub = submission_create(user=user, item=item, text=text, now=now)
        claimed = submission_claim(submission_id=sub.pk, worker="test")
        return _finish(claimed, item, score, confidence, checks)


def _finish(claimed, item, score, confidence, checks):
    points = float(item.current_version.points)
    feedback = {} if confidence is None else {"confidence": confidence}
    outcomes = checks or [
        CheckOutcome(
            name="concept-a",
            passed=score >= points / 2,
            points=min(score, points / 2),
            max_points=points / 2,
            message_sv="Tar upp begrepp A" if score >= points / 2 else "Saknar begrepp A",
            message_en="Covers concept A" if score >= points / 2 else "Misses concept A",
        ),
        CheckOutcome(
            name="concept-b",
            passed=score >= points,
            points=max(score - points / 2, 0),
            max_points=points / 2,
            message_sv="Tar upp begrepp B" if score >= points else "Saknar begrepp B",
            message_en="Covers concept B" if score >= points else "Misses concept B",
        ),
    ]
    result = GradeResult(
        status="graded", score=score, max_score=points, checks=outcomes, output="", feedback=feedback, timings={}
    )
    return submission_finish(submission=claimed, result=result)


def set_release(slug: str, release: str) -> None:
    from exercises.models import Assessment

    Assessment.objects.filter(slug=slug).update(release=release)


def make_outsider_teacher():
    """A teacher of another course: staff somewhere, but not of kunskapskontroll-2."""
    from accounts.models import User
    from exercises.models import Course, Enrollment

    other = Course.objects.create(slug="annan-kurs", title_sv="Annan kurs")
    user = User.objects.create_user("teacher2", password="teacher2", role=User.Role.TEACHER)
    Enrollment.objects.create(course=other, user=user, role=Enrollment.Role.TEACHER)
    return user
