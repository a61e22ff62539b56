"""The warm fork server: platform code that runs inside the bubblewrap sandbox, one per worker process.

Importing TensorFlow costs seconds; forking a process that has imported it (and never run a
TensorFlow op: forking after an op hangs the child) costs milliseconds. So this server imports
the heavy libraries once, then keeps one single-use child ready ahead of demand. The process tree
for one submission is::

    server (imports TF, never runs an op)            in the bwrap sandbox started by the worker
      └─ keeper      unshare(PID), waits, reports the exit status
          └─ init    pid 1 of a NEW pid namespace; unshare(mount, net, ipc, uts); fresh tmpfs on
              │      /sandbox, /tmp and /dev/shm; fresh /proc; reaps; when it exits the kernel
              │      kills everything left in the namespace (daemons, forks, threads)
              └─ job  warms TensorFlow (a tiny model, one predict), reports "warm", waits for the
                      job, then: drops to the unprivileged uid, no capabilities, no_new_privs,
                      rlimits, and runs ``runner.main`` on the student's code

Nothing of one submission can reach the next: each job runs in its own pid, mount, network, IPC
and UTS namespaces with throw-away file systems, and the server (which holds no secret and never
runs student code) is a different uid in a parent pid namespace, so it cannot be signalled,
traced or read from the job. The job's stdout/stderr, its answer pipe and its request pipe are
created by the worker and passed over the control socket (SCM_RIGHTS), so output flood and wall
time are still enforced from outside, exactly as for a cold sandbox.

Control protocol (SOCK_SEQPACKET on fd 3, one JSON object per message):
    worker → server  {"op": "run", "job": id, "limits": {...}} + fds [request_r, output_w, result_w]
                     {"op": "kill", "job": id}
    server → worker  {"op": "ready", "timings": {...}}   once, after the imports
                     {"op": "started", "job": id, "warm_wait": s}   the job process has the job
                     {"op": "exit", "job": id, "status": n}   bwrap-style: 128 + signal if killed
                     {"op": "fatal", "error": "..."}
Only the standard library and the runner are imported before the configured preloads.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import select
import selectors
import signal
import socket
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if TYPE_CHECKING:  # the type checker knows the runner by its package path
    from grader.jail import runner

    # The server's configuration and the worker's messages: JSON, read with defaults and coerced.
    JSONDict = dict[str, Any]
else:
    import runner  # (grader/jail/runner.py, mounted next to this file)

T = TypeVar("T")

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1,
    2,
    4,
    8,
    32,
    4096,
    0x4000,
    1 << 18,
)
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
CONTROL_FD = 3
# Inside the job's own mount namespace: fresh, private, size-limited (not the host's /tmp).
TMPFS_TARGETS = ("/sandbox", "/tmp", "/dev/shm")  # noqa: S108
MAX_MESSAGE = 1 << 16
# A job that arrives within this long after the previous one ended was queued behind it.
BURST_GAP_SECONDS = 0.15
# Warm the next child beside a running job only if this share of the machine's CPU time was idle
# since the last job came (a core to spare); on a saturated machine the warm-up would only take
# CPU from the jobs.
SPARE_CPU_SHARE = 0.3

_libc = ctypes.CDLL(None, use_errno=True)


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(
        _libc.mount(
            source.encode() if source else None,
            target.encode(),
            fstype.encode() if fstype else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def _name(title: str) -> None:
    """The process name ps and pgrep show (comm), so an admin can tell the tree's parts apart."""
    _libc.prctl(15, ctypes.c_char_p(title.encode()[:15]), 0, 0, 0)  # PR_SET_NAME


def _prctl(option: int, arg: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0), "prctl")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_capabilities() -> None:
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")


def _send(sock: socket.socket, message: Mapping[str, object], fds: Sequence[int] = ()) -> None:
    data = json.dumps(message).encode()
    if fds:
        socket.send_fds(sock, [data], list(fds))
    else:
        sock.send(data)


