"""The web side: CSRF on every form, student-controlled text escaped everywhere, size and rate
limits with clear messages, login throttling, security headers. (Production settings passing
``check --deploy`` are in tests/test_deploy.py; who may see what is in tests/test_authz.py.)"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.test import Client

from tests.test_authz import all_routes, rule_for, url_for
from tests.test_authz import world as authz_world  # noqa: F401  (the fixture: drafts, extensions, ...)

XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # throttle counters live there
    yield
    cache.clear()


class Forms(HTMLParser):
    """Every <form> of a page: its method and the names of its inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (attrs.get("method") or "get").lower(), "inputs": set()})
        elif tag in ("input", "textarea", "button") and self.forms and attrs.get("name"):
            self.forms[-1]["inputs"].add(attrs["name"])


@pytest.fixture
def submission_of_student(users, course):
    """A finished submission whose every student-controlled field carries a script."""
    from exercises.models import CheckResult, Draft, Item, Submission

    item = Item.objects.get(slug="count-parameters")
    submission = Submission.objects.create(
        user=users["student"],
        item=item,
        item_version=item.current_version,
        text=XSS,
        status="runtime_error",
        score=0,
        max_score=4,
        output=XSS,
        error={"type": "ValueError", "message": XSS, "line": 1, "traceback": XSS},
    )
    CheckResult.objects.create(
        submission=submission,
        order=0,
        name="run",
        passed=False,
        points=0,
        max_points=4,
        message_sv=f"returnerade typen {XSS}",
        message_en=f"returned the type {XSS}",
        hint_sv=XSS,
    )
    Draft.objects.update_or_create(user=users["student"], item=item, defaults={"text": XSS})
    theory = Item.objects.get(slug="q01")
    Submission.objects.create(
        user=users["student"], item=theory, item_version=theory.current_version, text=XSS, max_score=1
    )
    return submission


def test_every_post_form_on_every_page_carries_a_csrf_token(users, submission_of_student, authz_world):  # noqa: F811
    """Crawls every GET page of the resolver as a student, a teacher (dashboard, authoring) and an admin."""
    world = {**authz_world, "submission": submission_of_student.pk}
    checked = 0
    for username in ("student", "teacher", "admin"):
        client = Client()
        client.force_login(users[username])
        for route in all_routes():
            rule = rule_for(route)
            if rule.method != "get":
                continue
            response = client.get(url_for(route, rule, world))
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            parser = Forms()
            parser.feed(response.content.decode())
            for form in parser.forms:
                if form["method"] == "post":
                    checked += 1
                    assert "csrfmiddlewaretoken" in form["inputs"], (route, form)
    assert checked >= 10  # the crawl found forms: the language switch, logout, the answer form, the admin's


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/items/count-parameters/", {"text": "x = 1"}),
        ("/items/count-parameters/draft", {"text": "x = 1"}),
        ("/logout/", {}),
        ("/i18n/setlang/", {"language": "en"}),
    ],
)
def test_a_post_without_a_csrf_token_is_refused(users, course, url, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["student"])
    response = client.post(url, data)
    assert response.status_code == 403


def test_login_form_and_session_api_calls_need_csrf_but_token_calls_do_not(users, course):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "student", "password": "student"}).status_code == 403
    client.force_login(users["student"])
    session_call = client.post("/api/v1/items/q01/submissions", {"answer": "x"}, content_type="application/json")
    assert session_call.status_code == 403 and "CSRF" in session_call.json()["detail"]
    token = Client().post(
        "/api/v1/auth/token", {"username": "student", "password": "student"}, content_type="application/json"
    )
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert (
        api.post("/api/v1/items/q01/submissions", {"answer": "AI"}, content_type="application/json").status_code == 201
    )


@pytest.mark.parametrize("username", ["student", "teacher", "admin"])
def test_student_text_is_escaped_on_every_page_that_shows_it(users, submission_of_student, username):
    client = Client()
    client.force_login(users[username])
    pages = [f"/submissions/{submission_of_student.pk}/", "/items/q01/", "/courses/kunskapskontroll-2/"]
    if username == "student":
        pages.append("/items/count-parameters/")  # the draft and the attempts list
    for page in pages:
        html = client.get(page).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, page
    html = client.get(f"/submissions/{submission_of_student.pk}/").content.decode()
    assert html.count(ESCAPED) >= 3  # the output, the traceback and the check message
    if username == "student":
        assert ESCAPED in client.get("/items/count-parameters/").content.decode()  # the draft


