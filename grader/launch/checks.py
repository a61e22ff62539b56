"""The trusted side of the teachers' jail (jail B): runs an item's ``checks.py`` through
``grader/jail/checks_runner.py`` in its own warm fork server, and parses what comes back strictly.

The worker never executes teacher code itself: the probe (``PROBE``/``make_probe``) and the grade
(``grade(report)``) each run in a fresh single-use child with no network, no environment, no
platform files and tight limits; the report goes in as JSON and the checks come back as JSON.
A probe is data that depends only on the checks' source and the variant, so it is kept (bounded)
per worker process: a warm worker pays for one jailed call per job, the grade.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import OrderedDict
from typing import Any, TypedDict

from grader.checks import Check, Msg
from grader.launch.sandbox import CHECKS, Limits, SandboxUnavailable, run_in_sandbox

# Checks are light: the library, the report and a few comparisons.
CHECKS_LIMITS = Limits(
    cpu_seconds=10,
    wall_seconds=20.0,
    memory_mb=512,
    max_processes=8,
    output_bytes=16 * 1024,
    file_size_mb=1,
    tmpfs_mb=8,
    open_files=64,
)
PROBE_CACHE_SIZE = 256
_PROBES: OrderedDict[str, dict[str, Any]] = OrderedDict()
# Time spent in the teachers' jail by this process's last job (for the result's timings).
LAST_TIMINGS: dict[str, float] = {}


class ChecksError(TypedDict, total=False):
    """What failed and where in the teacher's file (their own frames only)."""

    type: str
    message: str
    file: str
    line: int | None
    traceback: str


class ChecksFailed(Exception):
    """The teacher's checks failed: raised, hung, used too much, or answered nonsense. ``error``
    says what and where in their file (``file``, ``line``, ``traceback`` of their own frames)."""

    def __init__(self, error: ChecksError) -> None:
        super().__init__(f"{error.get('type')}: {error.get('message')}")
        self.error = error


class ReportTampered(Exception):
    """The sandbox's report did not have the shape the runner writes (the student's doing)."""


def _filename(slug: str) -> str:
    return f"{slug}/checks.py"


LIMIT_TEXT = {
    "time_limit": "the checks took too long and were stopped ({seconds:g} s)",
    "memory_limit": "the checks used too much memory ({memory} MB)",
    "output_limit": "the checks printed or wrote too much",
    "crashed": "the checks ended their process without answering",
}


def _call(request: dict[str, Any], slug: str) -> dict[str, Any]:
    started = time.monotonic()
    try:
        run = run_in_sandbox(request, CHECKS_LIMITS, CHECKS)
    except SandboxUnavailable as exc:
        raise ChecksFailed({"type": "SandboxUnavailable", "message": str(exc), "file": "", "line": None}) from exc
    finally:
        key = f"checks_{request['op']}"
        LAST_TIMINGS[key] = round(LAST_TIMINGS.get(key, 0.0) + time.monotonic() - started, 4)
    if run.verdict != "ok" or run.result is None:
        text = LIMIT_TEXT.get(run.verdict, "the checks gave no answer").format(
            seconds=CHECKS_LIMITS.wall_seconds, memory=CHECKS_LIMITS.memory_mb
        )
        raise ChecksFailed(
            {
                "type": run.verdict.title().replace("_", ""),
                "message": text,
                "file": _filename(slug),
                "line": None,
                "traceback": run.output[-2000:],
            }  # fmt: skip
        )
    error = run.result.get("error")
    if isinstance(error, dict):
        raise _teacher_error(error, slug)
    return run.result


def _teacher_error(error: dict[str, Any], slug: str) -> ChecksFailed:
    """The error the teacher's code raised in the jail, as the validation page shows it."""
    return ChecksFailed(
        {
            "type": str(error.get("type", "Error"))[:100],
            "message": str(error.get("message", ""))[:2000],
            "file": _filename(slug),
            "line": error.get("line") if type(error.get("line")) is int else None,
            "traceback": str(error.get("traceback", ""))[:4000],
        }
    )


