"""A multi-host deployment, run for real on one machine: four "hosts" in network namespaces of the
test's own (``ip netns`` and veth pairs, addresses only on those links), nothing mocked.

    hub  (web: gunicorn, sweeper, PostgreSQL, Redis with a password and AOF everysec)
     ├── veth 169.254.213.0/30 ── w1   grading worker
     ├── veth 169.254.213.4/30 ── w2   grading worker
     └── veth 169.254.213.8/30 ── gpu  grading-gpu worker

The hub's web server and PostgreSQL listen only on the hub's loopback; Redis listens on the links
too. So from a worker host only Redis is reachable over the network, and the worker hosts cannot
reach each other. The test itself (outside all four) talks to the hub through Unix sockets (the
web server's, PostgreSQL's) in its temporary folder.

Secretless grading workers (``grader/service.py``: the job in the message, the result back through
the broker's ``results`` queue to the recorder on the hub) get the broker's URL and nothing else.
Before them (``WORKERS_NEED_THE_DATABASE``), a worker needed the database: the worker hosts then
reach PostgreSQL through its Unix socket (the file system is shared), never through the network.

Needs root (network namespaces), iproute2, Debian's PostgreSQL server, Redis and bubblewrap.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import ROOT, item_dir
from tests.pgcluster import Cluster, new_cluster, remove_cluster
from tests.processes import celery_argv, wait_until
from tests.web_burst import MAKE_STUDENTS

pytestmark = [pytest.mark.integration, pytest.mark.multihost]

WORKERS_NEED_THE_DATABASE = not (ROOT / "grader" / "service.py").exists()
VISIBILITY_TIMEOUT = 10
# A claim whose holder cannot be asked (another host) is taken back when its lease (the hard time
# limit + 30 s) ends: short here, so a cut-off holder's claim does not hold the test for minutes.
SHORT_LEASE = {"CELERY_SOFT_TIME_LIMIT": "30", "CELERY_HARD_TIME_LIMIT": "40"}
SOLUTION = (item_dir("count-parameters") / "solution.py").read_text()
SLOW_SOLUTION = "import time\ntime.sleep(15)\n" + SOLUTION
WORKER_HOSTS = {"w1": ("grading", 0), "w2": ("grading", 1), "gpu": ("grading-gpu", 2)}
REDIS_PORT, WEB_PORT, PG_PORT = 6379, 8000, 5432  # inside the hub: no other process shares its ports


def link_addresses(index: int) -> tuple[str, str]:
    """The hub's and the worker host's address on link ``index`` (a /30 each, link-local)."""
    return f"169.254.213.{4 * index + 1}", f"169.254.213.{4 * index + 2}"


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float = 60) -> None:
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


@dataclass
class Deployment:
    tag: str
    folder: Path
    redis_password: str = ""
    cluster: Cluster | None = None
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    namespaces: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)

    # --- the hosts ----------------------------------------------------------------------------------

    def ns(self, host: str) -> str:
        return f"{self.tag}{host}"

    def veth(self, host: str, side: str) -> str:
        return f"{self.tag}{host}{side}"  # side "h" on the hub, "w" on the worker host (≤ 15 chars)

    def make_hosts(self) -> None:
        for host in ["hub", *WORKER_HOSTS]:
            ip("netns", "add", self.ns(host))
            self.namespaces.append(self.ns(host))
            ip("-n", self.ns(host), "link", "set", "lo", "up")
        for host, (_queue, index) in WORKER_HOSTS.items():
            hub_end, host_end = self.veth(host, "h"), self.veth(host, "w")
            hub_addr, host_addr = link_addresses(index)
            ip("link", "add", hub_end, "netns", self.ns("hub"), "type", "veth", "peer", "name", host_end, "netns",
               self.ns(host))  # fmt: skip
            ip("-n", self.ns("hub"), "addr", "add", f"{hub_addr}/30", "dev", hub_end)
            ip("-n", self.ns(host), "addr", "add", f"{host_addr}/30", "dev", host_end)
            ip("-n", self.ns("hub"), "link", "set", hub_end, "up")
            ip("-n", self.ns(host), "link", "set", host_end, "up")

    def link(self, host: str, up: bool) -> None:
        """Cut (or mend) a worker host's only link, on the hub's side, as a pulled cable would."""
        ip("-n", self.ns("hub"), "link", "set", self.veth(host, "h"), "up" if up else "down")

    def remove_hosts(self) -> None:
        for name in self.namespaces:
            subprocess.run(["ip", "netns", "del", name], capture_output=True)  # its veth ends go with it

    # --- processes ------------------------------------------------------------------------------------

    def start(self, name: str, host: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")
        proc = subprocess.Popen(
            [shutil.which("ip") or "ip", "netns", "exec", self.ns(host), *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.procs[name] = proc
        return proc

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):
            self.stop(name)

    # --- the services -----------------------------------------------------------------------------------

    def base_env(self) -> dict[str, str]:
        drop = {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "QUIZ_TEST_DB"}
        return {
            **{k: v for k, v in os.environ.items() if k not in drop},
            "DJANGO_SETTINGS_MODULE": "quizplatform.settings",
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            **SHORT_LEASE,
        }

    def hub_env(self) -> dict[str, str]:
        assert self.cluster is not None
        return {
            **self.base_env(),
            "QUIZ_VAR_DIR": str(self.folder / "var-hub"),
            "DATABASE_URL": self.cluster.url(host="127.0.0.1"),
            "CELERY_BROKER_URL": f"redis://:{self.redis_password}@127.0.0.1:{REDIS_PORT}/0",
            "QUIZ_SUBMISSIONS_PER_MINUTE": "10000",
            "QUIZ_SUBMIT_RATE": "10000/min",
        }

    def worker_env(self, host: str) -> dict[str, str]:
        """What a worker host gets: the broker's URL and nothing else (before secretless workers,
        also the database's Unix socket and the platform's settings)."""
        assert self.cluster is not None
        hub_addr, _ = link_addresses(WORKER_HOSTS[host][1])
        broker = f"redis://:{self.redis_password}@{hub_addr}:{REDIS_PORT}/0"
        if not WORKERS_NEED_THE_DATABASE:
            home = self.folder / f"var-{host}"
            home.mkdir(exist_ok=True)
            return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "CELERY_BROKER_URL": broker,
                    "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT), **SHORT_LEASE}  # fmt: skip
        return {
            **self.base_env(),
            "QUIZ_VAR_DIR": str(self.folder / f"var-{host}"),
            "CELERY_BROKER_URL": broker,
            "DATABASE_URL": self.cluster.url(),  # the Unix socket: not through the network
        }

    def manage(self, *args: str) -> str:
        """A management command on the hub's database (from outside the namespaces, by its socket)."""
        assert self.cluster is not None
        env = {**self.hub_env(), "DATABASE_URL": self.cluster.url()}
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def redis(self) -> None:
        hub_addresses = [link_addresses(index)[0] for _queue, index in WORKER_HOSTS.values()]
        (self.folder / "redis").mkdir(exist_ok=True)
        self.start(
            "redis",
            "hub",
            [
                "redis-server",
                "--port",
                str(REDIS_PORT),
                "--bind",
                "127.0.0.1",
                *hub_addresses,
                "--requirepass",
                self.redis_password,
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
                "--dir",
                str(self.folder / "redis"),
                "--daemonize",
                "no",
            ],  # fmt: skip
            self.base_env(),
        )
        self.wait(lambda: self.in_hub(REDIS_PORT), 20, "Redis")

    def in_hub(self, port: int) -> bool:
        probe = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=1)"
        return subprocess.run(["ip", "netns", "exec", self.ns("hub"), sys.executable, "-c", probe],
                              capture_output=True).returncode == 0  # fmt: skip

    def web(self) -> None:
        self.start(
            "web",
            "hub",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "quizplatform.wsgi",
                "-c",
                "quizplatform/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{WEB_PORT}",
                "--bind",
                f"unix:{self.folder / 'web.sock'}",
            ],  # fmt: skip
            self.hub_env(),
        )
        self.wait(lambda: (self.folder / "web.sock").exists() and self.in_hub(WEB_PORT), 60, "the web server")

    def sweeper(self) -> None:
        self.start(
            "sweeper",
            "hub",
            [sys.executable, "manage.py", "requeue_stuck", "--every", "1", "--older-than", str(2 * VISIBILITY_TIMEOUT)],
            self.hub_env(),
        )

    def recorder(self) -> None:
        """Writes what the grading workers send back (the results queue); it has the database."""
        self.start(
            "recorder",
            "hub",
            celery_argv(app="quizplatform", queues="results", hostname="recorder@hub"),
            self.hub_env(),
        )

    def worker(self, host: str) -> None:
        queue = WORKER_HOSTS[host][0]
        app = "quizplatform" if WORKERS_NEED_THE_DATABASE else "grader.service"
        self.start(
            f"worker-{host}",
            host,
            celery_argv(app=app, queues=queue, hostname=f"{host}@host-{host}"),
            self.worker_env(host),
        )

    def wait_workers_ready(self) -> None:
        for host in WORKER_HOSTS:
            name = f"worker-{host}"
            self.wait(lambda n=name: "ready." in self.log(n) or self.procs[n].poll() is not None, 120, name)
            assert self.procs[name].poll() is None, self.log(name)

    @staticmethod
    def wait(predicate, timeout: float, what: str, interval: float = 0.3):
        return wait_until(predicate, timeout, what, interval)

    # --- the API, through the hub's web socket ------------------------------------------------------------

    def api(self, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict]:
        conn = UnixHTTPConnection(str(self.folder / "web.sock"))
        try:
            headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
            conn.request(method, "/api/v1" + path, json.dumps(body) if body is not None else None, headers)
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            conn.close()

    def submit(self, code: str, slug: str = "count-parameters", student: int = 0) -> int:
        status, data = self.api("POST", f"/items/{slug}/submissions", self.tokens[student], {"code": code})
        assert status == 201, (status, data)
        return data["id"]

    def result(self, pk: int, student: int = 0) -> dict:
        status, data = self.api("GET", f"/submissions/{pk}", self.tokens[student])
        assert status == 200, (status, data)
        return data

    def graded(self, pk: int, student: int = 0, timeout: float = 180) -> dict:
        return self.wait(
            lambda: (d := self.result(pk, student))["status"] not in ("queued", "running") and d, timeout, f"{pk}"
        )

    def rows(self, ids: list[int]) -> dict[int, dict]:
        """What the database holds about these submissions (status, score, tries, worker, phases)."""
        code = (
            "import json; from exercises.models import Submission as S; "
            f"print(json.dumps({{s.pk: {{'status': s.status, 'score': float(s.score or 0), 'tries': s.tries, "
            f"'worker': s.worker, 'checks': s.check_results.count(), "
            f"'distinct_checks': s.check_results.order_by().values('name').distinct().count(), "
            f"'started_at': s.started_at and s.started_at.timestamp(), "
            f"'finished_at': s.finished_at and s.finished_at.timestamp()}} for s in S.objects.filter(pk__in={ids})}}))"
        )
        return {int(k): v for k, v in json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1]).items()}


