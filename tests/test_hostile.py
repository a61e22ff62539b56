"""Hostile submissions through the real pipeline: API → database → Redis → Celery worker →
sandbox → database → API.

Each case submits code that attacks the grader and asserts the public outcome: its status and
an explanation, no marks it did not earn, nothing of the platform leaked into its output,
nothing of it left running, and the worker unharmed: the same pool process then grades the
reference solution with full marks. These are the acceptance tests of any new way of launching
the sandbox, so they only look at what a student and the database can see.

Most cases use ``hostile-probe``, a copy of count-parameters (no TensorFlow, ~0.1 s a run) with
tight limits so that the time-limit cases cost seconds; the Keras cases use build-network.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from tests.conftest import ROOT, item_dir, wait_for_grade

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SOLUTION = (item_dir("count-parameters") / "solution.py").read_text()
WRONG = "def dense_params(a, b):\n    return 0\n\ndef network_params(n):\n    return 0\n"
LIMITS = {"cpu_seconds": 3, "wall_seconds": 6, "memory_mb": 512, "max_processes": 64}
SECRET_MARKERS = ["DJANGO_SECRET_KEY", "dev-only-insecure", "DATABASE_URL", "CELERY_BROKER", "DENSE_CASES"]
OTHER_STUDENTS_CODE = "# other-student-marker-8c1f5e\n" + SOLUTION


@pytest.fixture
def probe_item(course):
    """count-parameters with tight limits: the hostile cases hit them in seconds."""
    from exercises.models import Item, ItemVersion

    source = Item.objects.get(slug="count-parameters")
    version = source.current_version
    item = Item.objects.create(assessment=source.assessment, slug="hostile-probe", kind="code", order=99)
    copy = ItemVersion.objects.create(
        item=item,
        number=1,
        content_hash="hostile",
        title_sv="Fientlig",
        prompt_sv="-",
        points=version.points,
        checks=version.checks,
        config={**version.config, "limits": LIMITS},
    )
    item.current_version = copy
    item.save(update_fields=["current_version"])
    return item


@pytest.fixture
def api(course, celery_worker):
    def login(username: str) -> Client:
        client = Client()
        cache.clear()
        key = client.post(
            "/api/v1/auth/token", {"username": username, "password": username}, content_type="application/json"
        ).json()["token"]
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
        return client

    return login


@pytest.fixture
def student(api, settings):
    settings.QUIZ_SUBMISSIONS_PER_MINUTE = 10_000  # the rate limit has its own test
    return api("student")


def submit(client: Client, slug: str, code: str) -> int:
    cache.clear()  # the API throttle has its own test; here every case must reach the worker
    response = client.post(f"/api/v1/items/{slug}/submissions", {"code": code}, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def pool_pid(submission) -> int:
    return int(submission.worker.rsplit("/", 1)[1])


def sandbox_processes(pid: int) -> list[str]:
    """Processes of the sandbox uid of worker process ``pid`` (see grader.launch.sandbox._sandbox_uid)."""
    uid = 200_000 + pid % 100_000
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        uids = next((line.split()[1:] for line in status.splitlines() if line.startswith("Uid:")), [])
        if str(uid) in uids:
            found.append(f"{entry.name}: {(entry / 'cmdline').read_bytes()[:200]!r}")
    return found


def grade_hostile(client: Client, slug: str, code: str, *, statuses: tuple[str, ...], timeout: float = 120):
    """Submit ``code``, check the common promises, then prove the worker unharmed."""
    from exercises.models import Submission

    pk = submit(client, slug, code)
    submission = wait_for_grade(pk, timeout=timeout)
    data = client.get(f"/api/v1/submissions/{pk}").json()
    assert data["status"] in statuses, (data["status"], data["checks"], data["output"][-2000:])
    assert data["checks"] and all(c["message"] for c in data["checks"]), data
    assert len(data["output"]) < 80 * 1024
    for marker in SECRET_MARKERS:
        assert marker not in data["output"], marker
    assert submission.tries == 1
    # Nothing of it left running: the sandbox's uid owns no process any more.
    deadline = time.monotonic() + 5
    while (left := sandbox_processes(pool_pid(submission))) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, left
    # The worker is unharmed: the same pool process grades the next student's right answer.
    good = wait_for_grade(submit(client, "hostile-probe", SOLUTION))
    assert (good.status, good.score) == ("graded", Decimal(4)), (good.status, good.output)
    assert pool_pid(good) == pool_pid(submission)
    assert Submission.objects.get(pk=pk).status == data["status"]  # graded once, not again
    return data


# --- Resource exhaustion ------------------------------------------------------------------------

RESOURCE_CASES = {
    "busy loop": ("while True:\n    pass\n", ("time_limit",)),
    "sleep": ("import time\ntime.sleep(3600)\n", ("time_limit",)),
    "ignores every signal it can": (
        "import signal\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU, signal.SIGALRM):\n"
        "    signal.signal(s, signal.SIG_IGN)\nwhile True:\n    pass\n",
        ("time_limit",),
    ),
    "memory bomb at once": ("x = bytearray(8 * 1024 ** 3)\n", ("memory_limit",)),
    "memory bomb step by step": ("x = []\nwhile True:\n    x.append(bytearray(10 ** 7))\n", ("memory_limit",)),
    "fork bomb": ("import os\nwhile True:\n    os.fork()\n", ("crashed", "runtime_error", "time_limit")),
    "thread bomb": (
        "import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(600,)).start()\n",
        ("runtime_error", "crashed", "time_limit"),
    ),
    "runaway recursion": ("def f(n):\n    return f(n + 1)\nf(0)\n", ("runtime_error",)),
    "recursion past the C stack": (
        "import sys\nsys.setrecursionlimit(10 ** 9)\ndef f(n):\n    return f(n + 1)\nf(0)\n",
        ("crashed", "memory_limit", "time_limit"),
    ),
    "segfault": ("import ctypes\nctypes.string_at(0)\n", ("crashed",)),
    "huge stdout": ("while True:\n    print('x' * 10000)\n", ("output_limit",)),
    "huge stderr": ("import sys\nwhile True:\n    sys.stderr.write('y' * 10000)\n", ("output_limit",)),
    "huge exception message": ("raise ValueError('z' * 50_000_000)\n", ("runtime_error", "memory_limit")),
    "one huge file": ("open('/sandbox/big', 'wb').write(b'0' * 10 ** 9)\n", ("output_limit", "memory_limit")),
    "filling the disk with small files": (
        "i = 0\nwhile True:\n    open(f'/tmp/f{i}', 'wb').write(b'0' * 10 ** 6)\n    i += 1\n",
        ("runtime_error",),
    ),
    "sys.exit at import": ("import sys\nsys.exit(0)\n" + SOLUTION, ("runtime_error",)),
    "os._exit at import": ("import os\nos._exit(0)\n" + SOLUTION, ("crashed",)),
    "os._exit in the entry point": ("import os\ndef dense_params(a, b):\n    os._exit(0)\n", ("crashed",)),
    "killing everything it can see": ("import os, signal\nos.kill(-1, signal.SIGKILL)\n", ("crashed", "runtime_error")),
    "killing its parent": (
        "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(1, signal.SIGKILL)\n" + WRONG,
        ("graded", "crashed", "runtime_error"),
    ),
}


@pytest.mark.parametrize("case", list(RESOURCE_CASES))
def test_resource_attack_is_stopped_with_a_clear_status_and_no_marks(student, probe_item, case):
    code, statuses = RESOURCE_CASES[case]
    data = grade_hostile(student, "hostile-probe", code, statuses=statuses)
    assert data["score"] == 0
    if data["status"] == "time_limit":  # the message names the limit that was hit, CPU or wall clock
        message = data["checks"][0]["message"]
        assert f"{LIMITS['cpu_seconds']:g} s" in message or f"{LIMITS['wall_seconds']:g} s" in message, message


def test_huge_exception_message_is_bounded(student, probe_item):
    data = grade_hostile(student, "hostile-probe", "raise ValueError('z' * 5_000_000)\n", statuses=("runtime_error",))
    assert len(data["error"]["message"]) < 5000 and len(data["checks"][0]["message"]) < 5000


def test_sys_exit_in_the_entry_point_fails_that_check_only(student, probe_item):
    code = "import sys\ndef dense_params(a, b):\n    sys.exit(0)\n\ndef network_params(n):\n    sys.exit(0)\n"
    data = grade_hostile(student, "hostile-probe", code, statuses=("graded",))
    assert data["score"] == 0 and "SystemExit" in data["checks"][0]["message"]


# --- Leaks and escapes --------------------------------------------------------------------------

LOOK_AROUND = """
import os, glob
from pathlib import Path
seen = {}
for path in ["PROJECT/manage.py", "PROJECT/var", "PROJECT/content", "/etc/passwd", "/etc/shadow", "/root",
             "/var/lib/redis", "/proc/1/environ", "/home"]:
    try:
        os.listdir(path) if os.path.isdir(path) else open(path, "rb").read(1)
        seen[path] = "readable"
    except OSError as exc:
        seen[path] = type(exc).__name__
