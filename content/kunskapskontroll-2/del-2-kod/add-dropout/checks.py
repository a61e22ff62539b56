"""Hidden checks for add-dropout (trusted side only)."""

from grader.checks import Layer, describe_call, dropout_behaviour_check, model_checks

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
    "calls": [{"id": "model", "function": "build_model", "args": [N_COLS], "describe": "keras_model",
               "behaviour": "dropout"}],
}


def grade(report):
    result = report.call("model")
    checks = model_checks(result, expected=EXPECTED, n_inputs=N_COLS,
                          call_text=describe_call("build_model", [N_COLS]), feedback=report.feedback)
    behaviour = dropout_behaviour_check(result)
    return checks + ([behaviour] if behaviour else [])