def test_pages_send_security_headers(users, course):
    client = Client()
    client.force_login(users["student"])
    response = client.get("/items/count-parameters/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response.cookies.get("csrftoken") is None or response.cookies["csrftoken"]["samesite"] == "Lax"
    login = Client().post("/login/", {"username": "student", "password": "student"})
    assert login.cookies["sessionid"]["httponly"] and login.cookies["sessionid"]["samesite"] == "Lax"


# --- Limits ---------------------------------------------------------------------------------------


def test_oversized_answer_on_the_page_is_refused_with_the_limit(users, course, settings):
    client = Client()
    client.force_login(users["student"])
    response = client.post("/items/count-parameters/", {"text": "#" * (settings.QUIZ_MAX_CODE_BYTES + 1)})
    assert response.status_code == 400
    assert "för stort" in response.content.decode()


def test_an_oversized_request_is_refused_before_it_is_read(users, course, settings):
    client = Client()
    client.force_login(users["student"])
    body = "#" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    api = client.post("/api/v1/items/count-parameters/submissions", {"code": body}, content_type="application/json")
    assert api.status_code == 413 and "för stor" in api.json()["detail"]
    page = client.post("/items/count-parameters/", {"text": body})
    assert page.status_code == 413 and "högst" in page.content.decode()


def test_submission_rate_is_limited_with_a_clear_message_on_page_and_api(users, course, settings):
    settings.QUIZ_SUBMISSIONS_PER_MINUTE = 3
    client = Client()
    client.force_login(users["student"])
    for _ in range(3):
        assert client.post("/items/q01/", {"text": "AI är ett område."}).status_code == 302
    page = client.post("/items/q01/", {"text": "AI är ett område."})
    assert page.status_code == 429
    assert "Du har lämnat in 3 gånger den senaste minuten" in page.content.decode()
    api = client.post("/api/v1/items/q01/submissions", {"answer": "AI"}, content_type="application/json")
    assert api.status_code == 429 and int(api["Retry-After"]) >= 1
    assert "Vänta" in api.json()["detail"]
    from exercises.models import Submission

    assert Submission.objects.filter(user=users["student"]).count() == 3  # nothing more was saved
    other = Client()
    other.force_login(users["student2"])
    assert other.post("/items/q01/", {"text": "AI är ett område."}).status_code == 302  # per user


# --- Login throttling -----------------------------------------------------------------------------


def test_login_is_throttled_per_username_with_a_clear_message(users, course, settings):
    settings.QUIZ_LOGIN_FAILURES_PER_USER = 3
    client = Client()
    for _ in range(3):
        response = client.post("/login/", {"username": "student", "password": "wrong"})
        assert response.status_code == 200 and "Fel användarnamn eller lösenord" in response.content.decode()
    refused = client.post("/login/", {"username": "student", "password": "student"})
    assert refused.status_code == 429
    assert re.search(r"För många misslyckade inloggningar. Försök igen om \d+ minuter", refused.content.decode())
    assert "_auth_user_id" not in client.session
    # The API and the admin's login page are the same door.
    token = client.post(
        "/api/v1/auth/token", {"username": "student", "password": "student"}, content_type="application/json"
    )
    assert token.status_code == 429 and "För många" in token.json()["detail"]
    admin_login = client.post("/admin/login/", {"username": "STUDENT", "password": "student"})
    assert admin_login.status_code == 200 and "För många" in admin_login.content.decode()
    # Someone else logs in as usual.
    assert Client().post("/login/", {"username": "student2", "password": "student2"}).status_code == 302
    english = Client(HTTP_ACCEPT_LANGUAGE="en").post("/login/", {"username": "student", "password": "student"})
    assert english.status_code == 429 and "Too many failed logins" in english.content.decode()


def test_login_is_throttled_per_address_across_usernames(users, course, settings):
    settings.QUIZ_LOGIN_FAILURES_PER_IP = 4
    client = Client()
    for name in ("a", "b", "c", "d"):
        client.post("/api/v1/auth/token", {"username": name, "password": "x"}, content_type="application/json")
    assert client.post("/login/", {"username": "teacher", "password": "teacher"}).status_code == 429
    elsewhere = Client(REMOTE_ADDR="10.0.0.2")
    assert elsewhere.post("/login/", {"username": "teacher", "password": "teacher"}).status_code == 302


def test_a_right_password_clears_the_count(users, course, settings):
    settings.QUIZ_LOGIN_FAILURES_PER_USER = 3
    client = Client()
    for _ in range(2):
        client.post("/login/", {"username": "student", "password": "wrong"})
    assert client.post("/login/", {"username": "student", "password": "student"}).status_code == 302
    for _ in range(2):
        assert Client().post("/login/", {"username": "student", "password": "wrong"}).status_code == 200
    assert Client().post("/login/", {"username": "student", "password": "student"}).status_code == 302
