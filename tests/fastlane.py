"""`make test-fast`'s guard (``-p tests.fastlane``): the fast lane runs the tests not marked
``integration``, ``browser`` or ``multihost``, and this plugin proves they need none of the slow parts.

A test in the lane fails, naming the mark it lacks, when it
- starts bubblewrap (a ``bwrap`` first on PATH records the call and refuses),
- imports TensorFlow, in the test process or in a Python process it starts (an import hook records
  it and refuses; a ``sitecustomize`` on PYTHONPATH puts the hook in the children),
- starts a browser (Playwright's ``sync_playwright`` and ``async_playwright`` record it and refuse),
- talks to Redis (the broker's URL points at a closed port: the ``broker_url`` fixture fails, and the
  platform's own sends fail as they do with the broker down).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

import pytest

_folder = Path(tempfile.mkdtemp(prefix="quiz-fastlane-"))
_calls = _folder / "calls"
_FAKE_BWRAP = """#!/bin/sh
echo "bwrap $*" >> "{calls}"
echo "fast lane: this test starts bwrap; mark it integration" >&2
exit 70
"""


_SITE = Path(__file__).parent / "fastlane_site"  # sitecustomize.py: the TensorFlow refusal


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Before the settings are read: the closed broker port, the refusing bwrap, the import hook,
    the refusing Playwright."""
    (_folder / "bin").mkdir()
    fake = _folder / "bin" / "bwrap"
    fake.write_text(_FAKE_BWRAP.format(calls=_calls))
    fake.chmod(0o755)
    os.environ["PATH"] = f"{_folder / 'bin'}:{os.environ.get('PATH', '')}"
    os.environ["CELERY_BROKER_URL"] = "redis://127.0.0.1:9/0"  # discard port: nothing listens
    os.environ["QUIZ_FASTLANE_CALLS"] = str(_calls)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_SITE), os.environ.get("PYTHONPATH")]))
    spec = importlib.util.spec_from_file_location("quiz_fastlane_site", _SITE / "sitecustomize.py")
    assert spec and spec.loader
    spec.loader.exec_module(importlib.util.module_from_spec(spec))  # the hook in this process too
    _refuse_browsers()


def _refuse_browsers() -> None:
    """Playwright's entry points replaced before the test modules import them."""
    try:
        import playwright.async_api
        import playwright.sync_api
    except ImportError:
        return

    def refuse(*args, **kwargs):
        with open(_calls, "a") as f:
            f.write("playwright (a browser)\n")
        raise RuntimeError("fast lane: this test starts a browser; mark it browser")

    playwright.sync_api.sync_playwright = refuse
    playwright.async_api.async_playwright = refuse


@pytest.fixture(autouse=True)
def _fast_lane_guard():
    _calls.unlink(missing_ok=True)
    yield
    if _calls.exists():
        calls = _calls.read_text().strip().splitlines()
        _calls.unlink()
        pytest.fail(f"fast lane: a slow part was used ({'; '.join(calls[:3])}): mark the test")


def pytest_unconfigure(config):
    shutil.rmtree(_folder, ignore_errors=True)
