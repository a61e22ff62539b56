"""The only platform code that runs inside the sandbox, next to the student's code.

It reads one JSON request on stdin: the student's source and a probe (which functions to call,
with which arguments, and what to describe of the results). It answers with one JSON object on
the pipe whose number the request names. It knows nothing of hidden checks or expected values: whatever it sends back is data that
the trusted side validates. It must stay importable with the standard library alone; Keras is
imported only for probes that need it.
"""

from __future__ import annotations

import builtins
import functools
import json
import os
import sys
import time
import traceback

# Copies held before student code runs (it could patch the builtins module); imported rather than
# assigned so that the type checker narrows through them as through the builtins.
from builtins import isinstance as _isinstance
from builtins import type as _type
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypedDict

if TYPE_CHECKING:  # only for the type checker: beside student code, the standard library alone
    import numpy as np
    import numpy.typing as npt

    # JSON as it crosses the sandbox's boundary: decoded from the request, or built to be encoded.
    # The request's values come from a teacher's probe and are coerced (int(), str()) or checked by
    # exact type where they are used, so they stay Any rather than a union every use re-narrows.
    JSONDict = dict[str, Any]
    # What the student's code defined or returned, and Keras objects (Keras ships no types): the
    # runner inspects them by exact type or attribute, and guards every use.
    Foreign = Any
    # The student's module namespace (what their code defined).
    Namespace = dict[str, Any]
    # Generated data (float or integer dtype, by recipe).
    Array = npt.NDArray[np.generic]


class ErrorInfo(TypedDict):
    """The student-facing description of an exception (``_error``)."""

    type: str
    message: str
    line: int | None
    offset: int | None
    traceback: str


_dumps = json.dumps
_write = os.write
_monotonic = time.monotonic
FILENAME = "submission.py"
MAX_TEXT = 2000
# Progress while a job runs (only when the request asks for it): one line per event on the answer
# pipe, each framed as RS + JSON + LF before the final answer; the launcher strips them off.
_PROGRESS_FD = None
MAX_PROGRESS_LINE = 256 * 1024


def progress(event: JSONDict) -> None:
    """Send one progress event (a dict of plain data) to the launcher; never raises."""
    if _PROGRESS_FD is None:
        return
    try:
        data = b"\x1e" + _dumps(event, allow_nan=False, default=str).encode() + b"\n"
        if len(data) > MAX_PROGRESS_LINE:
            return
        view = memoryview(data)
        while view:
            view = view[_write(_PROGRESS_FD, view) :]
    except Exception:
        pass


def _number(value: Foreign) -> float | None:
    try:
        value = float(value)
    except Exception:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _report_epochs() -> None:
    """Every model.fit in this job reports each finished epoch (a Keras callback added to the
    student's own callbacks); fits are numbered in order (1 = the first, the student's)."""
    keras: Foreign = sys.modules.get("keras")
    if keras is None:
        return
    original = keras.Model.fit
    fits = [0]

    class _EpochProgress(keras.callbacks.Callback):
        def __init__(self, fit: int) -> None:
            super().__init__()
            self.fit_number = fit

        def on_epoch_end(self, epoch: int, logs: dict[str, Foreign] | None = None) -> None:
            logs = logs or {}
            progress(
                {
                    "event": "epoch",
                    "fit": self.fit_number,
                    "epoch": int(epoch) + 1,
                    "loss": _number(logs.get("loss")),
                    "val_loss": _number(logs.get("val_loss")),
                }
            )

    # functools.wraps keeps fit's signature visible (inspect follows __wrapped__): the fit recorder
    # below binds the student's arguments (validation_split, epochs) through it.
    @functools.wraps(original)
    def fit(self: Foreign, *args: Foreign, **kwargs: Foreign) -> Foreign:
        fits[0] += 1
        if len(args) > 5:  # callbacks given by position (x, y, batch_size, epochs, verbose, callbacks)
            return original(self, *args, **kwargs)
        callbacks = kwargs.get("callbacks")
        callbacks = list(callbacks) if isinstance(callbacks, (list, tuple)) else ([callbacks] if callbacks else [])
        kwargs["callbacks"] = callbacks + [_EpochProgress(fits[0])]
        return original(self, *args, **kwargs)

    keras.Model.fit = fit


