"""Hidden checks for regularize (trusted side only): L2 factors and dropout, layer by layer, and a
behaviour check in the sandbox: the student's model and the same architecture without any
regularization (every regularizer removed, every dropout rate 0) are trained on the same small,
noisy generated data set that the unregularized one overfits (same epochs and seed); the gap
between validation and training loss, measured in inference mode, must be smaller for the
student's model.
"""

from grader.checks import Check, Layer, describe_call, model_checks, msg

EXPECTED = [
    Layer("Dense", units=128, activation="relu", l2=0.001),
    Layer("Dropout", rate=0.3),
    Layer("Dense", units=64, activation="relu", l2=0.001),
    Layer("Dropout", rate=0.3),
    Layer("Dense", units=1, activation="sigmoid"),
]
N_COLS = 20
EPOCHS = 30
# The student's gap must be this much smaller than the unregularised network's: the starter (the
# same network) gives exactly the same gap, and run-to-run noise must not let it through.
# Measured over seeds (python -m tests.measure_behaviour, model and data seeds changed): the
# reference's margin stayed at 0.095 or more over 69 seeds (median 0.27); L2 without dropout
# reached 0.015 to 0.041 over 10. 0.07, about halfway, leaves room on both sides (at 0.05, L2
# alone came within 0.01).
MARGIN = 0.07

PROBE = {
    "preload": ["keras"],
    "calls": [{"id": "model", "kind": "learns", "function": "build_model", "args": [N_COLS], "epochs": EPOCHS,
               "batch_size": 32, "seed": 3, "inference_accuracy": True,
               # Two barely separated clusters in 20 dimensions, 120 training rows: a 128-64
               # network without regularization learns them by heart within 30 epochs.
               "data": {"kind": "binary", "n": 160, "features": N_COLS, "seed": 5, "separation": 0.15},
               "baseline": {"kind": "unregularized", "loss": "binary_crossentropy"}}],
}


def _loss_gap(entry):
    """Validation loss minus training loss (inference mode), or None if the data is not numbers."""
    scores = entry.get("inference") if isinstance(entry, dict) else None
    if not isinstance(scores, dict):
        return None
    losses = [part.get("loss") if isinstance(part, dict) else None for part in (scores.get("train"), scores.get("val"))]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in losses):
        return None
    return float(losses[1]) - float(losses[0])


def overfitting_check(result):
    student, baseline = _loss_gap(result.data), _loss_gap(result.data.get("baseline"))
    if student is None or baseline is None:
        return Check("less-overfitting", False, msg(
            sv="Modellen gick inte att jämföra med samma nätverk utan regularisering (den gick inte att träna).",
            en="The model could not be compared with the same network without regularisation (it could not be trained)."),
            weight=2)
    if student <= baseline - MARGIN:
        return Check("less-overfitting", True, msg(
            sv=f"Regulariseringen minskar överträningen: skillnaden mellan validerings- och träningsförlust är {student:.2f} mot {baseline:.2f} utan regularisering.",
            en=f"The regularisation reduces overfitting: the gap between validation and training loss is {student:.2f} against {baseline:.2f} without regularisation."),
            weight=2)
    return Check("less-overfitting", False, msg(
        sv=f"Modellen övertränar inte mindre än samma nätverk utan regularisering: skillnaden mellan validerings- och träningsförlust är {student:.2f} mot {baseline:.2f} (den ska vara minst {MARGIN:.2f} mindre).",
        en=f"The model does not overfit less than the same network without regularisation: the gap between validation and training loss is {student:.2f} against {baseline:.2f} (it must be at least {MARGIN:.2f} smaller)."),
        weight=2)


def grade(report):
    result = report.call("model")
    checks = model_checks(result, expected=EXPECTED, n_inputs=N_COLS,
                          call_text=describe_call("build_model", [N_COLS]), feedback=report.feedback)
    if isinstance(result.data.get("history"), dict) or isinstance(result.data.get("fit_error"), dict):
        checks.append(overfitting_check(result))
    return checks
