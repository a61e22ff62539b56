"""Hidden checks for add-dropout (trusted side only)."""

from grader.checks import Layer, describe_call, model_checks

EXPECTED = [
    Layer("Dense", units=128, activation="relu"),
    Layer("Dropout", rate=0.3),
    Layer("Dense", units=64, activation="relu"),
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
                        call_text=describe_call("build_model", [N_COLS]))
