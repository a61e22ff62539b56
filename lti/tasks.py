"""Celery tasks of the LTI app: thin, they take ids and call services."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.conf import settings

logger = logging.getLogger(__name__)


@shared_task(name="lti.tasks.send_score", bind=True, ignore_result=True, max_retries=None)
def send_score(self: Task[[int], None], grade_sync_id: int) -> None:
    """Post one student's score to the LMS. A failure is retried with exponential backoff
    (LTI_RETRY_BASE_SECONDS × 2^n, LTI_SCORE_TRIES tries in all), then stays on the course's LTI
    page with its error and a "send again" button."""
    from django.db.models import F
    from django.utils import timezone

    from lti import services
    from lti.models import GradeSync

    # Taken now: the sweeper leaves it alone while its retries run.
    GradeSync.objects.filter(pk=grade_sync_id).update(tries=F("tries") + 1, queued_at=timezone.now())
    try:
        services.score_send(grade_sync_id=grade_sync_id)
    except Exception as exc:
        tries = self.request.retries + 1
        final = tries >= settings.LTI_SCORE_TRIES
        logger.warning("LTI score %s not sent (try %s): %s", grade_sync_id, tries, exc)
        services.score_failed(grade_sync_id=grade_sync_id, error=f"{type(exc).__name__}: {exc}", final=final)
        if not final:
            raise self.retry(exc=exc, countdown=settings.LTI_RETRY_BASE_SECONDS * 2 ** (tries - 1)) from exc
