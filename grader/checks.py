"""The check library for items' hidden ``checks.py`` files. Trusted side only.

Checks work from the data the sandbox runner sent back (see ``sandbox_runner``): plain values
with their exact type, and descriptions of Keras models. Nothing here imports TensorFlow.
Messages are bilingual (Swedish first) and name the mistake without revealing more than the
prompt states.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Msg:
    sv: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.sv


def msg(sv: str, en: str) -> Msg:
    return Msg(sv=sv, en=en)


@dataclass
class Check:
    name: str
    passed: bool
    message: Msg
    weight: float = 1.0
    hint: Msg | None = None


class ReportError(ValueError):
    """The sandbox's answer does not have the shape the runner writes: treated as tampering."""


@dataclass
class CallResult:
    """One probed call: either a value (with its exact type), a model description, or an error."""

    data: dict[str, Any] = field(default_factory=dict)

    @property
    def error(self) -> dict[str, Any] | None:
        err = self.data.get("error")
        return err if isinstance(err, dict) else None

    @property
    def value_type(self) -> str:
        value = self.data.get("value")
        return str(value.get("type", "")) if isinstance(value, dict) else ""

    @property
    def value(self) -> Any:
        value = self.data.get("value")
        return value.get("value") if isinstance(value, dict) else None

    @property
    def model(self) -> dict[str, Any] | None:
        model = self.data.get("model")
        return model if isinstance(model, dict) else None

    def error_text(self, lang: str = "sv") -> str:
        err = self.error or {}
        line = err.get("line")
        where = (f" (rad {line})" if lang == "sv" else f" (line {line})") if line else ""
        return f"{err.get('type', 'Error')}: {str(err.get('message', ''))[:300]}{where}"


class Report:
    def __init__(self, data: dict[str, Any]) -> None:
        calls = data.get("calls")
        if not isinstance(calls, dict):
            raise ReportError("calls missing")
        self.calls = {str(k): CallResult(v if isinstance(v, dict) else {}) for k, v in calls.items()}

    def call(self, call_id: str) -> CallResult:
        return self.calls.get(call_id, CallResult({"error": {"type": "RuntimeError", "message": "not run"}}))


INTEGER_TYPES = {
    "int",
    "numpy.int64",
    "numpy.int32",
    "numpy.int16",
    "numpy.int8",
    "numpy.uint64",
    "numpy.uint32",
    "numpy.uint16",
    "numpy.uint8",
    "numpy.intc",
    "numpy.longlong",
}


def is_integer(result: CallResult) -> bool:
    """An exact integer type: a bool, a float or an object that claims equality is not one."""
    return result.value_type in INTEGER_TYPES and type(result.value) is int


def describe_call(function: str, args: list[Any]) -> str:
    return f"{function}({', '.join(repr(a) for a in args)})"


# ---------------------------------------------------------------------------------------------
# Keras models
# ---------------------------------------------------------------------------------------------

ACTIVATION_ALIASES = {"linear": None, "": None}


def activation_name(value: Any) -> str | None:
    """``"relu"``, ``tf.nn.relu`` serialised by Keras, or ``{"class_name": ...}`` → ``"relu"``."""
    if isinstance(value, dict):
        inner = value.get("config", value.get("class_name"))
        if isinstance(inner, dict):
            inner = inner.get("name", value.get("class_name"))
        value = inner
    if value is None:
        return None
    name = str(value).strip().lower().rsplit(".", 1)[-1]
    return ACTIVATION_ALIASES.get(name, name)


LOSS_ALIASES = {
    "binary_crossentropy": "binary_crossentropy",
    "binarycrossentropy": "binary_crossentropy",
    "bce": "binary_crossentropy",
    "categorical_crossentropy": "categorical_crossentropy",
    "categoricalcrossentropy": "categorical_crossentropy",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "sparsecategoricalcrossentropy": "sparse_categorical_crossentropy",
    "mse": "mean_squared_error",
    "mean_squared_error": "mean_squared_error",
    "meansquarederror": "mean_squared_error",
}


def _serialised_name(value: Any) -> str:
    if isinstance(value, dict):
        config = value.get("config")
        if value.get("class_name") == "function" and isinstance(config, str):
            return config
        return str(value.get("class_name", ""))
    return str(value)


def loss_name(value: Any) -> str:
    name = _serialised_name(value).strip().lower()
    return LOSS_ALIASES.get(name.replace(" ", ""), name)


