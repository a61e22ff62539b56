"""Grades back for real: a student launched from the test LMS submits build-network, the real Celery
worker grades it in the sandbox and then sends the score (its own task, through the broker) to
the LMS, whose gradebook shows it; a regrade and an override update it. Prints the times."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.test import Client

from tests.conftest import item_dir, wait_for_grade
from tests.lti_platform.fixtures import CONTEXT, launch, register, tool_known

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
TOOL = "http://testserver"


def wait_lms(lms, user_id, pred, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for score in lms.scores_of(user_id):
            if pred(score):
                return score
        time.sleep(0.1)
    from lti.models import GradeSync

    raise AssertionError(f"LMS: {lms.gradebook()}; tool: {list(GradeSync.objects.values())}")


def test_a_graded_submission_reaches_the_lms_gradebook_and_regrade_and_override_update_it(
    course,
    users,
    lms,
    live_server,
    celery_worker,
):
    from accounts.models import User
    from exercises import services
    from exercises.models import Item, ItemVersion
    from lti.models import Identity

    tool_known(lms, TOOL, live_server.url)
    lms.admin(
        "link",
        {"context_id": CONTEXT, "id": "link-build", "title": "Bygg nätet", "custom": {"quiz_item": "build-network"}},
    )
    register(lms)

    client = Client()
    started = time.perf_counter()
    response = launch(client, lms, "lms-anna", link="link-build")
    page = client.get(response["Location"])
    launch_ms = (time.perf_counter() - started) * 1000
    assert page.status_code == 200 and response["Location"] == "/items/build-network/"
    started = time.perf_counter()  # a second launch, warm (keys made, the LMS's JWKS cached)
    assert client.get(launch(client, lms, "lms-anna", link="link-build")["Location"]).status_code == 200
    warm_ms = (time.perf_counter() - started) * 1000

    anna = Identity.objects.get(sub="lms-anna").user
    item = Item.objects.get(slug="build-network")
    # Through the student's page, as the browser does.
    answer = client.post("/items/build-network/", {"text": (item_dir("build-network") / "solution.py").read_text()})
    assert answer.status_code == 302
    submission = wait_for_grade(anna.submissions.get().pk, timeout=180)
    assert submission.final_score == Decimal("10")
    score = wait_lms(lms, "lms-anna", lambda s: s.get("scoreGiven") == 10.0)
    grade_to_lms_ms = (score["received_at"] - submission.finished_at.timestamp()) * 1000
    assert score["scoreMaximum"] == 10.0 and score["gradingProgress"] == "FullyGraded"
    assert score["activityProgress"] == "Completed"

    # The teacher makes the item worth 20 points and regrades: the worker grades again and the
    # LMS gets the new score out of 20.
    old = item.current_version
    new = ItemVersion.objects.create(
        item=item,
        number=old.number + 1,
        content_hash="lti-regrade",
        title_sv=old.title_sv,
        prompt_sv=old.prompt_sv,
        points=Decimal("20"),
        starter=old.starter,
        solution=old.solution,
        checks=old.checks,
        config=old.config,
    )
    Item.objects.filter(pk=item.pk).update(current_version=new)
    teacher = User.objects.get(username="teacher")
    services.submissions_regrade(submissions=[submission], by=teacher, description="lti")
    regraded = wait_for_grade(submission.pk, timeout=180)
    assert regraded.item_version_id == new.pk
    score = wait_lms(lms, "lms-anna", lambda s: s.get("scoreMaximum") == 20.0)
    assert score["scoreGiven"] == float(regraded.final_score)

    # An override with a comment: the LMS shows it, with the comment.
    services.submission_score_override(
        submission=regraded, by=teacher, score=Decimal("15"), comment="Snyggt, men förklara mer"
    )
    score = wait_lms(lms, "lms-anna", lambda s: s.get("scoreGiven") == 15.0)
    assert score["comment"] == "Snyggt, men förklara mer"
    # One column only, through all of it.
    assert len(lms.gradebook()["lineitems"]) == 1
    print(
        f"\nlaunch -> item page: first {launch_ms:.0f} ms, warm {warm_ms:.0f} ms; "
        f"graded -> score in the LMS gradebook: {grade_to_lms_ms:.0f} ms"
    )


def test_a_submission_made_through_the_json_api_in_a_launched_session_reaches_the_lms_gradebook(
    course, lms, live_server, celery_worker
):
    """The workspace inside the LMS's frame submits by fetch to the JSON API with the launched
    session and its CSRF token (not the page's form): that path too is graded by the real worker
    and its score queued to the LMS (the recorder's send_score), which shows it."""
    from lti.models import GradeSync, Identity

    tool_known(lms, TOOL, live_server.url)
    lms.admin(
        "link",
        {"context_id": CONTEXT, "id": "link-build", "title": "Bygg nätet", "custom": {"quiz_item": "build-network"}},
    )
    register(lms)
    client = Client(enforce_csrf_checks=True)
    page = client.get(launch(client, lms, "lms-anna", link="link-build")["Location"])
    assert page.status_code == 200
    token = page.context["csrf_token"]
    code = (item_dir("build-network") / "solution.py").read_text()
    # Without the CSRF token the session's API call is refused, as for any form.
    refused = client.post("/api/v1/items/build-network/submissions", {"code": code}, content_type="application/json")
    assert refused.status_code == 403
    made = client.post(
        "/api/v1/items/build-network/submissions",
        {"code": code},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=str(token),
    )
    assert made.status_code == 201, made.content
    submission = wait_for_grade(made.json()["id"], timeout=180)
    assert submission.final_score == Decimal("10")
    assert submission.user == Identity.objects.get(sub="lms-anna").user
    score = wait_lms(lms, "lms-anna", lambda s: s.get("scoreGiven") == 10.0)
    assert score["gradingProgress"] == "FullyGraded" and score["scoreMaximum"] == 10.0
    assert GradeSync.objects.get(user=submission.user).state == GradeSync.State.SENT
