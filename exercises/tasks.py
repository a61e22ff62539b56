"""The recorder's Celery task: grading workers answer through the ``results`` queue and this,
which runs in a process with the database, writes what they say (``exercises.jobs``).

Grading itself is ``grader.service.grade_job`` on the grading workers, which have no database.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from exercises.jobs import RECORD_TASK, job_record_event


@shared_task(name=RECORD_TASK, ignore_result=True)
def record_job_event(event: dict[str, Any]) -> None:
    job_record_event(event)