def metric_names(value: Any) -> list[str]:
    """Metric names as Keras reports them; a metric object counts by its ``name``."""
    names: list[str] = []
    items = value if isinstance(value, list) else [value] if value else []
    for item in items:
        if isinstance(item, list):
            names += metric_names(item)
        elif isinstance(item, dict):
            cfg = item.get("config")
            cls = str(item.get("class_name", "")).lower()
            cfg_name = str(cfg.get("name", "")).lower() if isinstance(cfg, dict) else ""
            names.append("accuracy" if "accuracy" in (cls, cfg_name) or cls == "binaryaccuracy" else cfg_name or cls)
        elif item is not None:
            name = str(item).lower()
            names.append("accuracy" if name in ("acc", "accuracy", "binary_accuracy") else name)
    return names


def optimizer_info(value: Any) -> tuple[str, float | None]:
    if isinstance(value, dict):
        cfg = value.get("config") if isinstance(value.get("config"), dict) else {}
        lr = cfg.get("learning_rate")
        return str(value.get("class_name", "")).lower(), float(lr) if isinstance(lr, (int, float)) else None
    return str(value).lower(), None


@dataclass(frozen=True)
class Layer:
    kind: str
    units: int | None = None
    activation: str | None = None
    rate: float | None = None

    def label(self) -> str:
        if self.kind == "Dense":
            return f"Dense({self.units}, activation={self.activation or 'linear'})"
        if self.kind == "Dropout":
            return f"Dropout({self.rate})"
        return self.kind


def layers_of(model: dict[str, Any]) -> list[Layer]:
    """The model's layers as the check library sees them; the input layer is not a layer here."""
    result = []
    for raw in model.get("layers", []) or []:
        if not isinstance(raw, dict):
            raise ReportError("layer is not an object")
        kind = str(raw.get("class", ""))
        if kind == "InputLayer":
            continue
        cfg = raw.get("config") if isinstance(raw.get("config"), dict) else {}
        units = cfg.get("units")
        rate = cfg.get("rate")
        result.append(
            Layer(
                kind=kind,
                units=units if type(units) is int else None,
                activation=activation_name(cfg.get("activation")) if kind == "Dense" else None,
                rate=float(rate) if isinstance(rate, (int, float)) and not isinstance(rate, bool) else None,
            )
        )
    return result


def _layer_table(layers: list[Layer]) -> str:
    return ", ".join(layer.label() for layer in layers) or "—"


def dense_params(n_inputs: int, units: int) -> int:
    return n_inputs * units + units


