"""Celery tasks of the authoring app: thin, they take ids and call services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="authoring.tasks.validate_draft", ignore_result=True)
def validate_draft(run_id: int) -> None:
    from authoring.services import validation_run_execute

    validation_run_execute(run_id=run_id, worker=validate_draft.request.hostname or "")


@shared_task(name="authoring.tasks.grade_trial", ignore_result=True)
def grade_trial(trial_id: int) -> None:
    from authoring.services import trial_execute

    trial_execute(trial_id=trial_id, worker=grade_trial.request.hostname or "")
