"""The whole pipeline with real parts: API → database → Redis → Celery worker → sandbox with
TensorFlow → database → API."""

import time

import pytest

from tests.conftest import item_dir, wait_for_grade

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def submit(client, slug, **body):
    response = client.post(f"/api/v1/items/{slug}/submissions", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_correct_build_network_is_graded_full_marks_by_the_worker(student_api):
    started = time.monotonic()
    pk = submit(student_api, "build-network", code=(item_dir("build-network") / "solution.py").read_text())
    submission = wait_for_grade(pk)
    elapsed = time.monotonic() - started
    data = student_api.get(f"/api/v1/submissions/{pk}").json()
    assert data["status"] == "graded" and data["score"] == data["max_score"] == 10.0
    assert all(c["passed"] for c in data["checks"])
    assert submission.queued_at and submission.started_at and submission.finished_at
    assert submission.created_at <= submission.queued_at <= submission.started_at <= submission.finished_at
    assert submission.tries == 1 and submission.worker.startswith("test@")
    print(f"build-network submit→feedback: {elapsed:.2f} s")


def test_syntax_error_is_recorded_with_its_line(student_api):
    pk = submit(student_api, "count-parameters", code="def dense_params(n_inputs, n_units)\n    return 1\n")
    wait_for_grade(pk)
    data = student_api.get(f"/api/v1/submissions/{pk}").json()
    assert data["status"] == "syntax_error" and data["score"] == 0
    assert data["error"]["line"] == 1


def test_theory_answer_is_graded_with_concept_feedback(student_api):
    pk = submit(
        student_api,
        "q12",
        answer=(
            "CPU är datorns processor med få kraftfulla kärnor som gör beräkningar sekventiellt. "
            "GPU har tusentals kärnor och gör många beräkningar parallellt, vilket passar matrisberäkningar "
            "i deep learning och gör träningen snabbare."
        ),
    )
    wait_for_grade(pk)
    data = student_api.get(f"/api/v1/submissions/{pk}").json()
    assert data["status"] == "graded" and data["score"] > 0
    assert any(c["passed"] for c in data["checks"])


def test_an_endless_loop_does_not_block_the_next_student(student_api, course):
    slow = submit(student_api, "count-parameters", code="while True:\n    pass\n")
    fast = submit(student_api, "count-parameters", code=(item_dir("count-parameters") / "solution.py").read_text())
    assert wait_for_grade(slow).status == "time_limit"
    assert wait_for_grade(fast).score == 4
