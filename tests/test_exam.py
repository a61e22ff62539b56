"""Exam mode (exams/): the access rules on the pages and the API, one session per student, the
three feedback modes, the drafts at the deadline and the sweeper, and the exam log.

These run against the database and the real services; the grade of a submission is given as a
worker would give it (``tests.dashboard_helpers.graded``). The browser tests are in
``test_exam_browser.py``.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from exams.models import ExamAutoSubmission, ExamEvent, ExamSession, ExamSettings
from exercises.models import Assessment, Draft, Item, Submission
from tests.dashboard_helpers import graded

pytestmark = pytest.mark.django_db

CODE_ITEM = "count-parameters"
THEORY_ITEM = "q01"
CONFIG_KEY = "a" * 64
BROWSER_KEY = "b" * 64


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Wrong-code counters live in the cache, which outlives a test's database."""
    from django.core.cache import cache

    cache.clear()


def exam_on(slug: str = "del-2-kod", **fields) -> ExamSettings:
    assessment = Assessment.objects.get(slug=slug)
    exam, _ = ExamSettings.objects.update_or_create(assessment=assessment, defaults={"enabled": True, **fields})
    return exam


def client_for(user, **extra) -> Client:
    client = Client(**extra)
    client.force_login(user)
    return client


def api_for(user, **headers) -> Client:
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}", **headers)


def refusals(user, rule: str) -> int:
    return ExamEvent.objects.filter(user=user, kind=ExamEvent.Kind.REFUSED, rule=rule).count()


def submit_api(client: Client, slug: str = CODE_ITEM, **headers):
    return client.post(
        f"/api/v1/items/{slug}/submissions",
        {"code": "def dense_params(a, b):\n    return a * b + b\n"},
        content_type="application/json",
        **headers,
    )


# --- Access rules ---------------------------------------------------------------------------------


def test_without_exam_mode_nothing_changes(users):
    client = client_for(users["student"])
    assert client.get(f"/items/{CODE_ITEM}/").status_code == 200
    assert submit_api(api_for(users["student"])).status_code == 201