MAX_ITEMS = 1000


def _short(text: object, limit: int = MAX_TEXT) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit] + " …"


def _error(exc: BaseException) -> ErrorInfo:
    """The student-facing description of an exception: type, message, line, own frames only."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == FILENAME]
    line = frames[-1].lineno if frames else None
    if _isinstance(exc, SyntaxError) and exc.filename == FILENAME:
        line = exc.lineno
    lines = traceback.format_list(frames) + traceback.format_exception_only(_type(exc), exc)
    return {
        "type": _type(exc).__name__,
        "message": _short(exc),
        "line": line,
        "offset": getattr(exc, "offset", None) if _isinstance(exc, SyntaxError) else None,
        "traceback": _short("".join(lines), 4000),
    }


def to_data(value: Foreign, depth: int = 0) -> JSONDict:
    """Plain JSON data from a returned value, with the exact type recorded.

    Only built-in scalars and containers are converted; NumPy scalars and arrays are reported
    by type and converted from their numeric value. Any other object is reported by type name
    only, so an object that claims equality with everything never reaches a comparison.
    """
    t = _type(value)
    name = t.__module__ + "." + t.__qualname__ if t.__module__ != "builtins" else t.__qualname__
    if value is None or t in (bool, int, str):
        return {"type": name, "value": value if t is not str else _short(value, 10000)}
    if t is float:
        return {"type": name, "value": value if value == value and abs(value) != float("inf") else str(value)}
    if depth < 4 and t in (list, tuple):
        return {"type": name, "items": [to_data(v, depth + 1) for v in list(value)[:MAX_ITEMS]]}
    if depth < 4 and t is dict:
        return {
            "type": name,
            "entries": [[_short(k, 200), to_data(v, depth + 1)] for k, v in list(value.items())[:MAX_ITEMS]],
        }
    if t.__module__ == "numpy":
        try:
            if getattr(value, "ndim", None) == 0:
                item = value.item()
                if _type(item) in (bool, int, float):
                    return {"type": name, "value": item}
            elif hasattr(value, "tolist") and getattr(value, "size", 10**9) <= MAX_ITEMS:
                return {"type": name, "shape": list(value.shape), "value": value.tolist()}
        except Exception:
            pass
    return {"type": name}


def _jsonable(value: Foreign, depth: int = 0) -> Foreign:
    """Configs from Keras are mostly JSON already; anything else becomes its type name."""
    t = _type(value)
    if value is None or t in (bool, int, str):
        return value
    if t is float:
        return value if value == value and abs(value) != float("inf") else str(value)
    if depth > 8:
        return "<too deep>"
    if t in (list, tuple):
        return [_jsonable(v, depth + 1) for v in list(value)[:MAX_ITEMS]]
    if t is dict:
        return {str(k): _jsonable(v, depth + 1) for k, v in list(value.items())[:MAX_ITEMS]}
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        try:
            return _jsonable(value.item(), depth + 1)
        except Exception:
            pass
    return "<" + t.__name__ + ">"


def _shape(shape: Foreign) -> list[int | None] | None:
    try:
        return [None if d is None else int(d) for d in shape]
    except Exception:
        return None


LAYER_KEYS = (
    "units",
    "activation",
    "rate",
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "pool_size",
    "use_bias",
    "kernel_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "batch_shape",
    "input_shape",
    "data_format",
    "target_shape",
    "noise_shape",
    "axis",
    "momentum",
)


def describe_model(model: Foreign) -> JSONDict:
    import keras

    if not _isinstance(model, keras.Model):
        return {
            "error": {
                "type": "TypeError",
                "message": "returned " + _type(model).__name__ + ", not a Keras model",
                "line": None,
            }
        }
    layers = []
    for layer in model.layers:
        config = layer.get_config()
        try:
            out_shape = _shape(layer.output.shape) if layer.built else None
        except Exception:
            out_shape = None
        layers.append(
            {
                "class": _type(layer).__name__,
                "module": _type(layer).__module__,
                "name": layer.name,
                "config": _jsonable({k: config[k] for k in LAYER_KEYS if k in config}),
                "built": bool(layer.built),
                "params": int(layer.count_params()) if layer.built else None,
                "output_shape": out_shape,
            }
        )
    try:
        inputs = [_shape(t.shape) for t in model.inputs] if model.built else []
    except Exception:
        inputs = []
    compile_config = None
    if getattr(model, "compiled", False) or getattr(model, "optimizer", None) is not None:
        try:
            compile_config = _jsonable(model.get_compile_config())
        except Exception as exc:
            compile_config = {"error": _short(exc)}
    try:
        # How many training steps the optimizer took: > 0 means the model was trained.
        steps = int(model.optimizer.iterations.numpy()) if getattr(model, "optimizer", None) is not None else 0
    except Exception:
        steps = None
    return {
        "class": _type(model).__name__,
        "built": bool(model.built),
        "optimizer_steps": steps,
        "inputs": inputs,
        "outputs": [_shape(t.shape) for t in model.outputs] if model.built else [],
        "layers": layers,
        "params": int(model.count_params()) if model.built else None,
        "compile": compile_config,
    }


def _generated_args(spec: JSONDict) -> list[Array]:
    """Arguments generated inside the sandbox from a seeded recipe (the trusted side sends the
    recipe, never arrays): rows whose first feature is their own index, so a split can be
    traced back row by row."""
    recipe = spec.get("data")
    if not recipe:
        return []
    import numpy as np

    kind = recipe.get("kind")
    n = int(recipe.get("n", 100))
    features = int(recipe.get("features", 3))
    if kind == "indexed":
        X = np.arange(n, dtype="float64")[:, None] * np.ones((1, features))
        X[:, 1:] += np.random.default_rng(int(recipe.get("seed", 0))).normal(size=(n, features - 1))
        return [X, np.arange(n)]
    if kind == "binary":
        # Two noisy clusters: learnable, and small enough that overfitting shows quickly.
        rng = np.random.default_rng(int(recipe.get("seed", 0)))
        y = rng.integers(0, 2, size=n)
        X = rng.normal(size=(n, features)) + (y[:, None] * 2 - 1) * float(recipe.get("separation", 1.0))
        return [X.astype("float32"), y.astype("float32")]
    if kind == "patterns":
        # 28x28 grayscale images: a short horizontal (class 0) or vertical (class 1) bar at a
        # random place, in noise. Where the bar is varies, which way it points decides the
        # class: a task where shared local filters (a CNN) learn fast.
        rng = np.random.default_rng(int(recipe.get("seed", 0)))
        bar = np.zeros((7, 7))
        bar[2:4, :] = 1.0
        X = rng.normal(0.0, 0.1, size=(n, 28, 28, 1))
        y = rng.integers(0, 2, size=n)
        for i in range(n):
            r, c = rng.integers(0, 22, size=2)
            X[i, r : r + 7, c : c + 7, 0] += bar if y[i] == 0 else bar.T
        return [X.astype("float32"), y.astype("int64")]
    raise ValueError("unknown data recipe " + str(kind))


def describe_callbacks(value: Foreign) -> JSONDict:
    """EarlyStopping and the other Keras callbacks by their settings; anything else by type."""
    import keras

    items = value if _isinstance(value, (list, tuple)) else [value]
    described = []
    for item in list(items)[:20]:
        if not _isinstance(item, keras.callbacks.Callback):
            described.append({"class": _type(item).__name__, "keras": False})
            continue
        entry = {"class": _type(item).__name__, "keras": True}
        for key in ("monitor", "patience", "restore_best_weights", "min_delta", "mode", "baseline", "start_from_epoch"):
            if hasattr(item, key):
                entry[key] = _jsonable(getattr(item, key))
        described.append(entry)
    return {"callbacks": described}


def describe_history(value: Foreign) -> JSONDict:
    """A fit's history: per-epoch metrics and how many epochs ran."""
    import keras

    if not _isinstance(value, keras.callbacks.History):
        return {"error": {"type": "TypeError", "message": "returned " + _type(value).__name__ + ", not a History"}}
    history = {str(k): [_jsonable(float(v)) for v in list(vs)[:MAX_ITEMS]] for k, vs in value.history.items()}
    params = value.params if _isinstance(getattr(value, "params", None), dict) else {}
    data = {"history": history, "epochs_run": len(value.epoch), "params": _jsonable(params)}
    model = getattr(value, "model", None)
    if _isinstance(model, keras.Model):
        data["model"] = describe_model(model)
    return data


class _FitRecorder:
    """Records the arguments of every ``Model.fit`` and ``Model.train_on_batch`` made during one
    call (what ``validation_split`` was, how many epochs), by wrapping the two methods of
    ``keras.Model`` for the duration of the call. Only numbers and flags are kept."""

    KEYS = ("epochs", "batch_size", "validation_split")

    def __init__(self) -> None:
        self.calls: list[JSONDict] = []

    def __enter__(self) -> _FitRecorder:
        import inspect

        import keras

        self.saved = {name: getattr(keras.Model, name) for name in ("fit", "train_on_batch")}
        recorder = self

        def wrap(name: str, original: Callable[..., Foreign]) -> Callable[..., Foreign]:
            signature = inspect.signature(original)

            def recorded(model: Foreign, *args: Foreign, **kwargs: Foreign) -> Foreign:
                entry: JSONDict = {"method": name}
                try:
                    bound = signature.bind(model, *args, **kwargs)
                    bound.apply_defaults()
                    for key in recorder.KEYS:
                        if key in bound.arguments:
                            entry[key] = _jsonable(bound.arguments[key])
                    entry["validation_data"] = bound.arguments.get("validation_data") is not None
                except TypeError:
                    entry["unbound"] = True
                if len(recorder.calls) < 50:
                    recorder.calls.append(entry)
                return original(model, *args, **kwargs)

            return recorded

        for name, original in self.saved.items():
            setattr(keras.Model, name, wrap(name, original))
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        import keras

        for name, original in self.saved.items():
            setattr(keras.Model, name, original)
        return False


def save_load_roundtrip(namespace: Namespace, spec: JSONDict) -> JSONDict:
    """Build a small model here, let the student's functions save and reload it, compare.

    The file stays in the sandbox's private tmpfs; only numbers and names cross the boundary.
    """
    import keras
    import numpy as np

    keras.utils.set_random_seed(int(spec.get("seed", 0)))
    n = int(spec.get("features", 8))
    model = keras.Sequential(
        [
            keras.Input(shape=(n,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(int(spec.get("seed", 0)))
    X = rng.normal(size=(32, n)).astype("float32")
    # One training step: the model has trained weights and optimizer state, as a saved model would.
    model.train_on_batch(X, (X[:, 0] > 0).astype("float32"))
    before = model.predict(X, verbose=0)
    save = namespace.get(str(spec.get("save", "save_model")))
    load = namespace.get(str(spec.get("load", "load_model")))
    if not callable(save) or not callable(load):
        missing = spec.get("save") if not callable(save) else spec.get("load")
        return {"error": {"type": "NameError", "message": "no function named " + str(missing), "line": None}}
    directory = os.path.join(os.environ.get("TMPDIR", "/tmp"), "saveload")
    os.makedirs(directory, exist_ok=True)
    returned = save(model, directory)
    files = sorted(os.listdir(directory))[:50]
    # Any path form os.fspath accepts (str, pathlib.Path, another os.PathLike) is a path.
    path = None
    if _isinstance(returned, (str, os.PathLike)):
        try:
            path = os.fspath(returned)
        except BaseException:
            path = None
    path = path if _isinstance(path, str) else None
    found = {
        "save_returned": to_data(returned),
        "returned_pathlike": _isinstance(returned, os.PathLike),
        "returned_path": _short(path, 300) if path is not None else None,
        "returned_is_file": bool(path and os.path.isfile(path)),
        "files": files,
    }
    try:
        loaded = load(returned if path is not None else directory)
    except BaseException as exc:
        return {"roundtrip": {**found, "load_error": _error(exc)}}
    result = {
        **found,
        "loaded_type": _type(loaded).__name__,
        # Handing back the object that was saved proves nothing about the file.
        "same_object": loaded is model,
    }
    if _isinstance(loaded, keras.Model):
        after = loaded.predict(X, verbose=0)
        result["max_abs_diff"] = float(np.max(np.abs(np.asarray(after) - before)))
        result["loaded_compiled"] = bool(getattr(loaded, "compiled", False))
    if path is not None:
        # The same file given the other way (str <-> pathlib.Path): load_model must take both.
        import pathlib

        other = pathlib.Path(path) if _isinstance(returned, str) else path
        result["other_form"] = _type(other).__name__
        try:
            again = load(other)
            result["other_loaded"] = _isinstance(again, keras.Model) and again is not model
        except BaseException as exc:
            result["other_error"] = _error(exc)
    return {"roundtrip": result}


def _fit(model: Foreign, X: Array, y: Array, cut: int, spec: JSONDict) -> JSONDict:
    history = model.fit(
        X[:cut],
        y[:cut],
        validation_data=(X[cut:], y[cut:]),
        epochs=int(spec.get("epochs", 3)),
        batch_size=int(spec.get("batch_size", 16)),
        verbose=0,
    )
    return {str(k): [_jsonable(float(v)) for v in vs] for k, vs in history.history.items()}


def _inference_scores(model: Foreign, X: Array, y: Array) -> JSONDict:
    """Accuracy and cross-entropy with dropout off (inference mode), measured here rather than
    taken from the student's metrics: a fit's training numbers are measured with dropout on and
    the L2 penalty added, which would make any regularized model look less overfitted than it is."""
    import numpy as np

    p = np.asarray(model(X, training=False), dtype="float64")
    y = y.astype("int64")
    if p.ndim == 2 and p.shape[1] > 1:
        predicted = np.argmax(p, axis=-1)
        likelihood = p[np.arange(len(y)), y]
    else:
        p = p.reshape(len(X), -1)[:, 0]
        predicted = (p > 0.5).astype("int64")
        likelihood = np.where(y == 1, p, 1.0 - p)
    return {
        "accuracy": _jsonable(float(np.mean(predicted == y))),
        "loss": _jsonable(float(np.mean(-np.log(np.clip(likelihood, 1e-7, 1.0))))),
    }


def _dense_baseline(params: int, input_shape: list[int], recipe: JSONDict) -> Foreign:
    """A dense net (Flatten, one hidden ReLU layer, the same output) with about ``params``
    parameters: h * (inputs + 1 + outputs) + outputs = params, solved for the hidden units h."""
    import keras

    outputs = int(recipe.get("outputs", 1))
    inputs = 1
    for d in input_shape:
        inputs *= int(d)
    units = min(max(1, round((int(params) - outputs) / (inputs + 1 + outputs))), int(recipe.get("max_units", 1024)))
    model = keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            keras.layers.Flatten(),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dense(outputs, activation=str(recipe.get("activation", "softmax"))),
        ]
    )
    model.compile(optimizer="adam", loss=str(recipe.get("loss")), metrics=["accuracy"])
    return model


# The layers a baseline may be built from (a student's architecture, sent as data): nothing that
# carries code (Lambda) or comes from outside Keras.
BASELINE_LAYERS = {
    "InputLayer", "Dense", "Dropout", "Flatten", "Conv1D", "Conv2D", "MaxPooling1D", "MaxPooling2D",
    "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "BatchNormalization", "Activation",
    "Reshape", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "ReLU", "Softmax", "LeakyReLU",
}  # fmt: skip


def _allowed_config(config: Foreign) -> bool:
    """True when every object in a model's JSON config is a Keras one and every layer is on the
    allow-list; checked before anything is built from it."""
    if _isinstance(config, list):
        return all(_allowed_config(v) for v in config)
    if not _isinstance(config, dict):
        return True
    if "class_name" in config:
        module = config.get("module")
        if config.get("registered_name") not in (None, config["class_name"]) or config["class_name"] == "Lambda":
            return False
        if module is not None and not str(module).startswith("keras"):
            return False
        if module == "keras.layers" and config["class_name"] not in BASELINE_LAYERS:
            return False
    return all(_allowed_config(v) for v in config.values())


def model_config(model: Foreign) -> JSONDict:
    """A student's architecture and compile settings as plain data, for a baseline built elsewhere."""
    import json

    try:
        compiled = model.get_compile_config() if getattr(model, "compiled", False) else None
    except Exception:
        compiled = None
    return {"model": json.loads(model.to_json()), "compile": _jsonable(compiled)}


def _unregularized_from_config(data: JSONDict, recipe: JSONDict) -> Foreign:
    """The student's architecture (as data) with every regularizer removed and every dropout rate
    set to 0, freshly initialised and compiled like theirs (or as the recipe says if that fails)."""
    import json

    import keras

    config = data.get("model")
    if not _isinstance(config, dict) or not _allowed_config(config):
        raise ValueError("the model's configuration has layers a baseline cannot be built from")
    layers = (config.get("config") or {}).get("layers") or []
    for layer in layers:
        layer_config = layer.get("config") or {}
        for key in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"):
            if key in layer_config:
                layer_config[key] = None
        if layer.get("class_name") == "Dropout":
            layer_config["rate"] = 0.0
    baseline = keras.models.model_from_json(json.dumps(config))
    try:
        baseline.compile_from_config(data.get("compile"))
    except Exception:
        baseline.compile(optimizer="adam", loss=str(recipe.get("loss")), metrics=["accuracy"])
    return baseline


def _unregularized_baseline(model: Foreign, recipe: JSONDict) -> Foreign:
    """``_unregularized_from_config`` on a model at hand (the unit tests build one)."""
    return _unregularized_from_config(model_config(model), recipe)


def learns(namespace: Namespace, spec: JSONDict) -> JSONDict:
    """Build the student's model, describe it, train it briefly on generated data, report how
    well it learned and how long it took; with ``baseline`` in the spec, train a baseline the
    same way (same data, epochs and seed) and report it next to the student's."""
    fn = namespace.get(str(spec.get("function", "")))
    if not callable(fn):
        return {
            "error": {"type": "NameError", "message": "no function named " + str(spec.get("function")), "line": None}
        }
    import keras

    # Seeded so that a model that learns does so on every run; the student's own seed wins.
    seed = int(spec.get("seed", 0))
    keras.utils.set_random_seed(seed)
    model = fn(*spec.get("args", []))
    description = describe_model(model)
    # The structure is known now, long before training ends: the checks of it can be shown.
    progress({"event": "call", "id": str(spec.get("id")), "partial": True, "data": {"model": description}})
    if "error" in description:
        return {"model": description}
    X, y = _generated_args({"data": spec.get("data")})
    cut = int(len(X) * 0.75)
    started = _monotonic()
    try:
        history = _fit(model, X, y, cut, spec)
    except BaseException as exc:
        # The description still tells the student what is wrong with the model itself.
        return {"model": description, "fit_error": _error(exc)}
    result = {"model": description, "history": history, "train_seconds": round(_monotonic() - started, 3)}
    if spec.get("inference_accuracy"):
        try:
            result["inference"] = {
                "train": _inference_scores(model, X[:cut], y[:cut]),
                "val": _inference_scores(model, X[cut:], y[cut:]),
            }
        except BaseException as exc:
            result["inference_error"] = _error(exc)
    recipe = spec.get("baseline")
    if recipe:
        # The baseline is trained elsewhere, in a child this code never touched (the harness runs
        # ``train_baseline`` there): only what it is built from crosses, as data.
        try:
            if recipe.get("kind") == "dense":
                # Counted after the fit: a model built only when first called has no count before.
                result["baseline_request"] = {"params": int(model.count_params()), "input_shape": list(X.shape[1:])}
            else:
                result["baseline_request"] = model_config(model)
        except BaseException as exc:
            result["baseline"] = {"error": _error(exc)}
    return result


def train_baseline(spec: JSONDict, request: JSONDict) -> JSONDict:
    """Train the baseline of a ``learns`` call (``spec``) from ``request`` (what the student's run
    reported: a parameter count and input shape, or an architecture), on the same generated data,
    epochs and seed. Runs in a fresh child where no student code has run."""
    import keras

    recipe = spec.get("baseline") or {}
    seed = int(spec.get("seed", 0))
    X, y = _generated_args({"data": spec.get("data")})
    cut = int(len(X) * 0.75)
    keras.utils.set_random_seed(seed)
    if recipe.get("kind") == "dense":
        baseline = _dense_baseline(int(request["params"]), [int(d) for d in request["input_shape"]], recipe)
    else:
        baseline = _unregularized_from_config(request, recipe)
    entry = {"kind": str(recipe.get("kind")), "params": int(baseline.count_params())}
    entry["history"] = _fit(baseline, X, y, cut, spec)
    if spec.get("inference_accuracy"):
        entry["inference"] = {
            "train": _inference_scores(baseline, X[:cut], y[:cut]),
            "val": _inference_scores(baseline, X[cut:], y[cut:]),
        }
    return entry


def dropout_behaviour(model: Foreign) -> JSONDict:
    """Does the model give different outputs for the same input in training mode (dropout on)
    and identical ones in inference mode (dropout off)? Only two booleans cross back."""
    import numpy as np

    try:
        shape = [8] + [int(d) for d in model.inputs[0].shape[1:]]
        x = np.random.default_rng(0).normal(size=shape).astype("float32")
        train_a, train_b = np.asarray(model(x, training=True)), np.asarray(model(x, training=True))
        infer_a, infer_b = np.asarray(model(x, training=False)), np.asarray(model(x, training=False))
    except Exception as exc:
        return {"error": _error(exc)}
    return {
        "differs_in_training": bool(np.max(np.abs(train_a - train_b)) > 1e-7),
        "same_in_inference": bool(np.max(np.abs(infer_a - infer_b)) <= 1e-7),
    }


def describe_devices(value: Foreign) -> JSONDict:
    """The student's answer next to what TensorFlow in this sandbox sees (logical devices, the
    ones it places operations on, and the physical ones)."""
    import tensorflow as tf

    seen = [{"name": d.name, "device_type": d.device_type} for d in tf.config.list_logical_devices()]
    physical = [{"name": d.name, "device_type": d.device_type} for d in tf.config.list_physical_devices()]
    return {"value": to_data(value), "devices": seen, "physical": physical}


def configure_logical_cpus(count: int) -> int:
    """Show TensorFlow ``count`` logical CPUs before the student's code runs, so an answer typed
    in by hand cannot match what TensorFlow reports. A warm child has already initialised the
    runtime (it built a model); its context is reset first, which only a fresh child may do."""
    import tensorflow as tf

    configs = [tf.config.LogicalDeviceConfiguration() for _ in range(int(count))]
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, configs)
    except RuntimeError:
        from tensorflow.python.eager import context

        context._reset_context()
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, configs)
    return len(tf.config.list_logical_devices("CPU"))


