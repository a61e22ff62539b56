"""Run untrusted student code in a bubblewrap sandbox.

The sandbox is a fresh process tree in its own PID, network, IPC and UTS namespaces, with a
mount namespace that holds only an allow-list of read-only paths (the system libraries, the
Python runtime and its virtual environment, the sandbox runner) and two small private tmpfs
directories. Nothing of the project (database, content, hidden checks, other submissions) is
mounted, the environment is cleared, and the process runs as an unprivileged uid with no
capabilities and ``no_new_privs``. Resource limits are rlimits set before ``exec``: CPU time,
address space, processes/threads, file size and open files; wall time and output size are
enforced from here.

The student's code and the probe arrive on stdin as JSON; the runner answers on a dedicated
pipe (its number is in the request), never on stdout, so printed text can never be taken for a result.
"""

from __future__ import annotations

import json
import os
import resource
import selectors
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUNNER_PATH = Path(__file__).with_name("sandbox_runner.py")
RUNNER_MOUNT = "/opt/quizrunner/runner.py"
MAX_RESULT_BYTES = 4 * 1024 * 1024
# Above this many bytes of output the run is stopped: a flood is not worth reading to its end.
OUTPUT_FLOOD_FACTOR = 16


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


def _sandbox_uid() -> int:
    # A uid no real account uses, distinct per worker process so that RLIMIT_NPROC (counted per
    # uid) of one sandbox is not eaten by a concurrent one.
    return 200_000 + os.getpid() % 100_000


def _bwrap_command(limits: Limits, *, python: str) -> list[str]:
    bwrap = shutil.which("bwrap")
    if not bwrap:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed")
    args = [
        bwrap,
        "--ro-bind",
        "/usr",
        "/usr",
        "--symlink",
        "usr/lib",
        "/lib",
        "--symlink",
        "usr/lib64",
        "/lib64",
        "--symlink",
        "usr/bin",
        "/bin",
        "--symlink",
        "usr/sbin",
        "/sbin",
        "--perms",
        "0755",
        "--dir",
        "/etc",
        "--ro-bind-try",
        "/etc/ld.so.cache",
        "/etc/ld.so.cache",
        "--ro-bind-try",
        "/etc/localtime",
        "/etc/localtime",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--perms",
        "1777",
        "--size",
        str(limits.tmpfs_mb * 1024 * 1024),
        "--tmpfs",
        "/tmp",
        "--perms",
        "1777",
        "--size",
        str(limits.tmpfs_mb * 1024 * 1024),
        "--tmpfs",
        "/sandbox",
    ]
    # The Python runtime and the virtual environment, read-only, at their own paths (a venv
    # finds its base interpreter by absolute path).
    binds = [(path, path) for path in sorted({sys.base_prefix, sys.prefix}) if not path.startswith("/usr/")]
    binds.append((str(RUNNER_PATH), RUNNER_MOUNT))
    for _source, dest in binds:
        # bwrap would create missing parents as 0700, unreadable once we drop to another uid.
        for parent in reversed(Path(dest).parents[:-1]):
            args += ["--perms", "0755", "--dir", str(parent)]
    for source, dest in binds:
        args += ["--ro-bind", source, dest]
    args += [
        "--chdir",
        "/sandbox",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--setenv",
        "PATH",
        "/usr/bin:/bin",
        "--setenv",
        "HOME",
        "/sandbox",
        "--setenv",
        "TMPDIR",
        "/tmp",
        "--setenv",
        "LANG",
        "C.UTF-8",
        "--setenv",
        "PYTHONDONTWRITEBYTECODE",
        "1",
        "--setenv",
        "PYTHONIOENCODING",
        "utf-8",
        "--setenv",
        "TF_CPP_MIN_LOG_LEVEL",
        "2",
        "--setenv",
        "KERAS_BACKEND",
        "tensorflow",
        "--setenv",
        "CUDA_VISIBLE_DEVICES",
        os.environ.get("SANDBOX_CUDA_VISIBLE_DEVICES", ""),
        "--setenv",
        "OMP_NUM_THREADS",
        "1",
        "--setenv",
        "TF_NUM_INTEROP_THREADS",
        "1",
        "--setenv",
        "TF_NUM_INTRAOP_THREADS",
        "2",
        "--setenv",
        "MPLCONFIGDIR",
        "/tmp",
    ]
    uid = _sandbox_uid()
    if os.geteuid() == 0:
        # As root, bwrap builds the mounts with real privileges and setpriv then drops to an
        # unprivileged uid, so the student's processes are a plain user to the kernel
        # (RLIMIT_NPROC applies, files it could reach are only world-readable ones).
        args += [
            "--",
            "/usr/bin/setpriv",
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
        ]
    else:
        # Unprivileged worker (a container user): a user namespace maps it to a nobody uid.
        args += ["--unshare-user", "--uid", "65534", "--gid", "65534", "--"]
    args += [python, "-I", "-B", RUNNER_MOUNT]
    return args


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


