"""When an exam is on for a student: the sitting, the student's own deadline, the release of scores.

All of it is read from the assessment's rules with the student's extension
(``exercises.selectors.submission_rules``), so the countdown, the automatic submission and the
refusals of ``submission_create`` agree to the second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from exams.models import ExamSettings
from exercises.models import Assessment, Enrollment
from exercises.selectors import submission_rules, user_teaches


@dataclass(frozen=True)
class Sitting:
    exam: ExamSettings
    deadline: datetime | None  # the student's own end: the close or the time limit, the earlier
    ends_at: datetime | None  # the last moment any work is taken (late work included); None: open-ended
    release_at: datetime | None  # when scores hidden by the feedback mode are shown; None: not by time

    def pending(self, now: datetime) -> bool:
        return self.ends_at is None or now <= self.ends_at


def exam_of(assessment: Assessment) -> ExamSettings | None:
    """The assessment's exam settings if exam mode is on.

    Django keeps the one-to-one row (or its absence) on the assessment after the first read.
    """
    try:
        exam = assessment.exam
    except ExamSettings.DoesNotExist:
        return None
    return exam if exam.enabled else None


def grace() -> timedelta:
    """How long after a deadline the browser's last text is still taken (the network's delay)."""
    return timedelta(seconds=settings.QUIZ_EXAM_GRACE_SECONDS)


def sitting_for(*, assessment: Assessment, user: User, now: datetime | None = None) -> Sitting | None:
    """The student's sitting of an exam-mode assessment; None if exam mode is off."""
    exam = exam_of(assessment)
    if exam is None:
        return None
    # Attempts are counted per item and do not matter here: no item (none counted).
    rules = submission_rules(assessment=assessment, user=user, item=None, now=now or timezone.now())
    candidates = [t for t in (rules.closes_at, rules.deadline) if t is not None]
    deadline = min(candidates) if candidates else None
    if assessment.late_penalty_percent and rules.closes_at is not None:
        late_end = rules.late_until  # None: late work taken without end
        ends_at = None if late_end is None else max(late_end, deadline or late_end)
    else:
        ends_at = deadline
    release_at = rules.closes_at if rules.closes_at is not None else rules.deadline
    if assessment.late_penalty_percent and rules.closes_at is not None:
        release_at = rules.late_until
    return Sitting(exam=exam, deadline=deadline, ends_at=ends_at, release_at=release_at)


def is_candidate(*, assessment: Assessment, user: User) -> bool:
    """Exam rules apply to the students of the course, not to its teachers or to admins."""
    if not user.is_authenticated or user_teaches(user=user, course=assessment.course):
        return False
    return True


def pending_exams(*, user: User, now: datetime | None = None) -> list[Sitting]:
    """The exam-mode assessments of courses the user takes as a student that are not over for them."""
    if not user.is_authenticated:
        return []
    now = now or timezone.now()
    assessments = Assessment.objects.filter(
        exam__enabled=True,
        course__enrollments__user=user,
        course__enrollments__role=Enrollment.Role.STUDENT,
    ).select_related("course")
    sittings = []
    for assessment in assessments:
        sitting = sitting_for(assessment=assessment, user=user, now=now)
        if sitting is not None and sitting.pending(now):
            sittings.append(sitting)
    return sittings
