"""Warm never means shared: the fork server's children are as isolated as a cold sandbox.

Each test runs two submissions back to back in the same worker process (so through the same fork
server) and shows that nothing of the first reaches the second: files, processes, memory,
TensorFlow/Keras state. Others show what the child is to the kernel (uid, capabilities,
no_new_privs, its own pid namespace) and that the server survives a child's violent end.
"""

import os
import subprocess

import pytest

from grader.harness import ItemSpec, grade
from grader.launch import sandbox

pytestmark = pytest.mark.integration  # real bubblewrap, the fork server and TensorFlow

CHECKS = """
from grader.checks import Check, msg
PROBE = {"calls": [{"id": "f", "function": "f"}]}
def grade(report):
    r = report.call("f")
    return [Check("f", r.value == "ok", msg(sv="f", en=f"f() -> {r.value!r}"))]
"""
SPEC = ItemSpec(
    slug="warm-probe",
    kind="code",
    points=1,
    checks_source=CHECKS,
    limits={"cpu_seconds": 3, "wall_seconds": 6, "memory_mb": 1024},
)


def run(code: str):
    return grade(SPEC, code)


@pytest.fixture(autouse=True)
def warm_mode(monkeypatch):
    monkeypatch.setenv("QUIZ_SANDBOX", "warm")
    server = sandbox.forkserver()
    assert server.alive()
    return server


def lines(result) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in result.output.splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def test_files_of_one_submission_are_gone_for_the_next():
    first = run(
        "import os\n"
        "for d in ('/sandbox', '/tmp', '/dev/shm'):\n"
        "    open(os.path.join(d, 'left-behind'), 'w').write('secret')\n"
        "def f():\n    return 'ok'\n"
    )
    assert first.status == "graded", first.output
    second = run(
        "import os\n"
        "print('seen=', [d for d in ('/sandbox', '/tmp', '/dev/shm') if os.path.exists(os.path.join(d, 'left-behind'))])\n"
        "def f():\n    return 'ok'\n"
    )
    assert second.status == "graded"
    assert lines(second)["seen"] == "[]"


def test_a_daemon_does_not_outlive_its_submission():
    marker = f"quiz-daemon-{os.getpid()}"
    first = run(
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        os.execv('/bin/sleep', ['/bin/sleep', '300', '{marker}'])\n"
        "    os._exit(0)\n"
        "def f():\n    return 'ok'\n"
    )
    assert first.status == "graded", first.output
    # From the host: no process is left with the marker on its command line.
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    assert marker not in ps
    second = run(
        "import os\nprint('pids=', sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))\ndef f():\n    return 'ok'\n"
    )
    # Its own pid namespace: an init (1) and itself, nothing of the server or the first job.
    assert lines(second)["pids"] == "[1, 2]"


def test_memory_and_keras_state_start_fresh():
    poison = (
        "import builtins, keras, numpy\n"
        "builtins.LEFT_BEHIND = 'secret'\n"
        "numpy.mean = lambda *a, **k: 42\n"
        "keras.layers.Dense(3, name='from_first')\n"
        "m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n"
        "def f():\n    return 'ok'\n"
    )
    assert run(poison).status == "graded"
    second = run(
        "import builtins, keras, numpy\n"
        "print('left=', getattr(builtins, 'LEFT_BEHIND', None))\n"
        "print('mean=', numpy.mean([1, 3]))\n"
        "print('name=', keras.layers.Dense(1).name)\n"
        "def f():\n    return 'ok'\n"
    )
    seen = lines(second)
    assert seen["left"] == "None"
    assert seen["mean"] == "2.0"
    # Keras numbers auto-named layers per process: a fresh child starts again at "dense".
    assert seen["name"] in ("dense", "dense_1")  # the warm-up model's own Dense may come first
    assert seen["name"] != "dense_3"


def test_the_child_is_an_unprivileged_user():
    result = run(
        "status = dict(l.split(':', 1) for l in open('/proc/self/status').read().splitlines() if ':' in l)\n"
        "import os\n"
        "print('uid=', os.getuid())\n"
        "print('capeff=', status['CapEff'].strip())\n"
        "print('nnp=', status['NoNewPrivs'].strip())\n"
        "print('net=', sorted(os.listdir('/sys/class/net')) if os.path.exists('/sys/class/net') else 'none')\n"
        "def f():\n    return 'ok'\n"
    )
    seen = lines(result)
    if os.geteuid() == 0:
        assert int(seen["uid"]) >= 200_000
    assert int(seen["capeff"], 16) == 0
    assert seen["nnp"] == "1"


def test_the_server_survives_a_violent_child_and_serves_the_next(warm_mode):
    server = warm_mode
    for code in (
        "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
        "import ctypes\nctypes.string_at(0)\n",
        "while True:\n    pass\n",
    ):
        result = run(code + "def f():\n    return 'ok'\n")
        assert result.status in ("crashed", "time_limit", "memory_limit") and result.score == 0
    assert server.alive() and sandbox.forkserver() is server
    assert run("def f():\n    return 'ok'\n").score == 1.0


def test_a_dead_server_is_replaced():
    old = sandbox.forkserver()
    os.killpg(old.proc.pid, 9)
    old.proc.wait()
    assert run("def f():\n    return 'ok'\n").score == 1.0
    assert sandbox.forkserver() is not old


def test_a_process_that_closed_its_streams_does_not_outlive_the_answer():
    """The result is taken as soon as the whole answer is in and every stream is closed, without
    waiting for the job's namespaces to be torn down; whatever the job left running (here a
    daemon that closed its own streams) is ended at once all the same."""
    import time

    marker = f"quiz-quiet-{os.getpid()}"
    result = run(
        "import os\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    for fd in range(0, 64):\n"
        "        try:\n"
        "            os.close(fd)\n"
        "        except OSError:\n"
        "            pass\n"
        f"    os.execv('/bin/sleep', ['/bin/sleep', '300', '{marker}'])\n"
        "def f():\n    return 'ok'\n"
    )
    assert result.status == "graded" and result.score == 1, result.output
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
        if marker not in ps:
            break
        time.sleep(0.05)
    assert marker not in ps
    assert run("def f():\n    return 'ok'\n").status == "graded"  # and the server serves the next
