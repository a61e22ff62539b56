"""Devices: what the worker may use, read without initialising TensorFlow or CUDA."""

from __future__ import annotations

# ---------------------------------------------------------------------------------------------
# Devices
# ---------------------------------------------------------------------------------------------


# In the teachers' jail (grader/jail/checks_runner.py) the host cannot be seen: the worker's own
# count is handed in as data, under "gpu_count".
HANDED_IN: dict[str, int | None] = {}


def worker_gpu_count() -> int | None:
    """How many NVIDIA GPUs this worker may use, without initialising TensorFlow or CUDA here.

    The worker must stay fork-safe, so it reads the driver's ``/proc`` entries and narrows them by
    ``CUDA_VISIBLE_DEVICES`` (empty or ``-1`` hides every GPU). ``None`` when the driver is absent:
    then only the sandbox's view counts.
    """
    if "gpu_count" in HANDED_IN:
        return HANDED_IN["gpu_count"]
    import os
    from pathlib import Path

    gpus = Path("/proc/driver/nvidia/gpus")
    found = len(list(gpus.iterdir())) if gpus.is_dir() else None
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is None:
        return found
    ids = [v for v in visible.split(",") if v.strip() and v.strip() != "-1"]
    if not ids or visible.strip().startswith("-1"):
        return 0
    return len(ids) if found is None else min(len(ids), found)
