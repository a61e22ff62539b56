"""LTI Advantage services against the test platform process: deep linking, grades back (AGS) with
line items looked up before they are made, roster sync (NRPS) with paging, key rotation seen by
the platform. The platform calls the tool back (its JWKS), so the tool runs as a live server."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
import requests
from django.core.management import call_command
from django.test import Client

from tests.lti_platform.fixtures import CONTEXT, launch, register, tool_known

pytestmark = pytest.mark.django_db(transaction=True)
TOOL = "http://testserver"


@pytest.fixture
def platform(course, lms, live_server):
    """The platform knows the tool's pages as the test client reaches them (testserver) and its
    JWKS at the live server, where the platform's own process fetches it."""
    tool_known(lms, TOOL, live_server.url)
    lms.admin("link", {"context_id": CONTEXT, "id": "link-q01", "title": "Fråga 1", "custom": {"quiz_item": "q01"}})
    return register(lms)


def _deep_link(lms, choose: dict[str, list[str]]) -> list[dict]:
    client = Client()
    response = launch(client, lms, "lms-tina", message_type="LtiDeepLinkingRequest")
    assert response.status_code == 302 and response["Location"] == "/lti/deep-link/"
    page = client.get("/lti/deep-link/")
    assert page.status_code == 200 and 'value="build-network"' in page.content.decode()
    answer = client.post("/lti/deep-link/", choose)
    assert answer.status_code == 200
    html = answer.content.decode()
    action = re.search(r'action="([^"]+)" id="lti-return"', html).group(1)
    assert f"form-action 'self' {lms.base}" in answer["Content-Security-Policy"]
    token = re.search(r'name="JWT" value="([^"]+)"', html).group(1)
    assert action == f"{lms.base}/ctx/{CONTEXT}/deep_link_return"
    returned = requests.post(action, data={"JWT": token}, timeout=10)
    assert returned.status_code == 200, returned.text
    return [link for link in lms.gradebook()["links"] if link["id"].startswith("dl-")]


def test_deep_linking_creates_links_with_line_items_worth_the_points(platform, lms):
    from exercises.models import Assessment

    assessment = Assessment.objects.get(items__slug="build-network")
    links = _deep_link(lms, {"item": ["build-network"], "assessment": [assessment.slug]})
    assert sorted(tuple(link["custom"].items())[0] for link in links) == [
        ("quiz_assessment", assessment.slug),
        ("quiz_item", "build-network"),
    ]
    book = lms.gradebook()
    by_resource = {li["resourceId"]: li for li in book["lineitems"]}
    points = sum(i.current_version.points for i in assessment.items.all())
    assert by_resource["item:build-network"]["scoreMaximum"] == 10.0
    assert by_resource[f"assessment:{assessment.slug}"]["scoreMaximum"] == float(points)
    # A student who follows the new link lands on the item; the link learns its column.
    from lti.models import ResourceLink

    item_link = next(link for link in links if link["custom"].get("quiz_item"))
    response = launch(Client(), lms, "lms-anna", link=item_link["id"])
    assert response["Location"] == "/items/build-network/"
    assert ResourceLink.objects.get(resource_link_id=item_link["id"]).lineitem_url == item_link["lineitem"]
    # A learner cannot start deep linking.
    refused = launch(Client(), lms, "lms-anna", message_type="LtiDeepLinkingRequest")
    assert refused.status_code == 403


def _graded(user, slug: str, score: str):
    """A finished submission with a score, recorded by the same service the worker uses (the
    real worker grading real code is the integration test's job, tests/test_lti_integration.py)."""
    from django.utils import timezone

    from exercises import services
    from exercises.models import Item, Submission
    from grader.harness import GradeResult

    item = Item.objects.get(slug=slug)
    sub = Submission.objects.create(
        user=user,
        item=item,
        item_version=item.current_version,
        text="mitt svar",
        max_score=item.current_version.points,
        status=Submission.Status.RUNNING,
        worker="test",
        started_at=timezone.now(),
    )
    result = GradeResult(status="graded", score=float(score), max_score=float(sub.max_score), checks=[])
    return services.submission_finish(submission=sub, result=result)


