"""Run untrusted student code in a bubblewrap sandbox.

The sandbox is a fresh process tree in its own PID, network, IPC and UTS namespaces, with a
mount namespace that holds only an allow-list of read-only paths (the system libraries, the
Python runtime and its virtual environment, the sandbox runner) and two small private tmpfs
directories. Nothing of the project (database, content, hidden checks, other submissions) is
mounted, the environment is cleared, and the process runs as an unprivileged uid with no
capabilities and ``no_new_privs``. Resource limits are rlimits set before ``exec``: CPU time,
address space, processes/threads, file size and open files; wall time and output size are
enforced from here.

The student's code and the probe arrive as JSON; the runner answers on a dedicated pipe, never
on stdout, so printed text can never be taken for a result.

Two ways to start it, with the same isolation for the student's code:

- **warm** (the default): one long-lived *fork server* per worker process (``grader/jail/forkserver.py``)
  runs inside bwrap, imports TensorFlow once, and forks a single-use child per submission into
  fresh pid/mount/net/ipc/uts namespaces with throw-away tmpfs, a dropped uid and rlimits. The
  child is forked and warmed ahead of demand, so a submission waits for neither.
- **cold**: a fresh bwrap + interpreter per submission (``QUIZ_SANDBOX=cold``), the fallback when
  the fork server cannot start (for example no privileges for the namespaces it needs).
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import resource
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

# Called with each progress event the runner sends while it runs (see grader/jail/runner.py).
ProgressCallback = Callable[[dict[str, Any]], None]


@runtime_checkable
class Deferring(Protocol):
    """A progress callback with work to do later (``grader.harness``'s early checks): the read loop
    wakes for it when ``due()`` seconds have passed and calls ``tick()``."""

    def due(self) -> float | None: ...  # seconds until tick() has something to do; None: nothing

    def tick(self) -> None: ...


logger = logging.getLogger(__name__)

GRADER_DIR = Path(__file__).parent.parent
JAIL_DIR = GRADER_DIR / "jail"
RUNNER_PATH = JAIL_DIR / "runner.py"
RUNNER_MOUNT = "/opt/quizrunner/runner.py"
FORKSERVER_PATH = JAIL_DIR / "forkserver.py"
FORKSERVER_MOUNT = "/opt/quizrunner/forkserver.py"
# What the fork server imports once. Never a module that runs a TensorFlow op at import.
FORKSERVER_PRELOAD = ["numpy", "tensorflow", "keras"]


@dataclass(frozen=True)
class Flavour:
    """Which jail: what it mounts besides the runtime, what its server preloads, which module in
    ``/opt/quizrunner`` answers a request, and its own range of unprivileged uids."""

    name: str
    entry: str
    preload: tuple[str, ...]
    binds: tuple[tuple[str, str], ...]
    uid_base: int
    title: str

    @property
    def entry_mount(self) -> str:
        return f"/opt/quizrunner/{self.entry}.py"


# Jail A: the student's code and the probes (TensorFlow preloaded).
STUDENT = Flavour("student", "runner", tuple(FORKSERVER_PRELOAD), (), 200_000, "quiz-forkserver")
# Jail B: the teacher's checks.py and the trusted check library it imports, mounted read-only as
# the package ``grader.checks`` (and nothing else of the platform).
CHECKS = Flavour(
    "checks",
    "checks_runner",
    ("checks_runner", "grader.checks"),
    (
        (str(JAIL_DIR / "checks_runner.py"), "/opt/quizrunner/checks_runner.py"),
        (str(GRADER_DIR / "__init__.py"), "/opt/quizchecks/grader/__init__.py"),
        (str(GRADER_DIR / "checks"), "/opt/quizchecks/grader/checks"),
    ),
    300_000,
    "quiz-checksrv",
)
SERVER_START_SECONDS = 180.0
# Extra wall time for a job that arrives while its child is still warming.
WARM_GRACE_SECONDS = 30.0
MAX_RESULT_BYTES = 4 * 1024 * 1024
# Above this many bytes of output the run is stopped: a flood is not worth reading to its end.
OUTPUT_FLOOD_FACTOR = 16
PROGRESS_FRAME = 0x1E  # a progress line on the answer pipe: RS + JSON + LF
MAX_PROGRESS_EVENTS = 2000


class SandboxUnavailable(RuntimeError):
    """The platform cannot start a sandbox (missing bwrap, broken runtime): not the student's fault."""


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 30
    wall_seconds: float = 60.0
    memory_mb: int = 3072
    max_processes: int = 128  # threads count too: TensorFlow starts a pool of them
    output_bytes: int = 64 * 1024
    file_size_mb: int = 32
    tmpfs_mb: int = 64
    open_files: int = 256

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Limits:
        data = data or {}
        allowed = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in allowed})