found = []
for top in ["/", "/tmp", "/sandbox", "/etc", "/opt", "/var", "/run", "/srv", "/mnt", "/home"]:
    for dirpath, dirnames, filenames in os.walk(top):
        if dirpath.startswith(("/proc", "/sys", "/usr", "/dev") + PREFIXES):
            dirnames[:] = []
            continue
        for name in filenames:
            try:
                data = open(os.path.join(dirpath, name), "rb").read(1 << 20)
            except OSError:
                continue
            for marker in (b"other-student-marker", b"DENSE_CASES", b"SQLite format 3", b"Hidden checks for"):
                if marker in data:
                    found.append((os.path.join(dirpath, name), marker))
hits = [p for pattern in ("**/checks.py", "**/*.sqlite3", "**/item.yaml") for p in glob.glob("/" + pattern, recursive=False)]
env = dict(os.environ)
try:
    env1 = open("/proc/1/environ", "rb").read().decode(errors="replace")
except OSError as exc:
    env1 = type(exc).__name__
print("SEEN", seen)
print("FOUND", found, hits)
print("ENV", sorted(env), env1.count("="))
print("UID", os.getuid(), os.getgid(), os.getgroups())
"""


def test_the_sandbox_sees_no_project_database_hidden_checks_other_submissions_or_secrets(student, api, probe_item):
    other = api("student2")
    wait_for_grade(submit(other, "hostile-probe", OTHER_STUDENTS_CODE))
    prefixes = tuple(sorted({sys.prefix, sys.base_prefix}))
    code = LOOK_AROUND.replace("PROJECT", str(ROOT)).replace("PREFIXES", repr(prefixes)) + SOLUTION
    data = grade_hostile(student, "hostile-probe", code, statuses=("graded",))
    out = data["output"]
    assert data["score"] == 4  # looking around is not punished, it just finds nothing
    assert "FOUND [] []" in out, out
    # (/root may exist: it can be a parent of the Python runtime's read-only bind.)
    for path in (f"{ROOT}/manage.py", f"{ROOT}/var", f"{ROOT}/content", "/etc/passwd", "/etc/shadow", "/home"):
        assert f"'{path}': 'FileNotFoundError'" in out, (path, out)
    assert "other-student-marker" not in out
    env_line = next(line for line in out.splitlines() if line.startswith("ENV"))
    for name in ("SECRET", "DJANGO", "DATABASE", "CELERY", "REDIS", "AWS", "TOKEN"):
        assert name not in env_line, env_line
    uid = int(next(line for line in out.splitlines() if line.startswith("UID")).split()[1])
    assert uid != 0 and uid != os.getuid()


class Listener:
    """A TCP service on loopback that records whether anything reached it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.reached = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        try:
            self.sock.accept()
            self.reached = True
        except OSError:
            pass