def model_checks(
    result: CallResult,
    *,
    expected: list[Layer],
    n_inputs: int,
    call_text: str,
    optimizer: str = "adam",
    loss: str = "binary_crossentropy",
    metric: str = "accuracy",
) -> list[Check]:
    """Checks of a returned model against the expected architecture and compile settings."""
    checks: list[Check] = []
    model = result.model
    if result.error or model is None or "error" in model:
        err = result.error or (model or {}).get("error") or {}
        text = CallResult({"error": err}).error_text
        return [
            Check(
                "model",
                False,
                msg(
                    sv=f"{call_text} gav ingen Keras-modell: {text('sv')}",
                    en=f"{call_text} did not return a Keras model: {text('en')}",
                ),
                weight=len(expected) + 4,
            )
        ]
    checks.append(
        Check(
            "model", True, msg(sv=f"{call_text} returnerar en Keras-modell.", en=f"{call_text} returns a Keras model.")
        )
    )
    inputs = model.get("inputs") or []
    input_ok = (
        model.get("built") is True and len(inputs) == 1 and isinstance(inputs[0], list) and inputs[0][1:] == [n_inputs]
    )
    checks.append(
        Check(
            "input-shape",
            input_ok,
            msg(
                sv=f"Modellen tar emot {n_inputs} features."
                if input_ok
                else f"Modellen ska ta emot {n_inputs} features (n_cols); den har indataformen {inputs[0][1:] if inputs else 'ingen (ange Input(shape=(n_cols,)) eller input_shape)'}.",
                en=f"The model takes {n_inputs} features."
                if input_ok
                else f"The model must take {n_inputs} features (n_cols); its input shape is {inputs[0][1:] if inputs else 'missing (give Input(shape=(n_cols,)) or input_shape)'}.",
            ),
            hint=msg(
                sv="Första lagret behöver veta hur många features varje exempel har.",
                en="The first layer needs to know how many features each example has.",
            ),
        )
    )

    actual = layers_of(model)
    kinds_ok = [a.kind for a in actual] == [e.kind for e in expected]
    if kinds_ok:
        checks.append(
            Check(
                "layers",
                True,
                msg(
                    sv=f"Lagren i rätt ordning: {_layer_table(actual)}.",
                    en=f"Layers in the right order: {_layer_table(actual)}.",
                ),
            )
        )
    else:
        first = next(
            (i for i, (a, e) in enumerate(zip(actual, expected, strict=False)) if a.kind != e.kind),
            min(len(actual), len(expected)),
        )
        if first < len(actual) and first < len(expected):
            sv = f"Lager {first + 1} är {actual[first].kind}; uppgiften vill ha {expected[first].kind} där."
            en = f"Layer {first + 1} is {actual[first].kind}; the task asks for {expected[first].kind} there."
        elif len(actual) > len(expected):
            sv = f"Modellen har {len(actual)} lager; uppgiften beskriver {len(expected)}. Lager {first + 1} ({actual[first].kind}) är för mycket."
            en = f"The model has {len(actual)} layers; the task describes {len(expected)}. Layer {first + 1} ({actual[first].kind}) is one too many."
        else:
            sv = f"Modellen har {len(actual)} lager; uppgiften beskriver {len(expected)}: lager {first + 1} ({expected[first].kind}) saknas."
            en = f"The model has {len(actual)} layers; the task describes {len(expected)}: layer {first + 1} ({expected[first].kind}) is missing."
        checks.append(Check("layers", False, msg(sv=sv, en=en), weight=2))

    # Layer settings are compared pairwise where the kinds line up, so one missing layer does
    # not turn every later comparison into noise.
    for index, (a, e) in enumerate(zip(actual, expected, strict=False), start=1):
        if a.kind != e.kind:
            continue
        if e.kind == "Dense":
            ok = a.units == e.units and a.activation == e.activation
            checks.append(
                Check(
                    f"layer-{index}",
                    ok,
                    msg(
                        sv=f"Lager {index} är {a.label()}." + ("" if ok else f" Uppgiften vill ha {e.label()}."),
                        en=f"Layer {index} is {a.label()}." + ("" if ok else f" The task asks for {e.label()}."),
                    ),
                )
            )
        elif e.kind == "Dropout":
            ok = a.rate is not None and e.rate is not None and abs(a.rate - e.rate) < 1e-9
            checks.append(
                Check(
                    f"layer-{index}",
                    ok,
                    msg(
                        sv=f"Lager {index} är {a.label()}." + ("" if ok else f" Uppgiften anger {e.label()}."),
                        en=f"Layer {index} is {a.label()}." + ("" if ok else f" The task asks for {e.label()}."),
                    ),
                )
            )
    for index in range(len(actual) + 1, len(expected) + 1):
        checks.append(
            Check(
                f"layer-{index}",
                False,
                msg(
                    sv=f"Lager {index} ({expected[index - 1].label()}) saknas.",
                    en=f"Layer {index} ({expected[index - 1].label()}) is missing.",
                ),
            )
        )

    if kinds_ok and input_ok:
        expected_params, fan_in = 0, n_inputs
        for layer in expected:
            if layer.kind == "Dense" and layer.units:
                expected_params += dense_params(fan_in, layer.units)
                fan_in = layer.units
        ok = model.get("params") == expected_params
        checks.append(
            Check(
                "parameters",
                ok,
                msg(
                    sv=f"Modellen har {model.get('params')} parametrar."
                    + ("" if ok else " Det stämmer inte med arkitekturen i uppgiften."),
                    en=f"The model has {model.get('params')} parameters."
                    + ("" if ok else " That does not match the architecture in the task."),
                ),
            )
        )

    compile_config = model.get("compile")
    if not isinstance(compile_config, dict) or "error" in compile_config:
        checks.append(
            Check(
                "compile",
                False,
                msg(
                    sv="Modellen är inte kompilerad: anropa model.compile(...) innan du returnerar den.",
                    en="The model is not compiled: call model.compile(...) before returning it.",
                ),
                weight=3,
            )
        )
        return checks
    opt_name, _lr = optimizer_info(compile_config.get("optimizer"))
    ok = opt_name == optimizer
    checks.append(
        Check(
            "optimizer",
            ok,
            msg(
                sv=f"Optimeraren är {opt_name or 'ingen'}." + ("" if ok else f" Uppgiften anger {optimizer}."),
                en=f"The optimizer is {opt_name or 'none'}." + ("" if ok else f" The task asks for {optimizer}."),
            ),
        )
    )
    got_loss = loss_name(compile_config.get("loss"))
    ok = got_loss == loss
    checks.append(
        Check(
            "loss",
            ok,
            msg(
                sv=f"Förlustfunktionen är {got_loss or 'ingen'}." + ("" if ok else f" Uppgiften anger {loss}."),
                en=f"The loss is {got_loss or 'none'}." + ("" if ok else f" The task asks for {loss}."),
            ),
        )
    )
    got_metrics = metric_names(compile_config.get("metrics"))
    ok = metric in got_metrics
    checks.append(
        Check(
            "metrics",
            ok,
            msg(
                sv=f"Mätvärden: {', '.join(got_metrics) or 'inga'}."
                + ("" if ok else f" Uppgiften vill att {metric} mäts."),
                en=f"Metrics: {', '.join(got_metrics) or 'none'}."
                + ("" if ok else f" The task asks for {metric} to be measured."),
            ),
        )
    )
    return checks