def run_in_sandbox(request: dict[str, Any], limits: Limits) -> SandboxRun:
    """Run the sandbox runner on ``request`` and collect its output and its answer.

    1. Start bwrap with the limits applied, the request on stdin and a pipe for the answer.
    2. Read output (bounded) and the answer until both close or the wall deadline passes.
    3. Kill the whole process group on a deadline or an output flood.
    4. Classify how it ended: ok, time_limit, memory_limit, output_limit or crashed.
    """
    python = os.path.join(sys.prefix, "bin", "python")
    command = _bwrap_command(limits, python=python)
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

    out = bytearray()
    out_total = 0
    res = bytearray()
    res_overflow = False
    killed_for: str | None = None
    deadline = started + limits.wall_seconds
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "out")
    res_file = os.fdopen(result_r, "rb", buffering=0)
    sel.register(res_file, selectors.EVENT_READ, "res")
    open_streams = 2
    while open_streams:
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            killed_for = "time_limit"
            break
        for key, _ in sel.select(timeout=min(timeout, 1.0)):
            chunk = os.read(key.fileobj.fileno(), 65536)  # type: ignore[union-attr]
            if not chunk:
                sel.unregister(key.fileobj)
                open_streams -= 1
                continue
            if key.data == "out":
                out_total += len(chunk)
                room = limits.output_bytes - len(out)
                if room > 0:
                    out += chunk[:room]
                if out_total > limits.output_bytes * OUTPUT_FLOOD_FACTOR:
                    killed_for = "output_limit"
            else:
                if len(res) + len(chunk) > MAX_RESULT_BYTES:
                    res_overflow = True
                else:
                    res += chunk
        if killed_for:
            break
    if killed_for:
        _kill_group(proc)
    try:
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        # Streams closed but the process lingers (a daemon holding no pipe): end it.
        killed_for = killed_for or "time_limit"
        _kill_group(proc)
        proc.wait()
    sel.close()
    res_file.close()
    proc.stdout.close()
    wall = time.monotonic() - started

    output = out.decode("utf-8", errors="replace")
    result: dict[str, Any] | None = None
    result_error = ""
    if res_overflow:
        result_error = "the answer from the sandbox was too large"
    elif res:
        try:
            parsed = json.loads(res.decode("utf-8"))
            if isinstance(parsed, dict):
                result = parsed
            else:
                result_error = "the answer from the sandbox was not a JSON object"
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            result_error = "the answer from the sandbox was not valid JSON"

    # CPU time of the whole sandbox tree: each parent in it waited for its children.
    cpu_used = _children_cpu() - cpu_before
    verdict = killed_for or _classify(proc.returncode, output, result, cpu_used=cpu_used, cpu_limit=limits.cpu_seconds)
    return SandboxRun(
        verdict=verdict,
        returncode=proc.returncode,
        output=output,
        output_truncated=out_total > limits.output_bytes,
        result=result,
        result_error=result_error,
        wall_seconds=wall,
        timings=_timings(result),
    )


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
    returncode: int | None, output: str, result: dict[str, Any] | None, *, cpu_used: float = 0.0, cpu_limit: float = 0.0
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
    if sig == signal.SIGKILL and result is None and cpu_limit and cpu_used >= cpu_limit - 0.05:
        # Code that ignores SIGXCPU is killed at the hard CPU limit: time, not memory.
        return "time_limit"
    if sig in (signal.SIGKILL,) and result is None:
        # Killed from outside without our doing: the kernel's OOM killer.
        return "memory_limit"
    if result is not None and not sig:
        # The runner answered and then the student's code chose an exit status: the answer stands.
        return "ok"
    return "crashed"
