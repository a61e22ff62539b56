"""The dashboard against the real parts: a regrade graded by the real Celery worker, and the
health page reading the real Redis queues and the real worker."""

import socket
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from exercises.models import Item, ItemVersion, ScoreChange, Submission
from exercises.services import submission_create
from tests.conftest import wait_for_grade

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ANSWER = (
    "AI är det övergripande området. Maskininlärning är en del av AI där datorn lär sig av data. "
    "Djupinlärning är en del av maskininlärning som använder neurala nätverk med många lager."
)


def teacher_client(users) -> Client:
    client = Client()
    client.force_login(users["teacher"])
    return client


def test_an_item_regrade_runs_on_the_worker_and_moves_submissions_to_the_new_version(users, celery_worker):
    item = Item.objects.select_related("current_version").get(slug="q01")
    first = wait_for_grade(submission_create(user=users["student"], item=item, text=ANSWER).pk)
    assert first.status == "graded" and first.score is not None
    old = item.current_version
    # A new version worth twice the points (what publishing from authoring would make).
    new = ItemVersion.objects.create(
        item=item,
        number=old.number + 1,
        content_hash="regrade-test",
        title_sv=old.title_sv,
        prompt_sv=old.prompt_sv,
        points=old.points * 2,
        rubric=old.rubric,
        config=old.config,
    )
    item.current_version = new
    item.save(update_fields=["current_version"])

    client = teacher_client(users)
    assert "Äldre version: 1" in client.get("/dashboard/items/q01/regrade/").content.decode()
    response = client.post("/dashboard/items/q01/regrade/", {"scope": "old"})
    assert response.status_code == 302
    progress_url = response["Location"] + "?format=json"
    deadline = time.monotonic() + 120
    progress = client.get(progress_url).json()
    while not progress["finished"] and time.monotonic() < deadline:
        time.sleep(0.3)
        progress = client.get(progress_url).json()
    assert progress["finished"] and progress["total"] == progress["done"] == 1

    after = Submission.objects.get(pk=first.pk)
    assert after.status == "graded" and after.item_version_id == new.pk
    assert after.max_score == old.points * 2
    # The same share of twice the points (each score is rounded to the hundredth).
    assert abs(after.score - first.score * 2) <= Decimal("0.02")
    change = ScoreChange.objects.get(submission=after, kind="regrade")
    assert change.by == users["teacher"] and change.old_score == first.final_score
    assert change.new_score == after.final_score
    assert change.details["old_version"] == old.number and change.details["new_version"] == new.number
    assert change.details["old_checks"]  # the earlier per-check results are kept
    # Nothing is left on an older version, so a second "old versions" regrade has nothing to do.
    assert "Äldre version: 0" in client.get("/dashboard/items/q01/regrade/").content.decode()


def test_health_shows_real_queue_lengths_the_worker_and_the_last_hour(users, celery_worker, broker_url):
    import redis

    done = wait_for_grade(submission_create(user=users["student"], item=Item.objects.get(slug="q02"), text=ANSWER).pk)
    assert done.status == "graded"
    client = teacher_client(users)
    r = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    # Nothing consumes grading-gpu in the test run, so a message put there waits, and is counted.
    r.lpush("grading-gpu", b"{}", b"{}")
    try:
        html = client.get("/dashboard/health/").content.decode()
    finally:
        r.delete("grading-gpu")
    assert '<tr data-queue="grading-gpu"><th>grading-gpu</th><td>2</td>' in html
    assert '<tr data-queue="grading"><th>grading</th><td>0</td>' in html
    assert "test@" in html and "Ingen arbetare svarar" not in html
    assert 'data-testid="gpu"' not in html  # the test worker consumes grading only
    assert 'data-testid="finished">1<' in html
    # What a worker grades now is read from the claims in the database.
    worker = f"test@{socket.gethostname()}"
    assert f"<td>{worker}</td><td>grading</td><td>0</td>" in html
    Submission.objects.filter(pk=done.pk).update(status=Submission.Status.RUNNING, worker=f"{worker}/4242")
    html = client.get("/dashboard/health/").content.decode()
    assert f"<td>{worker}</td><td>grading</td><td>1</td>" in html


def test_workers_consuming_the_gpu_queue_are_marked():
    from dashboard.selectors import WorkerInfo

    assert WorkerInfo(name="gpu@host", queues=["grading-gpu"], active=0).gpu
    assert not WorkerInfo(name="cpu@host", queues=["grading"], active=0).gpu


def test_health_says_when_the_broker_is_down(users, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    html = teacher_client(users).get("/dashboard/health/").content.decode()
    assert 'data-testid="broker-error"' in html and "Ingen arbetare svarar" in html


def test_the_review_queue_orders_real_scorer_results_by_their_confidence(users, celery_worker):
    from dashboard.selectors import review_queue
    from exercises.models import Assessment

    Assessment.objects.filter(slug="del-1-teori").update(release=Assessment.Release.AFTER_REVIEW)
    item = Item.objects.get(slug="q01")
    answers = {
        "student": ANSWER,
        "student2": "Keras är ett API. Jag vet inte riktigt.",
    }
    graded = [
        wait_for_grade(submission_create(user=users[name], item=item, text=text).pk) for name, text in answers.items()
    ]
    assert all(isinstance(s.feedback.get("confidence"), float) for s in graded)
    queue = review_queue(item=item)
    assert {s.pk for s in queue} == {s.pk for s in graded}
    confidences = [s.confidence for s in queue]
    assert confidences == sorted(confidences)
    # Until a teacher confirms, the student's API answer holds no score.
    client = Client()
    client.force_login(users["student"])
    body = client.get(f"/api/v1/submissions/{graded[0].pk}").json()
    assert body["status"] == "graded" and body["score"] is None and body["released"] is False