def test_network_rule_refuses_pages_and_api_outside_the_room_explains_and_logs(users):
    exam_on(allowed_networks="10.1.0.0/16\n192.168.5.0/24")
    student = users["student"]
    page = client_for(student, REMOTE_ADDR="203.0.113.9")
    response = page.get(f"/items/{CODE_ITEM}/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "skrivsalens nätverk" in body and "203.0.113.9" in body
    assert page.post(f"/items/{CODE_ITEM}/draft", {"text": "x"}).json()["refused"] == "network"
    api = api_for(student, REMOTE_ADDR="203.0.113.9")
    response = submit_api(api)
    assert response.status_code == 403
    assert "skrivsalens nätverk" in response.json()["detail"]
    assert refusals(student, "network") == 3
    assert Submission.objects.filter(user=student).count() == 0
    # From the room's network both work.
    assert client_for(student, REMOTE_ADDR="10.1.2.3").get(f"/items/{CODE_ITEM}/").status_code == 200
    assert submit_api(api_for(student, REMOTE_ADDR="192.168.5.77")).status_code == 201


def test_network_rule_reads_the_trusted_proxy_header_only_when_configured(users, settings):
    exam_on(allowed_networks="10.1.0.0/16")
    student = users["student"]
    forged = client_for(student, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert forged.get(f"/items/{CODE_ITEM}/").status_code == 403  # no proxy trusted: REMOTE_ADDR
    settings.QUIZ_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    # The rightmost entry is the one our proxy appended; the client's own entries are ignored.
    behind_proxy = client_for(student, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3, 203.0.113.9")
    assert behind_proxy.get(f"/items/{CODE_ITEM}/").status_code == 403
    behind_proxy = client_for(student, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.1.2.3")
    assert behind_proxy.get(f"/items/{CODE_ITEM}/").status_code == 200


def test_access_code_is_asked_once_per_session_and_wrong_codes_are_logged(users):
    exam_on(access_code="ROOM-42")
    student = users["student"]
    page = client_for(student)
    response = page.get(f"/items/{CODE_ITEM}/")
    assert response.status_code == 403
    assert "provkoden" in response.content.decode().lower()
    assessment = Assessment.objects.get(slug="del-2-kod")
    wrong = page.post(f"/exam/assessments/{assessment.pk}/code/", {"code": "nope", "next": f"/items/{CODE_ITEM}/"})
    assert wrong.status_code == 403
    assert "stämmer inte" in wrong.content.decode()
    right = page.post(f"/exam/assessments/{assessment.pk}/code/", {"code": "ROOM-42", "next": f"/items/{CODE_ITEM}/"})
    assert right.status_code == 302 and right["Location"] == f"/items/{CODE_ITEM}/"
    # Once per session: every page after that, and the other items of the part.
    assert page.get(f"/items/{CODE_ITEM}/").status_code == 200
    assert page.get("/items/build-network/").status_code == 200
    assert ExamEvent.objects.filter(user=student, kind=ExamEvent.Kind.CODE_ACCEPTED).count() == 1
    assert refusals(student, "code") == 2  # the page before the code, and the wrong code
    # A changed code asks again.
    exam_on(access_code="ROOM-43")
    assert page.get(f"/items/{CODE_ITEM}/").status_code == 403
    # So does a new session (which, during the exam, also ends this one).
    exam_on(access_code="ROOM-42")
    assert client_for(student).get(f"/items/{CODE_ITEM}/").status_code == 403


def test_access_code_on_the_api_comes_in_a_header(users):
    exam_on(access_code="ROOM-42")
    api = api_for(users["student"])
    response = submit_api(api)
    assert response.status_code == 403 and "provkoden" in response.json()["detail"].lower()
    assert submit_api(api, HTTP_X_EXAM_CODE="wrong").status_code == 403
    assert submit_api(api, HTTP_X_EXAM_CODE="ROOM-42").status_code == 201


def test_wrong_codes_are_throttled(users):
    exam_on(access_code="ROOM-42")
    page = client_for(users["student"])
    pk = Assessment.objects.get(slug="del-2-kod").pk
    for _ in range(10):
        assert page.post(f"/exam/assessments/{pk}/code/", {"code": "guess"}).status_code == 403
    assert page.post(f"/exam/assessments/{pk}/code/", {"code": "ROOM-42"}).status_code == 429


def seb_headers(url: str, *, config_key: str | None = CONFIG_KEY, browser_key: str | None = None) -> dict:
    headers = {}
    if config_key:
        headers["HTTP_X_SAFEEXAMBROWSER_CONFIGKEYHASH"] = hashlib.sha256((url + config_key).encode()).hexdigest()
    if browser_key:
        headers["HTTP_X_SAFEEXAMBROWSER_REQUESTHASH"] = hashlib.sha256((url + browser_key).encode()).hexdigest()
    return headers


def test_safe_exam_browser_headers_are_checked_against_the_url_and_the_keys(users):
    exam_on(require_seb=True, seb_config_keys=CONFIG_KEY.upper(), seb_browser_exam_keys=BROWSER_KEY)
    student = users["student"]
    url = f"http://testserver/items/{CODE_ITEM}/"
    page = client_for(student)
    refused = page.get(f"/items/{CODE_ITEM}/")
    assert refused.status_code == 403
    assert "Safe Exam Browser" in refused.content.decode()
    assert 'href="/exam/assessments/' in refused.content.decode()  # the .seb file is offered
    # A hash of another URL (a replayed header) or of another key is refused.
    other = seb_headers("http://testserver/items/build-network/", browser_key=BROWSER_KEY)
    assert page.get(f"/items/{CODE_ITEM}/", **other).status_code == 403
    assert (
        page.get(f"/items/{CODE_ITEM}/", **seb_headers(url, config_key="c" * 64, browser_key=BROWSER_KEY)).status_code
        == 403
    )
    assert page.get(f"/items/{CODE_ITEM}/", **seb_headers(url, browser_key=None)).status_code == 403  # BEK missing
    # The right hashes for this very URL pass.
    assert page.get(f"/items/{CODE_ITEM}/", **seb_headers(url, browser_key=BROWSER_KEY)).status_code == 200
    # The page's own script requests in that session (draft saves) pass without the headers.
    assert page.post(f"/items/{CODE_ITEM}/draft", {"text": "x = 1"}).json()["saved"] is True
    assert refusals(student, "seb") == 4
    # The API with a token: every request carries the headers (the query string is part of the URL).
    api = api_for(student)
    assert submit_api(api).status_code == 403
    api_url = f"http://testserver/api/v1/items/{CODE_ITEM}/submissions"
    assert submit_api(api, **seb_headers(api_url, browser_key=BROWSER_KEY)).status_code == 201


def test_the_seb_settings_file_is_a_plist_that_starts_the_course_and_sends_the_keys(users):
    import plistlib

    assessment = Assessment.objects.get(slug="del-2-kod")
    response = client_for(users["student"]).get(f"/exam/assessments/{assessment.pk}/config.seb")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/seb"
    assert 'filename="kunskapskontroll-2-del-2-kod.seb"' in response["Content-Disposition"]
    assert response.content.startswith(b"<?xml")
    config = plistlib.loads(response.content)
    assert config["startURL"] == "http://testserver/courses/kunskapskontroll-2/"
    assert config["sendBrowserExamKey"] is True


def test_teachers_of_the_course_are_not_held_by_the_rules(users):
    exam_on(allowed_networks="10.0.0.0/8", access_code="X")
    assert client_for(users["teacher"], REMOTE_ADDR="203.0.113.9").get(f"/items/{CODE_ITEM}/").status_code == 200


def test_rules_end_with_the_sitting(users):
    exam_on(access_code="X")
    Assessment.objects.filter(slug="del-2-kod").update(closes_at=timezone.now() - timedelta(minutes=1))
    assert client_for(users["student"]).get(f"/items/{CODE_ITEM}/").status_code == 200


def test_a_refused_submission_page_of_ones_own_but_others_still_get_404(users):
    sub = graded(users["student"], CODE_ITEM, 1.0, text="def dense_params(a, b):\n    return 0\n")
    exam_on(access_code="X")
    assert client_for(users["student"]).get(f"/submissions/{sub.pk}/").status_code == 403
    assert api_for(users["student"]).get(f"/api/v1/submissions/{sub.pk}").status_code == 403
    assert client_for(users["student2"]).get(f"/submissions/{sub.pk}/").status_code == 404


# --- One session per student ----------------------------------------------------------------------


def test_a_new_login_ends_the_old_session_and_it_is_logged(users):
    exam_on()
    student = users["student"]
    first = Client(REMOTE_ADDR="10.0.0.1")
    assert first.post("/login/", {"username": "student", "password": "student"}).status_code == 302
    assert first.get("/").status_code in (200, 302)
    second = Client(REMOTE_ADDR="10.0.0.2")
    assert second.post("/login/", {"username": "student", "password": "student"}).status_code == 302
    # The first computer is told why, and is logged out.
    response = first.get(f"/items/{CODE_ITEM}/")
    assert response.status_code == 401
    assert "annan dator" in response.content.decode()
    assert first.get(f"/items/{CODE_ITEM}/")["Location"].startswith("/login/")
    assert second.get(f"/items/{CODE_ITEM}/").status_code == 200
    sessions = list(ExamSession.objects.filter(user=student).order_by("started_at"))
    assert [(s.ip, s.end_reason) for s in sessions] == [("10.0.0.1", "replaced"), ("10.0.0.2", "")]
    kinds = list(ExamEvent.objects.filter(user=student).values_list("kind", flat=True))
    assert "session_replaced" in kinds and "old_session" in kinds


def test_without_an_exam_two_sessions_live_side_by_side(users):
    first = client_for(users["student"])
    second = client_for(users["student"])
    assert first.get(f"/items/{CODE_ITEM}/").status_code == 200
    assert second.get(f"/items/{CODE_ITEM}/").status_code == 200
    assert not ExamSession.objects.exists()


def test_a_session_from_before_exam_mode_gives_way_to_a_new_login(users):
    old = client_for(users["student"])
    assert old.get("/").status_code in (200, 302)
    exam_on()
    new = client_for(users["student"])
    assert new.get(f"/items/{CODE_ITEM}/").status_code == 200
    assert old.get(f"/items/{CODE_ITEM}/").status_code == 401


# --- Feedback during the sitting ------------------------------------------------------------------


def _syntax_error(user):
    from django.db import transaction

    from exercises.services import submission_claim, submission_create, submission_finish
    from grader.harness import GradeResult

    with transaction.atomic():
        item = Item.objects.get(slug=CODE_ITEM)
        sub = submission_create(user=user, item=item, text="def dense_params(a, b)\n")
        claimed = submission_claim(submission_id=sub.pk, worker="test")
        result = GradeResult(
            status="syntax_error", score=0, max_score=float(item.current_version.points), checks=[],
            output="", error={"type": "SyntaxError", "line": 1}, feedback={}, timings={},
        )  # fmt: skip
        return submission_finish(submission=claimed, result=result)


def test_full_feedback_shows_the_score_during_the_sitting(users):
    exam_on(feedback="full")
    sub = graded(users["student"], CODE_ITEM, 1.0)
    page = client_for(users["student"]).get(f"/submissions/{sub.pk}/").content.decode()
    assert 'data-testid="score"' in page
    api = api_for(users["student"]).get(f"/api/v1/submissions/{sub.pk}").json()
    assert api["score"] == 1.0 and api["feedback"] == "full" and api["checks"]


def test_runs_feedback_says_ran_or_error_without_score_checks_or_output(users):
    exam_on(feedback="runs")
    Assessment.objects.filter(slug="del-2-kod").update(closes_at=timezone.now() + timedelta(hours=1))
    ok = graded(users["student"], CODE_ITEM, 1.0)
    bad = _syntax_error(users["student"])
    client, api = client_for(users["student"]), api_for(users["student"])
    page = client.get(f"/submissions/{ok.pk}/").content.decode()
    assert 'data-verdict="ran"' in page and "kördes utan fel" in page
    assert 'data-testid="score"' not in page and 'data-testid="checks"' not in page and "Tar upp" not in page
    page = client.get(f"/submissions/{bad.pk}/").content.decode()
    assert 'data-verdict="error"' in page and "rad 1" in page
    data = api.get(f"/api/v1/submissions/{ok.pk}").json()
    assert (data["feedback"], data["verdict"], data["score"], data["checks"], data["status"]) == (
        "runs", "ran", None, [], "graded"
    )  # fmt: skip
    assert data["scores_shown_at"] is not None
    data = api.get(f"/api/v1/submissions/{bad.pk}").json()
    assert (data["verdict"], data["status"], data["error"]) == ("error", "syntax_error", {"line": 1})
    # The course page does not show the best score either; the item page's attempts neither.
    course = client.get("/courses/kunskapskontroll-2/").content.decode()
    assert "1 / " not in course.split(f'data-item="{CODE_ITEM}"')[1].split("</tr>")[0]
    item_page = client.get(f"/items/{CODE_ITEM}/").content.decode()
    assert "Visas när provet stänger" in item_page


def test_no_feedback_says_only_received_on_pages_and_api(users):
    exam_on(feedback="none")
    Assessment.objects.filter(slug="del-2-kod").update(closes_at=timezone.now() + timedelta(hours=1))
    bad = _syntax_error(users["student"])
    page = client_for(users["student"]).get(f"/submissions/{bad.pk}/").content.decode()
    assert 'data-verdict="received"' in page and "Syntaxfel" not in page and "rad 1" not in page
    course = client_for(users["student"]).get("/courses/kunskapskontroll-2/").content.decode()
    row = course.split(f'data-item="{CODE_ITEM}"')[1].split("</tr>")[0]
    assert "received" in row and "syntax_error" not in row
    data = api_for(users["student"]).get(f"/api/v1/submissions/{bad.pk}").json()
    assert (data["status"], data["verdict"], data["score"], data["error"], data["output"]) == (
        "received", "received", None, None, ""
    )  # fmt: skip


def test_scores_are_released_at_the_close(users):
    exam_on(feedback="none")
    assessment = Assessment.objects.get(slug="del-2-kod")
    assessment.closes_at = timezone.now() + timedelta(minutes=5)
    assessment.save(update_fields=["closes_at"])
    sub = graded(users["student"], CODE_ITEM, 1.0)
    assert api_for(users["student"]).get(f"/api/v1/submissions/{sub.pk}").json()["score"] is None
    Assessment.objects.filter(pk=assessment.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    data = api_for(users["student"]).get(f"/api/v1/submissions/{sub.pk}").json()
    assert data["score"] == 1.0 and data["feedback"] == "full" and data["checks"]


def test_after_review_still_needs_the_review_after_the_close(users):
    exam_on(feedback="runs")
    Assessment.objects.filter(slug="del-2-kod").update(
        closes_at=timezone.now() - timedelta(seconds=1), release=Assessment.Release.AFTER_REVIEW
    )
    sub = Submission.objects.create(
        user=users["student"], item=Item.objects.get(slug=CODE_ITEM), item_version=Item.objects.get(slug=CODE_ITEM).current_version,
        text="x", max_score=1, status="graded", score=1, final_score=1,
    )  # fmt: skip
    assert api_for(users["student"]).get(f"/api/v1/submissions/{sub.pk}").json()["score"] is None


# --- The end: drafts at the deadline --------------------------------------------------------------


def _deadline_in(seconds: float, slug: str = "del-1-teori") -> Assessment:
    assessment = Assessment.objects.get(slug=slug)
    assessment.closes_at = timezone.now() + timedelta(seconds=seconds)
    assessment.save(update_fields=["closes_at"])
    return assessment


def test_sweep_submits_saved_drafts_after_the_deadline_once(users, settings):
    from exams.services import exam_sweep
    from exercises.services import draft_save

    settings.QUIZ_EXAM_GRACE_SECONDS = 0
    exam_on("del-1-teori")
    assessment = _deadline_in(60)
    student, other = users["student"], users["student2"]
    draft_save(user=student, item=Item.objects.get(slug="q01"), text="Ett utkast om överträning.")
    draft_save(user=student, item=Item.objects.get(slug="q02"), text="   ")  # empty: not submitted
    draft_save(user=other, item=Item.objects.get(slug="q01"), text="Svar som redan lämnats in.")
    graded(other, "q01", 1.0, text="Svar som redan lämnats in.")
    assert exam_sweep()["exam_submitted"] == 0  # before the deadline: nothing
    later = assessment.closes_at + timedelta(seconds=1)
    assert exam_sweep(now=later)["exam_submitted"] == 1
    assert exam_sweep(now=later + timedelta(seconds=30))["exam_submitted"] == 0  # once
    sub = Submission.objects.get(user=student, item__slug="q01")
    assert sub.text == "Ett utkast om överträning."
    assert sub.created_at == assessment.closes_at  # made as at the deadline: on time
    assert sub.late_penalty_percent == 0
    assert Submission.objects.filter(user=other).count() == 1  # the same text was not sent twice
    claim = ExamAutoSubmission.objects.get(user=student, item__slug="q01")
    assert claim.source == "sweep" and claim.submission == sub
    assert ExamEvent.objects.filter(user=student, kind="auto_submitted", submission=sub).exists()


def test_the_sweeper_command_submits_drafts_too(users, settings):
    from django.core.management import call_command

    from exercises.services import draft_save

    settings.QUIZ_EXAM_GRACE_SECONDS = 0
    exam_on("del-1-teori")
    assessment = _deadline_in(60)
    draft_save(user=users["student"], item=Item.objects.get(slug="q03"), text="Stängd laptop.")
    Assessment.objects.filter(pk=assessment.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    call_command("requeue_stuck")
    assert Submission.objects.get(user=users["student"], item__slug="q03").text == "Stängd laptop."


def test_a_draft_after_the_deadline_is_kept_in_the_log_but_not_submitted(users, settings):
    settings.QUIZ_EXAM_GRACE_SECONDS = 0
    exam_on("del-1-teori")
    _deadline_in(-1)
    client = client_for(users["student"])
    response = client.post("/items/q01/draft", {"text": "För sent skrivet."})
    assert response.status_code == 409
    assert "Tiden är slut" in response.json()["error"]
    event = ExamEvent.objects.get(user=users["student"], kind="late_draft")
    assert event.detail == {"item": "q01", "text": "För sent skrivet."}
    assert not Draft.objects.filter(user=users["student"], item__slug="q01").exists()


def test_the_time_limit_is_each_students_own_deadline_with_extra_minutes(users):
    from exams.rules import sitting_for
    from exercises.models import AssessmentStart, Extension

    exam_on("del-1-teori")
    assessment = Assessment.objects.get(slug="del-1-teori")
    assessment.time_limit_minutes = 30
    assessment.save(update_fields=["time_limit_minutes"])
    start = timezone.now() - timedelta(minutes=10)
    for name in ("student", "student2"):
        AssessmentStart.objects.create(assessment=assessment, user=users[name], started_at=start)
    Extension.objects.create(assessment=assessment, user=users["student2"], extra_minutes=15)
    assert sitting_for(assessment=assessment, user=users["student"]).deadline == start + timedelta(minutes=30)
    assert sitting_for(assessment=assessment, user=users["student2"]).deadline == start + timedelta(minutes=45)


def test_item_page_shows_the_countdown_in_server_time(users):
    exam_on("del-1-teori")
    assessment = _deadline_in(600)
    page = client_for(users["student"]).get("/items/q01/").content.decode()
    assert 'data-testid="exam-countdown"' in page
    assert f'data-deadline-ms="{int(assessment.closes_at.timestamp() * 1000)}"' in page
    assert 'aria-live="assertive"' in page


def test_final_submit_from_the_browser_saves_the_text_and_submits_every_draft(users, settings):
    from exercises.services import draft_save

    settings.QUIZ_EXAM_GRACE_SECONDS = 5
    exam_on("del-1-teori")
    assessment = _deadline_in(2)
    draft_save(user=users["student"], item=Item.objects.get(slug="q02"), text="Ett annat utkast.")
    client = client_for(users["student"])
    Assessment.objects.filter(pk=assessment.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    data = client.post("/exam/items/q01/final", {"text": "Sista texten."}).json()
    assert data["saved"] is True
    assert sorted(s["item"] for s in data["submitted"]) == ["q01", "q02"]
    assert Submission.objects.get(user=users["student"], item__slug="q01").text == "Sista texten."
    assert set(ExamAutoSubmission.objects.values_list("source", flat=True)) == {"browser"}
    # After the grace: refused and kept in the log.
    Assessment.objects.filter(pk=assessment.pk).update(closes_at=timezone.now() - timedelta(seconds=60))
    late = client.post("/exam/items/q01/final", {"text": "Ännu senare."})
    assert late.status_code == 409
    assert ExamEvent.objects.filter(kind="late_draft", detail__text="Ännu senare.").exists()


# --- The exam log ----------------------------------------------------------------------------------


def test_exam_settings_from_the_dashboard_page(users):
    assessment = Assessment.objects.get(slug="del-2-kod")
    teacher = client_for(users["teacher"])
    page = teacher.get(f"/dashboard/assessments/{assessment.pk}/settings/").content.decode()
    assert 'data-testid="exam-form"' in page
    response = teacher.post(
        f"/dashboard/assessments/{assessment.pk}/exam/",
        {"enabled": "on", "feedback": "runs", "allowed_networks": "10.0.0.0/8", "access_code": "K",
         "require_seb": "on", "seb_config_keys": CONFIG_KEY, "seb_browser_exam_keys": ""},
    )  # fmt: skip
    assert response.status_code == 302
    exam = ExamSettings.objects.get(assessment=assessment)
    assert (exam.enabled, exam.feedback, exam.networks[0].prefixlen, exam.config_keys) == (
        True,
        "runs",
        8,
        [CONFIG_KEY],
    )
    bad = teacher.post(
        f"/dashboard/assessments/{assessment.pk}/exam/",
        {"enabled": "on", "feedback": "full", "allowed_networks": "not-a-net", "require_seb": "on"},
    )
    text = bad.content.decode()
    assert bad.status_code == 400
    assert "Inte ett nätverk (CIDR): not-a-net" in text and "minst en Config Key" in text
    assert "not-a-net</textarea>" in text  # what was typed comes back
    assert ExamSettings.objects.get(assessment=assessment).allowed_networks == "10.0.0.0/8"


def test_exam_log_shows_sessions_addresses_submissions_and_refusals(users):
    exam_on(access_code="K")
    student = users["student"]
    assessment = Assessment.objects.get(slug="del-2-kod")
    Client(REMOTE_ADDR="10.9.9.9").post("/login/", {"username": "student", "password": "student"})
    client_for(student, REMOTE_ADDR="10.9.9.8").get(f"/items/{CODE_ITEM}/")  # refused: no code
    submit_api(api_for(student, REMOTE_ADDR="10.9.9.7"), HTTP_X_EXAM_CODE="K")
    teacher = client_for(users["teacher"])
    overview = teacher.get(f"/dashboard/assessments/{assessment.pk}/exam/log/").content.decode()
    assert 'data-student="student"' in overview
    page = teacher.get(f"/dashboard/assessments/{assessment.pk}/exam/log/{student.pk}/").content.decode()
    for text in ("10.9.9.9", "10.9.9.8", "10.9.9.7", "[code]", CODE_ITEM, 'data-kind="submitted"'):
        assert text in page, text
    # Students and other courses' teachers do not see it (the authorization matrix tries all).
    assert client_for(student).get(f"/dashboard/assessments/{assessment.pk}/exam/log/").status_code == 404
