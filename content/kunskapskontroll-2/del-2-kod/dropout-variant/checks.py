"""Hidden checks for dropout-variant (trusted side only): the expected layers are the student's
own variant (units, rate), so a neighbour's answer names the neighbour's numbers as wrong."""

from grader.checks import Layer, describe_call, model_checks

N_COLS = 9
PROBE = {
    "preload": ["keras"],
    "calls": [{"id": "model", "function": "build_model", "args": [N_COLS], "describe": "keras_model"}],
}


def grade(report, variant):
    expected = [
        Layer("Dense", units=int(variant["units"]), activation="relu"),
        Layer("Dropout", rate=float(variant["rate"])),
        Layer("Dense", units=1, activation="sigmoid"),
    ]
    return model_checks(report.call("model"), expected=expected, n_inputs=N_COLS,
                        call_text=describe_call("build_model", [N_COLS]), feedback=report.feedback)
