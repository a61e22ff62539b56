"""A throw-away PostgreSQL cluster for the suite: ``QUIZ_TEST_DB=postgres``.

A pytest plugin (registered with ``-p tests.pgcluster`` in pyproject.toml) so that it runs before
pytest-django reads the settings: it initdb's a cluster into a fresh temporary folder with Debian's
server (/usr/lib/postgresql/<version>/bin), starts it listening only on a Unix socket in that folder
(no port to collide with another suite), and points DATABASE_URL at it; pytest-django then creates
``test_quiz`` there, and the processes the tests start (workers, web, sweeper) get the same database
through ``tests.conftest.database_url_for_children``. Stopped and removed when pytest ends.

initdb refuses to run as root: as root the cluster belongs to ``nobody`` (QUIZ_TEST_PG_USER).
Durability is off (fsync, synchronous_commit): a test cluster is thrown away, not recovered.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest


def postgres_bin() -> Path:
    """Debian's newest installed server (postgresql-NN), or whatever initdb is on PATH."""
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if versions:
        return Path(versions[-1]).parent
    found = shutil.which("initdb")
    if not found:
        raise RuntimeError("PostgreSQL's server is not installed: apt-get install postgresql (scripts/install.sh does)")
    return Path(found).parent


@dataclass
class Cluster:
    folder: Path
    user: str  # the operating-system user that owns the cluster
    password: str
    bin: Path
    port: int = 5432
    listen: str = ""  # TCP addresses besides the Unix socket ("" for none)
    netns: str = ""  # the network namespace the server runs in (tests/test_multihost.py)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def socket_dir(self) -> Path:
        return self.folder

    def url(self, database: str = "quiz", host: str | None = None) -> str:
        """A DATABASE_URL; over the Unix socket unless ``host`` names a TCP address."""
        where = quote(str(self.socket_dir), safe="") if host is None else host
        return f"postgres://quiz:{quote(self.password, safe='')}@{where}:{self.port}/{database}"

    def _as_owner(self, args: list[str], **kwargs) -> subprocess.CompletedProcess:
        if os.geteuid() == 0:
            args = ["runuser", "-u", self.user, "--", *args]
        if self.netns:
            args = ["ip", "netns", "exec", self.netns, *args]
        return subprocess.run(args, capture_output=True, text=True, check=False, cwd=self.folder, **kwargs)

    def init(self) -> None:
        (self.folder / "pw").write_text(self.password)
        if os.geteuid() == 0:
            owner = pwd.getpwnam(self.user)
            for path in (self.folder, self.folder / "pw"):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        os.chmod(self.folder / "pw", 0o600)
        done = self._as_owner(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "quiz",
                f"--pwfile={self.folder / 'pw'}",
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]  # fmt: skip
        )
        (self.folder / "pw").unlink()
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stdout}{done.stderr}")
        with open(self.data / "pg_hba.conf", "a") as hba:
            hba.write("host all all 0.0.0.0/0 scram-sha-256\n")  # only where `listen` opens a port

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses='{self.listen}' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        done = self._as_owner(
            [
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.folder / "postgres.log"),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            ]  # fmt: skip
        )
        if done.returncode:
            raise RuntimeError(f"pg_ctl start failed: {done.stdout}{done.stderr}\n{self.log()}")
        created = subprocess.run(
            [str(self.bin / "createdb"), "-h", str(self.socket_dir), "-p", str(self.port), "-U", "quiz", "quiz"],
            env={**os.environ, "PGPASSWORD": self.password},
            capture_output=True,
            text=True,
            check=False,
        )
        if created.returncode and "already exists" not in created.stderr:
            raise RuntimeError(f"createdb failed: {created.stderr}")

    def stop(self) -> None:
        self._as_owner([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def log(self) -> str:
        path = self.folder / "postgres.log"
        return path.read_text(errors="replace") if path.exists() else ""


def new_cluster(*, port: int = 5432, listen: str = "", netns: str = "") -> Cluster:
    """A cluster initialised and started in a new temporary folder; the caller stops it."""
    user = os.environ.get("QUIZ_TEST_PG_USER", "nobody") if os.geteuid() == 0 else pwd.getpwuid(os.getuid()).pw_name
    # Directly under /tmp, not pytest's tmp_path: the owner must be able to reach it (root's is 0700).
    folder = Path(tempfile.mkdtemp(prefix="quiz-pg-"))
    cluster = Cluster(folder=folder, user=user, password=secrets.token_urlsafe(16), bin=postgres_bin(), port=port,
                      listen=listen, netns=netns)  # fmt: skip
    try:
        cluster.init()
        cluster.start()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return cluster


def remove_cluster(cluster: Cluster) -> None:
    cluster.stop()
    for _ in range(20):  # the postmaster's last files
        try:
            shutil.rmtree(cluster.folder)
            return
        except OSError:
            time.sleep(0.25)


_cluster: Cluster | None = None


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Before pytest-django reads the settings: start the cluster, set DATABASE_URL."""
    global _cluster
    if os.environ.get("QUIZ_TEST_DB", "sqlite") != "postgres" or _cluster is not None:
        return
    _cluster = new_cluster()
    os.environ["DATABASE_URL"] = _cluster.url()


def pytest_report_header(config):
    if _cluster is not None:
        return f"database: PostgreSQL ({_cluster.bin.parent.name}) in {_cluster.folder} (QUIZ_TEST_DB=postgres)"
    return None


def pytest_unconfigure(config):
    global _cluster
    if _cluster is not None:
        remove_cluster(_cluster)
        _cluster = None


@pytest.fixture(scope="session")
def postgres_cluster() -> Cluster:
    """The suite's cluster; only under QUIZ_TEST_DB=postgres."""
    if _cluster is None:
        pytest.fail("no PostgreSQL cluster: run with QUIZ_TEST_DB=postgres")
    return _cluster
