"""Callbacks, fit histories and behaviour measured in the sandbox (dropout)."""

from __future__ import annotations

from typing import Any

from grader.checks.compile import loss_check
from grader.checks.layers import layers_of
from grader.checks.report import CallResult, Check, _close, msg

# ---------------------------------------------------------------------------------------------
# Callbacks and fit histories
# ---------------------------------------------------------------------------------------------


def early_stopping_checks(
    result: CallResult, *, call_text: str, monitor: str, patience: int, restore_best_weights: bool
) -> list[Check]:
    """An EarlyStopping callback, by its settings (Keras 3 names, whatever API made it)."""
    callbacks = result.data.get("callbacks") if isinstance(result.data.get("callbacks"), list) else None
    if result.error or not callbacks:
        why = result.error_text("en") if result.error else "nothing"
        why_sv = result.error_text("sv") if result.error else "inget"
        return [
            Check(
                "early-stopping",
                False,
                msg(
                    sv=f"{call_text} ska returnera en EarlyStopping-callback; den gav {why_sv}.",
                    en=f"{call_text} must return an EarlyStopping callback; it gave {why}.",
                ),
                weight=4,
            )
        ]
    found = next(
        (c for c in callbacks if isinstance(c, dict) and c.get("class") == "EarlyStopping" and c.get("keras")), None
    )
    if found is None:
        kinds = ", ".join(str(c.get("class")) for c in callbacks if isinstance(c, dict))
        return [
            Check(
                "early-stopping",
                False,
                msg(
                    sv=f"{call_text} returnerade {kinds}, inte keras.callbacks.EarlyStopping.",
                    en=f"{call_text} returned {kinds}, not keras.callbacks.EarlyStopping.",
                ),
                weight=4,
            )
        ]
    checks = [
        Check(
            "early-stopping",
            True,
            msg(sv=f"{call_text} returnerar en EarlyStopping.", en=f"{call_text} returns an EarlyStopping."),
        )
    ]
    got = found.get("monitor")
    checks.append(
        Check(
            "monitor",
            got == monitor,
            msg(
                sv=f"Callbacken övervakar {got}."
                + ("" if got == monitor else f" Uppgiften vill att den övervakar {monitor}."),
                en=f"The callback monitors {got}."
                + ("" if got == monitor else f" The task asks it to monitor {monitor}."),
            ),
            hint=msg(
                sv="Early stopping ska titta på data som modellen inte tränar på.",
                en="Early stopping should watch data the model does not train on.",
            ),
        )
    )
    got = found.get("patience")
    ok = type(got) is int and got == patience
    checks.append(
        Check(
            "patience",
            ok,
            msg(
                sv=f"patience är {got}." + ("" if ok else f" Uppgiften anger {patience}."),
                en=f"patience is {got}." + ("" if ok else f" The task asks for {patience}."),
            ),
        )
    )
    got = found.get("restore_best_weights")
    ok = got is restore_best_weights
    checks.append(
        Check(
            "restore-best-weights",
            ok,
            msg(
                sv=f"restore_best_weights är {got}." + ("" if ok else f" Uppgiften vill ha {restore_best_weights}."),
                en=f"restore_best_weights is {got}." + ("" if ok else f" The task asks for {restore_best_weights}."),
            ),
            hint=msg(
                sv="Utan den behåller modellen vikterna från sista epoken, inte de bästa.",
                en="Without it the model keeps the weights of the last epoch, not the best ones.",
            ),
        )
    )
    return checks


