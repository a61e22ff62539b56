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