@dataclass
class SandboxRun:
    verdict: str  # ok | time_limit | memory_limit | output_limit | crashed
    returncode: int | None
    output: str
    output_truncated: bool
    result: dict[str, Any] | None
    result_error: str = ""
    wall_seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    limit: str = ""  # for a time_limit verdict, which one: "cpu" or "wall"


def _sandbox_uid(flavour: Flavour = STUDENT) -> int:
    # A uid no real account uses, distinct per worker process and per jail so that RLIMIT_NPROC
    # (counted per uid) of one sandbox is not eaten by a concurrent one, and so that the teacher's
    # jail and the student's never share a uid.
    return flavour.uid_base + os.getpid() % 100_000


# fmt: off
def _bwrap_base(limits: Limits, flavour: Flavour = STUDENT) -> list[str]:
    """bwrap's allow-list: read-only system and Python, private tmpfs, unshared namespaces."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed")
    tmpfs = str(limits.tmpfs_mb * 1024 * 1024)
    args = [
        bwrap,
        "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/lib", "/lib",
        "--symlink", "usr/lib64", "/lib64",
        "--symlink", "usr/bin", "/bin",
        "--symlink", "usr/sbin", "/sbin",
        "--perms", "0755", "--dir", "/etc",
        "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
        "--ro-bind-try", "/etc/localtime", "/etc/localtime",
        "--proc", "/proc",
        "--dev", "/dev",
        "--perms", "1777", "--size", tmpfs, "--tmpfs", "/tmp",
        "--perms", "1777", "--size", tmpfs, "--tmpfs", "/sandbox",
    ]
    # The Python runtime and the virtual environment, read-only, at their own paths (a venv
    # finds its base interpreter by absolute path), and the platform's two in-sandbox files.
    binds = [(path, path) for path in sorted({sys.base_prefix, sys.prefix}) if not path.startswith("/usr/")]
    binds += [(str(RUNNER_PATH), RUNNER_MOUNT), (str(FORKSERVER_PATH), FORKSERVER_MOUNT), *flavour.binds]
    for _source, dest in binds:
        # bwrap would create missing parents as 0700, unreadable once we drop to another uid.
        for parent in reversed(Path(dest).parents[:-1]):
            args += ["--perms", "0755", "--dir", str(parent)]
    for source, dest in binds:
        args += ["--ro-bind", source, dest]
    if os.environ.get("QUIZ_SANDBOX_GPU") == "1" and flavour is STUDENT:
        # A GPU node: the NVIDIA device nodes (the driver's libraries come with /usr). Only GPU
        # workers set this; the job child enables memory growth before its first op.
        for dev in sorted(Path("/dev").glob("nvidia*")):
            args += ["--dev-bind", str(dev), str(dev)]
    args += [
        "--chdir", "/sandbox",
        "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--new-session", "--clearenv",
        "--setenv", "PATH", "/usr/bin:/bin",
        "--setenv", "HOME", "/sandbox",
        "--setenv", "TMPDIR", "/tmp",
        "--setenv", "LANG", "C.UTF-8",
        "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
        "--setenv", "PYTHONIOENCODING", "utf-8",
        "--setenv", "TF_CPP_MIN_LOG_LEVEL", "2",
        "--setenv", "KERAS_BACKEND", "tensorflow",
        "--setenv", "CUDA_VISIBLE_DEVICES", os.environ.get("SANDBOX_CUDA_VISIBLE_DEVICES", ""),
        "--setenv", "OMP_NUM_THREADS", "1",
        "--setenv", "TF_NUM_INTEROP_THREADS", "1",
        "--setenv", "TF_NUM_INTRAOP_THREADS", "2",
        "--setenv", "MPLCONFIGDIR", "/tmp",
    ]
    return args


def _bwrap_command(limits: Limits, *, python: str, flavour: Flavour = STUDENT) -> list[str]:
    """The cold sandbox: bwrap, then straight to an unprivileged uid, then the runner."""
    args = _bwrap_base(limits, flavour)
    uid = _sandbox_uid(flavour)
    if os.geteuid() == 0:
        # As root, bwrap builds the mounts with real privileges and setpriv then drops to an
        # unprivileged uid, so the student's processes are a plain user to the kernel
        # (RLIMIT_NPROC applies, files it could reach are only world-readable ones).
        args += ["--", "/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    else:
        # Unprivileged worker (a container user): a user namespace maps it to a nobody uid.
        args += ["--unshare-user", "--uid", "65534", "--gid", "65534", "--"]
    return args + [python, "-I", "-B", flavour.entry_mount]


def _forkserver_command(
    limits: Limits, *, python: str, config: dict[str, Any], flavour: Flavour = STUDENT
) -> list[str]:
    """The warm sandbox's server: it keeps the capabilities it needs to give each job fresh
    namespaces and to drop the job to an unprivileged uid, and nothing else."""
    args = _bwrap_base(limits, flavour)
    if os.geteuid() != 0:
        args += ["--unshare-user", "--uid", "0", "--gid", "0"]
    args += ["--cap-add", "CAP_SYS_ADMIN", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--"]
    return args + [python, "-I", "-B", FORKSERVER_MOUNT, json.dumps(config)]
# fmt: on


def _limit_child(limits: Limits) -> None:
    """Runs in the forked child just before exec: rlimits that only root could raise again."""
    mem = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_NPROC, (limits.max_processes, limits.max_processes))
    fsize = limits.file_size_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)


class _Collector:
    """Reads a run's output (bounded) and its answer; knows when to stop it."""

    def __init__(self, limits: Limits, progress: ProgressCallback | None = None) -> None:
        self.limits = limits
        self.progress = progress
        self.progress_events = 0
        self.out = bytearray()
        self.out_total = 0
        self.res = bytearray()
        self.res_overflow = False
        self.killed_for: str | None = None
        self._answer: tuple[dict[str, Any] | None, str] | None = None

    def feed(self, kind: str, chunk: bytes) -> None:
        if kind == "out":
            self.out_total += len(chunk)
            room = self.limits.output_bytes - len(self.out)
            if room > 0:
                self.out += chunk[:room]
            if self.out_total > self.limits.output_bytes * OUTPUT_FLOOD_FACTOR:
                self.killed_for = "output_limit"
        elif len(self.res) + len(chunk) > MAX_RESULT_BYTES:
            self.res_overflow = True
        else:
            self.res += chunk
            if self.progress is not None:
                self._take_progress()

    def wait(self, longest: float) -> float:
        """How long the read loop may sleep: ``longest``, or less when deferred work falls due."""
        if isinstance(self.progress, Deferring):
            due = self.progress.due()
            if due is not None:
                return max(0.0, min(longest, due))
        return longest

    def tick(self) -> None:
        """Deferred progress work that has fallen due (never stops the run)."""
        if isinstance(self.progress, Deferring):
            try:
                self.progress.tick()
            except Exception:
                logger.debug("deferred progress work failed", exc_info=True)

    def _take_progress(self) -> None:
        """Hand each complete progress line at the head of the answer to the callback."""
        progress = self.progress
        if progress is None:
            return
        while self.res[:1] == bytes([PROGRESS_FRAME]):
            end = self.res.find(b"\n")
            if end < 0:
                return
            line = bytes(self.res[1:end])
            del self.res[: end + 1]
            self.progress_events += 1
            if self.progress_events > MAX_PROGRESS_EVENTS:
                continue
            try:
                event = json.loads(line.decode("utf-8"))
                if isinstance(event, dict):
                    progress(event)
            except Exception:  # a bad line or a failing callback never stops the run
                logger.debug("progress event dropped", exc_info=True)

    def answer(self) -> tuple[dict[str, Any] | None, str]:
        """The answer as a JSON object once its pipe has closed, or why there is none."""
        if self._answer is None:
            result: dict[str, Any] | None = None
            result_error = ""
            if self.res_overflow:
                result_error = "the answer from the sandbox was too large"
            elif self.res:
                try:
                    parsed = json.loads(self.res.decode("utf-8"))
                    if isinstance(parsed, dict):
                        result = parsed
                    else:
                        result_error = "the answer from the sandbox was not a JSON object"
                except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
                    result_error = "the answer from the sandbox was not valid JSON"
            self._answer = (result, result_error)
        return self._answer

    def finish(self, returncode: int | None, wall: float, timings: dict[str, float]) -> SandboxRun:
        output = self.out.decode("utf-8", errors="replace")
        result, result_error = self.answer()
        verdict = self.killed_for or _classify(
            returncode, output, result, cpu_used=timings.get("cpu"), cpu_limit=self.limits.cpu_seconds
        )
        limit = ""
        if verdict == "time_limit":
            limit = "wall" if self.killed_for == "time_limit" else "cpu"
        return SandboxRun(
            limit=limit,
            verdict=verdict,
            returncode=returncode,
            output=output,
            output_truncated=self.out_total > self.limits.output_bytes,
            result=result,
            result_error=result_error,
            wall_seconds=wall,
            timings={**_timings(result), **timings},
        )


