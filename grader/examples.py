"""Free example runs (not graded): the student's code with the item's visible examples, in the
same sandbox as grading, with a syntax check and the shape of the model(s) the item asks for.

No hidden check runs and no score is given. The item's ``checks.py`` is read (trusted side) only
to learn which functions build a Keras model, so the student sees the layers, output shapes and
parameters of what they built; nothing is trained.
"""

from __future__ import annotations

import json
import logging
from typing import Any, cast

from grader.launch import checks as jail
from grader.launch.sandbox import Limits, SandboxUnavailable, run_in_sandbox

logger = logging.getLogger(__name__)

EXAMPLE_RUN_TASK = "grader.run_examples"  # served by the grading workers (grader.service)
EXAMPLE_RUN_TTL_SECONDS = 600  # how long a run's state stays readable in Redis
MAX_WALL_SECONDS = 30.0
MAX_CPU_SECONDS = 20


def _model_calls(probe: dict[str, Any]) -> list[dict[str, Any]]:
    """The probe's calls that build a Keras model, asked only to describe it (never to train)."""
    calls = []
    for call in probe.get("calls", []):
        if not isinstance(call, dict):
            continue
        if call.get("kind") == "learns":
            calls.append(
                {
                    "id": call.get("id"),
                    "function": call.get("function"),
                    "args": call.get("args", []),
                    "describe": "keras_model",
                }
            )
        elif call.get("describe") == "keras_model" and not call.get("kind"):
            calls.append({k: v for k, v in call.items() if k != "behaviour"})
    return calls


def _label(layer: dict[str, Any]) -> str:
    config: dict[str, Any] = layer["config"] if isinstance(layer.get("config"), dict) else {}
    parts = [str(config[k]) for k in ("units", "filters", "rate") if k in config]
    if config.get("kernel_size"):
        parts.append("×".join(str(d) for d in config["kernel_size"]))
    if config.get("pool_size"):
        parts.append("×".join(str(d) for d in config["pool_size"]))
    if config.get("activation") and config["activation"] != "linear":
        parts.append(str(config["activation"]))
    return f"{layer.get('class', '?')}({', '.join(parts)})"


def _shape(shape: Any) -> str:
    if not isinstance(shape, list):
        return ""
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def run_examples(payload: dict[str, Any]) -> dict[str, Any]:
    """Run ``payload`` (slug, code, examples, checks source, limits) and describe what happened.

    1. Learn from the item's checks which calls build a model (a broken checks.py: no models).
    2. Run the code followed by the examples in the sandbox, the model calls after them.
    3. Report: passed, or failed with the line (in the code or in the examples) and the message;
       the models' layers; the printed output.
    """
    code, examples = str(payload.get("code", "")), str(payload.get("examples", ""))
    try:
        probe = jail.probe(source=str(payload.get("checks", "")), slug=str(payload.get("slug", "item")), variant={})
    except Exception:
        probe = {}
    limits = dict(payload.get("limits") or {})
    limits["wall_seconds"] = min(float(limits.get("wall_seconds", MAX_WALL_SECONDS)), MAX_WALL_SECONDS)
    limits["cpu_seconds"] = min(int(limits.get("cpu_seconds", MAX_CPU_SECONDS)), MAX_CPU_SECONDS)
    code_lines = code.count("\n") + 1
    full = code + ("\n\n" + examples if examples.strip() else "")
    result: dict[str, Any] = {"has_examples": bool(examples.strip()), "models": [], "output": ""}
    try:
        run = run_in_sandbox(
            {"code": full, "probe": {"preload": probe.get("preload", []), "calls": _model_calls(probe)}},
            Limits.from_dict(limits),
        )
    except SandboxUnavailable as exc:
        return {**result, "state": "error", "message": str(exc)}
    result["output"] = run.output[-8000:]
    if run.verdict != "ok":
        return {**result, "state": "failed", "message": run.verdict.replace("_", " ")}
    answer = run.result or {}
    error = answer.get("error") if isinstance(answer.get("error"), dict) else None
    if error:
        line = error.get("line") if isinstance(error.get("line"), int) else None
        message = f"{error.get('type', 'Error')}: {str(error.get('message', ''))[:500]}".rstrip(": ")
        in_code = line is not None and line <= code_lines
        example_line = None
        if line is not None and not in_code:
            example_line = line - code_lines - 1
            source = examples.split("\n")
            if 1 <= example_line <= len(source):
                message += f" — {source[example_line - 1].strip()}"
        return {
            **result,
            "state": "failed",
            "line": line,
            "in_code": in_code,
            "example_line": example_line,
            "message": message,
        }
    for call_id, data in (answer.get("calls") or {}).items():
        data = data if isinstance(data, dict) else {}
        model = data.get("model") if isinstance(data.get("model"), dict) else None
        problem = data.get("error") or (model or {}).get("error")
        if isinstance(problem, dict):
            line = problem.get("line") if isinstance(problem.get("line"), int) else None
            return {
                **result,
                "state": "failed",
                "line": line,
                "in_code": line is not None and line <= code_lines,
                "message": f"{problem.get('type', 'Error')}: {str(problem.get('message', ''))[:500]}",
            }
        if model:
            result["models"].append(
                {
                    "call": str(call_id),
                    "layers": [
                        {
                            "label": _label(layer),
                            "output_shape": _shape(layer.get("output_shape")),
                            "params": layer.get("params"),
                        }
                        for layer in model.get("layers", [])
                        if isinstance(layer, dict)
                    ],
                    "params": model.get("params"),
                }
            )
    return {**result, "state": "passed"}


def example_run_execute(*, run_id: str, payload: dict[str, Any]) -> None:
    """On the grading worker: mark the run as running, run it in the sandbox, store the result in
    Redis, where the student's page reads it (``exercises.workspace``). No database."""
    from grader.launch.progress import EXAMPLES_KEY, client

    r = client()
    key = EXAMPLES_KEY.format(run=run_id)
    raw = cast(bytes | None, r.get(key))  # a synchronous client
    if not raw:
        return  # expired or never made: nobody is waiting
    state = json.loads(raw)
    r.set(key, json.dumps({**state, "state": "running"}), ex=EXAMPLE_RUN_TTL_SECONDS)
    try:
        result = run_examples(payload)
    except Exception as exc:
        logger.exception("example run %s failed", run_id)
        result = {"state": "error", "message": type(exc).__name__}
    r.set(key, json.dumps({**state, **result}, default=str), ex=EXAMPLE_RUN_TTL_SECONDS)