def test_no_network_to_loopback_services_or_beyond(student, probe_item):
    listener = Listener()
    code = (
        f"""
import socket
results = {{}}
for name, host, port in [("redis", "127.0.0.1", {int(os.environ.get("TEST_REDIS_PORT", "6399"))}),
                         ("listener", "127.0.0.1", {listener.port}), ("web", "127.0.0.1", 8000),
                         ("outside", "1.1.1.1", 53), ("ipv6", "::1", {listener.port})]:
    try:
        socket.create_connection((host, port), timeout=1).close()
        results[name] = "CONNECTED"
    except OSError as exc:
        results[name] = type(exc).__name__
try:
    socket.getaddrinfo("pypi.org", 443)
    results["dns"] = "RESOLVED"
except OSError as exc:
    results["dns"] = type(exc).__name__
try:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"x", ("1.1.1.1", 53))
    results["udp"] = "SENT"
except OSError as exc:
    results["udp"] = type(exc).__name__
print("NET", results)
"""
        + SOLUTION
    )
    data = grade_hostile(student, "hostile-probe", code, statuses=("graded",))
    assert "NET" in data["output"]
    assert "CONNECTED" not in data["output"] and "RESOLVED" not in data["output"] and "SENT" not in data["output"]
    assert not listener.reached
    listener.sock.close()


