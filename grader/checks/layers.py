"""Keras models: layers as data, aligned against the expected ones, compared setting by setting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from grader.checks.compile import compile_checks
from grader.checks.report import CallResult, Check, Msg, ReportError, _close, msg

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


@dataclass(frozen=True)
class Layer:
    """One layer as the check library compares it; fields left ``None`` are not compared."""

    kind: str
    units: int | None = None
    activation: str | None = None
    rate: float | None = None
    filters: int | None = None
    kernel_size: tuple[int, ...] | None = None
    strides: tuple[int, ...] | None = None
    padding: str | None = None
    pool_size: tuple[int, ...] | None = None
    l2: float | None = None

    def label(self) -> str:
        extra = f", kernel_regularizer=l2({self.l2:g})" if self.l2 else ""
        if self.kind == "Dense":
            return f"Dense({self.units}, activation={self.activation or 'linear'}{extra})"
        if self.kind == "Dropout":
            return f"Dropout({self.rate})"
        if self.kind == "Conv2D":
            kernel = _pair(self.kernel_size)
            return f"Conv2D({self.filters}, {kernel}, activation={self.activation or 'linear'}{extra})"
        if self.kind in POOLING:
            return f"{self.kind}({_pair(self.pool_size)})"
        return f"{self.kind}()"


POOLING = {"MaxPooling2D", "AveragePooling2D"}
# Layers a model may carry without changing what it computes; they are left out of comparisons.
NEUTRAL = {"InputLayer"}


def _pair(value: tuple[int, ...] | None) -> str:
    if not value:
        return "?"
    return f"({', '.join(str(v) for v in value)})"


def _tuple(value: Any) -> tuple[int, ...] | None:
    if type(value) is int:
        return (value, value)
    if isinstance(value, list) and all(type(v) is int for v in value):
        return tuple(value)
    return None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def l2_factor(value: Any) -> float | None:
    """The L2 factor of a serialised regularizer (``L2`` or ``L1L2`` with l2 > 0), else ``None``."""
    if not isinstance(value, dict):
        return None
    cfg = c if isinstance(c := value.get("config"), dict) else {}
    factor = _number(cfg.get("l2"))
    return factor if factor else None


def layers_of(model: dict[str, Any]) -> list[Layer]:
    """The model's layers as the check library sees them; the input layer is not a layer here."""
    return [layer for layer, _raw in _layers_with_raw(model)]


def raw_layers_of(model: dict[str, Any]) -> list[dict[str, Any]]:
    """The sandbox's description of each layer of ``layers_of``, index for index."""
    return [raw for _layer, raw in _layers_with_raw(model)]


def _layers_with_raw(model: dict[str, Any]) -> list[tuple[Layer, dict[str, Any]]]:
    result = []
    for raw in model.get("layers", []) or []:
        if not isinstance(raw, dict):
            raise ReportError("layer is not an object")
        kind = str(raw.get("class", ""))
        if kind in NEUTRAL:
            continue
        cfg = c if isinstance(c := raw.get("config"), dict) else {}
        units = cfg.get("units")
        filters = cfg.get("filters")
        result.append(
            (
                Layer(
                    kind=kind,
                    units=units if type(units) is int else None,
                    activation=activation_name(cfg.get("activation")) if "activation" in cfg else None,
                    rate=_number(cfg.get("rate")),
                    filters=filters if type(filters) is int else None,
                    kernel_size=_tuple(cfg.get("kernel_size")),
                    strides=_tuple(cfg.get("strides")),
                    padding=str(cfg["padding"]) if isinstance(cfg.get("padding"), str) else None,
                    pool_size=_tuple(cfg.get("pool_size")),
                    l2=l2_factor(cfg.get("kernel_regularizer")),
                ),
                raw,
            )
        )
    return _fold_activations(result)


# A separate activation layer after a linear Dense or Conv2D computes the same function as the
# activation given to the layer itself; it is folded in so that both ways of writing it pass.
ACTIVATION_LAYERS = {"Activation": None, "ReLU": "relu", "Softmax": "softmax"}


