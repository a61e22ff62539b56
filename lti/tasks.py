"""Celery tasks of the LTI app: thin, they take ids and call services."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)

MAX_TRIES = 5


@shared_task(name="lti.tasks.send_score", bind=True, ignore_result=True, max_retries=MAX_TRIES)
def send_score(self, grade_sync_id: int) -> None:  # type: ignore[no-untyped-def]
    """Post one student's score to the LMS; retried with backoff (2, 4, 8, 16, 32 s), then the
    failure stays on the dashboard with "send again"."""
    from django.db.models import F

    from lti import services
    from lti.models import GradeSync

    GradeSync.objects.filter(pk=grade_sync_id).update(tries=F("tries") + 1)
    try:
        services.score_send(grade_sync_id=grade_sync_id)
    except Exception as exc:
        final = self.request.retries >= MAX_TRIES
        logger.warning("LTI score %s not sent (try %s): %s", grade_sync_id, self.request.retries + 1, exc)
        services.score_failed(grade_sync_id=grade_sync_id, error=f"{type(exc).__name__}: {exc}", final=final)
        if not final:
            raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc
