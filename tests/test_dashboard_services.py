"""Dashboard services and selectors, and the assessment rules enforced where students submit."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from exercises import services
from exercises.models import Assessment, Extension, Item, ScoreChange, Submission
from tests.dashboard_helpers import graded, set_release

pytestmark = pytest.mark.django_db


# --- Override, accept, audit -------------------------------------------------------------------


def test_an_override_sets_the_final_score_and_is_audited(users):
    sub = graded(users["student"], "q01", 1.0)
    assert sub.final_score == Decimal("1.00")
    changed = services.submission_score_override(
        submission=sub, by=users["teacher"], score=Decimal("3.5"), comment="Du förklarar skillnaden väl."
    )
    assert changed.final_score == Decimal("3.5") and changed.overridden
    assert changed.score == Decimal("1.00")  # the auto score is kept beside it
    assert changed.teacher_comment == "Du förklarar skillnaden väl."
    assert changed.reviewed_by == users["teacher"] and changed.reviewed_at is not None
    change = ScoreChange.objects.get(submission=sub)
    assert (change.kind, change.by, change.old_score, change.new_score) == (
        "override",
        users["teacher"],
        Decimal("1.00"),
        Decimal("3.50"),
    )
    assert change.comment == "Du förklarar skillnaden väl." and change.at is not None


def test_an_override_needs_a_reason_and_a_score_within_the_points(users):
    sub = graded(users["student"], "q01", 1.0)
    with pytest.raises(ValidationError, match="kommentar"):
        services.submission_score_override(submission=sub, by=users["teacher"], score=Decimal(2), comment="  ")
    with pytest.raises(ValidationError, match="mellan 0 och 4"):
        services.submission_score_override(submission=sub, by=users["teacher"], score=Decimal(5), comment="för mycket")
    assert not ScoreChange.objects.exists()
    sub.refresh_from_db()
    assert sub.final_score == Decimal("1.00") and not sub.overridden


def test_a_pending_submission_cannot_be_overridden(users):
    sub = services.submission_create(user=users["student"], item=Item.objects.get(slug="q01"), text="svar")
    with pytest.raises(ValidationError, match="rättas fortfarande"):
        services.submission_score_override(submission=sub, by=users["teacher"], score=Decimal(1), comment="x")


def test_accepting_keeps_the_score_and_records_who_and_when(users):
    set_release("del-1-teori", Assessment.Release.AFTER_REVIEW)
    sub = graded(users["student"], "q02", 2.0, confidence=0.4)
    assert not Submission.objects.get(pk=sub.pk).is_released
    accepted = services.submission_review_accept(submission=sub, by=users["admin"])
    assert accepted.final_score == Decimal("2.00") and accepted.is_released
    change = ScoreChange.objects.get(submission=sub)
    assert change.kind == "accept" and change.by == users["admin"]
    assert change.old_score == change.new_score == Decimal("2.00")
    assert change.details["confidence"] == 0.4
    with pytest.raises(ValidationError, match="Redan granskad av admin"):
        services.submission_review_accept(submission=sub, by=users["teacher"])
    assert ScoreChange.objects.filter(submission=sub).count() == 1


# --- Review queue ----------------------------------------------------------------------------------


def test_review_queue_puts_the_least_sure_first_and_missing_confidence_as_unsure(users):
    from dashboard.selectors import review_queue

    set_release("del-1-teori", Assessment.Release.AFTER_REVIEW)
    sure = graded(users["student"], "q03", 4.0, confidence=0.95)
    unsure = graded(users["student2"], "q03", 2.0, confidence=0.3)
    missing = graded(users["student"], "q03", 1.0)  # no confidence at all
    broken = graded(users["student2"], "q03", 1.0, confidence="inte ett tal")
    queue = review_queue(item=Item.objects.get(slug="q03"))
    assert [s.pk for s in queue] == [missing.pk, broken.pk, unsure.pk, sure.pk]
    services.submission_review_accept(submission=unsure, by=users["teacher"])
    assert unsure.pk not in [s.pk for s in review_queue(item=Item.objects.get(slug="q03"))]


def test_nothing_awaits_review_when_results_are_released_at_once(users):
    from dashboard.selectors import awaiting_review

    graded(users["student"], "q03", 2.0, confidence=0.1)
    assert not awaiting_review(course=Item.objects.get(slug="q03").assessment.course).exists()


# --- Rules where students submit -------------------------------------------------------------------


def _assessment(slug="del-1-teori"):
    return Assessment.objects.get(slug=slug)


def test_attempts_allowed_refuses_the_next_attempt_and_an_extension_adds_some(users):
    Assessment.objects.filter(slug="del-1-teori").update(attempts_allowed=2)
    item = Item.objects.get(slug="q01")
    for _ in range(2):
        services.submission_create(user=users["student"], item=item, text="svar")
    with pytest.raises(PermissionDenied, match="alla dina försök"):
        services.submission_create(user=users["student"], item=item, text="svar")
    # Another student's attempts are their own.
    services.submission_create(user=users["student2"], item=item, text="svar")
    services.extension_set(
        assessment=_assessment(), user=users["student"], by=users["teacher"], closes_at=None, extra_attempts=1
    )
    assert services.submission_create(user=users["student"], item=item, text="svar").attempt == 3
    with pytest.raises(PermissionDenied):
        services.submission_create(user=users["student"], item=item, text="svar")


def test_the_window_refuses_before_opening_and_after_closing(users):
    now = timezone.now()
    item = Item.objects.get(slug="q01")
    Assessment.objects.filter(slug="del-1-teori").update(opens_at=now + timedelta(hours=1))
    with pytest.raises(PermissionDenied, match="Provet öppnar"):
        services.submission_create(user=users["student"], item=item, text="svar")
    Assessment.objects.filter(slug="del-1-teori").update(
        opens_at=now - timedelta(hours=2), closes_at=now - timedelta(hours=1)
    )
    with pytest.raises(PermissionDenied, match="stängt"):
        services.submission_create(user=users["student"], item=item, text="svar")
    assert not Submission.objects.exists()


def test_an_extension_moves_the_close_for_one_student(users):
    now = timezone.now()
    Assessment.objects.filter(slug="del-1-teori").update(closes_at=now - timedelta(minutes=5))
    services.extension_set(
        assessment=_assessment(), user=users["student"], by=users["teacher"], closes_at=now + timedelta(days=1)
    )
    item = Item.objects.get(slug="q01")
    sub = services.submission_create(user=users["student"], item=item, text="svar")
    assert sub.late_penalty_percent == 0
    with pytest.raises(PermissionDenied):
        services.submission_create(user=users["student2"], item=item, text="svar")


def test_late_work_is_taken_with_the_penalty_applied_to_the_score(users):
    now = timezone.now()
    Assessment.objects.filter(slug="del-1-teori").update(
        closes_at=now - timedelta(hours=1), late_penalty_percent=25, late_until=now + timedelta(hours=1)
    )
    sub = graded(users["student"], "q01", 3.0)
    assert sub.late_penalty_percent == 25
    assert sub.score == Decimal("3.00") and sub.final_score == Decimal("2.25")
    # After late_until nothing is taken.
    with pytest.raises(PermissionDenied, match="stängt"):
        services.submission_create(
            user=users["student"], item=Item.objects.get(slug="q01"), text="svar", now=now + timedelta(hours=2)
        )


def test_the_time_limit_runs_from_the_first_visit(users, client):
    Assessment.objects.filter(slug="del-1-teori").update(time_limit_minutes=30)
    client.force_login(users["student"])
    assert client.get("/items/q01/").status_code == 200
    item = Item.objects.get(slug="q01")
    services.submission_create(user=users["student"], item=item, text="svar")
    later = timezone.now() + timedelta(minutes=31)
    with pytest.raises(PermissionDenied, match="Tiden"):
        services.submission_create(user=users["student"], item=item, text="svar", now=later)
    Extension.objects.create(assessment=_assessment(), user=users["student"], extra_minutes=10)
    assert services.submission_create(user=users["student"], item=item, text="svar", now=later).attempt == 2


def test_the_api_refuses_outside_the_rules_with_the_reason(users, client):
    from django.test import Client

    Assessment.objects.filter(slug="del-1-teori").update(attempts_allowed=0)
    api = Client()
    key = api.post(
        "/api/v1/auth/token", {"username": "student", "password": "student"}, content_type="application/json"
    ).json()["token"]
    response = api.post(
        "/api/v1/items/q01/submissions",
        {"answer": "x"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 403
    assert "försök" in response.json()["detail"]


# --- Regrade (the service; tests/test_dashboard_integration.py runs it on the worker) -------------


def test_a_regrade_requeues_against_the_current_version_and_keeps_the_old_result(users):
    from exercises.models import ItemVersion

    sub = graded(users["student"], "q04", 1.0)
    item = Item.objects.get(slug="q04")
    old = item.current_version
    new = ItemVersion.objects.create(
        item=item,
        number=old.number + 1,
        content_hash="x",
        title_sv=old.title_sv,
        prompt_sv=old.prompt_sv,
        points=Decimal(6),
        rubric=old.rubric,
    )
    item.current_version = new
    item.save(update_fields=["current_version"])
    batch = services.submissions_regrade(submissions=[sub], by=users["teacher"], description="q04")
    sub.refresh_from_db()
    assert sub.status == "queued" and sub.item_version == new and sub.max_score == Decimal(6)
    assert sub.score is None and sub.final_score is None and sub.tries == 0
    assert list(batch.submissions.all()) == [sub]
    change = ScoreChange.objects.get(submission=sub, kind="regrade")
    assert change.old_score == Decimal("1.00") and change.new_score is None
    assert change.details["old_version"] == old.number and change.details["old_auto_score"] == "1.00"
    assert [c["name"] for c in change.details["old_checks"]] == ["concept-a", "concept-b"]
    # The worker's result completes the audit row.
    from grader.harness import GradeResult

    claimed = services.submission_claim(submission_id=sub.pk, worker="test")
    services.submission_finish(
        submission=claimed, result=GradeResult(status="graded", score=5.0, max_score=6.0, checks=[])
    )
    change.refresh_from_db()
    assert change.new_score == Decimal("5.00")
    assert change.details["finished"] is True and change.details["new_version"] == new.number


def test_a_regrade_keeps_a_teachers_override_and_skips_pending_ones(users):
    sub = graded(users["student"], "q05", 1.0)
    services.submission_score_override(submission=sub, by=users["teacher"], score=Decimal(3), comment="Bra.")
    pending = services.submission_create(user=users["student2"], item=Item.objects.get(slug="q05"), text="svar")
    batch = services.submissions_regrade(submissions=[sub, pending], by=users["teacher"])
    assert list(batch.submissions.all()) == [Submission.objects.get(pk=sub.pk)]
    claimed = services.submission_claim(submission_id=sub.pk, worker="test")
    from grader.harness import GradeResult

    done = services.submission_finish(
        submission=claimed, result=GradeResult(status="graded", score=0.5, max_score=4.0, checks=[])
    )
    assert done.score == Decimal("0.50") and done.final_score == Decimal("3.00") and done.overridden


# --- Gradebook and statistics ------------------------------------------------------------------------


def test_gradebook_counts_the_best_final_score_and_totals_per_student(users, course):
    from dashboard.selectors import gradebook

    graded(users["student"], "q01", 1.0)
    best = graded(users["student"], "q01", 3.0)
    graded(users["student"], "q02", 2.0)
    graded(users["student2"], "q01", 4.0)
    book = gradebook(course=course)
    by_name = {r.student.username: r for r in book.rows}
    assert set(by_name) == {"student", "student2"}  # teachers and admins are not students
    cells = {c.item.slug: c for c in by_name["student"].cells}
    assert cells["q01"].best == Decimal("3.00") and cells["q01"].attempts == 2
    assert cells["q01"].best_submission_id == best.pk and cells["q01"].status == "graded"
    assert cells["q03"].attempts == 0 and cells["q03"].status == "none"
    assert by_name["student"].total == Decimal("5.00")
    assert book.max_total == sum(i.current_version.points for i in book.items)
    assert [r.student.username for r in gradebook(course=course, query="student2").rows] == ["student2"]
    only_theory = gradebook(course=course, assessment_slug="del-1-teori")
    assert {i.assessment.slug for i in only_theory.items} == {"del-1-teori"}


def test_gradebook_filters_by_status(users, course):
    from dashboard.selectors import gradebook

    set_release("del-1-teori", Assessment.Release.AFTER_REVIEW)
    graded(users["student"], "q01", 1.0)
    sub = graded(users["student2"], "q01", 1.0)
    services.submission_score_override(submission=sub, by=users["teacher"], score=Decimal(2), comment="ok")
    assert [r.student.username for r in gradebook(course=course, status="review").rows] == ["student"]
    assert [r.student.username for r in gradebook(course=course, status="overridden").rows] == ["student2"]


def test_item_statistics_difficulty_discrimination_checks_and_failures(users, course):
    from accounts.models import User
    from dashboard.selectors import item_statistics
    from exercises.models import Enrollment

    people = [users["student"], users["student2"]]
    for n in range(3, 6):
        u = User.objects.create_user(f"s{n}", password="x")
        Enrollment.objects.create(course=course, user=u)
        people.append(u)
    # q01 separates strong from weak students: it goes with their score on q02.
    for u, (a, b) in zip(people, [(4, 4), (4, 3), (2, 2), (0, 1), (0, 0)], strict=True):
        graded(u, "q01", float(a))
        graded(u, "q02", float(b))
    stats = item_statistics(item=Item.objects.get(slug="q01"))
    assert stats.students == 5
    assert stats.mean == pytest.approx(2.0)
    assert stats.difficulty == pytest.approx(0.5)
    assert stats.discrimination is not None and stats.discrimination > 0.9
    assert sum(n for _label, n in stats.distribution) == 5
    assert dict(stats.distribution)["90–100 %"] == 2 and dict(stats.distribution)["0–10 %"] == 2
    rates = {c.name: (c.passed, c.total) for c in stats.checks}
    assert rates == {"concept-a": (3, 5), "concept-b": (2, 5)}
    assert stats.failures[0] == ("Saknar begrepp B", 3)


def test_discrimination_is_unknown_with_too_few_students(users):
    from dashboard.selectors import item_statistics

    graded(users["student"], "q01", 1.0)
    stats = item_statistics(item=Item.objects.get(slug="q01"))
    assert stats.discrimination is None and stats.students == 1


def test_reloading_the_content_keeps_the_teachers_assessment_settings(course):
    """`make run` reloads the content at every start: it must not release scores awaiting review."""
    import os

    from django.core.management import call_command

    Assessment.objects.filter(slug="del-1-teori").update(release=Assessment.Release.AFTER_REVIEW, attempts_allowed=2)
    call_command("load_content", verbosity=0, stdout=open(os.devnull, "w"))
    assessment = Assessment.objects.get(slug="del-1-teori")
    assert assessment.release == Assessment.Release.AFTER_REVIEW and assessment.attempts_allowed == 2


def test_a_visit_before_the_opening_does_not_start_the_clock(users):
    from exercises.models import AssessmentStart

    now = timezone.now()
    Assessment.objects.filter(slug="del-1-teori").update(time_limit_minutes=30, opens_at=now + timedelta(hours=1))
    assert services.assessment_start(assessment=_assessment(), user=users["student"], now=now) is None
    assert not AssessmentStart.objects.exists()
    later = now + timedelta(hours=2)
    start = services.assessment_start(assessment=_assessment(), user=users["student"], now=later)
    assert start is not None and start.started_at == later


def test_a_confidence_that_is_not_a_number_counts_as_unsure_and_is_kept_in_0_1():
    assert Submission(feedback={"confidence": float("nan")}).confidence == 0.0
    assert Submission(feedback={"confidence": None}).confidence == 0.0
    assert Submission(feedback={"confidence": 7}).confidence == 1.0
    assert Submission(feedback={"confidence": -1}).confidence == 0.0
    assert Submission(feedback={"confidence": "0.25"}).confidence == 0.25