def _call(namespace: Namespace, spec: JSONDict) -> JSONDict:
    if spec.get("kind") in ("save_load", "learns"):
        started = _monotonic()
        try:
            data = (save_load_roundtrip if spec["kind"] == "save_load" else learns)(namespace, spec)
        except BaseException as exc:
            data = {"error": _error(exc)}
        data["seconds"] = round(_monotonic() - started, 4)
        return data
    name = str(spec.get("function", ""))
    fn = namespace.get(name)
    if fn is None:
        return {"error": {"type": "NameError", "message": "no function named " + name, "line": None}}
    if not callable(fn):
        return {"error": {"type": "TypeError", "message": name + " is not a function", "line": None}}
    started = _monotonic()
    recorder = None
    try:
        args = _generated_args(spec) + list(spec.get("args", []))
        if spec.get("record_fit"):
            with _FitRecorder() as recorder:
                value = fn(*args, **spec.get("kwargs", {}))
        else:
            value = fn(*args, **spec.get("kwargs", {}))
        describe = spec.get("describe")
        if describe == "keras_model":
            data = {"model": describe_model(value)}
            if spec.get("behaviour") == "dropout" and "error" not in data["model"]:
                data["dropout"] = dropout_behaviour(value)
        elif describe == "callbacks":
            data = describe_callbacks(value)
        elif describe == "history":
            data = describe_history(value)
        elif describe == "devices":
            data = describe_devices(value)
        else:
            data = {"value": to_data(value)}
    except MemoryError as exc:
        data = {"error": _error(exc), "memory_error": True}
    except BaseException as exc:  # SystemExit and KeyboardInterrupt are the student's too
        data = {"error": _error(exc)}
    if recorder is not None:
        data["fit_calls"] = recorder.calls
    data["seconds"] = round(_monotonic() - started, 4)
    return data