def _wait_scores(lms, user_id: str, n: int = 1, timeout: float = 20, pred=lambda s: True):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        scores = [s for s in lms.scores_of(user_id) if pred(s)]
        if len(scores) >= n:
            return scores
        time.sleep(0.1)
    from lti.models import GradeSync

    syncs = list(GradeSync.objects.values("state", "tries", "last_error"))
    raise AssertionError(f"no score for {user_id} in the LMS: {lms.gradebook()}; sent: {syncs}")


@pytest.fixture
def eager(settings, monkeypatch):
    """The send task runs in this process at once, retries included (the path through the broker
    and the real worker is tests/test_lti_integration.py's)."""
    from lti import services
    from lti.tasks import send_score

    settings.LTI_RETRY_BASE_SECONDS = 0
    monkeypatch.setattr(
        services, "grade_enqueue", lambda *, grade_sync_id, task=None: send_score.apply(args=[grade_sync_id])
    )


def test_a_score_goes_back_once_per_column_and_an_override_updates_it(platform, lms, eager):
    from lti.models import GradeSync, Identity, ResourceLink

    assert launch(Client(), lms, "lms-anna", link="link-q01").status_code == 302
    anna = Identity.objects.get(sub="lms-anna").user
    _graded(anna, "q01", "1.5")
    scores = _wait_scores(lms, "lms-anna")
    assert len(scores) == 1
    assert scores[0]["scoreGiven"] == 1.5 and scores[0]["gradingProgress"] == "FullyGraded"
    assert scores[0]["activityProgress"] == "Completed"
    link = ResourceLink.objects.get(resource_link_id="link-q01")
    # The hand-made link had no column: one was made, with our resourceId and the link's id.
    columns = [li for li in lms.gradebook()["lineitems"] if li.get("resourceLinkId") == "link-q01"]
    assert len(columns) == 1 and columns[0]["resourceId"] == "item:q01" and link.lineitem_url == columns[0]["id"]
    # A retry that lost the column's URL finds the column again instead of making a second one.
    ResourceLink.objects.filter(pk=link.pk).update(lineitem_url="")
    from lti.tasks import send_score

    send_score.apply(args=[GradeSync.objects.get(user=anna).pk])
    assert len([li for li in lms.gradebook()["lineitems"] if li.get("resourceLinkId") == "link-q01"]) == 1
    # A teacher's override (with its comment) replaces the score in the LMS.
    from accounts.models import User
    from exercises import services
    from exercises.models import Submission

    sub = Submission.objects.get(user=anna)
    services.submission_score_override(
        submission=sub, by=User.objects.get(username="teacher"), score=Decimal("2"), comment="Bra resonemang"
    )
    scores = _wait_scores(lms, "lms-anna", pred=lambda s: s.get("scoreGiven") == 2.0)
    assert scores[0]["comment"] == "Bra resonemang"
    sync = GradeSync.objects.get(user=anna)
    assert sync.state == "sent" and sync.score_given == Decimal("2")


def test_an_older_score_never_overwrites_a_newer_one(platform, lms, eager):
    from lti import services
    from lti.models import GradeSync, Identity

    launch(Client(), lms, "lms-anna", link="link-q01")
    anna = Identity.objects.get(sub="lms-anna").user
    _graded(anna, "q01", "1")
    _wait_scores(lms, "lms-anna")
    sync = GradeSync.objects.get(user=anna)
    # We sent a newer score already (say, by another process): the state we hold now is older.
    later = sync.sent_timestamp + __import__("datetime").timedelta(minutes=5)
    GradeSync.objects.filter(pk=sync.pk).update(sent_timestamp=later)
    assert services.score_send(grade_sync_id=sync.pk) == "older"
    # And the platform, too, refuses a score older than the one it holds.
    before = lms.scores_of("lms-anna")[0]
    assert before["scoreGiven"] == 1.0


