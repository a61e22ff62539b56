"""Standalone onboarding on the dashboard: roster import (preview, confirm, idempotent),
invitations with an expiring set-password link, members added and removed, the demo outbox.
Real database and real templates; email goes to Django's test outbox or, where the file matters,
to the file backend."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import User
from exercises.models import Course, Enrollment
from onboarding import services
from onboarding.models import Invitation, RosterImport

COURSE = "kunskapskontroll-2"
ROSTER = (
    "\ufeffNamn;E-post;Användarnamn;Roll\r\n"
    "Åsa Öberg;asa.oberg@example.se;;student\r\n"
    "Björn Ängström;bjorn@example.se;bjorn;lärare\r\n"
    "Örjan Åkesson;orjan@example.se;;Student\r\n"
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def teacher_client(users):
    client = Client()
    client.force_login(users["teacher"])
    return client


@pytest.fixture
def other_course(db):
    course = Course.objects.create(slug="other-course", title_sv="Annan kurs")
    other = User.objects.create_user("teacher2", password="teacher2", role=User.Role.TEACHER)
    Enrollment.objects.create(course=course, user=other, role=Enrollment.Role.TEACHER)
    return course


def preview(course, teacher, text=ROSTER, language="sv") -> RosterImport:
    return services.roster_preview_create(course=course, by=teacher, data=text.encode("utf-8"), language=language)


def plan(ri: RosterImport) -> list[dict]:
    return services.roster_plan(course=ri.course, rows=ri.rows, language=ri.language)


def link_in(message) -> str:
    return re.search(r"http://testserver(/invitation/\S+/)", message.body).group(1)


# --- services ------------------------------------------------------------------------------------


def test_a_preview_writes_no_people_and_says_per_row_what_would_happen(course, users):
    users["student2"].email = "student2@example.se"
    users["student2"].save()
    users["teacher"].email = "teacher@example.se"
    users["teacher"].save()
    text = (
        "namn;e-post;användarnamn;roll\n"
        "Åsa Öberg;asa@example.se;;student\n"  # new
        "Ingen Adress;inte-en-adress;;student\n"  # bad email
        "Åsa Igen;ASA@example.se;;student\n"  # duplicate of line 2
        "Student Två;student2@example.se;;student\n"  # existing, already enrolled
        "Läraren;teacher@example.se;;student\n"  # exists with another role
        ";nonamn@example.se;;student\n"  # missing name
        "Tagen;ny@example.se;student;student\n"  # username of another account
        "Saknar;;;student\n"  # missing email
    )
    before = (User.objects.count(), Enrollment.objects.count())
    ri = preview(course, users["teacher"], text)
    assert (User.objects.count(), Enrollment.objects.count()) == before
    rows = {r["line"]: r for r in plan(ri)}
    assert rows[2]["action"] == "create" and rows[2]["username"] == "asa"
    assert rows[3]["errors"] == ["Ogiltig e-postadress ”inte-en-adress”."]
    assert rows[4]["errors"] == ["Samma e-post som rad 2."]
    assert rows[5]["action"] == "unchanged"
    assert rows[6]["errors"] == ["Finns redan i kursen som lärare."]
    assert rows[7]["errors"] == ["Namn saknas."]
    assert rows[8]["errors"] == ["Adressen hör till kontot ”student”."] or rows[8]["errors"] == [
        "Användarnamnet ”student” är upptaget."
    ]
    assert rows[9]["errors"] == ["E-post saknas."]
    assert services.plan_counts(list(rows.values())) == {"create": 1, "enrol": 0, "unchanged": 1, "error": 6}


def test_a_person_who_exists_with_another_role_is_not_promoted(course, users, other_course):
    other_student = User.objects.create_user("kim", email="kim@example.se", role=User.Role.STUDENT)
    ri = preview(course, users["teacher"], "namn;e-post;roll\nKim;kim@example.se;lärare\n")
    (row,) = plan(ri)
    assert row["errors"] == ["Finns redan med rollen student."]
    services.roster_import_apply(roster_import=ri, by=users["teacher"], base_url="http://testserver/")
    other_student.refresh_from_db()
    assert other_student.role == User.Role.STUDENT
    assert not Enrollment.objects.filter(user=other_student).exists()


def test_applying_creates_accounts_enrols_and_invites_and_the_same_file_again_changes_nothing(course, users):
    result = services.roster_import_apply(
        roster_import=preview(course, users["teacher"]), by=users["teacher"], base_url="http://testserver/"
    )
    assert result.as_dict() == {
        "created": 3,
        "enrolled": 0,
        "unchanged": 0,
        "skipped": 0,
        "invited": 3,
        "invite_failed": 0,
    }
    asa = User.objects.get(email="asa.oberg@example.se")
    assert (asa.username, asa.first_name, asa.last_name, asa.role) == ("asa.oberg", "Åsa", "Öberg", "student")
    assert not asa.has_usable_password()
    bjorn = User.objects.get(username="bjorn")
    assert bjorn.role == User.Role.TEACHER
    assert Enrollment.objects.get(course=course, user=bjorn).role == Enrollment.Role.TEACHER
    assert sorted(m.to[0] for m in mail.outbox) == ["asa.oberg@example.se", "bjorn@example.se", "orjan@example.se"]
    assert Invitation.objects.filter(course=course, sent_at__isnull=False, send_count=1).count() == 3

    snapshot = (
        list(User.objects.order_by("pk").values_list("pk", "username", "email", "password")),
        list(Enrollment.objects.order_by("pk").values_list("pk", "course", "user", "role")),
        list(Invitation.objects.order_by("pk").values_list("pk", "sent_at", "send_count")),
    )
    again = services.roster_import_apply(
        roster_import=preview(course, users["teacher"]), by=users["teacher"], base_url="http://testserver/"
    )
    assert again.as_dict() == {
        "created": 0,
        "enrolled": 0,
        "unchanged": 3,
        "skipped": 0,
        "invited": 0,
        "invite_failed": 0,
    }
    assert len(mail.outbox) == 3
    assert snapshot == (
        list(User.objects.order_by("pk").values_list("pk", "username", "email", "password")),
        list(Enrollment.objects.order_by("pk").values_list("pk", "course", "user", "role")),
        list(Invitation.objects.order_by("pk").values_list("pk", "sent_at", "send_count")),
    )


def test_an_import_is_applied_once_even_if_confirmed_twice(course, users):
    ri = preview(course, users["teacher"])
    services.roster_import_apply(roster_import=ri, by=users["teacher"], base_url="http://testserver/")
    with pytest.raises(ValidationError) as info:
        services.roster_import_apply(roster_import=ri, by=users["teacher"], base_url="http://testserver/")
    assert info.value.messages == ["Den här importen är redan genomförd."]
    assert len(mail.outbox) == 3


def test_an_existing_account_from_another_course_is_enrolled_and_left_as_it_was(course, users, other_course):
    kim = User.objects.create_user("kim", email="kim@example.se", password="secret-pw-1", first_name="Kim")
    Enrollment.objects.create(course=other_course, user=kim)
    ri = preview(course, users["teacher"], "namn;e-post\nNågon Annan;KIM@example.se\n")
    result = services.roster_import_apply(roster_import=ri, by=users["teacher"], base_url="http://testserver/")
    assert (result.enrolled, result.created, result.invited) == (1, 0, 0)
    kim.refresh_from_db()
    assert (kim.first_name, kim.email) == ("Kim", "kim@example.se")
    assert kim.check_password("secret-pw-1")
    assert not mail.outbox


def test_invitations_are_in_the_language_of_the_row_or_of_the_import(course, users):
    text = "namn;e-post;språk\nÅsa Öberg;asa@example.se;\nKim Lee;kim@example.se;engelska\n"
    services.roster_import_apply(
        roster_import=preview(course, users["teacher"], text, language="sv"),
        by=users["teacher"],
        base_url="http://testserver/",
    )
    by_to = {m.to[0]: m for m in mail.outbox}
    sv, en = by_to["asa@example.se"], by_to["kim@example.se"]
    assert sv.subject == "Inbjudan till Kunskapskontroll 2 – Deep Learning"
    assert "Hej Åsa Öberg," in sv.body and "Välj ditt lösenord här:" in sv.body and "14 dagar" in sv.body
    assert en.subject.startswith("Invitation to ")
    assert "Hi Kim Lee," in en.body and "Choose your password here:" in en.body and "14 days" in en.body
    assert "&" not in sv.body  # plain text, not HTML-escaped


def test_the_invitation_link_sets_a_password_once_and_the_person_logs_in_by_email(course, users):
    services.roster_import_apply(
        roster_import=preview(course, users["teacher"]), by=users["teacher"], base_url="http://testserver/"
    )
    message = next(m for m in mail.outbox if m.to == ["asa.oberg@example.se"])
    client = Client()
    page = client.get(link_in(message), follow=True)
    assert "asa.oberg" in page.content.decode()
    set_url = page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "Ängsblomma-42", "new_password2": "Ängsblomma-42"})
    assert done.status_code == 302 and done["Location"] == "/login/"
    asa = User.objects.get(username="asa.oberg")
    assert asa.check_password("Ängsblomma-42")
    assert Invitation.objects.get(user=asa).accepted_at is not None
    # The link is spent.
    again = Client().get(link_in(message), follow=True)
    assert "Inbjudningslänken är ogiltig" in again.content.decode()
    # Login with the address.
    response = Client().post("/login/", {"username": "Asa.Oberg@example.se", "password": "Ängsblomma-42"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_an_invitation_link_expires(course, users, settings):
    services.roster_import_apply(
        roster_import=preview(course, users["teacher"]), by=users["teacher"], base_url="http://testserver/"
    )
    settings.QUIZ_INVITATION_DAYS = -1  # any age is too old
    page = Client().get(link_in(mail.outbox[0]), follow=True)
    assert "Inbjudningslänken är ogiltig" in page.content.decode()
    assert "new_password1" not in page.content.decode()


def test_a_failed_send_is_recorded_and_can_be_sent_again(course, users, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2  # nothing listens
    result = services.roster_import_apply(
        roster_import=preview(course, users["teacher"]), by=users["teacher"], base_url="http://testserver/"
    )
    assert (result.created, result.invited, result.invite_failed) == (3, 0, 3)
    invitation = Invitation.objects.get(user__username="bjorn")
    assert invitation.status == Invitation.Status.FAILED and invitation.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    services.invitation_resend(
        course=course, user=invitation.user, by=users["teacher"], language="sv", base_url="http://testserver/"
    )
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT and invitation.send_count == 1
    assert [m.to for m in mail.outbox] == [["bjorn@example.se"]]


def test_the_last_teacher_cannot_be_removed_but_a_student_is_unenrolled_not_deleted(course, users):
    teachers = Enrollment.objects.filter(course=course, role=Enrollment.Role.TEACHER)
    teachers.exclude(user=users["teacher"]).delete()  # the admin's demo enrolment
    with pytest.raises(ValidationError) as info:
        services.member_remove(course=course, enrollment=teachers.get(), by=users["teacher"])
    assert info.value.messages == ["Kursen måste ha minst en lärare kvar."]
    student = Enrollment.objects.get(course=course, user=users["student"])
    services.member_remove(course=course, enrollment=student, by=users["teacher"])
    assert not Enrollment.objects.filter(course=course, user=users["student"]).exists()
    assert User.objects.filter(username="student").exists()


# --- pages ---------------------------------------------------------------------------------------


def test_a_teacher_uploads_a_file_sees_the_preview_confirms_and_sees_the_summary(course, users, teacher_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("klass.csv", (ROSTER + "<b>Elak</b>;elak@;;student\r\n").encode("utf-8"))
    response = teacher_client.post(f"/dashboard/courses/{COURSE}/roster/", {"file": upload, "language": "sv"})
    assert response.status_code == 302
    page = teacher_client.get(response["Location"])
    html = page.content.decode()
    assert "Åsa Öberg" in html and "klass.csv" in html
    assert "&lt;b&gt;Elak&lt;/b&gt;" in html and "<b>Elak</b>" not in html
    assert "Ogiltig e-postadress" in html
    assert 'data-testid="created">3<' in html and 'data-testid="errors">1<' in html
    assert not User.objects.filter(email="asa.oberg@example.se").exists()
    confirm = re.search(r'action="([^"]+/confirm)"', html).group(1)
    done = teacher_client.post(confirm, follow=True)
    html = done.content.decode()
    assert "Importen är klar" in html
    assert 'data-testid="created">3<' in html and 'data-testid="skipped">1<' in html
    assert User.objects.filter(email="asa.oberg@example.se").exists()


def test_pasted_text_and_a_bad_file_get_a_clear_answer(course, teacher_client):
    url = f"/dashboard/courses/{COURSE}/roster/"
    response = teacher_client.post(url, {"text": "förnamn;efternamn;epost\nÅsa;Öberg;asa@example.se", "language": "en"})
    assert response.status_code == 302
    assert RosterImport.objects.get().language == "en"
    bad = teacher_client.post(url, {"text": "hej hopp", "language": "sv"})
    assert bad.status_code == 400 and "Första raden ska vara rubriker" in bad.content.decode()
    empty = teacher_client.post(url, {"language": "sv"})
    assert empty.status_code == 400 and "Välj en fil eller klistra in rader." in empty.content.decode()


def test_csrf_is_required_on_the_onboarding_forms(course, users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["teacher"])
    for url in (
        f"/dashboard/courses/{COURSE}/roster/",
        f"/dashboard/courses/{COURSE}/people/add",
        "/password-reset/",
    ):
        assert client.post(url, {"text": ROSTER, "email": "a@example.se"}).status_code == 403, url
    page = client.get(f"/dashboard/courses/{COURSE}/people/").content.decode()
    assert page.count("csrfmiddlewaretoken") >= 3


def test_the_people_page_lists_members_with_their_invitation_and_adds_one(course, users, teacher_client):
    url = f"/dashboard/courses/{COURSE}/people/"
    response = teacher_client.post(
        url + "add",
        {"name": "Kim <Lee>", "email": "kim@example.se", "username": "", "role": "student", "language": "en"},
    )
    assert response.status_code == 302
    assert mail.outbox[0].subject.startswith("Invitation to")
    html = teacher_client.get(url).content.decode()
    assert "Kim &lt;Lee&gt;" in html
    row = re.search(r'<tr data-username="kim">.*?</tr>', html, re.S).group(0)
    assert "Skickad" in row and "Skicka inbjudan igen" in row
    # The same address again: nothing new.
    again = teacher_client.post(
        url + "add", {"name": "Kim", "email": "kim@example.se", "role": "student", "language": "sv"}, follow=True
    )
    assert "Personen fanns redan i kursen." in again.content.decode()
    assert User.objects.filter(email="kim@example.se").count() == 1
    # A conflict is shown on the form.
    bad = teacher_client.post(
        url + "add", {"name": "Kim", "email": "kim@example.se", "role": "teacher", "language": "sv"}
    )
    assert bad.status_code == 400 and "Finns redan i kursen som student." in bad.content.decode()


def test_a_teacher_resends_an_invitation(course, users, teacher_client):
    teacher_client.post(
        f"/dashboard/courses/{COURSE}/people/add",
        {"name": "Kim Lee", "email": "kim@example.se", "role": "student", "language": "sv"},
    )
    kim = User.objects.get(username="kim")
    response = teacher_client.post(f"/dashboard/courses/{COURSE}/people/{kim.pk}/invite", follow=True)
    assert "Inbjudan till kim är skickad igen." in response.content.decode()
    assert len(mail.outbox) == 2 and Invitation.objects.get(user=kim).send_count == 2
    # Someone with a password is not invited again.
    response = teacher_client.post(f"/dashboard/courses/{COURSE}/people/{users['student'].pk}/invite", follow=True)
    assert "har redan ett lösenord" in response.content.decode()
    assert len(mail.outbox) == 2


def test_a_teacher_removes_a_student_and_cannot_remove_themselves_as_last_teacher(course, users, teacher_client):
    Enrollment.objects.filter(course=course, user=users["admin"]).delete()
    student = Enrollment.objects.get(course=course, user=users["student"])
    response = teacher_client.post(f"/dashboard/courses/{COURSE}/people/{student.pk}/remove", follow=True)
    assert "student är borttagen ur kursen." in response.content.decode()
    assert User.objects.filter(pk=users["student"].pk).exists()
    own = Enrollment.objects.get(course=course, user=users["teacher"])
    response = teacher_client.post(f"/dashboard/courses/{COURSE}/people/{own.pk}/remove", follow=True)
    assert "Kursen måste ha minst en lärare kvar." in response.content.decode()
    assert Enrollment.objects.filter(pk=own.pk).exists()


def test_a_teacher_of_course_a_can_do_nothing_to_course_b(course, users, other_course):
    """The teacher of the demo course against the other course, by its URLs and by the ids of
    its objects under their own course's URLs: 404 every time, and nothing changes."""
    teacher2 = User.objects.get(username="teacher2")
    outsider = User.objects.create_user("outsider", email="out@example.se")
    b_student = Enrollment.objects.create(course=other_course, user=outsider)
    b_import = preview(other_course, teacher2)
    client = Client()
    client.force_login(users["teacher"])
    b = "/dashboard/courses/other-course"
    a = f"/dashboard/courses/{COURSE}"
    attempts = [
        ("get", f"{b}/people/", {}),
        ("post", f"{b}/people/add", {"name": "X Y", "email": "x@example.se", "role": "teacher", "language": "sv"}),
        ("post", f"{b}/people/{b_student.pk}/remove", {}),
        ("post", f"{b}/people/{outsider.pk}/invite", {}),
        ("get", f"{b}/roster/", {}),
        ("post", f"{b}/roster/", {"text": ROSTER, "language": "sv"}),
        ("get", f"{b}/roster/{b_import.pk}/", {}),
        ("post", f"{b}/roster/{b_import.pk}/confirm", {}),
        # Course B's objects through course A's URLs.
        ("post", f"{a}/people/{b_student.pk}/remove", {}),
        ("post", f"{a}/people/{outsider.pk}/invite", {}),
        ("get", f"{a}/roster/{b_import.pk}/", {}),
        ("post", f"{a}/roster/{b_import.pk}/confirm", {}),
    ]
    for method, url, data in attempts:
        assert getattr(client, method)(url, data).status_code == 404, url
    assert Enrollment.objects.filter(pk=b_student.pk).exists()
    assert RosterImport.objects.get(pk=b_import.pk).status == RosterImport.Status.PREVIEW
    assert not User.objects.filter(email="x@example.se").exists()
    assert not mail.outbox
    # And a student of course A cannot use course A's pages either.
    student = Client()
    student.force_login(users["student"])
    assert student.get(f"{a}/people/").status_code == 404
    assert student.post(f"{a}/roster/", {"text": ROSTER, "language": "sv"}).status_code == 404


