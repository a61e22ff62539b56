"""`make run` serves with a real web server: a class that submits at the same instant, one
connection per student, is answered 201 every time and graded, and static files are served."""

from __future__ import annotations

import http.client
import os

import pytest

from tests.conftest import item_dir
from tests.web_burst import Platform, burst, summary

pytestmark = pytest.mark.integration

BASE_PORT = int(os.environ.get("WEB_TEST_BASE_PORT", "6450"))  # web, Redis


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    platform = Platform(tmp_path_factory.mktemp("make-run"), port=BASE_PORT, redis_port=BASE_PORT + 1)
    try:
        platform.start()
        yield platform
    finally:
        platform.stop()


def test_make_run_serves_with_gunicorn_and_whitenoise(platform):
    assert "gunicorn" in platform.log("web.log") and "gthread" in platform.log("web.log")
    conn = http.client.HTTPConnection("127.0.0.1", platform.port, timeout=30)
    conn.request("GET", "/static/css/site.css")
    response = conn.getresponse()
    response.read()
    assert response.status == 200 and response.getheader("Content-Type", "").startswith("text/css")
    conn.request("GET", "/login/")
    response = conn.getresponse()
    assert response.status == 200 and b"csrfmiddlewaretoken" in response.read()
    conn.close()


def test_sixty_students_submitting_at_once_on_sixty_connections_all_get_201_and_are_graded(platform):
    tokens = platform.students(60)
    code = (item_dir("count-parameters") / "solution.py").read_text()
    attempts = burst(platform.port, tokens, "count-parameters", code)
    print("\n" + summary(attempts))
    assert [a.status for a in attempts] == [201] * 60, summary(attempts)
    assert all(a.result.get("status") == "graded" and a.result["score"] == 4 for a in attempts), summary(attempts)
    assert "Booting worker" in platform.log("web.log") and "Connection reset" not in platform.log("web.log")


def _login_attempt(port: int, username: str, password: str) -> str:
    """One login through the form, on a connection of its own (so gunicorn may hand it to any of
    its processes), with the CSRF cookie and token of a fresh login page."""
    import re
    from urllib.parse import urlencode

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login/")
    page = conn.getresponse()
    html = page.read().decode()
    cookie = next(c for c in page.headers.get_all("Set-Cookie") or [] if c.startswith("csrftoken="))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token, html[:500]
    conn.close()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = urlencode({"csrfmiddlewaretoken": token.group(1), "username": username, "password": password})
    headers = {"Cookie": cookie.split(";")[0], "Content-Type": "application/x-www-form-urlencoded"}
    conn.request("POST", "/login/", body, headers)
    answer = conn.getresponse().read().decode()
    conn.close()
    return answer


def test_failed_logins_are_counted_by_every_gunicorn_process_alike(platform):
    # make run starts several web processes; a per-process memory cache would let each of them
    # count its own share of a guesser's tries (and keep its own LTI login states).
    answers = [_login_attempt(platform.port, "student", f"wrong-{n}") for n in range(9)]
    throttled = ["För många misslyckade inloggningar" in a for a in answers]
    assert throttled == [False] * 5 + [True] * 4, throttled