def test_awaiting_review_is_sent_as_pending_manual_without_the_score(platform, lms, eager):
    from exercises.models import Assessment, Item
    from lti.models import Identity

    item = Item.objects.get(slug="q01")
    Assessment.objects.filter(pk=item.assessment_id).update(release="after_review")
    launch(Client(), lms, "lms-anna", link="link-q01")
    anna = Identity.objects.get(sub="lms-anna").user
    sub = _graded(anna, "q01", "1")
    score = _wait_scores(lms, "lms-anna")[0]
    assert score["gradingProgress"] == "PendingManual" and "scoreGiven" not in score
    from accounts.models import User
    from exercises import services

    services.submission_review_accept(submission=sub, by=User.objects.get(username="teacher"))
    score = _wait_scores(lms, "lms-anna", pred=lambda s: s["gradingProgress"] == "FullyGraded")[0]
    assert score["scoreGiven"] == 1.0


def test_a_failed_score_is_shown_with_send_again(platform, lms, eager, users):
    from lti.models import GradeSync, Identity, Platform

    launch(Client(), lms, "lms-anna", link="link-q01")
    anna = Identity.objects.get(sub="lms-anna").user
    Platform.objects.update(token_url=f"{lms.base}/no-token-here")
    _graded(anna, "q01", "1")
    sync = GradeSync.objects.get(user=anna)
    assert sync.state == "failed" and sync.tries == 5 and "token" in sync.last_error
    assert lms.scores_of("lms-anna") == []
    teacher = Client()
    teacher.force_login(users["teacher"])
    page = teacher.get("/lti/courses/kunskapskontroll-2/").content.decode()
    assert f'data-testid="resend-{sync.pk}"' in page and "access token" in page
    Platform.objects.update(token_url=f"{lms.base}/token")
    assert teacher.post(f"/lti/grades/{sync.pk}/resend").status_code == 302
    assert GradeSync.objects.get(pk=sync.pk).state == "sent"
    assert _wait_scores(lms, "lms-anna")[0]["scoreGiven"] == 1.0


def test_roster_sync_follows_pages_enrols_and_marks_who_left(platform, lms, users):
    from exercises.models import Enrollment
    from lti.models import Identity, Membership

    teacher = Client()
    assert launch(teacher, lms, "lms-tina", link="link-q01").status_code == 302
    response = teacher.post("/lti/courses/kunskapskontroll-2/roster-sync", follow=True)
    text = response.content.decode()
    assert "4 sidor" in text  # 7 members, 2 a page
    course = platform.course
    synced = {i.sub: i.user for i in Identity.objects.select_related("user")}
    assert set(synced) == {"lms-anna", "lms-bo", "lms-cia", "lms-tina", "lms-ta"}  # no role, no enrolment
    assert Enrollment.objects.get(user=synced["lms-bo"], course=course).role == "student"
    assert Enrollment.objects.get(user=synced["lms-ta"], course=course).role == "teacher"
    assert synced["lms-cia"].get_full_name() == "Cia Öst"
    # Students who never launched are in the gradebook.
    book = teacher.get("/dashboard/courses/kunskapskontroll-2/").content.decode()
    assert "Cia" in book and "Bo" in book
    # Bo leaves the LMS course: marked, not deleted.
    from tests.lti_platform.fixtures import MEMBERS

    lms.admin("members", {"context_id": CONTEXT, "members": [m for m in MEMBERS if m["user_id"] != "lms-bo"]})
    teacher.post("/lti/courses/kunskapskontroll-2/roster-sync")
    bo = Membership.objects.get(user=synced["lms-bo"])
    assert not bo.active and bo.left_at is not None
    assert Identity.objects.filter(sub="lms-bo").exists()
    assert Enrollment.objects.filter(user=synced["lms-bo"]).exists()
    page = teacher.get("/lti/courses/kunskapskontroll-2/").content.decode()
    assert 'data-active="0"' in page and "Har lämnat" in page


