"""A grading job as a pure function: the job message's body in, its result as data out.

Shared by the grading workers (``grader.service``) and by whatever grades in-process the same way
(``exercises.jobs.job_run_inline`` for tests and a shell). No Celery, no Django.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from grader.harness import ItemSpec, grade, platform_error
from grader.status import Status

logger = logging.getLogger(__name__)


def spec_from_message(data: dict[str, Any]) -> ItemSpec:
    fields = ItemSpec.__dataclass_fields__
    return ItemSpec(**{k: v for k, v in data.items() if k in fields})


def _progress(message: dict[str, Any]) -> Any:
    """A submission's progress goes to Redis while it is graded (``grader.launch.progress``), for
    the student's page; other kinds of job have nobody watching."""
    job: dict[str, Any] = message["job"] if isinstance(message.get("job"), dict) else {}
    if job.get("kind") != "submission" or job.get("id") is None:
        return None
    from grader.launch.progress import RedisProgress

    progress = RedisProgress(job["id"])
    progress.clear()  # a retried job starts its progress afresh
    return progress


def run_job(message: dict[str, Any]) -> dict[str, Any]:
    """The pure part: a job message in, its result as data out (a grade, or a validation's
    verdict). Never raises: a platform failure is a result too."""
    from grader import validation

    spec = spec_from_message(message["spec"])
    started = time.monotonic()
    try:
        if isinstance(message.get("validation"), dict):
            v = message["validation"]
            result = validation.validate(
                spec,
                solution=str(v.get("solution", "")),
                starter=str(v.get("starter", "")),
                examples=str(v.get("examples", "")),
                prompts=[str(p) for p in v.get("prompts") or []],
            )
        else:
            variant = message.get("variant") if isinstance(message.get("variant"), dict) else None
            result = grade(spec, str(message.get("text", "")), variant or None, progress=_progress(message)).as_dict()
    except Exception as exc:
        logger.exception("grading %s failed", spec.slug)
        result = platform_error(spec, type(exc).__name__).as_dict()
        if isinstance(message.get("validation"), dict):
            result = {"status": Status.ERROR, "solution_result": result, "starter_result": None, "problems": []}
    timings = result.setdefault("timings", {})
    if isinstance(timings, dict):
        timings["worker_total"] = round(time.monotonic() - started, 4)
    return result
