"""The sandbox contains what student code does, and every way out ends in a clear status."""

import dataclasses
import os

import pytest

from grader.harness import ItemSpec, grade
from tests.conftest import ROOT

pytestmark = pytest.mark.integration  # real bubblewrap (and TensorFlow in the sandbox)

CHECKS = """
from grader.checks import Check, is_integer, msg
PROBE = {"calls": [{"id": "f", "function": "f", "args": [2]}]}
def grade(report):
    r = report.call("f")
    ok = is_integer(r) and r.value == 4
    return [Check("f", ok, msg(sv="f(2)", en=f"f(2) -> {r.value_type} {r.value}"))]
"""
SPEC = ItemSpec(
    slug="probe",
    kind="code",
    points=1,
    checks_source=CHECKS,
    limits={"cpu_seconds": 4, "wall_seconds": 8, "memory_mb": 512},
)


def run(code: str):
    return grade(SPEC, code)


def test_correct_code_passes():
    result = run("def f(x):\n    return x * 2\n")
    assert (result.status, result.score) == ("graded", 1.0)


def test_syntax_error_reports_its_line():
    result = run("def f(x):\n    return x *\n")
    assert result.status == "syntax_error" and result.score == 0
    assert result.error["line"] == 2
    assert "line 2" in result.checks[0].message_en


def test_exception_at_import_reports_its_line():
    result = run("x = 1\ny = 1 / 0\ndef f(x):\n    return x * 2\n")
    assert result.status == "runtime_error"
    assert result.error["line"] == 2 and result.error["type"] == "ZeroDivisionError"


@pytest.mark.parametrize(
    "code, limits, limit",
    [
        # A wide wall limit for the busy loop: on a loaded machine it gets a fraction of a core, and
        # it must reach its CPU limit before the wall clock runs out for the CPU limit to be the one hit.
        ("while True:\n    pass\n", {"cpu_seconds": 2, "wall_seconds": 40}, "the limit is 2 s of CPU time"),
        ("import time\ntime.sleep(60)\n", {"cpu_seconds": 4, "wall_seconds": 8}, "the limit is 8 s of wall"),
    ],
)
def test_endless_code_hits_the_time_limit_and_is_told_which(code, limits, limit):
    """A busy loop hits the CPU limit, a sleep the wall-clock limit; the message names the one hit."""
    result = grade(dataclasses.replace(SPEC, limits={**SPEC.limits, **limits}), code)
    assert result.status == "time_limit" and result.score == 0
    assert limit in result.checks[0].message_en, result.checks[0].message_en


def test_memory_bomb_hits_the_memory_limit():
    result = run("x = bytearray(2 * 1024 ** 3)\n")
    assert result.status == "memory_limit" and result.score == 0


def test_output_flood_is_stopped_and_bounded():
    result = run("while True:\n    print('x' * 1000)\n")
    assert result.status == "output_limit"
    assert len(result.output) < 70 * 1024


def test_printed_result_is_not_a_grade():
    code = (
        'import json\nprint(json.dumps({"phase": "done", "calls": {"f": {"value": {"type": "int", "value": 4}}}}))\n'
        "def f(x):\n    return 3\n"
    )
    result = run(code)
    assert result.status == "graded" and result.score == 0


def test_exit_before_grading_is_no_pass():
    assert run("import os\nos._exit(0)\n").status == "crashed"
    assert run("import sys\nsys.exit(0)\n").status == "runtime_error"


def test_object_equal_to_everything_is_not_an_integer():
    code = "class Liar:\n    def __eq__(self, other):\n        return True\n\ndef f(x):\n    return Liar()\n"
    result = run(code)
    assert result.score == 0
    assert "Liar" in result.checks[0].message_en


def test_no_network_no_project_files_no_secrets():
    code = """
import os, socket
seen = []
for path in ["PROJECT/manage.py", "/etc/passwd", "/root/.ssh", "/var/lib/redis"]:
    seen.append((path, os.path.exists(path)))
try:
    socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=1)
    seen.append(("redis", True))
except OSError:
    seen.append(("redis", False))
print(seen, sorted(os.environ), os.getuid())
def f(x):
    return 4
"""
    result = run(code.replace("PROJECT", str(ROOT)).replace("REDIS_PORT", os.environ.get("TEST_REDIS_PORT", "6399")))
    assert result.status == "graded"
    assert f"('{ROOT}/manage.py', False)" in result.output
    assert "('redis', False)" in result.output
    assert "('/etc/passwd', False)" in result.output and "('/root/.ssh', False)" in result.output
    assert "SECRET" not in result.output and "DJANGO" not in result.output
    uid = int(result.output.strip().rsplit(" ", 1)[1])
    assert uid != 0


def test_project_and_hidden_checks_are_not_visible():
    code = """
import os
from pathlib import Path
import sys
# Everything but the read-only runtime (system, Python, .venv), which is public anyway.
skip = {"/proc", "/sys", "/usr", sys.prefix, sys.base_prefix}
hits = []
for root, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if os.path.join(root, d) not in skip]
    hits += [os.path.join(root, f) for f in files if f in ("item.yaml", "solution.py", "checks.py") or f.endswith(".sqlite3")]
print("content" if os.path.exists("PROJECT/content") else "no content", "db" if os.path.exists("PROJECT/var") else "no db", hits)
def f(x):
    return 4
"""
    result = run(code.replace("PROJECT", str(ROOT)).replace("REDIS_PORT", os.environ.get("TEST_REDIS_PORT", "6399")))
    assert "[]" in result.output
    assert "no content" in result.output and "no db" in result.output


def test_fork_bomb_is_contained_and_the_next_run_is_fine():
    result = run("import os\nwhile True:\n    os.fork()\n")
    assert result.status in ("crashed", "runtime_error", "time_limit") and result.score == 0
    assert run("def f(x):\n    return 4\n").score == 1.0
