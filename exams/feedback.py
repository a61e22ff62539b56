"""Feedback during the sitting: full, "runs" only, or none; scores shown at the close.

``submission_feedback`` is the one answer to "what may the student see of this submission now",
used by ``Submission.is_released`` (hence by every page and the API), by the result template and
by the API's submission view, so the pages and the API agree.

- full: as without exam mode (the assessment's own release: at once or after review).
- runs: whether the code ran or stopped with an error (status, and the line of a syntax error);
  no score, no checks, no output (a print in a probe could show hidden inputs).
- none: only that it was received.

In runs and none modes the score and the checks are shown from the release time of the sitting
(the student's close, with their extension; late work: its end; no close: their time limit),
and after a teacher's review when the assessment is released after review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from exams.models import ExamSettings
from exams.rules import exam_of, sitting_for
from exercises.models import Submission

ERROR_STATUSES = {
    Submission.Status.SYNTAX_ERROR,
    Submission.Status.RUNTIME_ERROR,
    Submission.Status.TIME_LIMIT,
    Submission.Status.MEMORY_LIMIT,
    Submission.Status.OUTPUT_LIMIT,
}


@dataclass(frozen=True)
class Feedback:
    mode: str  # full, runs or none: what applies now (full once the scores are released)
    hidden: bool  # the exam holds the score and the checks back
    release_at: datetime | None

    @property
    def show_status(self) -> bool:
        return self.mode != ExamSettings.Feedback.NONE

    def verdict(self, submission: Submission) -> str:
        """pending, ran or error (runs mode); received (none mode); empty in full mode."""
        if not self.hidden:
            return ""
        if submission.is_pending:
            return "pending"
        if self.mode == ExamSettings.Feedback.NONE:
            return "received"
        return "error" if submission.status in ERROR_STATUSES or submission.status in ("crashed", "error") else "ran"

    def verdict_text(self, submission: Submission) -> str:
        verdict = self.verdict(submission)
        return {
            "pending": _("Din inlämning tas emot."),
            "received": _("Inlämnad. Resultatet visas när provet har stängt."),
            "ran": _("Koden kördes utan fel. Poängen visas när provet har stängt."),
            "error": _("Koden kunde inte köras: %(status)s. Poängen visas när provet har stängt.")
            % {"status": submission.get_status_display()},
        }.get(verdict, "")


FULL = Feedback(mode=ExamSettings.Feedback.FULL, hidden=False, release_at=None)


def submission_feedback(submission: Submission, now: datetime | None = None) -> Feedback:
    cached = getattr(submission, "_exam_feedback", None)
    if cached is not None and now is None:
        return cached
    feedback = _compute(submission, now or timezone.now())
    submission._exam_feedback = feedback  # type: ignore[attr-defined]  # a memo for templates that ask per row
    return feedback


def _compute(submission: Submission, now: datetime) -> Feedback:
    assessment = submission.item.assessment
    exam = exam_of(assessment)
    if exam is None or exam.feedback == ExamSettings.Feedback.FULL:
        return FULL
    sitting = sitting_for(assessment=assessment, user=submission.user, now=now)
    release_at = sitting.release_at if sitting else None
    if release_at is not None and now >= release_at:
        return Feedback(mode=ExamSettings.Feedback.FULL, hidden=False, release_at=release_at)
    return Feedback(mode=exam.feedback, hidden=True, release_at=release_at)


def exam_hides_scores(submission: Submission) -> bool:
    return submission_feedback(submission).hidden


def api_view(submission: Submission, data: dict[str, Any]) -> dict[str, Any]:
    """The API's submission as the exam's feedback mode allows (the serializer has already held
    back the score and the checks through ``is_released``)."""
    feedback = submission_feedback(submission)
    data = dict(data)
    data["feedback"] = feedback.mode
    data["verdict"] = feedback.verdict(submission)
    data["scores_shown_at"] = feedback.release_at.isoformat() if feedback.hidden and feedback.release_at else None
    if feedback.hidden:
        data["output"] = ""
        data["error"] = {"line": (submission.error or {}).get("line")} if feedback.show_status else None
        if not feedback.show_status:
            data["status"] = "received" if not submission.is_pending else data["status"]
            data["status_display"] = _("Inlämnad") if not submission.is_pending else data["status_display"]
    return data