def run_in_sandbox(
    request: dict[str, Any], limits: Limits, flavour: Flavour = STUDENT, progress: ProgressCallback | None = None
) -> SandboxRun:
    """Run ``request`` (code + probe, or a teacher's checks) in a sandbox of that flavour: the
    warm fork server, else a cold one. With ``progress``, the runner reports events while it runs
    and each is handed to it."""
    if progress is not None:
        request = {**request, "progress": True}
    if os.environ.get("QUIZ_SANDBOX", "warm") == "warm" and flavour.name not in _WARM_BROKEN:
        try:
            return forkserver(flavour=flavour).run(request, limits, progress)
        except ForkServerDown as exc:
            logger.warning("%s fork server unavailable, running cold: %s", flavour.name, exc)
    return run_cold(request, limits, flavour, progress)


def run_cold(
    request: dict[str, Any], limits: Limits, flavour: Flavour = STUDENT, progress: ProgressCallback | None = None
) -> SandboxRun:
    """Run the sandbox runner on ``request`` in a fresh bwrap and interpreter.

    1. Start bwrap with the limits applied, the request on stdin and a pipe for the answer.
    2. Read output (bounded) and the answer until both close or the wall deadline passes.
    3. Kill the whole process group on a deadline or an output flood.
    4. Classify how it ended: ok, time_limit, memory_limit, output_limit or crashed.
    """
    python = os.path.join(sys.prefix, "bin", "python")
    command = _bwrap_command(limits, python=python, flavour=flavour)
    result_r, result_w = os.pipe()
    started = time.monotonic()
    cpu_before = _children_cpu()
    try:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(result_w,),
            preexec_fn=lambda: _limit_child(limits),
            start_new_session=True,
        )
    except OSError as exc:
        os.close(result_r)
        os.close(result_w)
        raise SandboxUnavailable(f"cannot start the sandbox: {exc}") from exc
    os.close(result_w)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(json.dumps({**request, "result_fd": result_w}).encode())
        proc.stdin.close()
    except BrokenPipeError:
        pass

    collector = _Collector(limits, progress)
    deadline = started + limits.wall_seconds
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "out")
    res_file = os.fdopen(result_r, "rb", buffering=0)
    sel.register(res_file, selectors.EVENT_READ, "res")
    open_streams = 2
    while open_streams:
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            collector.killed_for = "time_limit"
            break
        for key, _ in sel.select(timeout=collector.wait(min(timeout, 1.0))):
            chunk = os.read(key.fd, 65536)
            if not chunk:
                sel.unregister(key.fileobj)
                open_streams -= 1
                continue
            collector.feed(key.data, chunk)
        collector.tick()
        if collector.killed_for:
            break
    if collector.killed_for:
        _kill_group(proc)
    try:
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        # Streams closed but the process lingers (a daemon holding no pipe): end it.
        collector.killed_for = collector.killed_for or "time_limit"
        _kill_group(proc)
        proc.wait()
    sel.close()
    res_file.close()
    proc.stdout.close()
    # CPU time of the whole sandbox tree: each parent in it waited for its children.
    return collector.finish(proc.returncode, time.monotonic() - started, {"cpu": _children_cpu() - cpu_before})


