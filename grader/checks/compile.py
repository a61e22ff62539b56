"""Compile settings: optimizer, learning rate, loss and metrics."""

from __future__ import annotations

from typing import Any

from grader.checks.report import Check, _close, msg

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


def loss_check(check_id: str, compile_config: dict[str, Any], loss: str) -> Check:
    """Whether the model was compiled with the ``loss`` the task asks for (also the training
    exercises' ``train-loss``)."""
    got_loss = loss_name(compile_config.get("loss"))
    ok = got_loss == loss
    return Check(
        check_id,
        ok,
        msg(
            sv=f"Förlustfunktionen är {got_loss or 'ingen'}." + ("" if ok else f" Uppgiften anger {loss}."),
            en=f"The loss is {got_loss or 'none'}." + ("" if ok else f" The task asks for {loss}."),
        ),
    )


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
        cfg = c if isinstance(c := value.get("config"), dict) else {}
        lr = cfg.get("learning_rate")
        return str(value.get("class_name", "")).lower(), float(lr) if isinstance(lr, (int, float)) else None
    return str(value).lower(), None


DEFAULT_LEARNING_RATES = {"adam": 0.001, "sgd": 0.01, "rmsprop": 0.001, "adamw": 0.001, "nadam": 0.001}


def compile_checks(
    model: dict[str, Any],
    *,
    optimizer: str = "adam",
    learning_rate: float | None = None,
    loss: str = "binary_crossentropy",
    metric: str = "accuracy",
) -> list[Check]:
    """Optimizer (class, and learning rate when the task states one), loss and metric.

    ``"adam"`` and ``Adam()`` are the same choice: a string optimizer has Keras's default rate.
    """
    checks: list[Check] = []
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
    opt_name, lr = optimizer_info(compile_config.get("optimizer"))
    if lr is None:
        lr = DEFAULT_LEARNING_RATES.get(opt_name)
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
    if learning_rate is not None:
        ok = _close(lr, learning_rate)
        checks.append(
            Check(
                "learning-rate",
                ok,
                msg(
                    sv=f"Inlärningstakten är {lr:g}." if lr is not None else "Inlärningstakten är okänd.",
                    en=f"The learning rate is {lr:g}." if lr is not None else "The learning rate is unknown.",
                )
                if ok
                else msg(
                    sv=f"Inlärningstakten är {lr if lr is None else f'{lr:g}'}; uppgiften anger {learning_rate:g}.",
                    en=f"The learning rate is {lr if lr is None else f'{lr:g}'}; the task asks for {learning_rate:g}.",
                ),
            )
        )
    checks.append(loss_check("loss", compile_config, loss))
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
