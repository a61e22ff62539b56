"""Hidden checks for regularize (trusted side only): L2 factors and dropout, layer by layer."""

from grader.checks import Layer, describe_call, model_checks

EXPECTED = [
    Layer("Dense", units=128, activation="relu", l2=0.001),
    Layer("Dropout", rate=0.3),
    Layer("Dense", units=64, activation="relu", l2=0.001),
    Layer("Dropout", rate=0.3),
    Layer("Dense", units=1, activation="sigmoid"),
]
N_COLS = 20

PROBE = {
    "preload": ["keras"],
    "calls": [{"id": "model", "function": "build_model", "args": [N_COLS], "describe": "keras_model"}],
}


def grade(report):
    return model_checks(report.call("model"), expected=EXPECTED, n_inputs=N_COLS,
                        call_text=describe_call("build_model", [N_COLS]), feedback=report.feedback)