class ForkServerDown(RuntimeError):
    """The fork server died or never came up; the caller may fall back to a cold sandbox."""


_SERVERS: dict[str, ForkServer] = {}
_SERVER_LOCK = threading.Lock()
_WARM_BROKEN: set[str] = set()  # the flavours whose fork server cannot start at all in this process


def forkserver(*, wait: bool = True, flavour: Flavour = STUDENT) -> ForkServer:
    """This process's fork server of that flavour, started (or restarted) on demand.

    bwrap dies with the *thread* that started it (``--die-with-parent`` is PR_SET_PDEATHSIG), so
    call this from the thread that grades: in a Celery pool process, its main thread."""
    with _SERVER_LOCK:
        server = _SERVERS.get(flavour.name)
        if server is None or not server.alive():
            if server is not None:
                server.stop()
                del _SERVERS[flavour.name]
            try:
                server = _SERVERS[flavour.name] = ForkServer(Limits(), flavour)
            except ForkServerDown:
                _WARM_BROKEN.add(flavour.name)
                raise
    if wait:
        try:
            server.await_ready()
        except ForkServerDown:
            _WARM_BROKEN.add(flavour.name)
            raise
    return server


def forkserver_stop() -> None:
    with _SERVER_LOCK:
        for server in _SERVERS.values():
            server.stop()
        _SERVERS.clear()


