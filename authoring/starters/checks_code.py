"""Hidden checks for a new coding exercise (trusted side only: students never see this file).

How it works (see README, "Authoring in the browser"):

1. ``PROBE`` says what the sandbox runs after the student's code. Each call names one of their
   functions, its arguments, and what comes back: the value (with its exact type), or with
   ``"describe": "keras_model"`` a description of the Keras model it returns (layers, shapes,
   parameters, compile settings). ``"kind": "learns"`` also trains the model briefly on data
   generated in the sandbox (see grader/checks and the items under content/ for examples).
2. ``grade(report)`` runs here, on the trusted side, on that data only, and returns a list of
   ``Check(name, passed, msg(sv=..., en=...), weight=1)``; the score is the weighted share of
   passed checks. ``report.call(id)`` gives one call's result: ``.error``, ``.error_text(lang)``,
   ``.value``, ``.value_type``, ``.model``.
3. A message that names a line ("rad 3" / "line 3") or a layer ("Lager 2" / "Layer 2") becomes a
   link to that line of the editor or that row of the layer table in the student's workspace.

Replace ``solve`` and the expected value below with your exercise's; "Spara och validera" then
grades your reference solution (it must get full marks) and the starter (it must not).
"""

from grader.checks import Check, msg

PROBE = {
    "calls": [
        {"id": "small", "function": "solve", "args": [3]},
    ],
}


def grade(report):
    result = report.call("small")
    if result.error:
        return [
            Check(
                "runs",
                False,
                msg(
                    sv=f"solve(3) gav ett fel: {result.error_text('sv')}",
                    en=f"solve(3) raised an error: {result.error_text('en')}",
                ),
            )
        ]
    return [Check("value", result.value == 9, msg(sv="solve(3) ska returnera 9.", en="solve(3) should return 9."))]