def test_the_platform_accepts_the_rotated_key_and_the_old_one_then_leaves_the_jwks(platform, lms, eager):
    from lti.models import Identity

    launch(Client(), lms, "lms-anna", link="link-q01")
    anna = Identity.objects.get(sub="lms-anna").user
    _graded(anna, "q01", "1")
    _wait_scores(lms, "lms-anna")
    old = [k["kid"] for k in Client().get("/lti/jwks/").json()["keys"]]
    call_command("lti_rotate_keys", stdout=open("/dev/null", "w"))
    published = [k["kid"] for k in Client().get("/lti/jwks/").json()["keys"]]
    assert len(published) == 2 and old[0] in published
    new = next(k for k in published if k not in old)
    from accounts.models import User
    from exercises import services
    from exercises.models import Submission

    services.submission_score_override(
        submission=Submission.objects.get(user=anna),
        by=User.objects.get(username="teacher"),
        score=Decimal("2"),
        comment="ny nyckel",
    )
    _wait_scores(lms, "lms-anna", pred=lambda s: s.get("scoreGiven") == 2.0)
    # The platform verified an assertion signed with the new key against our JWKS...
    assert [k["kid"] for k in Client().get("/lti/jwks/").json()["keys"]] == [new]


def _sweep() -> str:
    from io import StringIO

    out = StringIO()
    call_command("requeue_stuck", stdout=out)
    return out.getvalue()


@pytest.mark.integration
def test_a_score_that_could_not_be_queued_is_queued_again_by_the_sweeper(platform, lms, celery_worker, monkeypatch):
    """The broker is down when the score changes: the row stays pending, never queued. The
    sweeper's round (``manage.py requeue_stuck``) queues it once the broker is back, the recorder
    sends it, the LMS shows it; a later round leaves it alone."""
    from kombu.exceptions import OperationalError

    from lti.models import GradeSync, Identity
    from lti.tasks import send_score

    launch(Client(), lms, "lms-anna", link="link-q01")
    anna = Identity.objects.get(sub="lms-anna").user

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as down:
        down.setattr(send_score, "apply_async", broker_down)
        _graded(anna, "q01", "1.5")
        sync = GradeSync.objects.get(user=anna)
        assert (sync.state, sync.queued_at) == ("pending", None)
        # A round while the broker is still down: still pending, said so, nothing lost.
        assert "lti_sent=0 lti_broker_down=1" in _sweep()
        assert GradeSync.objects.get(pk=sync.pk).state == "pending"
    assert lms.scores_of("lms-anna") == []
    # The broker is back: the next round queues it, the recorder sends it.
    assert "lti_sent=1 lti_broker_down=0" in _sweep()
    score = _wait_scores(lms, "lms-anna", timeout=60)[0]
    assert (score["scoreGiven"], score["gradingProgress"]) == (1.5, "FullyGraded")
    deadline = time.monotonic() + 20
    while GradeSync.objects.get(pk=sync.pk).state != "sent" and time.monotonic() < deadline:
        time.sleep(0.1)
    sync = GradeSync.objects.get(pk=sync.pk)
    assert sync.state == "sent" and sync.queued_at is not None and sync.tries == 1
    # Sent: a later round queues nothing.
    assert "lti_sent=0" in _sweep()


def test_the_sweeper_queues_again_a_pending_score_whose_message_was_lost_and_not_a_fresh_one(
    platform, lms, eager, settings
):
    """Queued long ago and still pending (the message was lost with the broker): queued again.
    Queued a moment ago (its message is on its way): left alone, no duplicate."""
    from datetime import timedelta

    from django.utils import timezone

    from lti.models import GradeSync, Identity

    launch(Client(), lms, "lms-anna", link="link-q01")
    anna = Identity.objects.get(sub="lms-anna").user
    _graded(anna, "q01", "1")
    _wait_scores(lms, "lms-anna")
    sync = GradeSync.objects.get(user=anna)
    assert sync.state == "sent"
    settings.LTI_RESEND_AFTER_SECONDS = 300
    GradeSync.objects.filter(pk=sync.pk).update(state="pending", queued_at=timezone.now() - timedelta(seconds=10))
    assert "lti_sent=0" in _sweep()
    GradeSync.objects.filter(pk=sync.pk).update(queued_at=timezone.now() - timedelta(seconds=301))
    assert "lti_sent=1" in _sweep()
    assert GradeSync.objects.get(pk=sync.pk).state == "sent"
