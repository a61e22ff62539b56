"""The exercise workspace: progress while grading (events from the sandbox through Redis to the
status API), the time-limit message that names its limit, and free example runs (not graded)."""

import time

import pytest
from django.test import Client

from exercises.content import item_spec_from_folder
from tests.conftest import item_dir

pytestmark = [pytest.mark.integration]


def timed_sink(events):
    def sink(event):
        events.append((time.monotonic(), event))

    return sink


# regularize (30 epochs and a baseline of as many) is measured by `make bench` (tests/bench_feedback.py).
@pytest.mark.parametrize("slug", ["cnn-images", "early-stopping"])
def test_a_training_exercise_reports_its_structure_then_each_epoch_then_the_end(slug):
    """Real sandbox and TensorFlow: the structural checks come from the trusted side as soon as the
    model (or the callback) exists, before the first epoch; every epoch of the student's fit has
    its loss; the last event is the final status."""
    from grader.harness import grade

    events: list = []
    result = grade(
        item_spec_from_folder(item_dir(slug)), (item_dir(slug) / "solution.py").read_text(), progress=timed_sink(events)
    )
    assert result.status == "graded" and result.score == result.max_score, result.checks
    kinds = [e["event"] for _, e in events]
    assert kinds[0] == "started" and kinds[-1] == "final", kinds
    assert events[-1][1]["status"] == "graded"
    structure = [e for _, e in events if e["event"] == "structure"]
    epochs = [(t, e) for t, e in events if e["event"] == "epoch" and e["fit"] == 1]
    assert structure and epochs, kinds
    assert kinds.index("structure") < kinds.index("epoch")
    assert all(c["passed"] for c in structure[-1]["checks"])
    # With a requirement table the result lists requirements, each naming the checks behind it.
    final_names = {name for c in result.checks for name in (c.checks or [c.name])}
    assert {c["name"] for c in structure[-1]["checks"]} <= final_names
    assert [e["epoch"] for _, e in epochs] == list(range(1, len(epochs) + 1))
    assert all(isinstance(e["loss"], float) and isinstance(e["val_loss"], float) for _, e in epochs)
    started = events[0][0]
    first_structure = next(t for t, e in events if e["event"] == "structure")
    print(f"{slug}: structure {first_structure - started:.3f} s after start, {len(epochs)} epochs")


def test_early_checks_do_not_claim_what_is_not_known_yet():
    """A model built wrong is reported as wrong at once; nothing about training is said early."""
    from grader.harness import grade

    slug = "cnn-images"
    wrong = (item_dir(slug) / "solution.py").read_text().replace("filters=32", "filters=8").replace("(32,", "(8,")
    wrong = wrong.replace("Conv2D(32", "Conv2D(8")
    events: list = []
    grade(item_spec_from_folder(item_dir(slug)), wrong, progress=timed_sink(events))
    structure = [e for _, e in events if e["event"] == "structure"][-1]["checks"]
    assert any(not c["passed"] for c in structure), structure
    assert not any(c["name"] in ("learns", "beats-dense") for c in structure)


def test_a_forged_progress_event_from_student_code_is_dropped_or_sanitised():
    """The student's code can write on the answer pipe too: only known events with plain
    numbers go on, and the grade comes from the final answer alone."""
    from grader.harness import grade

    code = (item_dir("count-parameters") / "solution.py").read_text() + (
        "\nimport os\n"
        "for fd in range(3, 12):\n"
        "    try:\n"
        '        os.write(fd, b\'\\x1e{"event": "epoch", "fit": 1, "epoch": "<script>", "loss": 1}\\n\')\n'
        '        os.write(fd, b\'\\x1e{"event": "final", "status": "graded", "score": 99}\\n\')\n'
        "    except OSError:\n"
        "        pass\n"
    )
    events: list = []
    result = grade(item_spec_from_folder(item_dir("count-parameters")), code, progress=timed_sink(events))
    assert result.status == "graded"
    assert not [e for _, e in events if e["event"] == "epoch"]
    finals = [e for _, e in events if e["event"] == "final"]
    assert len(finals) == 1 and finals[0]["score"] == result.score


@pytest.mark.parametrize(
    ("limits", "code", "words"),
    [
        ({"cpu_seconds": 2, "wall_seconds": 30}, "while True:\n    pass\n", ("processortid", "2 s")),
        ({"cpu_seconds": 20, "wall_seconds": 3}, "import time\ntime.sleep(30)\n", ("väggklockstid", "3 s")),
    ],
)
def test_the_time_limit_message_names_the_limit_that_was_hit(limits, code, words):
    from grader.harness import ItemSpec, grade

    spec = ItemSpec(
        slug="count-parameters",
        kind="code",
        points=1,
        limits=limits,
        checks_source=(item_dir("count-parameters") / "checks.py").read_text(),
    )
    result = grade(spec, code)
    assert result.status == "time_limit"
    message = result.checks[0].message_sv
    assert all(w in message for w in words), message