def probe(*, source: str, slug: str, variant: dict[str, Any]) -> dict[str, Any]:
    """The probe the student's code is run with (``PROBE`` or ``make_probe(variant)``)."""
    key = hashlib.sha256(json.dumps([source, slug, variant], sort_keys=True).encode()).hexdigest()
    if key in _PROBES:
        _PROBES.move_to_end(key)
        return _PROBES[key]
    answer = _call({"op": "probe", "source": source, "filename": _filename(slug), "variant": variant}, slug)
    found = answer.get("probe")
    if not isinstance(found, dict):
        raise ChecksFailed(
            {"type": "TypeError", "message": "PROBE must be a dict", "file": _filename(slug), "line": None}
        )
    _PROBES[key] = found
    while len(_PROBES) > PROBE_CACHE_SIZE:
        _PROBES.popitem(last=False)
    return found


def _msg(data: object) -> Msg:
    if not (isinstance(data, dict) and isinstance(data.get("sv"), str) and isinstance(data.get("en"), str)):
        raise ValueError("a message is not {sv, en}")
    return Msg(sv=data["sv"][:4000], en=data["en"][:4000])


def _check(data: object) -> Check:
    if not isinstance(data, dict) or not isinstance(data.get("name"), str) or type(data.get("passed")) is not bool:
        raise ValueError("a check is not {name, passed, ...}")
    weight = data.get("weight")
    # Exactly an int or a float (JSON's numbers), not a bool.
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight < 0:
        raise ValueError("a check's weight is not a finite number ≥ 0")
    hint = data.get("hint")
    return Check(
        name=data["name"][:100],
        passed=data["passed"],
        message=_msg(data.get("message")),
        weight=float(weight),
        hint=None if hint is None else _msg(hint),
    )


def grade(
    *, source: str, slug: str, variant: dict[str, Any], report: dict[str, Any], worker: dict[str, Any]
) -> tuple[list[Check], dict[str, Any]]:
    """``grade(report)`` (or ``grade(report, variant)``) on the sandbox's report, in the jail: the
    checks and the feedback the page shows, as data, parsed strictly."""
    request = {"op": "grade", "source": source, "filename": _filename(slug), "variant": variant,
               "report": report, "worker": worker}  # fmt: skip
    return _graded(_call(request, slug), slug)


def grade_each(
    *, source: str, slug: str, variant: dict[str, Any], reports: list[dict[str, Any]], worker: dict[str, Any]
) -> list[list[Check] | None]:
    """``grade`` on several reports in one jailed child (the early checks' guesses): per report its
    checks, or None where the teacher's code failed on it or the report was malformed."""
    request = {"op": "grade_each", "source": source, "filename": _filename(slug), "variant": variant,
               "reports": reports, "worker": worker}  # fmt: skip
    each = _call(request, slug).get("each")
    if not isinstance(each, list) or len(each) != len(reports):
        raise ChecksFailed(
            {"type": "TypeError", "message": "no answer per report", "file": _filename(slug), "line": None}
        )
    out: list[list[Check] | None] = []
    for answer in each:
        try:
            out.append(_graded(answer if isinstance(answer, dict) else {}, slug)[0])
        except (ChecksFailed, ReportTampered):
            out.append(None)
    return out


def _graded(answer: dict[str, Any], slug: str) -> tuple[list[Check], dict[str, Any]]:
    error = answer.get("error")
    if isinstance(error, dict):
        raise _teacher_error(error, slug)
    if answer.get("tampered") is True:
        raise ReportTampered()
    try:
        checks = [_check(c) for c in answer.get("checks") or []]
    except ValueError as exc:
        raise ChecksFailed({"type": "TypeError", "message": str(exc), "file": _filename(slug), "line": None}) from exc
    feedback = answer.get("feedback")
    return checks, feedback if isinstance(feedback, dict) else {}