def _fold_activations(layers: list[tuple[Layer, dict[str, Any]]]) -> list[tuple[Layer, dict[str, Any]]]:
    folded: list[tuple[Layer, dict[str, Any]]] = []
    for layer, raw in layers:
        if layer.kind in ACTIVATION_LAYERS and folded and folded[-1][0].kind in ("Dense", "Conv2D"):
            previous, previous_raw = folded[-1]
            name = layer.activation if layer.kind == "Activation" else ACTIVATION_LAYERS[layer.kind]
            if previous.activation is None and name:
                folded[-1] = (replace(previous, activation=name), previous_raw)
                continue
        folded.append((layer, raw))
    return folded


def _layer_table(layers: list[Layer]) -> str:
    return ", ".join(layer.label() for layer in layers) or "—"


def dense_params(n_inputs: int, units: int) -> int:
    return n_inputs * units + units


def expected_shapes_and_params(
    layers: list[Layer], input_shape: tuple[int, ...]
) -> list[tuple[tuple[int, ...] | None, int | None, str]]:
    """Per expected layer: its output shape, its parameter count and how that count is made.

    Shapes are propagated as Keras does (channels last, ``valid`` padding unless stated); a
    layer kind the library does not know ends the propagation (``None`` from there on).
    """
    shape: tuple[int, ...] | None = tuple(input_shape)
    rows: list[tuple[tuple[int, ...] | None, int | None, str]] = []
    for layer in layers:
        params: int | None = 0
        formula = "0"
        if shape is None:
            rows.append((None, None, ""))
            continue
        if layer.kind == "Dense" and layer.units:
            fan_in = shape[-1]
            params = fan_in * layer.units + layer.units
            formula = f"{fan_in} × {layer.units} + {layer.units}"
            shape = (*shape[:-1], layer.units)
        elif layer.kind in ("Dropout", "BatchNormalization") or layer.kind.startswith("Gaussian"):
            if layer.kind == "BatchNormalization":
                params, formula = 4 * shape[-1], f"4 × {shape[-1]}"
        elif layer.kind == "Flatten":
            size = 1
            for d in shape:
                size *= d
            shape = (size,)
        elif layer.kind == "Conv2D" and layer.filters and layer.kernel_size and len(shape) == 3:
            kh, kw = layer.kernel_size
            sh, sw = layer.strides or (1, 1)
            channels = shape[2]
            params = (kh * kw * channels + 1) * layer.filters
            formula = f"({kh} × {kw} × {channels} + 1) × {layer.filters}"
            if layer.padding == "same":
                h, w = -(-shape[0] // sh), -(-shape[1] // sw)
            else:
                h, w = (shape[0] - kh) // sh + 1, (shape[1] - kw) // sw + 1
            shape = (h, w, layer.filters)
        elif layer.kind in POOLING and len(shape) == 3:
            ph, pw = layer.pool_size or (2, 2)
            sh, sw = layer.strides or (ph, pw)
            shape = ((shape[0] - ph) // sh + 1, (shape[1] - pw) // sw + 1, shape[2])
        else:
            rows.append((None, None, ""))
            shape = None
            continue
        rows.append((shape, params, formula))
    return rows


@dataclass
class Alignment:
    """Actual layers matched to expected ones, in order: ``(actual_index, expected_index)``
    with ``None`` on the side that has no partner (an extra or a missing layer)."""

    pairs: list[tuple[int | None, int | None]]

    def matched(self) -> list[tuple[int, int]]:
        return [(a, e) for a, e in self.pairs if a is not None and e is not None]


GAP_COST = 1.0
# Below two gaps, so two layers of different kinds at the same place are named as a swap; above
# one gap, so a missing layer is not explained away as a change of kind of its neighbour.
KIND_COST = 1.5
# Below one gap: a layer of the right kind with a wrong setting is that layer, not a missing one.
SETTING_COST = 0.3


def align_layers(actual: list[Layer], expected: list[Layer]) -> Alignment:
    """Align two layer lists as a diff does (edit distance, Needleman-Wunsch).

    Comparing by position makes one missing Dropout turn every later layer into a mismatch;
    aligning first lets a missing, an extra or a swapped layer be named as exactly that. A
    pair of the same kind costs 0 (or ``SETTING_COST`` when settings differ), a pair of
    different kinds ``KIND_COST``, a layer without partner ``GAP_COST``.
    """
    n, m = len(actual), len(expected)

    def pair_cost(a: int, e: int) -> float:
        if actual[a].kind != expected[e].kind:
            return KIND_COST
        return SETTING_COST if layer_differences(actual[a], expected[e]) else 0.0

    cost = [[0.0] * (m + 1) for _ in range(n + 1)]
    for a in range(1, n + 1):
        cost[a][0] = a * GAP_COST
    for e in range(1, m + 1):
        cost[0][e] = e * GAP_COST
    for a in range(1, n + 1):
        for e in range(1, m + 1):
            cost[a][e] = min(
                cost[a - 1][e - 1] + pair_cost(a - 1, e - 1),
                cost[a - 1][e] + GAP_COST,
                cost[a][e - 1] + GAP_COST,
            )
    pairs: list[tuple[int | None, int | None]] = []
    a, e = n, m
    while a > 0 or e > 0:
        # Ties prefer a pair, then an extra layer: the walk is backwards, so the result reads
        # naturally ("missing after layer k").
        if a > 0 and e > 0 and abs(cost[a][e] - (cost[a - 1][e - 1] + pair_cost(a - 1, e - 1))) < 1e-9:
            pairs.append((a - 1, e - 1))
            a, e = a - 1, e - 1
        elif a > 0 and abs(cost[a][e] - (cost[a - 1][e] + GAP_COST)) < 1e-9:
            pairs.append((a - 1, None))
            a -= 1
        else:
            pairs.append((None, e - 1))
            e -= 1
    return Alignment(pairs[::-1])


# Settings compared for equality when the expected layer states them: (attribute, how to show a
# value, Swedish phrase, English phrase).
_EXACT_SETTINGS: tuple[tuple[str, Callable[[Any], str], str, str], ...] = (
    ("units", str, "har {got} neuroner; uppgiften anger {want}", "has {got} units; the task asks for {want}"),
    ("filters", str, "har {got} filter; uppgiften anger {want}", "has {got} filters; the task asks for {want}"),
    (
        "kernel_size",
        _pair,
        "har kärnstorleken {got}; uppgiften anger {want}",
        "has kernel size {got}; the task asks for {want}",
    ),
    ("strides", _pair, "har steglängden {got}; uppgiften anger {want}", "has strides {got}; the task asks for {want}"),
    ("padding", str, "har padding={got}; uppgiften anger {want}", "has padding={got}; the task asks for {want}"),
    (
        "pool_size",
        _pair,
        "har poolstorleken {got}; uppgiften anger {want}",
        "has pool size {got}; the task asks for {want}",
    ),
)


def layer_differences(actual: Layer, expected: Layer) -> list[tuple[str, str]]:
    """The settings in which ``actual`` differs from ``expected`` (same kind), as (sv, en) phrases."""
    diffs: list[tuple[str, str]] = []
    for attr, show, sv, en in _EXACT_SETTINGS:
        want, got = getattr(expected, attr), getattr(actual, attr)
        if want is not None and got != want:
            diffs.append((sv.format(got=show(got), want=show(want)), en.format(got=show(got), want=show(want))))
    if expected.kind in ("Dense", "Conv2D") and actual.activation != expected.activation:
        diffs.append(
            (
                f"har aktiveringen {actual.activation or 'linear'}; uppgiften anger {expected.activation or 'linear'}",
                f"has activation {actual.activation or 'linear'}; the task asks for {expected.activation or 'linear'}",
            )
        )
    if expected.rate is not None and not _close(actual.rate, expected.rate):
        diffs.append(
            (
                f"har andelen {actual.rate}; uppgiften anger {expected.rate}",
                f"has rate {actual.rate}; the task asks for {expected.rate}",
            )
        )
    if expected.l2 is not None and not _close(actual.l2, expected.l2):
        diffs.append(
            (
                f"har {'L2-regularisering ' + f'{actual.l2:g}' if actual.l2 else 'ingen L2-regularisering'}; uppgiften anger L2 {expected.l2:g}",
                f"has {'L2 regularisation ' + f'{actual.l2:g}' if actual.l2 else 'no L2 regularisation'}; the task asks for L2 {expected.l2:g}",
            )
        )
    elif expected.l2 is None and expected.kind in ("Dense", "Conv2D") and actual.l2:
        diffs.append(
            (
                f"har L2-regularisering ({actual.l2:g}) som uppgiften inte ber om",
                f"has L2 regularisation ({actual.l2:g}) that the task does not ask for",
            )
        )
    return diffs


def _ordinal_position(actual: list[Layer], index: int | None, lang: str) -> str:
    """Where a missing layer belongs, named by the student's layer before it."""
    if index is None or index < 0:
        return "först i modellen" if lang == "sv" else "at the start of the model"
    if lang == "sv":
        return f"efter lager {index + 1} ({actual[index].label()})"
    return f"after layer {index + 1} ({actual[index].label()})"


def moved_layers(actual: list[Layer], expected: list[Layer], alignment: Alignment) -> dict[int, int]:
    """Extra layers identical to a missing one: one layer in the wrong place (actual → expected)."""
    extras = [a for a, e in alignment.pairs if e is None and a is not None]
    missing = [e for a, e in alignment.pairs if a is None and e is not None]
    moved: dict[int, int] = {}
    for a in extras:
        for e in missing:
            same = actual[a].kind == expected[e].kind and not layer_differences(actual[a], expected[e])
            if same and e not in moved.values():
                moved[a] = e
                break
    return moved


def structure_messages(actual: list[Layer], expected: list[Layer], alignment: Alignment) -> list[Msg]:
    """One message per structural difference: a missing, an extra or a swapped layer."""
    messages: list[Msg] = []
    last_actual: int | None = None
    moved = moved_layers(actual, expected, alignment)
    for a, e in alignment.pairs:
        if a is not None and a in moved:
            target = moved[a]
            before = target - 1
            where_sv = f"efter {expected[before].label()}" if before >= 0 else "först"
            where_en = f"after {expected[before].label()}" if before >= 0 else "first"
            messages.append(
                msg(
                    sv=f"Lager {a + 1} ({actual[a].label()}) står på fel plats: uppgiften har det {where_sv}.",
                    en=f"Layer {a + 1} ({actual[a].label()}) is in the wrong place: the task has it {where_en}.",
                )
            )
        elif e is not None and e in moved.values():
            pass
        elif a is not None and e is not None and actual[a].kind != expected[e].kind:
            messages.append(
                msg(
                    sv=f"Lager {a + 1} är {actual[a].kind}; uppgiften vill ha {expected[e].label()} där.",
                    en=f"Layer {a + 1} is {actual[a].kind}; the task asks for {expected[e].label()} there.",
                )
            )
        elif a is not None and e is None:
            messages.append(
                msg(
                    sv=f"Lager {a + 1} ({actual[a].label()}) är ett lager för mycket: uppgiften har inget {actual[a].kind} där.",
                    en=f"Layer {a + 1} ({actual[a].label()}) is one layer too many: the task has no {actual[a].kind} there.",
                )
            )
        elif a is None and e is not None:
            messages.append(
                msg(
                    sv=f"Ett {expected[e].label()} saknas {_ordinal_position(actual, last_actual, 'sv')}.",
                    en=f"A {expected[e].label()} is missing {_ordinal_position(actual, last_actual, 'en')}.",
                )
            )
        if a is not None:
            last_actual = a
    return messages


def model_table(
    model: dict[str, Any], expected: list[Layer], input_shape: tuple[int, ...], alignment: Alignment
) -> dict[str, Any]:
    """The feedback table: the student's layers next to the expected ones, differing cells marked,
    with each expected layer's parameter count and how it is counted."""
    actual = layers_of(model)
    raw = raw_layers_of(model)
    shapes = expected_shapes_and_params(expected, input_shape)
    rows = []
    for a, e in alignment.pairs:
        row: dict[str, Any] = {"actual": None, "expected": None, "differs": []}
        if a is not None:
            row["actual"] = {
                "index": a + 1,
                "label": actual[a].label(),
                "name": str(raw[a].get("name", ""))[:100] if a < len(raw) else "",
                "params": raw[a].get("params") if a < len(raw) and type(raw[a].get("params")) is int else None,
                "output_shape": raw[a].get("output_shape") if a < len(raw) else None,
            }
        if e is not None:
            shape, params, formula = shapes[e]
            row["expected"] = {
                "label": expected[e].label(),
                "params": params,
                "formula": formula,
                "output_shape": [None, *shape] if shape else None,
            }
        if a is None or e is None:
            row["differs"] = ["layer"]
        else:
            if actual[a].kind != expected[e].kind:
                row["differs"].append("layer")
            elif layer_differences(actual[a], expected[e]):
                row["differs"].append("layer")
            exp_params = row["expected"]["params"]
            if exp_params is not None and row["actual"]["params"] != exp_params:
                row["differs"].append("params")
        rows.append(row)
    total = None if any(s[1] is None for s in shapes) else sum(s[1] or 0 for s in shapes)
    return {"rows": rows, "params": model.get("params"), "expected_params": total}


def model_checks(
    result: CallResult,
    *,
    expected: list[Layer],
    call_text: str,
    n_inputs: int | None = None,
    input_shape: tuple[int, ...] | None = None,
    optimizer: str = "adam",
    learning_rate: float | None = None,
    loss: str = "binary_crossentropy",
    metric: str = "accuracy",
    compiled: bool = True,
    feedback: dict[str, Any] | None = None,
) -> list[Check]:
    """Checks of a returned model against the expected architecture and compile settings.

    1. The call returned a Keras model.
    2. Its input shape is the stated one.
    3. Its layers, aligned with the expected ones (``align_layers``), have the same kinds; each
       missing, extra or swapped layer is named.
    4. Each matched layer has the expected settings (units, filters, kernel, activation, rate, L2).
    5. Its parameter count is the one the architecture gives (only when 2 and 3 hold).
    6. Compile settings: optimizer (and learning rate if stated), loss, metric.

    When ``feedback`` is given, the model table (``model_table``) is stored in it under "model".
    """
    shape = tuple(input_shape) if input_shape is not None else (int(n_inputs or 0),)
    shape_text = f"({', '.join(str(d) for d in shape)},)" if len(shape) == 1 else str(shape)
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
    got = inputs[0][1:] if inputs and isinstance(inputs[0], list) else None
    input_ok = model.get("built") is True and len(inputs) == 1 and got == list(shape)
    what_sv = f"{shape[0]} features" if len(shape) == 1 else f"bilder med formen {shape_text}"
    what_en = f"{shape[0]} features" if len(shape) == 1 else f"images of shape {shape_text}"
    checks.append(
        Check(
            "input-shape",
            input_ok,
            msg(
                sv=f"Modellen tar emot {what_sv}."
                if input_ok
                else f"Modellen ska ta emot {what_sv}; dess indataform är {got if got is not None else f'okänd (ange Input(shape={shape_text}) eller input_shape)'}.",
                en=f"The model takes {what_en}."
                if input_ok
                else f"The model must take {what_en}; its input shape is {got if got is not None else f'unknown (give Input(shape={shape_text}) or input_shape)'}.",
            ),
            hint=msg(
                sv="Första lagret behöver veta formen på varje exempel.",
                en="The first layer needs to know the shape of each example.",
            ),
        )
    )

    actual = layers_of(model)
    alignment = align_layers(actual, expected)
    if feedback is not None:
        feedback["model"] = model_table(model, expected, shape, alignment)
    structure = structure_messages(actual, expected, alignment)
    moved = {e: a for a, e in moved_layers(actual, expected, alignment).items()}
    # Each difference is told once, by the check of the layer it concerns: a missing layer by
    # its own check (where it belongs), a layer of another kind by the layer the task has there;
    # the "layers" check only names layers the task does not have.
    extras = [a for a, e in alignment.pairs if a is not None and e is None and a not in moved.values()]
    if not extras:
        checks.append(
            Check(
                "layers",
                True,
                msg(
                    sv=f"Inga lager utöver uppgiftens: {_layer_table(actual)}.",
                    en=f"No layers beyond the task's: {_layer_table(actual)}.",
                ),
            )
        )
    else:
        texts = [
            msg(
                sv=f"Lager {a + 1} ({actual[a].label()}) är ett lager för mycket: uppgiften har inget {actual[a].kind} där.",
                en=f"Layer {a + 1} ({actual[a].label()}) is one layer too many: the task has no {actual[a].kind} there.",
            )
            for a in extras
        ]
        checks.append(
            Check(
                "layers",
                False,
                msg(sv=" ".join(m.sv for m in texts), en=" ".join(m.en for m in texts)),
                hint=msg(
                    sv="Jämför dina lager ett i taget med listan i uppgiften.",
                    en="Compare your layers one by one with the list in the task.",
                ),
            )
        )

    last_actual: int | None = None
    for a, e in alignment.pairs:
        if a is not None:
            last_actual = a
        if e is None:
            continue
        name = f"layer-{e + 1}"
        if e in moved:
            before = e - 1
            where_sv = f"efter {expected[before].label()}" if before >= 0 else "först"
            where_en = f"after {expected[before].label()}" if before >= 0 else "first"
            at = moved[e]
            checks.append(
                Check(
                    name,
                    False,
                    msg(
                        sv=f"Lager {at + 1} ({actual[at].label()}) står på fel plats: uppgiften har det {where_sv}.",
                        en=f"Layer {at + 1} ({actual[at].label()}) is in the wrong place: the task has it {where_en}.",
                    ),
                )
            )
            continue
        if a is None:
            checks.append(
                Check(
                    name,
                    False,
                    msg(
                        sv=f"Ett {expected[e].label()} saknas {_ordinal_position(actual, last_actual, 'sv')}.",
                        en=f"A {expected[e].label()} is missing {_ordinal_position(actual, last_actual, 'en')}.",
                    ),
                )
            )
            continue
        if actual[a].kind != expected[e].kind:
            checks.append(
                Check(
                    name,
                    False,
                    msg(
                        sv=f"Lager {a + 1} är {actual[a].kind}; uppgiften vill ha {expected[e].label()} där.",
                        en=f"Layer {a + 1} is {actual[a].kind}; the task asks for {expected[e].label()} there.",
                    ),
                )
            )
            continue
        diffs = layer_differences(actual[a], expected[e])
        if diffs:
            sv = f"Lager {a + 1} är {actual[a].label()}. Uppgiften anger {expected[e].label()}: lagret " + "; ".join(
                d[0] for d in diffs
            )
            en = (
                f"Layer {a + 1} is {actual[a].label()}. The task asks for {expected[e].label()}: the layer "
                + "; ".join(d[1] for d in diffs)
            )
            if len(diffs) == 1 and expected[e].kind == "Dropout":
                sv = f"Lager {a + 1} är {actual[a].label()}. Uppgiften anger {expected[e].label()}."
                en = f"Layer {a + 1} is {actual[a].label()}. The task asks for {expected[e].label()}."
            checks.append(
                Check(
                    name,
                    False,
                    msg(sv=sv + ("" if sv.endswith(".") else "."), en=en + ("" if en.endswith(".") else ".")),
                )
            )
        else:
            checks.append(
                Check(
                    name,
                    True,
                    msg(sv=f"Lager {a + 1} är {actual[a].label()}.", en=f"Layer {a + 1} is {actual[a].label()}."),
                )
            )

    # The parameter count is told only when every layer matched: otherwise it repeats what a
    # layer's own check already said (a mistake costs once).
    layers_match = not extras and all(c.passed for c in checks if c.name.startswith("layer-"))
    if not structure and input_ok and layers_match:
        rows = expected_shapes_and_params(expected, shape)
        if all(r[1] is not None for r in rows):
            expected_params = sum(r[1] or 0 for r in rows)
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

    if not compiled:
        return checks
    checks += compile_checks(model, optimizer=optimizer, learning_rate=learning_rate, loss=loss, metric=metric)
    return checks
