"""Hidden checks for build-network (trusted side only).

Two different n_cols catch a model that ignores its argument. The sandbox records any fit or
train_on_batch made while build_model runs, and the optimizer's step count of the returned
model: "the function must not train the model".
"""

from grader.checks import Layer, describe_call, model_checks, msg, not_trained_check

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
    other_call = describe_call("build_model", [other])
    second = model_checks(report.call(f"model-{other}"), expected=EXPECTED, n_inputs=other, call_text=other_call)
    for check in second:
        if check.name == "input-shape":
            # Said with its call, or it reads as if the same model took two sizes.
            check.name = "uses-n-cols"
            check.message = msg(sv=f"Med {other_call}: {check.message.sv}", en=f"With {other_call}: {check.message.en}")
            checks.append(check)
    trained = not_trained_check(report.call(f"model-{main}"), call_text=describe_call("build_model", [main]))
    return checks + ([trained] if trained else [])
