"""The check library on its own (trusted side, no sandbox): alignment, messages, feedback."""

from django.template.loader import render_to_string

from grader.checks import CallResult, Layer, align_layers, expected_shapes_and_params, model_checks, structure_messages

EXPECTED = [
    Layer("Dense", units=100, activation="relu"),
    Layer("Dropout", rate=0.2),
    Layer("Dense", units=50, activation="relu"),
    Layer("Dense", units=1, activation="sigmoid"),
]


def _model(layers: list[dict], n_cols: int = 12, params: int | None = None) -> CallResult:
    return CallResult(
        {
            "model": {
                "built": True,
                "inputs": [[None, n_cols]],
                "layers": layers,
                "params": params,
                "compile": {"optimizer": "adam", "loss": "binary_crossentropy", "metrics": ["accuracy"]},
            }
        }
    )


def _dense(units: int, activation: str, params: int | None = None) -> dict:
    return {"class": "Dense", "config": {"units": units, "activation": activation}, "params": params}


def test_a_missing_dropout_is_named_once_and_later_layers_still_match():
    """Position-by-position comparison would call layers 2 and 3 wrong too; alignment does not."""
    actual = [EXPECTED[0], EXPECTED[2], EXPECTED[3]]
    alignment = align_layers(actual, EXPECTED)
    assert alignment.pairs == [(0, 0), (None, 1), (1, 2), (2, 3)]
    assert [m.en for m in structure_messages(actual, EXPECTED, alignment)] == [
        "A Dropout(0.2) is missing after layer 1 (Dense(100, activation=relu))."
    ]


def test_a_wrong_setting_is_that_layer_not_a_missing_one():
    actual = [EXPECTED[0], EXPECTED[1], Layer("Dense", units=64, activation="relu"), EXPECTED[3]]
    assert align_layers(actual, EXPECTED).pairs == [(0, 0), (1, 1), (2, 2), (3, 3)]


def test_a_layer_in_the_wrong_place_is_called_moved():
    actual = [EXPECTED[1], EXPECTED[0], EXPECTED[2], EXPECTED[3]]
    messages = [m.en for m in structure_messages(actual, EXPECTED, align_layers(actual, EXPECTED))]
    assert len(messages) == 1 and "is in the wrong place" in messages[0]


def test_parameters_are_counted_with_their_formula():
    rows = expected_shapes_and_params(EXPECTED, (12,))
    assert [r[1] for r in rows] == [1300, 0, 5050, 51]
    assert rows[0][2] == "12 × 100 + 100"
    conv = expected_shapes_and_params(
        [
            Layer("Conv2D", filters=8, kernel_size=(3, 3), activation="relu"),
            Layer("MaxPooling2D", pool_size=(2, 2)),
            Layer("Flatten"),
        ],
        (28, 28, 1),
    )
    assert conv[0] == ((26, 26, 8), 80, "(3 × 3 × 1 + 1) × 8") and conv[2][0] == (13 * 13 * 8,)


def test_the_model_table_marks_the_differing_cells_and_renders():
    result = _model([_dense(100, "relu", 1300), _dense(64, "relu", 6464), _dense(1, "sigmoid", 65)], params=7829)
    feedback: dict = {}
    checks = model_checks(result, expected=EXPECTED, n_inputs=12, call_text="build_model(12)", feedback=feedback)
    assert any(not c.passed and "A Dropout(0.2) is missing" in c.message.en for c in checks)
    rows = feedback["model"]["rows"]
    assert [r["differs"] for r in rows] == [[], ["layer"], ["layer", "params"], ["params"]]
    html = render_to_string("exercises/_feedback.html", {"submission": {"feedback": feedback}})
    assert html.count('class="diff"') == 6
    assert "12 × 100 + 100" in html and "Dense(64, activation=relu)" in html


def test_learning_curves_render_as_inline_svg():
    feedback = {"curves": {"loss": [0.7, 0.5, 0.4, 0.35], "val_loss": [0.7, 0.6, 0.62, 0.65], "best_epoch": 1}}
    html = render_to_string("exercises/_feedback.html", {"submission": {"feedback": feedback}})
    assert "<svg" in html and html.count("<polyline") == 2 and "stroke-dasharray" in html


def test_feedback_text_is_escaped():
    feedback = {
        "model": {
            "rows": [{"actual": {"index": 1, "label": "<script>x</script>"}, "expected": None, "differs": ["layer"]}]
        }
    }
    html = render_to_string("exercises/_feedback.html", {"submission": {"feedback": feedback}})
    assert "<script>x" not in html and "&lt;script&gt;" in html