def _require_the_tools() -> None:
    if os.geteuid() != 0:
        pytest.fail("the multi-host test makes network namespaces: run it as root (as CI does)")
    for tool in ("ip", "redis-server", "runuser", "bwrap"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is missing: scripts/install.sh installs it")


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    """1. Four hosts and their links. 2. PostgreSQL (initdb'd here) and Redis on the hub; schema,
    content and students. 3. Web and sweeper on the hub, a worker on each worker host."""
    _require_the_tools()
    folder = Path(tempfile.mkdtemp(prefix="quiz-multihost-"))
    folder.chmod(0o755)  # the cluster's owner reaches its own folder inside
    dep = Deployment(tag=f"qm{os.getpid() % 100000}", folder=folder, redis_password=os.urandom(12).hex())
    try:
        dep.make_hosts()
        dep.cluster = new_cluster(port=PG_PORT, listen="127.0.0.1", netns=dep.ns("hub"))
        dep.redis()
        dep.manage("migrate", "--noinput", "-v", "0")
        dep.manage("load_content")
        dep.manage("seed_demo")
        # The devices item asks for a GPU: it goes to grading-gpu while a GPU worker is online.
        dep.manage("shell", "-c", "from exercises.models import Item; v = Item.objects.get(slug='devices')"
                   ".current_version; v.config = {**v.config, 'gpu': True}; v.save(update_fields=['config'])")  # fmt: skip
        dep.tokens = json.loads(dep.manage("shell", "-c", MAKE_STUDENTS.replace("{n}", "12")).strip().splitlines()[-1])
        dep.web()
        dep.sweeper()
        if not WORKERS_NEED_THE_DATABASE:
            dep.recorder()
        for host in WORKER_HOSTS:
            dep.worker(host)
        dep.wait_workers_ready()
        yield dep
    finally:
        dep.stop_all()
        if dep.cluster is not None:
            remove_cluster(dep.cluster)
        dep.remove_hosts()
        if os.environ.get("QUIZ_KEEP_MULTIHOST_LOGS"):
            print(f"logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def reach(dep: Deployment, host: str, address: str, port: int) -> bool:
    probe = f"import socket; socket.create_connection(({address!r}, {port}), timeout=2)"
    done = subprocess.run(["ip", "netns", "exec", dep.ns(host), sys.executable, "-c", probe], capture_output=True)
    return done.returncode == 0


def test_from_a_worker_host_only_redis_is_reachable(deployment):
    dep = deployment
    for host, (_queue, index) in WORKER_HOSTS.items():
        hub = link_addresses(index)[0]
        assert reach(dep, host, hub, REDIS_PORT), host
        assert not reach(dep, host, hub, WEB_PORT) and not reach(dep, host, hub, PG_PORT), host
        for other, (_q, other_index) in WORKER_HOSTS.items():
            if other != host:
                assert not reach(dep, host, link_addresses(other_index)[1], 22), (host, other)
    env = dep.worker_env("w1")
    assert "DJANGO_SECRET_KEY" not in env
    if not WORKERS_NEED_THE_DATABASE:
        assert "DATABASE_URL" not in env


def test_submissions_are_graded_by_the_workers_on_their_hosts(deployment):
    dep = deployment
    cpu = [dep.submit(SOLUTION, student=i) for i in range(6)]
    gpu = dep.submit((item_dir("devices") / "solution.py").read_text(), slug="devices", student=6)
    for pk in cpu:
        assert dep.graded(pk, student=cpu.index(pk))["score"] == 4
    data = dep.graded(gpu, student=6)
    assert data["status"] == "graded" and data["score"] == data["max_score"], data
    rows = dep.rows([*cpu, gpu])
    assert rows[gpu]["worker"].startswith("gpu@host-gpu"), rows[gpu]
    assert {r["worker"].split("@")[0] for pk, r in rows.items() if pk in cpu} <= {"w1", "w2"}
    assert all(r["tries"] == 1 and 0 < r["checks"] == r["distinct_checks"] for pk, r in rows.items() if pk in cpu)


RECEIVED = re.compile(
    r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): INFO/MainProcess\] Task (\S+)\[([0-9a-f-]{36})\] received"
)