# --- Forged results -----------------------------------------------------------------------------

# A forged answer is only data: the values it claims are checked like returned values, and the
# expected values never enter the sandbox, so a forger must know the answers to earn anything
# (which is solving the task). The forgeries below claim values the student did not compute.
FORGED = '{"phase": "done", "calls": {"dense-5-10": {"value": {"type": "int", "value": 1}}}}'
FORGERY_CASES = {
    "printed JSON answer": f"print('{FORGED}')\n" + WRONG,
    "result files wherever it can write": (
        "import os\nfor d in ['/sandbox', '/tmp', '/dev/shm', os.path.expanduser('~')]:\n"
        "    for n in ['result.json', 'results.json', 'answer.json', 'grade.json']:\n"
        "        try:\n"
        f"            open(os.path.join(d, n), 'w').write('{FORGED}')\n"
        "        except OSError:\n            pass\n" + WRONG
    ),
    "a short forged answer on every open descriptor, then exit": (
        "import os\nfor fd in map(int, os.listdir('/proc/self/fd')):\n"
        "    try:\n"
        f"        os.write(fd, b'{FORGED}')\n"
        "    except OSError:\n        pass\nos._exit(0)\n"
    ),
    "junk appended to the answer by a thread after the runner wrote it": (
        "import os, threading, time\n"
        "def spoil():\n"
        "    time.sleep(0.05)\n"
        "    for fd in range(3, 64):\n"
        "        try:\n            os.write(fd, b'{}')\n        except OSError:\n            pass\n"
        "threading.Thread(target=spoil, daemon=True).start()\n" + WRONG
    ),
    "patched runner functions": (
        "import sys\nrunner = sys.modules['__main__']\n"
        "runner.to_data = lambda value, depth=0: {'type': 'int', 'value': 1}\n" + WRONG
    ),
    "an object equal to everything": (
        "class Liar:\n    def __eq__(self, other):\n        return True\n    __hash__ = None\n"
        "def dense_params(a, b):\n    return Liar()\n\ndef network_params(n):\n    return Liar()\n"
    ),
    "an int subclass equal to everything": (
        "class I(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n"
        "def dense_params(a, b):\n    return I(0)\n\ndef network_params(n):\n    return I(0)\n"
    ),
    "a class that names itself int": (
        "class Fake:\n    pass\nFake.__module__ = 'builtins'\nFake.__qualname__ = Fake.__name__ = 'int'\n"
        "def dense_params(a, b):\n    return Fake()\n\ndef network_params(n):\n    return Fake()\n"
    ),
    "monkeypatched test frameworks and numpy": (
        "import unittest, builtins, numpy\n"
        "unittest.TestCase.assertEqual = lambda *a, **k: None\n"
        "numpy.array_equal = lambda *a, **k: True\n"
        "numpy.ndarray.__eq__ = lambda *a: True\n"
        "builtins.isinstance = lambda *a: True\n"
        "builtins.type = lambda *a: int\n" + WRONG
    ),
}


@pytest.mark.parametrize("case", list(FORGERY_CASES))
def test_forged_results_earn_nothing(student, probe_item, case):
    data = grade_hostile(
        student, "hostile-probe", FORGERY_CASES[case], statuses=("graded", "crashed", "error", "runtime_error")
    )
    assert data["score"] == 0, data["checks"]


# --- Persistence between submissions ------------------------------------------------------------

PLANT = (
    """
import os, site, sys, sysconfig
attempts = {}
targets = [os.path.join(p, "zz_planted.pth") for p in site.getsitepackages()]
targets += [os.path.join(sysconfig.get_paths()["stdlib"], "sitecustomize.py"), "/sandbox/sitecustomize.py",
            "/tmp/sitecustomize.py", os.path.expanduser("~/.local/lib/python3.11/site-packages/zz_planted.pth"),
            os.path.join(sys.prefix, "bin", "python-planted"), "/usr/lib/python3/dist-packages/zz_planted.pth"]
for target in targets:
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as f:
            f.write("import os; os.environ['PLANTED'] = '1'\\n")
        attempts[target] = "WRITTEN"
    except OSError as exc:
        attempts[target] = type(exc).__name__
open("/tmp/marker-from-before", "w").write("x")
open("/sandbox/marker-from-before", "w").write("x")
print("PLANT", attempts)
"""
    + WRONG
)