atexit.register(forkserver_stop)


class ForkServer:
    """The worker's end of ``grader/jail/forkserver.py`` (see that module for the process tree)."""

    def __init__(self, limits: Limits, flavour: Flavour = STUDENT) -> None:
        self.limits = limits
        self.flavour = flavour
        self.jobs = 0
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock = ours
        config = {
            "preload": list(flavour.preload),
            "entry": flavour.entry,
            "title": flavour.title,
            "uid": _sandbox_uid(flavour) if os.geteuid() == 0 else None,
            "warm": os.environ.get("QUIZ_SANDBOX_WARM", "build"),
            "warm_delay": float(os.environ.get("QUIZ_SANDBOX_WARM_DELAY", "0.5")),
            "tmpfs_mb": limits.tmpfs_mb,
            "control_fd": theirs.fileno(),
            # Bound into the sandbox; a job's fresh /tmp must not hide them (see forkserver._init).
            "keep": sorted({sys.prefix, sys.base_prefix, str(Path(RUNNER_MOUNT).parent)}),
        }
        python = os.path.join(sys.prefix, "bin", "python")
        started = time.monotonic()
        try:
            self.proc = subprocess.Popen(
                _forkserver_command(limits, python=python, config=config, flavour=flavour),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
            )
        except (OSError, SandboxUnavailable) as exc:
            raise ForkServerDown(f"cannot start: {exc}") from exc
        finally:
            theirs.close()
        self.started = started
        self.ready = False
        self.start_seconds = 0.0
        self.preload_errors: list[str] = []

    def await_ready(self) -> None:
        """Wait for the server's imports (once). Separate from starting it, so a worker can start
        its server at process start and take its first job while TensorFlow is still loading."""
        if self.ready:
            return
        message = self._receive(timeout=SERVER_START_SECONDS - (time.monotonic() - self.started))
        if message is None or message.get("op") != "ready":
            error = (message or {}).get("error") or self._stderr_tail()
            self.stop()
            raise ForkServerDown(f"did not start: {error}")
        self.ready = True
        self.start_seconds = time.monotonic() - self.started
        self.preload_errors = message.get("errors", [])

    def _stderr_tail(self) -> str:
        if self.proc.poll() is None or self.proc.stderr is None:
            return "no answer"
        return self.proc.stderr.read()[-2000:].decode(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        try:
            self.sock.close()
        finally:
            if self.proc.poll() is None:
                _kill_group(self.proc)
            self.proc.wait()
            if self.proc.stderr:
                self.proc.stderr.close()

    def _receive(self, timeout: float) -> dict[str, Any] | None:
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(65536)
        except (TimeoutError, OSError):
            return None
        finally:
            self.sock.settimeout(None)
        return json.loads(data) if data else {"op": "eof"}

    def run(self, request: dict[str, Any], limits: Limits, progress: ProgressCallback | None = None) -> SandboxRun:
        """One submission in a fresh child of the server.

        1. Make the request, output and answer pipes; pass their child ends to the server,
           which hands them to the warm child and forks the next one.
        2. Write the request; read output and answer exactly as for a cold run.
        3. The wall clock starts when the child has the job; on a deadline or a flood, ask the
           server to kill the child's namespace.
        4. The server reports the exit status; classify as a cold run would.
        """
        self.await_ready()
        self.jobs += 1
        job = self.jobs
        req_r, req_w = os.pipe()
        out_r, out_w = os.pipe()
        res_r, res_w = os.pipe()
        payload = json.dumps(request).encode()
        try:
            import fcntl

            fcntl.fcntl(req_w, 1031, min(max(len(payload) + 4096, 65536), 1 << 20))  # F_SETPIPE_SZ
        except OSError:
            pass
        sent = time.monotonic()
        try:
            run_message = json.dumps({"op": "run", "job": job, "limits": asdict(limits)}).encode()
            socket.send_fds(self.sock, [run_message], [req_r, out_w, res_w])
        except OSError as exc:
            for fd in (req_r, req_w, out_r, out_w, res_r, res_w):
                os.close(fd)
            raise ForkServerDown(f"lost the fork server: {exc}") from exc
        finally:
            for fd in (req_r, out_w, res_w):
                try:
                    os.close(fd)
                except OSError:
                    pass
        writer = _RequestWriter(req_w, payload)

        collector = _Collector(limits, progress)
        deadline = sent + limits.wall_seconds + WARM_GRACE_SECONDS
        timings: dict[str, float] = {}
        status: int | None = None
        kill_sent_at: float | None = None
        sel = selectors.DefaultSelector()
        sel.register(out_r, selectors.EVENT_READ, "out")
        sel.register(res_r, selectors.EVENT_READ, "res")
        sel.register(self.sock, selectors.EVENT_READ, "control")
        if writer.pending:
            sel.register(req_w, selectors.EVENT_WRITE, "req")
        open_streams = 2
        try:
            while open_streams or status is None:
                if not open_streams and status is None and kill_sent_at is None and not collector.killed_for:
                    if collector.answer()[0] is not None:
                        # The whole answer is in and every stream closed: the job process has
                        # ended (or only lingers without a way to say anything). Its exit status
                        # cannot change the grade, so do not wait the milliseconds a TensorFlow
                        # process and its namespaces take to tear down: have the server end
                        # whatever is left, and go on (its "exit" is skipped as another job's).
                        self._send({"op": "kill", "job": job})
                        break
                now = time.monotonic()
                if kill_sent_at is None and now >= deadline:
                    collector.killed_for = collector.killed_for or "time_limit"
                if collector.killed_for and kill_sent_at is None:
                    kill_sent_at = now
                    self._send({"op": "kill", "job": job})
                if kill_sent_at is not None and now - kill_sent_at > 10:
                    raise ForkServerDown("the fork server did not end a job it was asked to kill")
                if not open_streams and status is None and now - deadline > 10:
                    raise ForkServerDown("the fork server did not report the end of a job")
                wait = max(0.05, min(1.0, deadline - now)) if kill_sent_at is None else 0.5
                collector.tick()
                for key, _ in sel.select(timeout=collector.wait(wait)):
                    if key.data == "req":
                        if not writer.write():
                            sel.unregister(req_w)
                        continue
                    if key.data == "control":
                        message = self._receive(timeout=1.0)
                        if message is None or message.get("op") in ("eof", "fatal"):
                            raise ForkServerDown(f"the fork server ended: {message}")
                        if message.get("job") != job:
                            continue
                        if message.get("op") == "started":
                            timings["ready"] = time.monotonic() - sent
                            # Spent ahead of demand, off this submission's clock: for the bench.
                            for key_name, value in (message.get("child") or {}).items():
                                if isinstance(value, (int, float)):
                                    timings[f"child_{key_name}"] = float(value)
                            deadline = time.monotonic() + limits.wall_seconds
                        elif message.get("op") == "exit":
                            status = int(message["status"])
                            if isinstance(message.get("cpu"), (int, float)):
                                timings["cpu"] = float(message["cpu"])
                            if status in (70, 71, 75) and "ready" not in timings:
                                raise ForkServerDown(f"the job's child failed before the job ({status})")
                        continue
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        sel.unregister(key.fd)
                        open_streams -= 1
                        continue
                    collector.feed(key.data, chunk)
        except ForkServerDown:
            self.stop()
            raise
        finally:
            sel.close()
            writer.close()
            os.close(out_r)
            os.close(res_r)
        return collector.finish(status, time.monotonic() - sent, timings)

    def _send(self, message: dict[str, Any]) -> None:
        try:
            self.sock.send(json.dumps(message).encode())
        except OSError as exc:
            raise ForkServerDown(f"lost the fork server: {exc}") from exc


class _RequestWriter:
    """Writes the request into its pipe without blocking the read loop."""

    def __init__(self, fd: int, payload: bytes) -> None:
        self.fd = fd
        self.view = memoryview(payload)
        os.set_blocking(fd, False)
        self.pending = self.write()

    def write(self) -> bool:
        """Write what fits; True while something is left."""
        try:
            while self.view:
                self.view = self.view[os.write(self.fd, self.view) :]
        except BlockingIOError:
            return True
        except BrokenPipeError:
            self.view = memoryview(b"")
        self.close()
        return False

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _timings(result: dict[str, Any] | None) -> dict[str, float]:
    raw = result.get("timings") if result else None
    if not isinstance(raw, dict):
        return {}
    return {str(k): float(v) for k, v in raw.items() if isinstance(v, (int, float))}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


MEMORY_MARKERS = (
    "MemoryError",
    "std::bad_alloc",
    "Cannot allocate memory",
    "OOM when allocating",
    "failed to allocate",
    "ResourceExhaustedError",
)


def _classify(
    returncode: int | None,
    output: str,
    result: dict[str, Any] | None,
    *,
    cpu_used: float | None = None,
    cpu_limit: float = 0.0,
) -> str:
    """How a run that was not killed by us ended.

    bwrap reports a child killed by signal N as exit status 128 + N.
    """
    if result is not None and result.get("memory_error"):
        return "memory_limit"
    if returncode is None or returncode == 0:
        # Exit status 0 with no answer: the code ended the process (os._exit, sys.exit) before
        # it could be graded. Never a pass.
        return "ok" if result is not None else "crashed"
    sig = -returncode if returncode < 0 else returncode - 128 if returncode > 128 else 0
    if sig == signal.SIGXCPU:
        return "time_limit"
    if sig == signal.SIGXFSZ:
        return "output_limit"
    tail = output[-4000:]
    if any(marker in tail for marker in MEMORY_MARKERS):
        return "memory_limit"
    if sig == signal.SIGKILL and result is None and cpu_used is not None and cpu_limit and cpu_used >= cpu_limit - 0.05:
        # Code that ignores SIGXCPU is killed at the hard CPU limit: time, not memory.
        return "time_limit"
    if sig in (signal.SIGKILL,) and result is None:
        # Killed from outside without our doing: the kernel's OOM killer.
        return "memory_limit"
    if result is not None and not sig:
        # The runner answered and then the student's code chose an exit status: the answer stands.
        return "ok"
    return "crashed"