def _floats(values: Any) -> list[float] | None:
    if not isinstance(values, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return None
    return [float(v) for v in values]


def history_checks(
    result: CallResult,
    *,
    call_text: str,
    max_epochs: int,
    patience: int,
    feedback: dict[str, Any] | None = None,
) -> list[Check]:
    """A fit's History: validation recorded, stopped early, and stopped where the callback would.

    When ``feedback`` is given, the learning curves go there under "curves".
    """
    history = result.data.get("history")
    if result.error or not isinstance(history, dict):
        err = result.error_text("en") if result.error else (result.data.get("error") or {}).get("message", "")
        err_sv = result.error_text("sv") if result.error else err
        return [
            Check(
                "history",
                False,
                msg(
                    sv=f"{call_text} ska returnera History-objektet från fit: {err_sv}",
                    en=f"{call_text} must return the History object from fit: {err}",
                ),
                weight=4,
            )
        ]
    loss = _floats(history.get("loss"))
    val_loss = _floats(history.get("val_loss"))
    epochs_run = result.data.get("epochs_run")
    params = p if isinstance(p := result.data.get("params"), dict) else {}
    planned = params.get("epochs")
    if feedback is not None and loss:
        best = min(range(len(val_loss)), key=val_loss.__getitem__) if val_loss else None
        feedback["curves"] = {"loss": loss, "val_loss": val_loss or [], "best_epoch": best, "epochs_run": epochs_run}
    checks = [
        Check("history", True, msg(sv=f"{call_text} returnerar en History.", en=f"{call_text} returns a History."))
    ]
    ok = val_loss is not None and len(val_loss) > 0
    checks.append(
        Check(
            "validation",
            ok,
            msg(
                sv="Valideringsförlusten (val_loss) mäts varje epok."
                if ok
                else "Historiken saknar val_loss: träna med validation_split=0.2 så att det finns något att övervaka.",
                en="The validation loss (val_loss) is measured every epoch."
                if ok
                else "The history has no val_loss: train with validation_split=0.2 so there is something to monitor.",
            ),
        )
    )
    ok = type(planned) is int and planned <= max_epochs
    checks.append(
        Check(
            "max-epochs",
            ok,
            msg(
                sv=f"fit planerade {planned} epoker." + ("" if ok else f" Uppgiften anger högst {max_epochs}."),
                en=f"fit planned {planned} epochs." + ("" if ok else f" The task asks for at most {max_epochs}."),
            ),
        )
    )
    stopped = type(epochs_run) is int and type(planned) is int and epochs_run < planned
    checks.append(
        Check(
            "stopped-early",
            stopped,
            msg(
                sv=f"Träningen stoppade efter {epochs_run} av {planned} epoker."
                if stopped
                else f"Träningen körde alla {epochs_run} epoker: skicka callbacken till fit(callbacks=[...]).",
                en=f"Training stopped after {epochs_run} of {planned} epochs."
                if stopped
                else f"Training ran all {epochs_run} epochs: pass the callback to fit(callbacks=[...]).",
            ),
            weight=2,
        )
    )
    if stopped and val_loss:
        best = min(range(len(val_loss)), key=val_loss.__getitem__)
        waited = len(val_loss) - 1 - best
        ok = waited == patience
        checks.append(
            Check(
                "stopped-where",
                ok,
                msg(
                    sv=f"Bästa val_loss kom i epok {best + 1}; träningen stoppade {waited} epoker senare."
                    + (
                        ""
                        if ok
                        else " Det stämmer inte med en callback som övervakar val_loss med patience från uppgiften."
                    ),
                    en=f"The best val_loss came in epoch {best + 1}; training stopped {waited} epochs later."
                    + ("" if ok else " That does not match a callback monitoring val_loss with the task's patience."),
                ),
            )
        )
    return checks


def dropout_behaviour_check(result: CallResult) -> Check | None:
    """Dropout is active in training and off at inference, as measured in the sandbox.

    ``None`` when the sandbox could not measure it (no model): the model checks already say why.
    """
    data = result.data.get("dropout")
    if not isinstance(data, dict) or "error" in data:
        return None
    training, inference = data.get("differs_in_training") is True, data.get("same_in_inference") is True
    ok = training and inference
    if ok:
        text = msg(
            sv="Dropout är aktivt under träning och avstängt vid prediktion.",
            en="Dropout is active during training and off when predicting.",
        )
    elif not training:
        text = msg(
            sv="Modellen ger samma utdata två gånger i träningsläge: inget dropout verkar vara aktivt under träning.",
            en="The model gives the same output twice in training mode: no dropout seems active during training.",
        )
    else:
        text = msg(
            sv="Modellen ger olika utdata för samma indata vid prediktion: något slumpmässigt är aktivt även då.",
            en="The model gives different outputs for the same input when predicting: something random is active then too.",
        )
    return Check("dropout-behaviour", ok, text)


# ---------------------------------------------------------------------------------------------
# How a model was trained (the runner's record of fit calls) and whether it was
# ---------------------------------------------------------------------------------------------


def not_trained_check(result: CallResult, *, call_text: str) -> Check | None:
    """The function returned a model it had not trained: no fit or train_on_batch was called
    while it ran, and its optimizer took no step. ``None`` without a model (other checks say why)."""
    model = result.model
    if model is None or "error" in model:
        return None
    steps = model.get("optimizer_steps")
    fits = [c for c in result.data.get("fit_calls") or [] if isinstance(c, dict)]
    trained = bool(fits) or (type(steps) is int and steps > 0)
    if not trained:
        return Check(
            "not-trained",
            True,
            msg(sv=f"{call_text} tränar inte modellen.", en=f"{call_text} does not train the model."),
        )
    how_sv = f"fit anropades {len(fits)} gång(er)" if fits else f"optimeraren har tagit {steps} steg"
    how_en = f"fit was called {len(fits)} time(s)" if fits else f"its optimizer has taken {steps} steps"
    return Check(
        "not-trained",
        False,
        msg(
            sv=f"{call_text} returnerade en modell som redan är tränad ({how_sv}): uppgiften säger att funktionen inte ska träna modellen.",
            en=f"{call_text} returned a model that has already been trained ({how_en}): the task says the function must not train the model.",
        ),
    )


def fit_settings_checks(
    result: CallResult, *, call_text: str, validation_split: float, loss: str, output_activation: str
) -> list[Check]:
    """The fit that produced a History: its validation_split (from the runner's record of the
    fit call) and the trained model's loss and output activation (from ``History.model``).
    Empty without a History: ``history_checks`` already says why."""
    if result.error or not isinstance(result.data.get("history"), dict):
        return []
    checks: list[Check] = []
    fits = [c for c in result.data.get("fit_calls") or [] if isinstance(c, dict) and c.get("method") == "fit"]
    last = fits[-1] if fits else {}
    got = last.get("validation_split")
    ok = isinstance(got, (int, float)) and not isinstance(got, bool) and _close(float(got), validation_split)
    ok = ok and not last.get("validation_data")
    if ok:
        text = msg(
            sv=f"fit använder validation_split={validation_split:g}.",
            en=f"fit uses validation_split={validation_split:g}.",
        )
    elif last.get("validation_data"):
        text = msg(
            sv=f"fit får validation_data; uppgiften anger validation_split={validation_split:g}.",
            en=f"fit is given validation_data; the task asks for validation_split={validation_split:g}.",
        )
    else:
        text = msg(
            sv=f"{call_text} använde validation_split={got}; uppgiften anger validation_split={validation_split:g}.",
            en=f"{call_text} used validation_split={got}; the task asks for validation_split={validation_split:g}.",
        )
    checks.append(Check("validation-split", ok, text))
    model = result.data.get("model") if isinstance(result.data.get("model"), dict) else None
    if model is None or "error" in model:
        return checks
    compile_config = model.get("compile") if isinstance(model.get("compile"), dict) else {}
    checks.append(loss_check("train-loss", compile_config, loss))
    layers = layers_of(model)
    got_activation = layers[-1].activation if layers else None
    ok = got_activation == output_activation
    checks.append(
        Check(
            "train-output",
            ok,
            msg(
                sv=f"Utgångslagret har aktiveringen {got_activation or 'linear'}."
                + ("" if ok else f" Uppgiften anger {output_activation}."),
                en=f"The output layer has activation {got_activation or 'linear'}."
                + ("" if ok else f" The task asks for {output_activation}."),
            ),
        )
    )
    return checks