def main(request: JSONDict) -> JSONDict:
    if "baseline" in request:  # no student code in this child: a baseline, from data only
        try:
            return {
                "phase": "done",
                "baseline": train_baseline(request["baseline"]["spec"], request["baseline"]["request"]),
            }
        except BaseException as exc:
            return {"phase": "done", "baseline": {"error": _error(exc)}}
    answer: JSONDict = {"timings": {}}
    t0 = _monotonic()
    code = request["code"]
    probe = request.get("probe", {})
    if probe.get("preload"):
        # Import heavy libraries before the student's code so their cost is not counted as the
        # student's, and with output silenced so TensorFlow's start-up log is not shown as theirs.
        saved = os.dup(1), os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            for module in probe["preload"]:
                __import__(str(module))
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in (devnull, *saved):
                os.close(fd)
    if probe.get("logical_cpus"):
        try:
            answer["logical_cpus"] = configure_logical_cpus(min(int(probe["logical_cpus"]), 16))
        except Exception as exc:
            answer["logical_cpus_error"] = _short(exc)
    answer["timings"]["preload"] = round(_monotonic() - t0, 4)
    try:
        compiled = compile(code, FILENAME, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        answer["phase"] = "compile"
        answer["error"] = _error(exc)
        return answer
    namespace = {"__name__": "submission", "__file__": FILENAME, "__builtins__": builtins}
    t1 = _monotonic()
    try:
        exec(compiled, namespace)
    except MemoryError as exc:
        answer.update(phase="import", error=_error(exc), memory_error=True)
        return answer
    except BaseException as exc:
        answer.update(phase="import", error=_error(exc))
        return answer
    answer["timings"]["import"] = round(_monotonic() - t1, 4)
    t2 = _monotonic()
    answer["calls"] = {}
    for c in probe.get("calls", []):
        answer["calls"][str(c.get("id"))] = data = _call(namespace, c)
        progress({"event": "call", "id": str(c.get("id")), "data": data})
    answer["memory_error"] = any(c.get("memory_error") for c in answer["calls"].values())
    answer["timings"]["calls"] = round(_monotonic() - t2, 4)
    answer["phase"] = "done"
    return answer


def respond(request: JSONDict, result_fd: int) -> NoReturn:
    """Run the request and write the answer to ``result_fd``; never returns."""
    global _PROGRESS_FD
    if request.get("progress"):
        _PROGRESS_FD = result_fd
        progress({"event": "started"})
        try:
            _report_epochs()
        except Exception:
            pass
    try:
        result = main(request)
    except BaseException as exc:  # the runner's own failure, reported as such
        result = {"phase": "runner", "error": {"type": _type(exc).__name__, "message": _short(exc), "line": None}}
    data = _dumps(result, allow_nan=False, default=str).encode()
    view = memoryview(data)
    while view:
        written = _write(result_fd, view)
        view = view[written:]
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: atexit handlers and threads the student may have left behind
    # get no chance to write anything more.
    os._exit(0)


if __name__ == "__main__":
    request = json.loads(sys.stdin.read())
    respond(request, int(request.pop("result_fd")))
