"""Every item's reference solution earns full marks and its starter does not, through the same
sandbox and harness as the workers (real TensorFlow, real bubblewrap)."""

import json

import pytest
from django.core.management import call_command

from exercises.content import item_spec_from_folder
from grader.harness import ItemSpec, grade
from tests.conftest import CODE_ITEMS, item_dir

pytestmark = pytest.mark.integration  # real bubblewrap and TensorFlow


def spec_for(slug: str) -> ItemSpec:
    return item_spec_from_folder(item_dir(slug))


@pytest.mark.parametrize("slug", CODE_ITEMS)
def test_reference_solution_earns_full_marks(slug):
    spec = spec_for(slug)
    result = grade(spec, (item_dir(slug) / "solution.py").read_text())
    assert result.status == "graded", result.checks
    assert result.score == result.max_score == spec.points
    assert all(c.passed for c in result.checks)


@pytest.mark.parametrize("slug", CODE_ITEMS)
def test_starter_earns_nothing(slug):
    spec = spec_for(slug)
    result = grade(spec, (item_dir(slug) / "starter.py").read_text())
    assert result.status in ("graded", "time_limit")  # early-stopping's starter trains 100 epochs
    assert result.score == 0
    assert any(not c.passed for c in result.checks)


def test_grade_command_prints_the_contract_json(capsys, tmp_path):
    """`manage.py grade ITEM FILE --json` works from the content files, with no broker."""
    code = tmp_path / "answer.py"
    code.write_text(
        "def dense_params(n_inputs, n_units):\n    return n_inputs * n_units\n\n"
        "def network_params(n_cols):\n    return 100 * n_cols + 5201\n"
    )
    call_command("grade", "count-parameters", str(code), "--json")
    data = json.loads(capsys.readouterr().out)
    assert {"item", "status", "score", "max_score", "checks", "output"} <= set(data)
    assert data["item"] == "count-parameters" and data["status"] == "graded"
    assert 0 < data["score"] < data["max_score"]
    # Points follow requirements: the four dense_params calls are one requirement.
    forgot_bias = next(c for c in data["checks"] if c["name"] == "dense-params")
    assert forgot_bias["passed"] is False and "dense-5-10" in forgot_bias["checks"]
    assert "remember one bias per unit" in forgot_bias["message"]
    assert all({"name", "passed", "points", "message"} <= set(c) for c in data["checks"])


def test_wrong_dropout_rate_is_named():
    code = (item_dir("build-network") / "solution.py").read_text().replace("rate=0.2", "rate=0.5")
    result = grade(spec_for("build-network"), code)
    assert result.status == "graded" and result.score < result.max_score
    failed = [c.message_en for c in result.checks if not c.passed]
    assert failed == ["Layer 2 is Dropout(0.5). The task asks for Dropout(0.2)."]


def test_functional_api_and_tf_keras_objects_pass():
    code = """
import tensorflow as tf

def build_model(n_cols):
    inputs = tf.keras.Input(shape=(n_cols,))
    x = tf.keras.layers.Dense(100, activation=tf.nn.relu)(inputs)
    x = tf.keras.layers.Dropout(0.2)(x)
    x = tf.keras.layers.Dense(50, activation="relu")(x)
    outputs = tf.keras.layers.Dense(1, activation="sigmoid")(x)
    model = tf.keras.Model(inputs, outputs)
    model.compile(optimizer=tf.keras.optimizers.Adam(), loss=tf.keras.losses.BinaryCrossentropy(),
                  metrics=[tf.keras.metrics.BinaryAccuracy(name="accuracy")])
    model.summary()
    return model
"""
    result = grade(spec_for("build-network"), code)
    assert result.score == result.max_score, [c.message_en for c in result.checks if not c.passed]
    assert "Total params" in result.output


def test_theory_answer_is_scored_by_the_rubric():
    spec = spec_for("q07")
    good = (
        "Dropout stänger slumpmässigt av en andel neuroner under varje träningssteg, så att nätverket "
        "inte kan förlita sig på enskilda neuroner. Det minskar överträning. Vid prediktion används alla "
        "neuroner; dropout är bara aktivt under träningen."
    )
    off_topic = "En GPU har många kärnor och räknar parallellt, medan en CPU har få kraftfulla kärnor."
    good_result = grade(spec, good)
    off_result = grade(spec, off_topic)
    assert good_result.score >= 0.7 * spec.points
    assert off_result.score <= 0.3 * spec.points
    assert any(c.message_sv.startswith("Saknas") for c in off_result.checks)
