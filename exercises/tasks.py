"""Celery tasks: thin, they take ids and call services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="exercises.tasks.grade_submission", ignore_result=True)
def grade_submission(submission_id: int) -> None:
    from exercises.services import submission_grade

    submission_grade(submission_id=submission_id, worker=grade_submission.request.hostname or "")


@shared_task(name="exercises.tasks.run_examples", ignore_result=True)
def run_examples(run_id: str, payload: dict) -> None:
    """A free example run (not graded): everything it needs is in the message."""
    from exercises.workspace import example_run_execute

    example_run_execute(run_id=run_id, payload=payload)
