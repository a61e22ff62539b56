"""Runs a teacher's ``checks.py`` inside its own jail (jail B), never beside the platform.

The teacher is trusted with their own course and nothing else, so their code gets what the
student's gets: a fresh single-use child of a warm fork server with its own pid, mount, network,
IPC and UTS namespaces, an unprivileged uid, no environment, no network, rlimits, and a file system
of the Python runtime, this file, and the trusted check library (``grader.checks``, read-only at
``/opt/quizchecks``). Nothing of the platform: no settings, no database, no content, no secrets.

One JSON request on stdin (cold) or its request pipe (warm)::

    {"op": "probe", "source": ..., "filename": "slug/checks.py", "variant": {...}}
    {"op": "grade", "source": ..., "filename": ..., "variant": {...}, "report": {...}, "worker": {...}}
    {"op": "grade_each", ..., "reports": [{...}, ...]}   several reports graded in one child

One JSON answer on the result pipe: ``{"probe": {...}}``, ``{"checks": [...], "feedback": {...}}``
(``{"each": [...]}`` of those for ``grade_each``),
``{"tampered": true}`` (the sandbox's report was malformed), or ``{"error": {...}}`` with the
teacher's own frames (file and line) only. The trusted side parses it strictly. Standard library and
``grader.checks`` only.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import sys
import traceback
from typing import TYPE_CHECKING, Any, NoReturn, TypedDict

if TYPE_CHECKING:  # only for the type checker: the jail imports the standard library and grader.checks
    # JSON as it crosses the jail's boundary (the variant, the sandbox's report, the worker's facts):
    # decoded from the request; the check library and the teacher's code read it.
    JSONDict = dict[str, Any]

sys.path.insert(0, "/opt/quizchecks")

MAX_TEXT = 4000
MAX_CHECKS = 200


class ChecksRequest(TypedDict, total=False):
    op: str  # "probe" or "grade"
    source: str
    filename: str
    variant: JSONDict
    report: JSONDict
    reports: list[JSONDict]
    worker: JSONDict


class ErrorInfo(TypedDict):
    """What the teacher needs to fix their checks (``_error``)."""

    type: str
    message: str
    file: str
    line: int | None
    traceback: str


class MsgData(TypedDict):
    sv: str
    en: str


class CheckData(TypedDict):
    name: str
    passed: bool
    weight: float
    message: MsgData
    hint: MsgData | None


def _short(text: object, limit: int = MAX_TEXT) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit] + " …"


def _error(exc: BaseException, filename: str) -> ErrorInfo:
    """What the teacher needs to fix it: type, message, and the frames of their own file."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    line = frames[-1].lineno if frames else None
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        line = exc.lineno
    try:
        message = _short(exc, 2000)
    except BaseException:  # an exception whose str() raises is the teacher's too
        message = "<unprintable>"
    lines = traceback.format_list(frames) + [f"{type(exc).__name__}: {message}\n"]
    return {"type": type(exc).__name__, "message": message, "file": filename, "line": line,
            "traceback": _short("".join(lines))}  # fmt: skip


def _text(value: object, limit: int) -> str:
    if type(value) is not str:
        raise TypeError(f"a message must be text, not {type(value).__name__}")
    return _short(value, limit)


def _msg(value: object) -> MsgData:
    from grader.checks import Msg

    if type(value) is not Msg:
        raise TypeError(f"a message must be msg(sv=..., en=...), not {type(value).__name__}")
    return {"sv": _text(value.sv, 4000), "en": _text(value.en, 4000)}


