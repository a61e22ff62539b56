"""The one vocabulary of a job's status, for every kind of job (submission, validation run, trial
answer, regrade): defined here once, Django-free, so the harness, the grading worker and the
recorder compare the same values. ``exercises.jobs.JobStatus`` gives them their labels for Django.

A job is *pending* while queued or running and *finished* in any other status: a grade outcome
(graded … error), the teacher's checks failing (checks_error), or a validation's verdict.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    # How a grade ended.
    GRADED = "graded"
    SYNTAX_ERROR = "syntax_error"
    RUNTIME_ERROR = "runtime_error"
    TIME_LIMIT = "time_limit"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    CRASHED = "crashed"
    ERROR = "error"  # the platform failed, not the student
    CHECKS_ERROR = "checks_error"  # the teacher's checks.py failed (in its jail)
    # A validation run's verdict on a draft.
    PASSED = "passed"
    FAILED = "failed"


PENDING = frozenset({Status.QUEUED, Status.RUNNING})
