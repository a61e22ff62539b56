"""Password reset by email from the login page, login by username or email, and the throttles:
reset requests per requesting address and per email address, never revealing whether an
account has an address."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from accounts.models import User


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def asa(db):
    return User.objects.create_user("asa", email="asa@example.se", password="gammalt-Lösen-1", first_name="Åsa")


def reset_link(message) -> str:
    return re.search(r"http://testserver(/reset/\S+/)", message.body).group(1)


def test_the_login_page_links_to_the_reset_page(db):
    html = Client().get("/login/").content.decode()
    assert 'href="/password-reset/"' in html and "Glömt lösenordet?" in html
    assert "Användarnamn eller e-post" in html


def test_a_reset_by_email_sets_a_new_password_once(asa):
    client = Client()
    response = client.post("/password-reset/", {"email": "ASA@example.se"})
    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    (message,) = mail.outbox
    assert message.to == ["asa@example.se"] and message.subject == "Nytt lösenord för Deep Learning Quiz"
    assert "Hej Åsa," in message.body and "Ditt användarnamn är asa." in message.body
    page = client.get(reset_link(message), follow=True)
    set_url = page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "Nytt-Lösen-99", "new_password2": "Nytt-Lösen-99"})
    assert done.status_code == 302 and done["Location"] == "/reset/done/"
    asa.refresh_from_db()
    assert asa.check_password("Nytt-Lösen-99")
    assert "Länken är ogiltig" in Client().get(reset_link(message), follow=True).content.decode()


def test_the_reset_mail_is_in_the_language_of_the_page(asa):
    Client().post("/password-reset/", {"email": "asa@example.se"}, HTTP_ACCEPT_LANGUAGE="en")
    (message,) = mail.outbox
    assert message.subject == "New password for Deep Learning Quiz"
    assert "Hi Åsa," in message.body


def test_an_unknown_address_gets_the_same_answer_and_no_mail(asa):
    known = Client().post("/password-reset/", {"email": "asa@example.se"}, follow=True)
    unknown = Client().post("/password-reset/", {"email": "nobody@example.se"}, follow=True)
    assert known.status_code == unknown.status_code == 200

    def page(response) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())

    assert page(known) == page(unknown)
    assert len(mail.outbox) == 1


def test_an_address_gets_at_most_its_limit_of_mails_silently(asa, settings):
    settings.QUIZ_RESET_REQUESTS_PER_ADDRESS = 2
    answers = [
        Client(REMOTE_ADDR=f"10.0.0.{i}").post("/password-reset/", {"email": "asa@example.se"}) for i in range(4)
    ]
    assert [a.status_code for a in answers] == [302] * 4
    assert {a["Location"] for a in answers} == {"/password-reset/sent/"}
    assert len(mail.outbox) == 2


def test_one_requester_is_refused_after_its_limit_whatever_the_address(asa, settings):
    settings.QUIZ_RESET_REQUESTS_PER_IP = 3
    client = Client(REMOTE_ADDR="10.1.1.1")
    codes = [client.post("/password-reset/", {"email": f"p{i}@example.se"}).status_code for i in range(3)]
    assert codes == [302, 302, 302]
    refused = client.post("/password-reset/", {"email": "asa@example.se"})
    assert refused.status_code == 429
    assert "För många förfrågningar. Försök igen om 60 minuter." in refused.content.decode()
    assert not mail.outbox
    # Another requester is not affected.
    assert Client(REMOTE_ADDR="10.1.1.2").post("/password-reset/", {"email": "asa@example.se"}).status_code == 302


def test_login_by_username_or_email(asa):
    for name in ("asa", "asa@example.se", "Asa@Example.se"):
        response = Client().post("/login/", {"username": name, "password": "gammalt-Lösen-1"})
        assert response.status_code == 302, name
    assert Client().post("/login/", {"username": "asa@example.se", "password": "fel"}).status_code == 200


def test_an_address_shared_by_two_accounts_does_not_log_in(asa):
    User.objects.create_user("asa2", email="asa@example.se", password="gammalt-Lösen-1")
    response = Client().post("/login/", {"username": "asa@example.se", "password": "gammalt-Lösen-1"})
    assert response.status_code == 200 and "Fel användarnamn eller lösenord." in response.content.decode()
    assert Client().post("/login/", {"username": "asa2", "password": "gammalt-Lösen-1"}).status_code == 302


def test_failed_logins_by_email_and_by_username_share_one_count(asa, settings):
    settings.QUIZ_LOGIN_FAILURES_PER_USER = 4
    for i in range(4):
        name = "asa@example.se" if i % 2 else "asa"
        Client(REMOTE_ADDR=f"10.2.0.{i}").post("/login/", {"username": name, "password": "fel"})
    locked = Client(REMOTE_ADDR="10.2.0.9").post("/login/", {"username": "asa", "password": "gammalt-Lösen-1"})
    assert locked.status_code == 429


def test_someone_invited_who_lost_the_invitation_gets_a_reset_link(db):
    from exercises.models import Course
    from onboarding.models import Invitation

    course = Course.objects.create(slug="c", title_sv="Kurs")
    kim = User.objects.create_user("kim", email="kim@example.se")  # no password yet
    Invitation.objects.create(course=course, user=kim)
    nobody = User.objects.create_user("lti-only", email="lti@example.se")  # no password, not invited
    Client().post("/password-reset/", {"email": "kim@example.se"})
    Client().post("/password-reset/", {"email": nobody.email})
    (message,) = mail.outbox
    assert message.to == ["kim@example.se"]
    client = Client()
    page = client.get(reset_link(message), follow=True)
    client.post(page.redirect_chain[-1][0], {"new_password1": "Nytt-Lösen-99", "new_password2": "Nytt-Lösen-99"})
    kim.refresh_from_db()
    assert kim.check_password("Nytt-Lösen-99")
