"""The baselines the sandbox trains next to a student's model (grader/jail/runner.py): a dense
net of the student's size for cnn-images, the student's own architecture stripped of every
regularizer for regularize. Built here with real Keras, outside the sandbox, to check their shape;
the suites in tests/solutions grade through the sandbox."""

import pytest

from grader.jail import runner as sandbox_runner

pytestmark = pytest.mark.integration


def test_the_dense_baseline_has_about_the_students_parameter_count():
    model = sandbox_runner._dense_baseline(
        56714, (28, 28, 1), {"outputs": 10, "activation": "softmax", "loss": "sparse_categorical_crossentropy"}
    )
    assert [type(layer).__name__ for layer in model.layers] == ["Flatten", "Dense", "Dense"]
    assert abs(model.count_params() - 56714) / 56714 < 0.02
    assert model.layers[-1].units == 10 and model.compiled


def test_the_dense_baseline_stays_bounded_for_a_huge_model():
    model = sandbox_runner._dense_baseline(10**9, (28, 28, 1), {"outputs": 10, "loss": "mse"})
    assert model.layers[1].units == 1024


def test_the_unregularized_baseline_is_the_same_network_without_l2_or_dropout():
    import keras

    model = keras.Sequential(
        [
            keras.Input(shape=(20,)),
            keras.layers.Dense(128, activation="relu", kernel_regularizer=keras.regularizers.l2(0.001)),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(64, activation="relu", activity_regularizer="l1"),
            keras.layers.Dense(1, activation="sigmoid", bias_regularizer="l2"),
        ]
    )
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    baseline = sandbox_runner._unregularized_baseline(model, {"loss": "binary_crossentropy"})
    assert [type(layer).__name__ for layer in baseline.layers] == ["Dense", "Dropout", "Dense", "Dense"]
    assert [getattr(layer, "units", None) for layer in baseline.layers] == [128, None, 64, 1]
    assert baseline.layers[1].rate == 0.0
    for layer in baseline.layers:
        config = layer.get_config()
        assert all(
            config.get(key) is None for key in ("kernel_regularizer", "bias_regularizer", "activity_regularizer")
        )
    assert baseline.get_compile_config()["optimizer"] == model.get_compile_config()["optimizer"]
    assert baseline.layers[0] is not model.layers[0], "the baseline has its own, fresh weights"


SABOTAGE = """import keras

_real_fit = keras.Model.fit
_fits = []


def _sabotaged_fit(self, *args, **kwargs):
    # The student's own fit is real; every later one (the baseline, were it trained in this
    # process) reports a network that learned nothing.
    _fits.append(self)
    if len(_fits) == 1:
        return _real_fit(self, *args, **kwargs)
    history = keras.callbacks.History()
    epochs = int(kwargs.get("epochs", 1))
    history.history = {"loss": [9.9] * epochs, "accuracy": [0.0] * epochs,
                       "val_loss": [9.9] * epochs, "val_accuracy": [0.0] * epochs}
    return history


keras.Model.fit = _sabotaged_fit
"""


def test_a_student_who_patches_keras_to_sabotage_the_baseline_earns_nothing_from_it():
    """cnn-images' dense baseline is trained in a fresh child where the student's code never ran
    (grader.harness._baselines): a CNN that does not beat it (SGD) still does not when its code
    patches Keras to make every later fit report failure. When the baseline was trained in the
    student's own interpreter, after their code, this patch made the check pass."""
    from exercises.content import item_spec_from_folder
    from grader import harness
    from tests.conftest import ROOT, item_dir

    spec = item_spec_from_folder(item_dir("cnn-images"))
    sgd = (ROOT / "tests" / "solutions" / "cnn-images" / "wrong" / "17_sgd_does_not_beat_dense.py").read_text()

    def beats_dense(code: str) -> tuple[bool, float]:
        harness._BASELINES.clear()  # trained anew for each: no help from a cached honest one
        result = harness.grade(spec, code)
        assert result.status == "graded", result.checks
        # The check, or the requirement it enforces when the item is scored by requirements.
        return next(c.passed for c in result.checks if "beats-dense" in (c.name, *c.checks)), result.score

    honest, hostile = beats_dense(sgd), beats_dense(SABOTAGE + "\n" + sgd)
    assert honest == hostile and honest[0] is False, (honest, hostile)


def test_a_baseline_is_built_only_from_allowed_keras_layers():
    config = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "layers": [
                {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, 4]}},
                {"module": "keras.layers", "class_name": "Lambda", "config": {"function": "..."}},
            ]
        },
    }
    with pytest.raises(ValueError, match="cannot be built"):
        sandbox_runner._unregularized_from_config({"model": config, "compile": None}, {"loss": "mse"})
    config["config"]["layers"][1] = {"module": "evil.layers", "class_name": "Dense", "config": {}}
    with pytest.raises(ValueError, match="cannot be built"):
        sandbox_runner._unregularized_from_config({"model": config, "compile": None}, {"loss": "mse"})
