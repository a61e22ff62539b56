"""Hidden checks for build-network (trusted side only).

Two different n_cols catch a model that ignores its argument. The sandbox records any fit or
train_on_batch made while build_model runs, and the optimizer's step count of the returned
model: "the function must not train the model".
"""

from grader.checks import Layer, describe_call, model_checks, not_trained_check

EXPECTED = [
    Layer("Dense", units=100, activation="relu"),
    Layer("Dropout", rate=0.2),
    Layer("Dense", units=50, activation="relu"),
    Layer("Dense", units=1, activation="sigmoid"),
]
N_COLS = (12, 7)

PROBE = {
    "preload": ["keras"],
    "calls": [{"id": f"model-{n}", "function": "build_model", "args": [n], "describe": "keras_model",
               "record_fit": True} for n in N_COLS],
}


def grade(report):
    main, other = N_COLS
    checks = model_checks(report.call(f"model-{main}"), expected=EXPECTED, n_inputs=main,
                          call_text=describe_call("build_model", [main]))
    second = model_checks(report.call(f"model-{other}"), expected=EXPECTED, n_inputs=other,
                          call_text=describe_call("build_model", [other]))
    for check in second:
        if check.name == "input-shape":
            check.name = "uses-n-cols"
            checks.append(check)
    trained = not_trained_check(report.call(f"model-{main}"), call_text=describe_call("build_model", [main]))
    return checks + ([trained] if trained else [])
