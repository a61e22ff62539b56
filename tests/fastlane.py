"""`make test-fast`'s guard (``-p tests.fastlane``): the fast lane runs the tests not marked
``integration``, ``browser`` or ``multihost``, and this plugin proves they need none of the slow parts.

A test in the lane fails, naming the mark it lacks, when it
- starts bubblewrap (a ``bwrap`` first on PATH records the call and refuses),
- imports TensorFlow in the test process (an import hook records it and refuses),
- talks to Redis (the broker's URL points at a closed port: the ``broker_url`` fixture fails, and the
  platform's own sends fail as they do with the broker down).
"""

from __future__ import annotations

import os
import shutil
import sys
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


class _NoTensorFlow:
    """A meta-path finder that refuses TensorFlow and Keras in the test process."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "keras"):
            with open(_calls, "a") as f:
                f.write(f"import {name}\n")
            raise ImportError(f"fast lane: this test imports {name}; mark it integration")
        return None


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Before the settings are read: the closed broker port, the refusing bwrap, the import hook."""
    (_folder / "bin").mkdir()
    fake = _folder / "bin" / "bwrap"
    fake.write_text(_FAKE_BWRAP.format(calls=_calls))
    fake.chmod(0o755)
    os.environ["PATH"] = f"{_folder / 'bin'}:{os.environ.get('PATH', '')}"
    os.environ["CELERY_BROKER_URL"] = "redis://127.0.0.1:9/0"  # discard port: nothing listens
    sys.meta_path.insert(0, _NoTensorFlow())


@pytest.fixture(autouse=True)
def _fast_lane_guard():
    _calls.unlink(missing_ok=True)
    yield
    if _calls.exists():
        calls = _calls.read_text().strip().splitlines()
        _calls.unlink()
        pytest.fail(f"fast lane: a slow part was used ({'; '.join(calls[:3])}): mark the test integration")


def pytest_unconfigure(config):
    shutil.rmtree(_folder, ignore_errors=True)