def test_the_demo_outbox_shows_the_file_backends_mails_to_staff_only(course, users, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    services.roster_import_apply(
        roster_import=preview(course, users["teacher"]), by=users["teacher"], base_url="http://testserver/"
    )
    assert list(tmp_path.glob("*.log"))
    admin = Client()
    admin.force_login(users["admin"])
    html = admin.get("/dashboard/mail/").content.decode()
    assert html.count("Inbjudan till Kunskapskontroll 2") == 3
    assert 'href="http://testserver/invitation/' in html
    assert "bjorn@example.se" in html
    teacher = Client()
    teacher.force_login(users["teacher"])
    assert teacher.get("/dashboard/mail/").status_code == 404
    settings.DEMO_MODE = False
    assert admin.get("/dashboard/mail/").status_code == 404


def test_email_settings_come_from_the_environment(monkeypatch, tmp_path):
    from quizplatform.mailconfig import email_settings

    monkeypatch.setenv("EMAIL_URL", "smtp://mailer%40uni.se:p%40ss@smtp.uni.se:587?tls=1")
    got = email_settings(production=True, var_dir=tmp_path)
    assert got["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (got["EMAIL_HOST"], got["EMAIL_PORT"], got["EMAIL_USE_TLS"]) == ("smtp.uni.se", 587, True)
    assert (got["EMAIL_HOST_USER"], got["EMAIL_HOST_PASSWORD"]) == ("mailer@uni.se", "p@ss")
    monkeypatch.delenv("EMAIL_URL")
    assert email_settings(production=True, var_dir=tmp_path)["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
    dev = email_settings(production=False, var_dir=tmp_path)
    assert dev["EMAIL_BACKEND"].endswith("filebased.EmailBackend") and dev["EMAIL_FILE_PATH"] == str(tmp_path / "mail")
    monkeypatch.setenv("EMAIL_BACKEND", "console")
    assert email_settings(production=False, var_dir=tmp_path)["EMAIL_BACKEND"].endswith("console.EmailBackend")
    monkeypatch.setenv("EMAIL_URL", "ftp://x")
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL scheme"):
        email_settings(production=False, var_dir=tmp_path)


def test_the_english_pages_are_translated(course, teacher_client):
    html = teacher_client.get(f"/dashboard/courses/{COURSE}/roster/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Import people" in html and "Preview" in html and "Language of the invitation" in html