@pytest.mark.django_db
def test_the_status_api_merges_progress_from_redis_and_the_queue_position(course, users, broker_url):
    """The web reads the worker's events from Redis (no database write on the worker side)."""
    import redis

    from exercises.models import Item
    from exercises.services import submission_create
    from grader.launch.progress import RedisProgress

    item = Item.objects.get(slug="cnn-images")
    code = (item_dir("cnn-images") / "solution.py").read_text()
    # No worker runs here: both stay queued, the second behind the first.
    first = submission_create(user=users["student2"], item=item, text=code)
    mine = submission_create(user=users["student"], item=item, text=code)
    from exercises.models import Submission

    Submission.objects.filter(pk=first.pk).update(queued_at=first.created_at)
    Submission.objects.filter(pk=mine.pk).update(queued_at=mine.created_at)
    sink = RedisProgress(mine.pk, redis.Redis.from_url(broker_url))
    sink.clear()
    sink({"event": "started"})
    sink(
        {
            "event": "structure",
            "checks": [
                {"name": "layers", "passed": True, "message_sv": "Lagren stämmer.", "message_en": "The layers match."}
            ],
        }
    )
    sink({"event": "epoch", "fit": 1, "epoch": 1, "loss": 0.9, "val_loss": 1.1})
    sink({"event": "epoch", "fit": 2, "epoch": 1, "loss": 0.5, "val_loss": 0.6})  # the baseline's fit
    client = Client()
    client.force_login(users["student"])
    data = client.get(f"/api/v1/submissions/{mine.pk}").json()
    progress = data["progress"]
    assert data["pending"] and progress["queue_position"] == 2
    assert progress["structure"] == [{"name": "layers", "passed": True, "message": "Lagren stämmer."}]
    assert progress["epochs"] == [{"epoch": 1, "loss": 0.9, "val_loss": 1.1}]
    assert progress["elapsed"] >= 0
    sink.clear()


@pytest.fixture
def student_client(course, users):
    from django.core.cache import cache

    cache.clear()  # the example-run counter of earlier tests
    client = Client()
    client.force_login(users["student"])
    return client


def run_examples(client, slug, code, timeout=120.0):
    response = client.post(f"/items/{slug}/examples", {"text": code})
    assert response.status_code == 202, response.content
    url = response.json()["url"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = client.get(url).json()
        if data["state"] not in ("queued", "running"):
            return data
        time.sleep(0.3)
    raise AssertionError(f"example run still {data['state']}")


@pytest.mark.django_db(transaction=True)
def test_examples_run_free_in_the_sandbox_and_point_at_the_failing_line(student_client, users, celery_worker):
    from exercises.models import Submission

    before = Submission.objects.count()
    ok = run_examples(student_client, "count-parameters", (item_dir("count-parameters") / "solution.py").read_text())
    assert ok["state"] == "passed" and ok["has_examples"], ok
    # The starter returns 0: the first visible example fails, on its line in the examples.
    bad = run_examples(student_client, "count-parameters", (item_dir("count-parameters") / "starter.py").read_text())
    assert bad["state"] == "failed" and not bad["in_code"] and bad["example_line"] == 2, bad
    assert "AssertionError" in bad["message"] and "dense_params(5, 10)" in bad["message"]
    # A mistake in the code itself: its line in the code.
    broken = run_examples(student_client, "count-parameters", "def dense_params(a, b):\n    return a * b +\n")
    assert broken["state"] == "failed" and broken["in_code"] and broken["line"] == 2, broken
    # The model's shape, without training or hidden checks.
    model = run_examples(student_client, "build-network", (item_dir("build-network") / "solution.py").read_text())
    assert model["state"] == "passed", model
    layers = model["models"][0]["layers"]
    assert [layer["label"] for layer in layers][:2] == ["Dense(100, relu)", "Dropout(0.2)"]
    assert layers[-1]["output_shape"] == "(None, 1)" and layers[0]["params"] == 1300  # build_model(12)
    # Not an attempt.
    assert Submission.objects.count() == before
    # Another student cannot read the run.
    other = Client()
    other.force_login(users["student2"])
    response = student_client.post("/items/count-parameters/examples", {"text": "x = 1\n"})
    assert other.get(response.json()["url"]).status_code == 404


@pytest.mark.django_db
def test_examples_are_refused_when_turned_off_empty_or_too_often(student_client, settings, course):
    from exercises.models import Assessment

    settings.QUIZ_EXAMPLE_RUNS_PER_MINUTE = 2
    assert student_client.post("/items/count-parameters/examples", {"text": "  "}).status_code == 400
    assert student_client.post("/items/q01/examples", {"text": "x"}).status_code == 403  # not code
    statuses = [
        student_client.post("/items/count-parameters/examples", {"text": "x = 1\n"}).status_code for _ in range(3)
    ]
    assert statuses[-1] == 429
    Assessment.objects.filter(items__slug="count-parameters").update(examples_enabled=False)
    response = student_client.post("/items/count-parameters/examples", {"text": "x = 1\n"})
    assert response.status_code == 403 and "avstängda" in response.json()["error"]
    page = student_client.get("/items/count-parameters/")
    assert b"run-examples" not in page.content


@pytest.mark.django_db
def test_a_new_coding_item_starts_from_the_documented_checks_template(course, users):
    client = Client()
    client.force_login(users["teacher"])
    page = client.get("/authoring/courses/kunskapskontroll-2/items/new/").content.decode()
    assert "PROBE = {" in page and "def grade(report):" in page and "How it works" in page
    from authoring.views import CHECKS_TEMPLATE

    # The repository's own template, run here (graders run an item's checks.py in the teachers' jail).
    namespace: dict = {}
    exec(compile(CHECKS_TEMPLATE.read_text(), "template/checks.py", "exec"), namespace)
    assert "grade" in namespace
    assert namespace["PROBE"]["calls"][0]["function"] == "solve"


@pytest.mark.django_db
def test_the_teacher_sees_the_layer_table_and_curves_the_student_saw(course, users):
    from exercises.models import Item, Submission

    item = Item.objects.get(slug="cnn-images")
    row = {
        "actual": {"index": 1, "label": "Conv2D(16, 3×3, relu)", "params": 160},
        "expected": {"label": "Conv2D(16, 3×3, relu)", "params": 160, "formula": "(3·3·1+1)·16"},
        "differs": [],
    }
    submission = Submission.objects.create(
        user=users["student"],
        item=item,
        item_version=item.current_version,
        text="x = 1\n",
        max_score=10,
        status="graded",
        score=10,
        final_score=10,
        feedback={
            "model": {"rows": [row], "params": 160, "expected_params": 160},
            "curves": {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.7, 0.5]},
        },
    )
    client = Client()
    client.force_login(users["teacher"])
    page = client.get(f"/dashboard/submissions/{submission.pk}/").content.decode()
    assert 'data-testid="model-table"' in page and "Conv2D(16, 3×3, relu)" in page
    assert 'data-testid="learning-curve"' in page
    assert 'id="L1"' in page  # the code with line numbers