def received(log: str) -> list[tuple[datetime, str]]:
    """(when, task id) of each task a worker received, from its log."""
    return [
        (datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f"), m.group(3))
        for m in (RECEIVED.match(line) for line in log.splitlines())
        if m
    ]


def test_a_worker_host_cut_off_mid_grade_is_redelivered_and_graded_once(deployment):
    """The holder's link goes down while it grades: its acknowledgement can no longer reach Redis,
    so Redis hands the message to the other grading worker after the visibility timeout."""
    dep = deployment
    known = {t for h in ("w1", "w2") for _when, t in received(dep.log(f"worker-{h}"))}
    t0 = datetime.now()
    pk = dep.submit(SLOW_SOLUTION, student=7)
    # The holder is the grading worker whose log shows a message it had not received before the
    # submit (log times are in each process's own time zone: compare task ids, not times).
    holder, task_id = dep.wait(lambda: next(((h, t) for h in ("w1", "w2") for _when, t in received(
        dep.log(f"worker-{h}")) if t not in known), None), 60, "a worker to take the submission", interval=0.1)  # fmt: skip
    dep.wait(lambda: dep.result(pk, student=7)["status"] == "running", 60, "the grade to start", interval=0.1)
    dep.link(holder, up=False)  # within the 15 s the solution sleeps
    t_cut = datetime.now()
    running = dep.rows([pk])[pk]
    other = "w2" if holder == "w1" else "w1"
    try:
        redelivery = dep.wait(  # when this test saw it (within a second)
            lambda: next(
                (datetime.now() for _when, tid in received(dep.log(f"worker-{other}")) if tid == task_id), None
            ),
            VISIBILITY_TIMEOUT + 150,
            f"the message to reach {other} (logs in {dep.folder} with QUIZ_KEEP_MULTIHOST_LOGS=1)",
            interval=1,
        )
        data = dep.graded(pk, student=7, timeout=240)
        time.sleep(2)
        row = dep.rows([pk])[pk]
    finally:
        dep.link(holder, up=True)
    t_mended = datetime.now()
    time.sleep(VISIBILITY_TIMEOUT)  # whatever the cut-off host still had to say has arrived by now
    after = dep.rows([pk])[pk]

    def at(when: datetime | float) -> float:
        return ((when if isinstance(when, datetime) else datetime.fromtimestamp(when)) - t0).total_seconds()

    events = [
        (t0, "submitted"),
        (running["started_at"], f"running on {running['worker']}"),
        (t_cut, f"link of {holder} down (cut off mid-grade)"),
        (redelivery, f"redelivered: {other}'s log shows the same message (task {task_id[:8]}; its log may lag)"),
        (row["finished_at"], f"graded by {row['worker']}: tries {row['tries']}, score {row['score']:g}"),
        (t_mended, f"link of {holder} up again"),
    ]
    print(f"\ncut-off worker timeline, submission {pk} (seconds after the submit):")
    for when, what in sorted(events, key=lambda e: at(e[0])):
        print(f"  {at(when):8.1f} s  {what}")
    print(f"  {VISIBILITY_TIMEOUT} s after the link came back: {after['status']}, tries {after['tries']}, "
          f"{after['checks']} check results (unchanged)")  # fmt: skip
    assert data["status"] == "graded" and data["score"] == 4
    assert row["status"] == "graded" and 0 < row["checks"] == row["distinct_checks"], row  # one set of results
    assert after == row, (row, after)  # graded once: nothing changed when the cut-off host came back


def test_redis_killed_and_restarted_loses_nothing(deployment):
    """Redis dies (SIGKILL) with messages queued, submissions arrive while it is down, it comes back
    from its append-only file; the sweeper sends what never reached it. Each graded once."""
    dep = deployment
    code = "import time\ntime.sleep(0.5)\n" + SOLUTION
    students = [8 + i % 4 for i in range(9)]
    ids = [dep.submit(code, student=s) for s in students[:6]]
    dep.stop("redis", signal.SIGKILL)
    ids += [dep.submit(code, student=s) for s in students[6:]]  # the broker is down for these
    assert all(f"could not enqueue submission {pk}" in dep.log("web") for pk in ids[6:]), "the broker was not down"
    dep.redis()
    for pk, student in zip(ids, students, strict=True):
        assert dep.graded(pk, student=student)["score"] == 4
    time.sleep(2)
    rows = dep.rows(ids)
    assert len(rows) == 9 and all(r["status"] == "graded" for r in rows.values()), rows
    assert all(0 < r["checks"] == r["distinct_checks"] for r in rows.values()), rows  # graded once each
    assert all(r["tries"] <= 2 for r in rows.values()), rows