CHECK_PLANT = (
    """
import os, sys
print("AFTER", os.environ.get("PLANTED"), "sitecustomize" in sys.modules,
      os.path.exists("/tmp/marker-from-before"), os.path.exists("/sandbox/marker-from-before"))
"""
    + SOLUTION
)


def test_nothing_planted_in_the_python_environment_or_left_for_the_next_submission(student, probe_item):
    data = grade_hostile(student, "hostile-probe", PLANT, statuses=("graded",))
    plant_line = next(line for line in data["output"].splitlines() if line.startswith("PLANT"))
    # Only the private throw-away directories take writes.
    written = [t for t in plant_line.split("', ") if "WRITTEN" in t]
    assert all("/sandbox/" in t or "/tmp/" in t for t in written), plant_line
    for path in Path(sys.prefix).glob("lib/python3*/site-packages/zz_planted.pth"):
        raise AssertionError(f"planted on the host: {path}")
    after = grade_hostile(student, "hostile-probe", CHECK_PLANT, statuses=("graded",))
    assert "AFTER None False False False" in after["output"], after["output"]


def test_a_daemon_does_not_outlive_its_submission(student, probe_item):
    code = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        for _ in range(600):\n"
        "            print('still here', flush=True)\n"
        "            time.sleep(0.1)\n"
        "    os._exit(0)\n" + SOLUTION
    )
    # It may be graded (its functions are right) or stopped for its output; never left running,
    # which grade_hostile checks by the sandbox uid.
    grade_hostile(student, "hostile-probe", code, statuses=("graded", "output_limit", "time_limit"))


# --- Keras: monkeypatching and crafted models (TensorFlow in the sandbox) --------------------------

WRONG_MODEL = """
import keras
from keras import layers

def build_model(n_cols):
    model = keras.Sequential([keras.Input(shape=(n_cols,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
"""
KERAS_CASES = {
    "monkeypatched Keras reporting": (
        "import keras\n"
        "keras.Model.count_params = lambda self: 6301\n"
        "keras.layers.Layer.count_params = lambda self: 1300\n"
        "keras.layers.Dense.get_config = lambda self: {'units': 100, 'activation': 'relu'}\n" + WRONG_MODEL,
        ("graded",),
    ),
    "Lambda layer": (
        WRONG_MODEL.replace(
            'layers.Dense(1, activation="sigmoid")',
            'layers.Lambda(lambda x: __import__("os").system("id") or x), layers.Dense(1, activation="sigmoid")',
        ),
        ("graded",),
    ),
    "a layer class from an unknown module named Dense": (
        "import keras\nclass Dense(keras.layers.Layer):\n"
        "    def __init__(self, units=100, activation='relu', **kw):\n"
        "        super().__init__(**kw)\n        self.units, self.activation = units, activation\n"
        "    def call(self, x):\n        return x\n"
        "    def get_config(self):\n        return {'units': self.units, 'activation': self.activation}\n"
        "def build_model(n_cols):\n"
        "    return keras.Sequential([keras.Input(shape=(n_cols,)), Dense(100), Dense(50), Dense(1, 'sigmoid')])\n",
        ("graded",),
    ),
    "absurd weight shapes": (
        WRONG_MODEL.replace('layers.Dense(1, activation="sigmoid")', "layers.Dense(10 ** 10)"),
        ("graded", "memory_limit", "runtime_error", "crashed"),
    ),
}


@pytest.mark.parametrize("case", list(KERAS_CASES))
def test_crafted_keras_models_are_contained_and_earn_no_full_marks(student, course, probe_item, case):
    """The model is described inside the sandbox, so patched Keras can change what is reported;
    what it cannot do is reach the checks or the worker, or turn a wrong model into a right one."""
    code, statuses = KERAS_CASES[case]
    data = grade_hostile(student, "build-network", code, statuses=statuses, timeout=180)
    assert data["score"] < data["max_score"], data["checks"]
    # By requirement (build-network's table): a model, its layers, or the run itself failed.
    model_requirements = ("returns-model", "input", "dense-", "dropout", "output", "no-other-layers", "run")
    assert any(not c["passed"] and c["name"].startswith(model_requirements) for c in data["checks"])
    assert "uid=" not in data["output"] or "uid=0" not in data["output"]


def test_the_worker_still_grades_full_marks_after_everything(student, probe_item):
    """The last word: after all of the above, the real item is graded as before."""
    pk = submit(student, "count-parameters", SOLUTION)
    assert wait_for_grade(pk).score == 4
