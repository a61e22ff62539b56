"""Celery tasks: thin, they take ids and call services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="exercises.tasks.grade_submission", ignore_result=True)
def grade_submission(submission_id: int) -> None:
    from exercises.services import submission_grade

    submission_grade(submission_id=submission_id, worker=grade_submission.request.hostname or "")
