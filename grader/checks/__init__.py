"""The check library for items' hidden ``checks.py`` files. Trusted side only.

Checks work from the data the sandbox runner sent back (see ``grader.jail.runner``): plain values
with their exact type, and descriptions of Keras models. Nothing here imports TensorFlow.
Messages are bilingual (Swedish first) and name the mistake without revealing more than the
prompt states.

Split by concern: ``report`` (the sandbox's answer, checks and messages), ``layers`` (Keras
models), ``compile`` (optimizer, loss, metrics), ``training`` (callbacks, histories, behaviour),
``devices``. Items' ``checks.py`` import from this package's top level.
"""

from grader.checks.compile import compile_checks, loss_name, metric_names, optimizer_info
from grader.checks.devices import worker_gpu_count
from grader.checks.layers import (
    Alignment,
    Layer,
    activation_name,
    align_layers,
    dense_params,
    expected_shapes_and_params,
    l2_factor,
    layer_differences,
    layers_of,
    model_checks,
    model_table,
    moved_layers,
    raw_layers_of,
    structure_messages,
)
from grader.checks.report import (
    INTEGER_TYPES,
    CallResult,
    Check,
    Msg,
    Report,
    ReportError,
    array_rows,
    decoded,
    describe_call,
    is_integer,
    msg,
)
from grader.checks.training import (
    dropout_behaviour_check,
    early_stopping_checks,
    fit_settings_checks,
    history_checks,
    not_trained_check,
)

__all__ = [
    "INTEGER_TYPES",
    "Alignment",
    "CallResult",
    "Check",
    "Layer",
    "Msg",
    "Report",
    "ReportError",
    "activation_name",
    "align_layers",
    "array_rows",
    "compile_checks",
    "decoded",
    "dense_params",
    "describe_call",
    "dropout_behaviour_check",
    "early_stopping_checks",
    "expected_shapes_and_params",
    "fit_settings_checks",
    "history_checks",
    "is_integer",
    "l2_factor",
    "layer_differences",
    "layers_of",
    "loss_name",
    "metric_names",
    "model_checks",
    "model_table",
    "moved_layers",
    "not_trained_check",
    "msg",
    "optimizer_info",
    "raw_layers_of",
    "structure_messages",
    "worker_gpu_count",
]