def _status_code(status: int) -> int:
    """A waitpid status as bwrap reports it: the exit code, or 128 + the signal."""
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _silenced(fn: Callable[[], T]) -> T:
    """Run ``fn`` with fds 1 and 2 on /dev/null (TensorFlow's start-up log is nobody's output)."""
    saved = os.dup(1), os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        return fn()
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (devnull, *saved):
            os.close(fd)


# --- the job process -------------------------------------------------------------------------


def _warm(level: str, interrupted: Callable[[], bool] = lambda: False) -> None:
    """Run TensorFlow once in this fresh child so the student's first op does not pay for it.

    The model is shaped like the exercises' (Dense, Dropout, compiled with Adam, a cross-entropy
    and a metric, then described as the runner describes a student's model), so the kernels and
    code paths a submission takes first are the ones warmed. It goes step by step and stops early
    when ``interrupted()`` says a job is waiting. Afterwards only Keras's global state (layer-name
    counters, seed generators, scopes) is reset, so a student's layers are named as in a cold
    process. Not ``keras.backend.clear_session()``: its ``gc.collect()`` walks (and copies) the
    whole inherited heap, and it empties the kernel cache this warm-up has just filled; the two
    made a warm-up cost twice as much and save half as much.
    """
    if level == "none" or "keras" not in sys.modules:
        return
    import threading

    import numpy as np

    keras = sys.modules["keras"]
    if "tensorflow" in sys.modules:
        tf = sys.modules["tensorflow"]
        for gpu in tf.config.list_physical_devices("GPU"):  # before any op: a GPU job grows its
            tf.config.experimental.set_memory_growth(gpu, True)  # memory instead of taking all of it
    layers = keras.layers
    try:
        model = keras.Sequential(
            [keras.Input((4,)), layers.Dense(3, activation="relu"), layers.Dropout(0.1), layers.Dense(1, "sigmoid")]
        )
        x, y = np.zeros((8, 4), dtype="float32"), np.zeros((8, 1), dtype="float32")
        steps: list[Callable[[], object]] = [
            lambda: model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"]),
            lambda: runner.describe_model(model),
        ]
        if level in ("predict", "fit"):
            steps.append(lambda: model.predict(x[:1], verbose=0))
        if level == "fit":
            steps.append(lambda: model.fit(x, y, epochs=1, batch_size=8, verbose=0))
        for step in steps:
            if interrupted():
                break
            step()
    finally:
        from keras.src.backend.common import global_state

        global_state.GLOBAL_STATE_TRACKER = threading.local()
        global_state.GLOBAL_SETTINGS_TRACKER = threading.local()
        if "tensorflow" in sys.modules:
            sys.modules["tensorflow"].compat.v1.reset_default_graph()


def _receive(sock: socket.socket) -> tuple[JSONDict, list[int]]:
    """The server's next message to this child: the job (with its three fds) or "warm"."""
    data, fds, _flags, _addr = socket.recv_fds(sock, MAX_MESSAGE, 3)
    if not data:
        os._exit(71)
    message = json.loads(data)
    return (message if isinstance(message, dict) else {}), fds


