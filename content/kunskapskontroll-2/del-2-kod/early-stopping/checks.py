"""Hidden checks for early-stopping (trusted side only).

The callback is checked by its settings; the fit by its history, which must show that the
callback was really used: validation loss recorded, training stopped before 100 epochs, and
stopped `patience` epochs after the best validation loss. The sandbox records the fit call's
settings (validation_split) and describes the trained model (History.model): its loss and
output activation.
"""

from grader.checks import Check, early_stopping_checks, fit_settings_checks, history_checks

PROBE = {
    "preload": ["keras"],
    "calls": [
        {"id": "callback", "function": "make_early_stopping", "describe": "callbacks"},
        {"id": "fit", "function": "train", "describe": "history", "record_fit": True,
         # 600 rows (15 steps an epoch), weakly separated: the validation loss bottoms out within
         # 10-25 epochs for the starter's network, far from the 100-epoch cap. With 240 rows and
         # separation 0.35 it crept down slowly and stopped only at epoch 98 in one of 8 seeds
         # (python -m tests.measure_behaviour --case es/reference: epochs to spare per seed).
         "data": {"kind": "binary", "n": 600, "features": 10, "seed": 3, "separation": 0.2}},
    ],
}


def grade(report):
    checks: list[Check] = early_stopping_checks(
        report.call("callback"), call_text="make_early_stopping()", monitor="val_loss", patience=3,
        restore_best_weights=True)
    checks += history_checks(report.call("fit"), call_text="train(X, y)", max_epochs=100, patience=3,
                             feedback=report.feedback)
    checks += fit_settings_checks(report.call("fit"), call_text="train(X, y)", validation_split=0.2,
                                  loss="binary_crossentropy", output_activation="sigmoid")
    return checks
