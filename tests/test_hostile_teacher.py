"""Hostile teachers: a course teacher's ``checks.py`` runs in its own jail (jail B), separate from
the student's, with no network, no environment, no platform files and tight limits. Each attack
below is contained, earns its author nothing beyond their own item, and comes back explained with
the file and line of the teacher's code."""

from __future__ import annotations

import subprocess

import pytest
from django.conf import settings

from grader.harness import ItemSpec, grade
from tests.conftest import ROOT, item_dir

pytestmark = pytest.mark.integration

STUDENT_CODE = "def answer():\n    return 42\n"
PROBE = "PROBE = {'calls': [{'id': 'a', 'function': 'answer', 'args': []}]}\n"
HEADER = "import os, socket, sys, time\nfrom grader.checks import Check, msg\n" + PROBE


def run(body: str, slug: str = "hostile-teacher"):
    """Grade the harmless student code with the teacher's checks ``HEADER + body``."""
    spec = ItemSpec(slug=slug, kind="code", points=1, checks_source=HEADER + body)
    return grade(spec, STUDENT_CODE)


def said(result) -> str:
    """What the teacher's checks reported (their message), or the failure's explanation."""
    return " | ".join(c.message_en for c in result.checks)


def line_of(source: str, needle: str) -> int:
    return next(i for i, text in enumerate((HEADER + source).splitlines(), start=1) if needle in text)


def test_the_environment_holds_no_secret_and_the_settings_cannot_be_imported(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "teacher-must-not-see-this")
    monkeypatch.setenv("DATABASE_URL", "postgres://quiz:hunter2@db/quiz")
    body = (
        "def grade(report):\n"
        "    try:\n"
        "        import quizplatform.settings as s\n"
        "        seen = 'SETTINGS ' + s.SECRET_KEY\n"
        "    except Exception as exc:\n"
        "        seen = 'no settings: ' + type(exc).__name__\n"
        "    return [Check('env', True, msg(sv='x', en=repr(sorted(os.environ.items())) + ' ' + seen))]\n"
    )
    result = run(body)
    text = said(result)
    assert result.status == "graded" and "no settings: ModuleNotFoundError" in text, text
    for secret in ("teacher-must-not-see-this", "hunter2", "DJANGO_SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"):
        assert secret not in text


def test_the_database_file_and_the_content_are_not_there():
    db = settings.DATABASES["default"]["NAME"]
    targets = [str(db), str(ROOT / "var" / "db.sqlite3"), str(item_dir("build-network") / "checks.py")]
    body = (
        f"TARGETS = {targets!r}\n"
        "def grade(report):\n"
        "    seen = []\n"
        "    for path in TARGETS:\n"
        "        try:\n"
        "            seen.append('READ ' + open(path, 'rb').read(16).hex())\n"
        "        except OSError as exc:\n"
        "            seen.append(type(exc).__name__)\n"
        "    return [Check('db', True, msg(sv='x', en=' '.join(seen)))]\n"
    )
    result = run(body)
    assert said(result) == "FileNotFoundError FileNotFoundError FileNotFoundError", said(result)


def test_no_connection_to_redis_or_the_web_port():
    redis_port = int(settings.CELERY_BROKER_URL.rsplit(":", 1)[1].split("/")[0])
    body = (
        f"PORTS = {[redis_port, 8000, 80]!r}\n"
        "def grade(report):\n"
        "    seen = []\n"
        "    for port in PORTS:\n"
        "        try:\n"
        "            socket.create_connection(('127.0.0.1', port), timeout=2).close()\n"
        "            seen.append('CONNECTED')\n"
        "        except OSError as exc:\n"
        "            seen.append(type(exc).__name__)\n"
        "    return [Check('net', True, msg(sv='x', en=' '.join(seen)))]\n"
    )
    result = run(body)
    assert result.status == "graded" and "CONNECTED" not in said(result), said(result)