def _check(check: object) -> CheckData:
    """One Check as plain data. Only the library's own Check (not a subclass), with a real bool
    and a finite weight: an object that claims to be anything never leaves the jail as one."""
    from grader.checks import Check

    if type(check) is not Check:
        raise TypeError(f"grade() must return Check objects, not {type(check).__name__}")
    if type(check.passed) is not bool:
        raise TypeError(f"Check {check.name!r}: passed must be True or False, not {type(check.passed).__name__}")
    weight = check.weight
    if type(weight) not in (int, float) or not math.isfinite(weight) or weight < 0:
        raise TypeError(f"Check {check.name!r}: weight must be a finite number ≥ 0")
    return {
        "name": _text(check.name, 100),
        "passed": check.passed,
        "weight": float(weight),
        "message": _msg(check.message),
        "hint": None if check.hint is None else _msg(check.hint),
    }


def main(request: ChecksRequest) -> dict[str, object]:
    filename = str(request.get("filename", "checks.py"))
    # Whatever the teacher's checks.py defines (PROBE, make_probe, grade, ...).
    namespace: dict[str, Any] = {"__name__": "checks_" + filename.split("/")[0].replace("-", "_")}
    try:
        exec(compile(str(request["source"]), filename, "exec"), namespace)
    except BaseException as exc:
        return {"error": _error(exc, filename)}
    if ("PROBE" not in namespace and "make_probe" not in namespace) or "grade" not in namespace:
        return {"error": {"type": "ValueError", "file": filename, "line": None, "traceback": "",
                          "message": "checks.py must define PROBE (or make_probe(variant)) and grade(report)"}}  # fmt: skip
    variant = request.get("variant") or {}
    if request.get("op") == "probe":
        try:
            probe = namespace["make_probe"](variant) if "make_probe" in namespace else namespace["PROBE"]
            if type(probe) is not dict:
                raise TypeError(f"PROBE must be a dict, not {type(probe).__name__}")
            return {"probe": json.loads(json.dumps(probe, allow_nan=False))}
        except BaseException as exc:
            return {"error": _error(exc, filename)}
    from grader.checks import devices

    # What only the worker can see (its GPUs), handed in as data: the jail sees no host.
    worker = request.get("worker") or {}
    devices.HANDED_IN["gpu_count"] = worker.get("gpu_count")
    if request.get("op") == "grade_each":  # several reports, one jail: the early checks' two guesses
        reports = request.get("reports")
        return {"each": [_grade(namespace, filename, variant, r) for r in (reports if type(reports) is list else [])]}
    return _grade(namespace, filename, variant, request.get("report") or {})


def _grade(namespace: dict[str, Any], filename: str, variant: JSONDict, data: object) -> dict[str, object]:
    """``grade(report)`` on one report: its checks and feedback as data, or what went wrong."""
    from grader.checks import Report, ReportError

    try:
        report = Report(data if type(data) is dict else {})
        function = namespace["grade"]
        two = len(inspect.signature(function).parameters) >= 2
        checks = function(report, variant) if two else function(report)
        if type(checks) is not list:
            raise TypeError(f"grade() must return a list of Check, not {type(checks).__name__}")
        if len(checks) > MAX_CHECKS:
            raise ValueError(f"grade() returned {len(checks)} checks; at most {MAX_CHECKS}")
        checks_data = [_check(c) for c in checks]
        feedback = json.loads(json.dumps(report.feedback, allow_nan=False))
    except ReportError:
        return {"tampered": True}
    except BaseException as exc:
        return {"error": _error(exc, filename)}
    return {"checks": checks_data, "feedback": feedback if type(feedback) is dict else {}}


def respond(request: ChecksRequest, result_fd: int) -> NoReturn:
    """Answer ``request`` on ``result_fd``; never returns (as ``runner.respond``)."""
    try:
        result = main(request)
        data = json.dumps(result, allow_nan=False).encode()
    except BaseException as exc:  # the checks runner's own failure, reported as such
        data = json.dumps({"error": {"type": type(exc).__name__, "message": _short(exc, 500), "file": "",
                                     "line": None, "traceback": ""}}).encode()  # fmt: skip
    view = memoryview(data)
    while view:
        view = view[os.write(result_fd, view) :]
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    _request = json.loads(sys.stdin.read())
    respond(_request, int(_request.pop("result_fd")))