TWO_CALLS = """
from grader.checks import Check, msg
PROBE = {"calls": [{"id": "a", "function": "a"}, {"id": "b", "function": "b"}]}
def grade(report):
    a, b = report.call("a"), report.call("b")
    return [Check("a", a.value == 1, msg(sv=f"a: {a.value!r} {a.error}", en="a")),
            Check("b", b.value == 2, msg(sv=f"b: {b.value!r} {b.error}", en="b"))]
"""


def _two_calls_spec():
    from grader.harness import ItemSpec

    return ItemSpec(slug="two-calls", kind="code", points=2, checks_source=TWO_CALLS,
                    limits={"cpu_seconds": 5, "wall_seconds": 10, "memory_mb": 1024})  # fmt: skip


def test_what_is_known_early_is_shown_while_a_long_call_still_runs():
    """The first call is done and the second goes on for a second (no training, so no epoch to
    wait for): the early checks come when the run has gone on a while, with the first call's
    check only, and long before the end."""
    from grader.harness import grade

    code = "import time\ndef a():\n    return 1\ndef b():\n    time.sleep(1.5)\n    return 2\n"
    events: list = []
    result = grade(_two_calls_spec(), code, progress=timed_sink(events))
    assert result.status == "graded" and result.score == result.max_score, result.checks
    structure = [(t, e) for t, e in events if e["event"] == "structure"]
    assert len(structure) == 1, [e for _, e in events]
    t, event = structure[0]
    assert [c["name"] for c in event["checks"]] == ["a"] and event["checks"][0]["passed"]
    final = next(t for t, e in events if e["event"] == "final")
    assert final - t > 0.8, "the early checks came only at the end"
    assert "checks_grade_each" in result.timings


def test_a_short_run_pays_no_jailed_call_for_early_checks():
    """Both calls end at once: the result follows at once, so the early checks are not worth a
    jailed child (one call to the teachers' jail per job, the grade)."""
    from grader.harness import grade

    events: list = []
    result = grade(_two_calls_spec(), "def a():\n    return 1\ndef b():\n    return 2\n", progress=timed_sink(events))
    assert result.status == "graded" and result.score == result.max_score, result.checks
    assert not [e for _, e in events if e["event"] == "structure"]
    assert "checks_grade_each" not in result.timings and "checks_grade" in result.timings