def test_files_written_stay_in_the_jail_and_do_not_reach_the_next_job(tmp_path):
    planted = ROOT / "var" / "planted-by-teacher"
    library = ROOT / "grader" / "checks" / "__init__.py"
    before = library.read_bytes()
    body = (
        f"PLANT = {str(planted)!r}\n"
        "def grade(report):\n"
        "    seen = ['had-scratch' if os.path.exists('/tmp/scratch') else 'fresh']\n"
        "    open('/tmp/scratch', 'w').write('x')\n"
        "    for path in (PLANT, '/opt/quizchecks/grader/checks/__init__.py'):\n"
        "        try:\n"
        "            open(path, 'a').write('# pwned')\n"
        "            seen.append('WROTE')\n"
        "        except OSError as exc:\n"
        "            seen.append(type(exc).__name__)\n"
        "    return [Check('fs', True, msg(sv='x', en=' '.join(seen)))]\n"
    )
    first, second = run(body), run(body)
    assert said(first).startswith("fresh") and said(second).startswith("fresh"), (said(first), said(second))
    assert "WROTE" not in said(first) + said(second)
    assert not planted.exists() and library.read_bytes() == before


def test_a_hang_is_stopped_and_explained():
    body = "def grade(report):\n    while True:\n        pass\n"
    result = run(body)
    assert result.status == "checks_error" and result.score == 0
    assert result.error["type"] == "TimeLimit" and result.error["file"] == "hostile-teacher/checks.py"


def test_forks_are_bounded_and_die_with_the_job():
    body = "def grade(report):\n    while True:\n        if os.fork() == 0:\n            time.sleep(300)\n"
    result = run(body)
    assert result.status == "checks_error" and result.error["type"] == "BlockingIOError", result.error
    assert result.error["line"] == line_of(body, "os.fork()")
    assert "hostile-teacher/checks.py" in result.error["traceback"]
    # Nothing of the jail's uids is left running (each jail's processes die with its namespace).
    uids = subprocess.run(["ps", "-eo", "uid="], capture_output=True, text=True).stdout.split()
    assert not [u for u in uids if 300_000 <= int(u) < 400_000]


def test_an_output_flood_is_stopped():
    body = "def grade(report):\n    while True:\n        print('x' * 100000)\n"
    result = run(body)
    assert result.status == "checks_error" and result.error["type"] == "OutputLimit", result.error


@pytest.mark.parametrize(
    "forged",
    [
        "class Yes:\n    def __bool__(self):\n        return True\n\n"
        "def grade(report):\n    return [Check('a', Yes(), msg(sv='x', en='x'))]\n",
        "class Mine(Check):\n    pass\n\ndef grade(report):\n    return [Mine('a', True, msg(sv='x', en='x'))]\n",
        "def grade(report):\n    return [Check('a', True, msg(sv='x', en='x'), weight=float('inf'))]\n",
        "def grade(report):\n    return {'a': True}\n",
        "def grade(report):\n    return [{'name': 'a', 'passed': True}]\n",
    ],
    ids=["truthy-object", "check-subclass", "infinite-weight", "a-dict", "dicts"],
)
def test_forged_objects_are_refused_with_the_reason(forged):
    result = run(forged)
    assert result.status == "checks_error" and result.score == 0 and result.error["type"] == "TypeError", result.error


def test_patching_the_harness_or_the_library_does_not_change_later_grades():
    """In the worker's own process (before) this patch would have made every later item's model
    checks pass; in the jail it dies with the child."""
    body = (
        "import builtins, grader.checks, grader.checks.layers as layers\n"
        "def _all_pass(*a, **k):\n"
        "    return [Check('patched', True, msg(sv='ok', en='ok'))]\n"
        "grader.checks.model_checks = layers.model_checks = _all_pass\n"
        "Check.__init__.__defaults__ = (99.0, None)\n"
        "builtins.sum = lambda *a, **k: 0\n"
        "def grade(report):\n    return [Check('mine', True, msg(sv='x', en='x'))]\n"
    )
    assert run(body).status == "graded"
    spec_dir = item_dir("build-network")
    from exercises.content import item_spec_from_folder

    spec = item_spec_from_folder(spec_dir)
    wrong = "import keras\n\ndef build_model(n_cols):\n    return keras.Sequential([keras.Input((n_cols,)), keras.layers.Dense(1)])\n"
    result = grade(spec, wrong)
    assert result.status == "graded" and result.score < spec.points, said(result)
    assert "patched" not in [c.name for c in result.checks]


def test_a_syntax_error_names_the_line():
    body = "def grade(report):\n    x = = 1\n"
    result = run(body)
    assert result.status == "checks_error" and result.error["type"] == "SyntaxError"
    assert result.error["line"] == line_of(body, "x = = 1")
