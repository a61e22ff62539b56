"""Hidden checks for cnn-images (trusted side only).

The architecture is compared layer by layer (aligned, see ``align_layers``); then the sandbox
trains the model briefly on generated pattern images and reports its validation accuracy.
"""

from grader.checks import CallResult, Check, Layer, model_checks, msg

EXPECTED = [
    Layer("Conv2D", filters=16, kernel_size=(3, 3), activation="relu", strides=(1, 1), padding="valid"),
    Layer("MaxPooling2D", pool_size=(2, 2)),
    Layer("Conv2D", filters=32, kernel_size=(3, 3), activation="relu", strides=(1, 1), padding="valid"),
    Layer("MaxPooling2D", pool_size=(2, 2)),
    Layer("Flatten"),
    Layer("Dense", units=64, activation="relu"),
    Layer("Dense", units=10, activation="softmax"),
]
MIN_ACCURACY = 0.75
EPOCHS = 4

PROBE = {
    "preload": ["keras"],
    "calls": [{"id": "cnn", "kind": "learns", "function": "build_cnn", "epochs": EPOCHS,
               "seed": 2, "data": {"kind": "patterns", "n": 800, "seed": 11}}],
}


def grade(report):
    result = report.call("cnn")
    checks = model_checks(result, expected=EXPECTED, input_shape=(28, 28, 1), call_text="build_cnn()",
                          loss="sparse_categorical_crossentropy", feedback=report.feedback)
    history = result.data.get("history")
    if isinstance(result.data.get("fit_error"), dict):
        text = CallResult({"error": result.data["fit_error"]}).error_text
        checks.append(Check("learns", False, msg(
            sv=f"Modellen gick inte att träna på bilderna: {text('sv')}",
            en=f"The model could not be trained on the images: {text('en')}"), weight=2))
        return checks
    if not isinstance(history, dict):
        return checks
    accuracy = history.get("val_accuracy") or history.get("val_acc") or []
    last = accuracy[-1] if accuracy and isinstance(accuracy[-1], (int, float)) else None
    report.feedback["curves"] = {"loss": history.get("loss", []), "val_loss": history.get("val_loss", [])}
    ok = last is not None and last >= MIN_ACCURACY
    checks.append(Check("learns", ok, msg(
        sv=f"Efter {EPOCHS} epoker klassificerar modellen {last:.0%} av valideringsbilderna rätt." if last is not None else "Modellens träffsäkerhet mättes inte (saknar accuracy).",
        en=f"After {EPOCHS} epochs the model classifies {last:.0%} of the validation images correctly." if last is not None else "The model's accuracy was not measured (no accuracy metric).")
        if ok else msg(
        sv=f"Efter {EPOCHS} epoker klassificerar modellen bara {last:.0%} av valideringsbilderna rätt (minst {MIN_ACCURACY:.0%} krävs)." if last is not None else "Modellens träffsäkerhet mättes inte: lägg till metrics=[\"accuracy\"].",
        en=f"After {EPOCHS} epochs the model classifies only {last:.0%} of the validation images correctly (at least {MIN_ACCURACY:.0%} is needed)." if last is not None else "The model's accuracy was not measured: add metrics=[\"accuracy\"]."),
        weight=2))
    return checks