def _vm_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _apply_limits(limits: JSONDict, baseline_vm: int) -> None:
    mb = 1024 * 1024
    # Memory is what the student's code may add to the warmed runtime it was handed.
    mem = baseline_vm + int(limits.get("memory_mb", 3072)) * mb
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime) + int(limits.get("cpu_seconds", 30))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    nproc = int(limits.get("max_processes", 128))
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    fsize = int(limits.get("file_size_mb", 32)) * mb
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    nofile = int(limits.get("open_files", 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _job(sock: socket.socket, config: JSONDict) -> None:
    _name("quiz-job")
    os.setsid()
    ready_at = time.monotonic()  # forked and isolated
    warm_error = None
    # Warm up when it costs the running job nothing: when the server says so (the job before
    # this one has ended, or jobs are queued and this one runs in parallel with the next), or
    # after ``warm_delay`` of idling. A job that arrives first is run cold.
    message: JSONDict | None = None
    fds: list[int] = []
    if select.select([sock], [], [], float(config.get("warm_delay", 0.5)))[0]:
        message, fds = _receive(sock)
        if message.get("op") == "warm":
            message = None
    started = time.monotonic()
    if message is None:
        try:
            waiting = lambda: bool(select.select([sock], [], [], 0)[0])  # noqa: E731
            _silenced(lambda: _warm(config.get("warm", "build"), waiting))
        except Exception as exc:  # a broken warm-up only costs speed; the job still runs
            warm_error = f"{type(exc).__name__}: {exc}"
    warm = {"setup": round(ready_at - config["forked_at"], 4), "warm": round(time.monotonic() - started, 4)}
    _send(sock, {"op": "warm", **warm, "error": warm_error})
    while message is None or message.get("op") == "warm":  # a late "warm": already done
        message, fds = _receive(sock)
    if len(fds) != 3:
        os._exit(71)
    request_r, output_w, result_w = fds
    used = resource.getrusage(resource.RUSAGE_SELF)
    _send(sock, {"op": "got", **warm, "cpu": used.ru_utime + used.ru_stime})
    sock.close()
    os.dup2(output_w, 1)
    os.dup2(output_w, 2)
    os.close(output_w)
    chunks = []
    while True:
        chunk = os.read(request_r, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(request_r)
    request = json.loads(b"".join(chunks))
    limits = message.get("limits", {})
    size = int(limits.get("tmpfs_mb", config.get("tmpfs_mb", 64)))
    if size != int(config.get("tmpfs_mb", 64)):
        for target in TMPFS_TARGETS[:2]:
            _mount(None, target, None, MS_REMOUNT | MS_NOSUID | MS_NODEV, f"size={size}m,mode=1777")
    uid = config.get("uid")
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)  # glibc applies it to every thread TensorFlow started
    _drop_capabilities()
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    _apply_limits(limits, _vm_bytes())
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    os.chdir("/sandbox")
    # The module that answers: the student's runner, or the teacher's checks runner (preloaded).
    entry = sys.modules.get(config.get("entry", "runner")) or runner
    entry.respond(request, result_w)


# --- pid 1 of the job's namespace ----------------------------------------------------------


def _init(sock: socket.socket, config: JSONDict) -> NoReturn:
    _name("quiz-init")
    _unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    size = int(config.get("tmpfs_mb", 64))
    # The runtime may live under one of the scratch directories (a checkout in /tmp, say): hold
    # on to it before the fresh tmpfs covers it, then bind it back, read-only, at its own path.
    kept = {}
    for path in config.get("keep", []):
        if any(path == t or path.startswith(t + "/") for t in TMPFS_TARGETS) and os.path.isdir(path):
            kept[path] = os.open(path, os.O_PATH | os.O_DIRECTORY)
    for target in TMPFS_TARGETS:
        if os.path.isdir(target):
            _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size}m,mode=1777")
    for path, fd in kept.items():
        os.makedirs(path, mode=0o755, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        os.close(fd)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    pid = os.fork()
    if pid == 0:
        try:
            _job(sock, config)
        finally:
            os._exit(70)
    sock.close()
    while True:  # pid 1 reaps orphans; when the job ends, so does the namespace
        try:
            child, status = os.wait()
        except ChildProcessError:
            os._exit(70)
        if child == pid:
            os._exit(_status_code(status))


def _keeper(sock: socket.socket, config: JSONDict) -> NoReturn:
    config = {**config, "forked_at": time.monotonic()}  # CLOCK_MONOTONIC is the same in every namespace
    _name("quiz-keeper")
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    _unshare(CLONE_NEWPID)
    pid = os.fork()
    if pid == 0:
        try:
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            _init(sock, config)
        finally:
            os._exit(70)
    _send(sock, {"op": "pid", "pid": pid})
    # init waits for the job and reaps every orphan, so its rusage covers the whole job tree.
    _, status, usage = os.wait4(pid, 0)
    try:
        _send(sock, {"op": "cpu", "seconds": round(usage.ru_utime + usage.ru_stime, 4)})
    except OSError:
        pass
    os._exit(_status_code(status))


# --- the server ------------------------------------------------------------------------------


class IdleMeter:
    """The share of the machine's CPU time that was idle since the last reading (``/proc/stat``,
    which is the host's in every pid namespace); None when it cannot be read."""

    def __init__(self) -> None:
        self.last = self._read()

    @staticmethod
    def _read() -> tuple[int, int] | None:
        try:
            with open("/proc/stat") as f:
                fields = [int(x) for x in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        return (fields[3] + (fields[4] if len(fields) > 4 else 0), sum(fields[:8])) if len(fields) >= 4 else None

    def share(self, also_idle: float = 0.0) -> float | None:
        """... counting ``also_idle`` CPU seconds as idle too (this server's own warm-ups: they
        would not have run on a busy machine)."""
        now, before = self._read(), self.last
        self.last = now
        if now is None or before is None or now[1] <= before[1]:
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        return min(1.0, (now[0] - before[0] + also_idle * ticks) / (now[1] - before[1]))


class Spare:
    def __init__(self, keeper: int, sock: socket.socket) -> None:
        self.keeper = keeper
        self.sock = sock
        self.init_pid: int | None = None
        self.warm = False
        self.told_to_warm = False
        self.job: int | None = None
        self.sent_at = 0.0  # when it was given its job
        self.pidfd = os.pidfd_open(keeper)
        self.cpu_before = 0.0  # the job process's CPU time when it got the job (its warm-up)
        self.cpu_total: float | None = None  # the whole job tree's CPU time, from the keeper


def _drain(spare: Spare) -> None:
    """Read what the keeper said before it exited (its CPU report) without waiting."""
    spare.sock.setblocking(False)
    while True:
        try:
            data = spare.sock.recv(MAX_MESSAGE)
        except (BlockingIOError, OSError):
            return
        if not data:
            return
        message = json.loads(data)
        if message.get("op") == "cpu":
            spare.cpu_total = float(message.get("seconds") or 0.0)


def _spawn(config: JSONDict, inherited: list[int]) -> Spare:
    """Fork a keeper for the next job. ``inherited`` are the server's fds a job must not hold
    (the control socket, the selector, other jobs' sockets): closed in the child at once."""
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        try:
            for fd in (*inherited, parent.fileno()):
                try:
                    os.close(fd)
                except OSError:
                    pass
            _keeper(child, config)
        finally:
            os._exit(70)
    child.close()
    return Spare(pid, parent)


def serve(config: JSONDict) -> NoReturn:
    control = socket.socket(fileno=int(config.get("control_fd", CONTROL_FD)))
    t0 = time.monotonic()
    preload = list(config.get("preload", []))
    errors = []

    def imports() -> None:
        for module in preload:
            try:
                __import__(module)
            except Exception as exc:  # reported; the job will fail to import it itself
                errors.append(f"{module}: {type(exc).__name__}: {exc}")

    _silenced(imports)
    _name(config.get("title", "quiz-forkserver"))
    _send(control, {"op": "ready", "timings": {"preload": round(time.monotonic() - t0, 4)}, "errors": errors})

    sel = selectors.DefaultSelector()
    sel.register(control, selectors.EVENT_READ, ("control", None))
    spares: list[Spare] = []  # at most one idle child ahead of demand, plus the running ones
    running: dict[int, Spare] = {}

    def add_spare() -> None:
        inherited = [control.fileno(), sel.fileno()]
        for other in spares:
            inherited += [other.sock.fileno(), other.pidfd]
        spare = _spawn(config, inherited)
        sel.register(spare.sock, selectors.EVENT_READ, ("spare", spare))
        sel.register(spare.pidfd, selectors.EVENT_READ, ("exit", spare))
        spares.append(spare)

    def drop(spare: Spare) -> None:
        for obj in (spare.sock, spare.pidfd):
            try:
                sel.unregister(obj)
            except (KeyError, ValueError):
                pass
        spare.sock.close()
        os.close(spare.pidfd)

    def tell_to_warm() -> None:
        for spare in spares:
            if spare.job is None and not (spare.warm or spare.told_to_warm):
                spare.told_to_warm = True
                try:
                    _send(spare.sock, {"op": "warm"})
                except OSError:
                    pass  # gone: replaced when its exit is seen

    last_exit = -1.0e9
    meter = IdleMeter()
    warmed = 0.0  # seconds this server's children spent warming up since the last job came
    add_spare()
    while True:
        for key, _ in sel.select():
            kind, spare = key.data
            if kind == "control":
                try:
                    data, fds, _flags, _addr = socket.recv_fds(control, MAX_MESSAGE, 3)
                except OSError:
                    data, fds = b"", []
                if not data:  # the worker is gone: so are we (bwrap's init kills the rest)
                    os._exit(0)
                message = json.loads(data)
                if message.get("op") == "run":
                    queued = bool(running) or time.monotonic() - last_exit < BURST_GAP_SECONDS
                    idle_share, warmed = meter.share(also_idle=warmed), 0.0
                    idle = next(s for s in spares if s.job is None)
                    idle.job = message.get("job")
                    idle.sent_at = time.monotonic()
                    running[idle.job] = idle
                    try:
                        _send(idle.sock, message, fds)
                    except OSError:  # the child died before its job: say so, it is replaced below
                        running.pop(idle.job, None)
                        _send(control, {"op": "exit", "job": idle.job, "status": 75})
                        idle.job = None
                    for fd in fds:
                        os.close(fd)
                    add_spare()
                    # Jobs are queued when this one came while the last was still ending or right
                    # after: then the next child warms now, beside this job, if the machine has a
                    # core to spare (a job's CPU in a cold child is about a warm-up's plus a warm
                    # job's, so a spare core makes the next job shorter, a busy machine would not);
                    # else once this job has ended.
                    if queued and idle_share is not None and idle_share >= SPARE_CPU_SHARE:
                        tell_to_warm()
                elif message.get("op") == "kill":
                    target = running.get(message.get("job"))
                    if target is not None:
                        for pid in (target.init_pid, target.keeper):
                            if pid:
                                try:
                                    os.kill(pid, signal.SIGKILL)
                                except ProcessLookupError:
                                    pass
            elif kind == "spare":
                try:
                    data = spare.sock.recv(MAX_MESSAGE)
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(spare.sock)
                    continue
                message = json.loads(data)
                if message.get("op") == "pid":
                    spare.init_pid = message["pid"]
                elif message.get("op") == "warm":
                    spare.warm = True
                    if isinstance(message.get("warm"), (int, float)):
                        warmed += float(message["warm"])
                elif message.get("op") == "cpu":
                    spare.cpu_total = float(message.get("seconds") or 0.0)
                elif message.get("op") == "got" and spare.job is not None:
                    spare.cpu_before = float(message.get("cpu") or 0.0)
                    wait = round(time.monotonic() - spare.sent_at, 4)
                    child = {"setup": message.get("setup"), "warm": message.get("warm")}
                    _send(control, {"op": "started", "job": spare.job, "warm_wait": wait, "child": child})
            elif kind == "exit":
                _, status = os.waitpid(spare.keeper, 0)
                _drain(spare)
                drop(spare)
                spares.remove(spare)
                if spare.job is not None:
                    running.pop(spare.job, None)
                    cpu = max(0.0, spare.cpu_total - spare.cpu_before) if spare.cpu_total is not None else None
                    _send(control, {"op": "exit", "job": spare.job, "status": _status_code(status), "cpu": cpu})
                    last_exit = time.monotonic()
                if not any(s.job is None for s in spares):
                    add_spare()  # a spare that died before its job (should not happen) is replaced
                if not running:
                    tell_to_warm()  # idle now: the next job finds its child warm


if __name__ == "__main__":
    _config = json.loads(sys.argv[1])
    try:
        serve(_config)
    except BaseException as exc:
        try:
            fd = int(_config.get("control_fd", CONTROL_FD))
            _send(socket.socket(fileno=fd), {"op": "fatal", "error": f"{type(exc).__name__}: {exc}"})
        finally:
            os._exit(1)
