"""Dashboard pages with personas: who may see every view, CSRF on every form, escaping of user
text, the CSV export, and what the student sees of an override or a review."""

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client

from exercises import services
from exercises.models import Assessment, Extension, Item, ScoreChange, Submission
from tests.dashboard_helpers import graded, make_outsider_teacher, set_release

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider_teacher(course):
    return make_outsider_teacher()


@pytest.fixture
def sub(users):
    return graded(users["student"], "q01", 2.0, text="Mitt svar om AI.", confidence=0.5)


def client_for(user=None, csrf=False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    if user is not None:
        client.force_login(user)
    return client


def dashboard_urls(sub) -> list[tuple[str, str]]:
    """(method, url) for every dashboard view, with objects of the course."""
    from accounts.models import User

    assessment = sub.item.assessment
    extension, _ = Extension.objects.get_or_create(assessment=assessment, user=sub.user, defaults={"extra_attempts": 1})
    batch = services.submissions_regrade(submissions=[], by=User.objects.get(username="teacher"))
    return [
        ("get", "/dashboard/"),
        ("get", "/dashboard/health/"),
        ("get", "/dashboard/courses/kunskapskontroll-2/"),
        ("get", "/dashboard/courses/kunskapskontroll-2/gradebook.csv"),
        ("get", "/dashboard/courses/kunskapskontroll-2/statistics/"),
        ("get", "/dashboard/courses/kunskapskontroll-2/review/"),
        ("get", "/dashboard/items/q01/review/"),
        ("get", "/dashboard/items/q01/statistics/"),
        ("get", "/dashboard/items/q01/regrade/"),
        ("post", "/dashboard/items/q01/regrade/"),
        ("get", f"/dashboard/regrades/{batch.pk}/"),
        ("get", f"/dashboard/submissions/{sub.pk}/"),
        ("post", f"/dashboard/submissions/{sub.pk}/override"),
        ("post", f"/dashboard/submissions/{sub.pk}/accept"),
        ("post", f"/dashboard/submissions/{sub.pk}/regrade"),
        ("get", f"/dashboard/assessments/{assessment.pk}/settings/"),
        ("post", f"/dashboard/assessments/{assessment.pk}/settings/"),
        ("post", f"/dashboard/extensions/{extension.pk}/delete"),
    ]


def test_every_dashboard_view_sends_anonymous_users_to_the_login(sub):
    for method, url in dashboard_urls(sub):
        response = getattr(client_for(), method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), (method, url)


@pytest.mark.parametrize("who", ["student", "student2", "teacher2"])
def test_every_dashboard_view_is_404_for_students_and_other_courses_teachers(sub, users, outsider_teacher, who):
    user = outsider_teacher if who == "teacher2" else users[who]
    for method, url in dashboard_urls(sub):
        if who == "teacher2" and url in ("/dashboard/", "/dashboard/health/"):
            continue  # a teacher of another course has a dashboard of their own
        response = getattr(client_for(user), method)(url, {"score": "0", "comment": "x", "scope": "all"})
        assert response.status_code == 404, (who, method, url, response.status_code)
    # Nothing was changed by the refused requests.
    assert not ScoreChange.objects.exists()
    assert Submission.objects.get(pk=sub.pk).final_score == Decimal("2.00")
    assert Extension.objects.count() == 1


@pytest.mark.parametrize("who", ["teacher", "admin"])
def test_teachers_of_the_course_and_admins_see_every_page(sub, users, who):
    client = client_for(users[who])
    for method, url in dashboard_urls(sub):
        if method == "get":
            response = client.get(url)
            assert response.status_code in (200, 302), (url, response.status_code)


def test_a_teacher_of_another_course_sees_only_their_own(sub, users, outsider_teacher):
    client = client_for(outsider_teacher)
    assert client.get("/dashboard/")["Location"] == "/dashboard/courses/annan-kurs/"
    Submission.objects.filter(pk=sub.pk).update(status=Submission.Status.ERROR)
    assert f"/dashboard/submissions/{sub.pk}/" not in client.get("/dashboard/health/").content.decode()
    assert (
        f"/dashboard/submissions/{sub.pk}/" in client_for(users["teacher"]).get("/dashboard/health/").content.decode()
    )


def test_the_dashboard_link_is_shown_to_staff_only(users, sub):
    assert b'data-testid="dashboard-link"' not in client_for(users["student"]).get("/items/q01/").content
    assert b'data-testid="dashboard-link"' in client_for(users["teacher"]).get("/items/q01/").content


def test_dashboard_forms_refuse_posts_without_a_csrf_token(sub, users):
    client = client_for(users["teacher"], csrf=True)
    for method, url in dashboard_urls(sub):
        if method == "post":
            response = client.post(url, {"score": "1", "comment": "x", "scope": "all"})
            assert response.status_code == 403, url
    assert not ScoreChange.objects.exists()


def test_the_submission_page_carries_csrf_tokens_in_its_forms(sub, users):
    html = client_for(users["teacher"]).get(f"/dashboard/submissions/{sub.pk}/").content.decode()
    assert html.count('name="csrfmiddlewaretoken"') >= 3  # override, accept, regrade (+ language)


def test_student_text_is_escaped_on_the_dashboard(users):
    evil = graded(users["student"], "q01", 1.0, text="<script>alert('x')</script>")
    set_release("del-1-teori", Assessment.Release.AFTER_REVIEW)
    client = client_for(users["teacher"])
    for url in [f"/dashboard/submissions/{evil.pk}/", "/dashboard/items/q01/review/"]:
        html = client.get(url).content.decode()
        assert "<script>alert(" not in html and "&lt;script&gt;alert(" in html, url


def test_the_teachers_comment_is_escaped_for_the_student(users, sub):
    services.submission_score_override(
        submission=sub, by=users["teacher"], score=Decimal(3), comment="<b>bra</b> & tydligt"
    )
    html = client_for(users["student"]).get(f"/submissions/{sub.pk}/").content.decode()
    assert "&lt;b&gt;bra&lt;/b&gt; &amp; tydligt" in html


def test_override_from_the_page_and_the_student_sees_score_and_comment(users, sub):
    teacher = client_for(users["teacher"])
    response = teacher.post(f"/dashboard/submissions/{sub.pk}/override", {"score": "tre", "comment": "x"})
    assert response.status_code == 302 and not ScoreChange.objects.exists()  # refused, nothing changed
    # A Swedish decimal comma is a number.
    response = teacher.post(
        f"/dashboard/submissions/{sub.pk}/override", {"score": "3,5", "comment": "Du nämner alla tre."}
    )
    assert response.status_code == 302 and response["Location"] == f"/dashboard/submissions/{sub.pk}/"
    page = teacher.get(response["Location"]).content.decode()
    assert "Du nämner alla tre." in page and "Ändrad av lärare" in page
    student = client_for(users["student"])
    page = student.get(f"/submissions/{sub.pk}/").content.decode()
    assert 'data-testid="score">3,50 / 4' in page  # Swedish decimal comma
    assert 'data-testid="teacher-comment"' in page and "Du nämner alla tre." in page
    body = student.get(f"/api/v1/submissions/{sub.pk}").json()
    assert body["score"] == 3.5 and body["teacher_comment"] == "Du nämner alla tre."


def test_an_override_without_a_comment_is_refused_with_a_message(users, sub):
    response = client_for(users["teacher"]).post(
        f"/dashboard/submissions/{sub.pk}/override", {"score": "3"}, follow=True
    )
    assert "Detta fält måste fyllas i" in response.content.decode() or "required" in response.content.decode()
    assert Submission.objects.get(pk=sub.pk).final_score == Decimal("2.00")


def test_after_review_the_student_sees_nothing_until_a_teacher_accepts(users):
    set_release("del-1-teori", Assessment.Release.AFTER_REVIEW)
    sub = graded(users["student"], "q02", 2.0, confidence=0.2)
    student = client_for(users["student"])
    page = student.get(f"/submissions/{sub.pk}/").content.decode()
    assert 'data-testid="awaiting-review"' in page and 'data-testid="score"' not in page
    assert 'data-testid="checks"' not in page
    body = student.get(f"/api/v1/submissions/{sub.pk}").json()
    assert body["score"] is None and body["checks"] == [] and body["released"] is False
    course_page = student.get("/courses/kunskapskontroll-2/").content.decode()
    assert "2 /" not in course_page.split('data-item="q02"')[1].split("</tr>")[0]
    # The teacher accepts from the review queue and is sent back to it.
    queue_url = "/dashboard/items/q02/review/"
    teacher = client_for(users["teacher"])
    assert f'data-submission="{sub.pk}"' in teacher.get(queue_url).content.decode()
    response = teacher.post(f"/dashboard/submissions/{sub.pk}/accept", {"next": queue_url})
    assert response["Location"] == queue_url
    assert f'data-submission="{sub.pk}"' not in teacher.get(queue_url).content.decode()
    page = student.get(f"/submissions/{sub.pk}/").content.decode()
    assert 'data-testid="score">2 /' in page


def test_accept_does_not_follow_a_next_to_another_site(users, sub):
    response = client_for(users["teacher"]).post(
        f"/dashboard/submissions/{sub.pk}/accept", {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/dashboard/submissions/{sub.pk}/"


def test_diff_between_two_attempts(users):
    first = graded(users["student"], "q01", 1.0, text="rad ett\nrad två\n")
    second = graded(users["student"], "q01", 2.0, text="rad ett\nrad tre\n")
    other = graded(users["student2"], "q01", 2.0, text="annat")
    client = client_for(users["teacher"])
    html = client.get(f"/dashboard/submissions/{second.pk}/?against={first.pk}").content.decode()
    assert '<span class="diff-del">-rad två</span>' in html
    assert '<span class="diff-add">+rad tre</span>' in html
    # Only attempts of the same student at the same item can be compared.
    assert client.get(f"/dashboard/submissions/{second.pk}/?against={other.pk}").status_code == 404
    assert client.get(f"/dashboard/submissions/{second.pk}/?against=nan").status_code == 404


def test_gradebook_page_shows_cells_totals_and_filters(users, sub):
    graded(users["student2"], "q01", 4.0)
    client = client_for(users["teacher"])
    html = client.get("/dashboard/courses/kunskapskontroll-2/").content.decode()
    assert 'data-student="student"' in html and 'data-student="student2"' in html
    assert 'data-student="teacher"' not in html
    filtered = client.get("/dashboard/courses/kunskapskontroll-2/", {"q": "student2"}).content.decode()
    assert 'data-student="student2"' in filtered and 'data-student="student"' not in filtered


def read_csv(response, delimiter):
    text = response.content.decode("utf-8")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)), text


def test_csv_export_is_ready_for_swedish_excel(users, course):
    student = users["student"]
    student.first_name, student.last_name = "Åsa", "=Öberg"  # a name that would run as a formula
    student.save()
    graded(student, "q01", 2.5)
    graded(student, "q02", 3.0)
    response = client_for(users["teacher"]).get("/dashboard/courses/kunskapskontroll-2/gradebook.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows, _text = read_csv(response, ";")
    header, by_user = rows[0], {r[0]: r for r in rows[1:]}
    assert header[:4] == ["username", "first_name", "last_name", "email"] and header[-2:] == ["total", "max_total"]
    assert set(by_user) == {"student", "student2"}  # one row per student
    row = dict(zip(header, by_user["student"], strict=True))
    assert row["first_name"] == "Åsa" and row["last_name"] == "'=Öberg"
    assert row["q01"] == "2,5" and row["q02"] == "3" and row["total"] == "5,5" and row["q03"] == ""
    plain = client_for(users["teacher"]).get("/dashboard/courses/kunskapskontroll-2/gradebook.csv?dialect=plain")
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    rows, _text = read_csv(plain, ",")
    row = dict(zip(rows[0], next(r for r in rows[1:] if r[0] == "student"), strict=True))
    assert row["q01"] == "2.5" and row["total"] == "5.5"


def test_item_regrade_page_counts_versions_and_starts_a_batch(users, sub):
    client = client_for(users["teacher"])
    html = client.get("/dashboard/items/q01/regrade/").content.decode()
    assert "Äldre version: 0" in html
    response = client.post("/dashboard/items/q01/regrade/", {"scope": "all"})
    assert response.status_code == 302 and "/dashboard/regrades/" in response["Location"]
    progress = client.get(response["Location"] + "?format=json").json()
    assert progress == {"total": 1, "done": 0, "pending": 1, "finished": False}
    assert Submission.objects.get(pk=sub.pk).status == "queued"


def test_assessment_settings_and_extensions_from_the_page(users):
    assessment = Assessment.objects.get(slug="del-1-teori")
    client = client_for(users["teacher"])
    url = f"/dashboard/assessments/{assessment.pk}/settings/"
    response = client.post(
        url,
        {
            "save_settings": "1",
            "opens_at": "2026-01-10T09:00",
            "closes_at": "2026-01-09T09:00",
            "late_penalty_percent": "10",
            "release": "after_review",
        },
    )
    assert response.status_code == 200 and "måste stänga efter" in response.content.decode()
    response = client.post(
        url,
        {
            "save_settings": "1",
            "opens_at": "2026-01-10T09:00",
            "closes_at": "2026-01-10T12:00",
            "late_penalty_percent": "10",
            "attempts_allowed": "3",
            "release": "after_review",
        },
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.attempts_allowed == 3 and assessment.release == "after_review"
    assert assessment.closes_at is not None and assessment.late_penalty_percent == 10
    response = client.post(
        url,
        {
            "save_extension": "1",
            "user": users["student"].pk,
            "extra_attempts": "2",
            "extra_minutes": "0",
            "reason": "Sjuk",
        },
    )
    assert response.status_code == 302
    ext = Extension.objects.get(assessment=assessment, user=users["student"])
    assert ext.extra_attempts == 2 and ext.reason == "Sjuk" and ext.created_by == users["teacher"]
    # Only the course's students can be given an extension.
    response = client.post(
        url, {"save_extension": "1", "user": users["teacher"].pk, "extra_attempts": "1", "extra_minutes": "0"}
    )
    assert response.status_code == 200 and not Extension.objects.filter(user=users["teacher"]).exists()
    client.post(f"/dashboard/extensions/{ext.pk}/delete")
    assert not Extension.objects.filter(pk=ext.pk).exists()


def test_item_page_shows_attempts_left_and_the_refusal(users):
    Assessment.objects.filter(slug="del-1-teori").update(attempts_allowed=1)
    student = client_for(users["student"])
    assert "Försök kvar: 1 av 1" in student.get("/items/q01/").content.decode()
    services.submission_create(user=users["student"], item=Item.objects.get(slug="q01"), text="svar")
    html = student.get("/items/q01/").content.decode()
    assert "Försök kvar: 0 av 1" in html and 'data-testid="refusal"' in html
    response = student.post("/items/q01/", {"text": "ett till"}, follow=True)
    assert "alla dina försök" in response.content.decode()
    assert Submission.objects.filter(user=users["student"]).count() == 1


def test_statistics_pages_render(users, sub):
    graded(users["student2"], "q01", 4.0)
    client = client_for(users["teacher"])
    html = client.get("/dashboard/items/q01/statistics/").content.decode()
    assert 'data-testid="students">2<' in html and "Saknar begrepp B" in html
    assert 'data-item="q01"' in client.get("/dashboard/courses/kunskapskontroll-2/statistics/").content.decode()


def test_the_dashboard_speaks_english_too(users, sub):
    client = client_for(users["teacher"])
    client.cookies["django_language"] = "en"
    html = client.get("/dashboard/courses/kunskapskontroll-2/").content.decode()
    assert "Gradebook" in html and "Export CSV" in html
    assert "Audit log" in client.get(f"/dashboard/submissions/{sub.pk}/").content.decode()


def test_a_second_accept_is_refused_with_who_reviewed_it(users, sub):
    teacher = client_for(users["teacher"])
    teacher.post(f"/dashboard/submissions/{sub.pk}/accept")
    response = client_for(users["admin"]).post(f"/dashboard/submissions/{sub.pk}/accept", follow=True)
    assert "Redan granskad av teacher." in response.content.decode()
    assert ScoreChange.objects.filter(submission=sub).count() == 1


def test_health_lists_a_failed_grading_with_why_it_failed_escaped(users, sub):
    from django.utils import timezone

    Submission.objects.filter(pk=sub.pk).update(
        status=Submission.Status.ERROR,
        finished_at=timezone.now(),
        error={"type": "ValueError", "message": "<script>bad()</script> shape"},
    )
    html = client_for(users["teacher"]).get("/dashboard/health/").content.decode()
    row = html.split('data-testid="failed"')[1].split("</table>")[0]
    assert f'href="/dashboard/submissions/{sub.pk}/">#{sub.pk}</a>' in row
    assert "<td>q01</td>" in row
    assert "ValueError: &lt;script&gt;bad()&lt;/script&gt; shape" in row and "<script>" not in row
