"""Reads of exam mode: the countdown of an item page and the exam log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from exams.models import ExamAutoSubmission, ExamEvent, ExamSession
from exams.rules import Sitting, is_candidate, sitting_for
from exercises.models import Assessment, Enrollment, Item, Submission


@dataclass(frozen=True)
class Countdown:
    deadline: datetime
    now: datetime
    over: bool

    @property
    def deadline_ms(self) -> int:
        return int(self.deadline.timestamp() * 1000)

    @property
    def now_ms(self) -> int:
        return int(self.now.timestamp() * 1000)


def countdown_for(*, item: Item, user: User, now: datetime | None = None) -> Countdown | None:
    """The countdown of an exam item's page: the student's own deadline, in server time."""
    now = now or timezone.now()
    if not is_candidate(assessment=item.assessment, user=user):
        return None
    sitting = sitting_for(assessment=item.assessment, user=user, now=now)
    if sitting is None or sitting.deadline is None:
        return None
    return Countdown(deadline=sitting.deadline, now=now, over=now >= sitting.deadline)


def hidden_score_assessments(*, user: User, assessment_ids: list[int]) -> dict[int, str]:
    """Which of these assessments hold the student's scores back right now, with the feedback
    mode that applies (runs or none)."""
    from exams.models import ExamSettings

    hidden = {}
    now = timezone.now()
    for assessment in Assessment.objects.filter(
        pk__in=assessment_ids,
        exam__enabled=True,
        exam__feedback__in=[ExamSettings.Feedback.RUNS, ExamSettings.Feedback.NONE],
    ).select_related("exam"):
        sitting: Sitting | None = sitting_for(assessment=assessment, user=user, now=now)
        if sitting is not None and (sitting.release_at is None or now < sitting.release_at):
            hidden[assessment.pk] = assessment.exam.feedback
    return hidden


def exam_students(*, assessment: Assessment) -> QuerySet[User]:
    """The course's students with the count of their log lines, refusals and submissions."""
    return (
        User.objects.filter(enrollments__course=assessment.course_id, enrollments__role=Enrollment.Role.STUDENT)
        .annotate(
            refusals=Count(
                "exam_events",
                filter=Q(exam_events__assessment=assessment, exam_events__kind=ExamEvent.Kind.REFUSED),
                distinct=True,
            ),
            submissions_count=Count("submissions", filter=Q(submissions__item__assessment=assessment), distinct=True),
            sessions_count=Count("exam_sessions", distinct=True),
        )
        .order_by("username")
    )


@dataclass(frozen=True)
class LogLine:
    at: datetime
    kind: str
    label: str
    ip: str
    text: str
    submission: Submission | None = None


def exam_log(*, assessment: Assessment, user: User) -> dict[str, object]:
    """One student's exam log: sessions, addresses, submissions and refusals, newest first."""
    events = ExamEvent.objects.filter(Q(assessment=assessment) | Q(assessment__isnull=True), user=user).select_related(
        "submission"
    )
    auto = {
        a.submission_id: a
        for a in ExamAutoSubmission.objects.filter(user=user, item__assessment=assessment, submission__isnull=False)
    }
    lines = [
        LogLine(
            at=e.at,
            kind=e.kind,
            label=e.get_kind_display(),
            ip=e.ip,
            text=_event_text(e),
            submission=e.submission,
        )
        for e in events[:1000]
    ]
    submissions = Submission.objects.filter(user=user, item__assessment=assessment).select_related("item")
    for s in submissions:
        lines.append(
            LogLine(
                at=s.created_at,
                kind="submission",
                label="auto" if s.pk in auto else "",
                ip="",
                text=f"{s.item.slug} #{s.attempt}: {s.get_status_display()}",
                submission=s,
            )
        )
    lines.sort(key=lambda line: line.at, reverse=True)
    sessions = ExamSession.objects.filter(user=user)
    return {
        "lines": lines,
        "sessions": sessions,
        "addresses": sorted({s.ip for s in sessions if s.ip} | {e.ip for e in events if e.ip}),
    }


def _event_text(event: ExamEvent) -> str:
    detail = event.detail or {}
    if event.kind == ExamEvent.Kind.REFUSED:
        return f"[{event.rule}] {event.message} ({event.path})"
    if event.kind == ExamEvent.Kind.SESSION_REPLACED:
        return f"→ {detail.get('new_ip', '')}"
    if event.kind == ExamEvent.Kind.SESSION_START:
        return str(detail.get("user_agent", ""))
    if event.kind == ExamEvent.Kind.LATE_DRAFT:
        return f"{detail.get('item', '')}: {detail.get('text', '')}"
    if event.kind in (ExamEvent.Kind.SUBMITTED, ExamEvent.Kind.AUTO_SUBMITTED):
        return f"{detail.get('item', '')} ({detail.get('source', detail.get('status', ''))})"
    return event.path
