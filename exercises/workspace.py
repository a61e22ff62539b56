"""The exercise workspace: a submission's progress while it is graded (read from Redis), and
free example runs that are not graded (their state lives in Redis, never in the database).

Writes are ``example_run_request``; reads are ``submission_progress`` and ``example_run_get``.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any, cast

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import User
from exercises.models import Item, Submission

logger = logging.getLogger(__name__)

EXAMPLE_RUN_TTL_SECONDS = 600


def examples_url_for(*, item: Item) -> str | None:
    """Where the workspace asks for a free example run; None where there is none (not code, or
    turned off for the assessment, as for an exam)."""
    if item.kind != "code" or not item.assessment.examples_enabled:
        return None
    return reverse("exercises:examples", kwargs={"slug": item.slug})


def _message(check: dict[str, Any]) -> str:
    return str(check.get("message_en") if get_language() == "en" else check.get("message_sv") or "")


def submission_progress(*, submission: Submission) -> dict[str, Any]:
    """What the student may know while a submission is graded.

    ``queue_position`` (1 = next) while queued, counted from the submissions queued before it
    that no worker has started; ``elapsed`` seconds since it was submitted; from the worker's
    events in Redis: ``started``, ``structure`` (checks known before training ends), ``epochs``
    of the student's first fit, ``final``.
    """
    from grader.launch.progress import events

    now = timezone.now()
    out: dict[str, Any] = {"elapsed": round((now - submission.created_at).total_seconds(), 1)}
    if submission.status == Submission.Status.QUEUED:
        ahead = Submission.objects.filter(
            status=Submission.Status.QUEUED, queued_at__isnull=False, queued_at__lt=submission.queued_at or now
        ).count()
        out["queue_position"] = ahead + 1
    structure: list[dict[str, Any]] = []
    epochs: list[dict[str, Any]] = []
    for event in events(submission.pk):
        kind = event.get("event")
        if kind == "started":
            out["started"] = True
        elif kind == "structure" and isinstance(event.get("checks"), list):
            structure = [
                {"name": str(c.get("name", "")), "passed": bool(c.get("passed")), "message": _message(c)}
                for c in event["checks"]
                if isinstance(c, dict)
            ]
        elif kind == "epoch" and event.get("fit") == 1:
            epochs.append({k: event.get(k) for k in ("epoch", "loss", "val_loss")})
        elif kind == "final":
            out["final"] = True
    out["structure"], out["epochs"] = structure, epochs
    return out


class ExampleRunRefused(ValidationError):
    """An example run that is not allowed now; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _redis() -> redis.Redis:
    from grader.launch.progress import client

    return client()


def example_run_request(*, user: User, item: Item, text: str) -> str:
    """Start a free example run of ``text`` for ``item``; returns its id.

    1. Refuse what cannot run: an item that is not code or not published, examples turned off
       for the assessment, empty or oversized code, more than the allowed runs a minute.
    2. Keep its state in Redis (queued, with its owner) and send everything the worker needs
       (code, the visible examples, the item's checks source and limits) on the item's queue.
    """
    from celery import current_app

    from exercises.services import item_spec
    from grader.examples import EXAMPLE_RUN_TASK
    from grader.launch.progress import EXAMPLES_KEY
    from grader.launch.routing import choose_queue

    version = item.current_version
    if item.kind != "code" or not item.is_published or version is None:
        raise PermissionDenied(_("Uppgiften är inte öppen."))
    if not item.assessment.examples_enabled:
        raise ExampleRunRefused(_("Exempelkörningar är avstängda för den här delen."), status=403)
    if not text.strip():
        raise ExampleRunRefused(_("Koden är tom."))
    if len(text.encode("utf-8")) > settings.QUIZ_MAX_CODE_BYTES:
        raise ExampleRunRefused(
            _("Koden är för stor (högst %(kb)d kB).") % {"kb": settings.QUIZ_MAX_CODE_BYTES // 1024}
        )
    limit = int(getattr(settings, "QUIZ_EXAMPLE_RUNS_PER_MINUTE", 6))
    window = int(timezone.now().timestamp() // 60)
    key = f"quiz:example-runs:{user.pk}:{window}"
    cache.add(key, 0, timeout=90)
    if cache.incr(key) > limit:
        raise ExampleRunRefused(
            _("Du har kört exemplen %(n)d gånger den senaste minuten. Vänta en stund och försök igen.") % {"n": limit},
            status=429,
        )
    spec = item_spec(version)
    run_id = uuid.uuid4().hex
    payload = {
        "slug": item.slug,
        "code": text,
        "examples": str((version.config or {}).get("examples", "")),
        "checks": spec.checks_source,
        "limits": spec.limits,
    }
    state = {"state": "queued", "user": user.pk, "item": item.slug}
    try:
        _redis().set(EXAMPLES_KEY.format(run=run_id), json.dumps(state), ex=EXAMPLE_RUN_TTL_SECONDS)
        current_app.send_task(EXAMPLE_RUN_TASK, args=[run_id, payload], queue=choose_queue(requested=version.queue))
    except Exception as exc:  # the broker is down: say so now rather than poll for nothing
        logger.exception("could not start example run for %s", item.slug)
        raise ExampleRunRefused(_("Exemplen kunde inte startas just nu. Försök igen om en stund."), status=503) from exc
    return run_id


def example_run_get(*, user: User, item: Item, run_id: str) -> dict[str, Any]:
    """The state of one of ``user``'s example runs for ``item``; 404 for anyone else's."""
    from grader.launch.progress import EXAMPLES_KEY

    try:
        raw = cast(bytes | None, _redis().get(EXAMPLES_KEY.format(run=run_id)))  # a synchronous client
    except redis.RedisError:
        raw = None
    data = json.loads(raw) if raw else None
    if not isinstance(data, dict) or data.get("user") != user.pk or data.get("item") != item.slug:
        raise Http404("No such example run")
    return {k: v for k, v in data.items() if k not in ("user",)}
