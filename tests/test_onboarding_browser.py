"""Standalone onboarding in a real headless Chromium (Debian's), driven by Playwright, against a
live server: a teacher imports a CSV with å, ä, ö (Excel's `;` and byte-order mark), sees the
preview, confirms; the invited student opens the link from the mail file (the file backend of
development), sets a password, logs in with the email address and sees the course."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect, sync_playwright

from accounts.models import User
from onboarding.selectors import mail_outbox
from tests.test_browser import ARGS, CHROMIUM, login

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROSTER = (
    "\ufeffNamn;E-post;Användarnamn;Roll\r\n"
    "Åsa Öberg;asa.oberg@example.se;;student\r\n"
    "Björn Ängström;bjorn@example.se;;lärare\r\n"
    "Fel Adress;inte-en-adress;;student\r\n"
)


@pytest.fixture
def browser_context(course, live_server, monkeypatch, settings, tmp_path):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    cache.clear()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        def new_page() -> Page:
            context = browser.new_context(base_url=live_server.url, locale="sv-SE")
            page = context.new_page()
            page.set_default_timeout(30_000)
            return page

        yield new_page
        browser.close()
    cache.clear()


def test_teacher_imports_a_csv_and_the_invited_student_sets_a_password_and_sees_the_course(
    browser_context, tmp_path, live_server
):
    csv_file = tmp_path / "klass 1.csv"
    csv_file.write_bytes(ROSTER.encode("utf-8"))

    teacher = browser_context()
    login(teacher, "teacher")
    teacher.get_by_test_id("dashboard-link").click()
    teacher.get_by_test_id("people-nav").click()
    expect(teacher.get_by_role("heading", name="Deltagare: Kunskapskontroll 2 – Deep Learning")).to_be_visible()
    teacher.get_by_test_id("roster-link").click()
    teacher.get_by_label("CSV-fil").set_input_files(str(csv_file))
    teacher.get_by_role("button", name="Förhandsgranska").click()

    preview = teacher.get_by_test_id("preview")
    expect(preview.locator('tr[data-line="2"]')).to_contain_text("Åsa Öberg")
    expect(preview.locator('tr[data-line="2"]')).to_contain_text("Nytt konto, inbjudan")
    expect(preview.locator('tr[data-line="3"]')).to_contain_text("Björn Ängström")
    expect(preview.locator('tr[data-line="4"]')).to_contain_text("Ogiltig e-postadress ”inte-en-adress”.")
    expect(teacher.get_by_test_id("created")).to_have_text("2")
    assert not User.objects.filter(email="asa.oberg@example.se").exists()  # nothing written yet
    teacher.get_by_test_id("confirm").click()
    expect(teacher.get_by_role("heading", name="Importen är klar")).to_be_visible()
    expect(teacher.get_by_test_id("created")).to_have_text("2")
    expect(teacher.get_by_test_id("invited")).to_have_text("2")
    expect(teacher.get_by_test_id("skipped")).to_have_text("1")
    teacher.get_by_test_id("people-link").click()
    expect(teacher.locator('tr[data-username="asa.oberg"] [data-testid="account-status"]')).to_contain_text("Skickad")

    # The mail, as the file backend wrote it.
    (mail,) = [m for m in mail_outbox() if "asa.oberg@example.se" in m.to]
    assert mail.subject == "Inbjudan till Kunskapskontroll 2 – Deep Learning"
    link = re.search(r"https?://\S+/invitation/\S+/", mail.body).group(0)
    assert link.startswith(live_server.url)

    student = browser_context()
    student.goto(link)
    expect(student.get_by_role("heading", name="Välkommen")).to_be_visible()
    expect(student.locator("main")).to_contain_text("asa.oberg")
    student.get_by_label("Nytt lösenord").fill("Ängsblomma-42")
    student.get_by_label("Samma lösenord igen").fill("Ängsblomma-42")
    student.get_by_role("button", name="Spara lösenordet").click()
    expect(student.get_by_role("alert")).to_contain_text("Ditt lösenord är sparat.")
    student.get_by_label("Användarnamn eller e-post").fill("asa.oberg@example.se")
    student.get_by_label("Lösenord").fill("Ängsblomma-42")
    student.get_by_role("button", name="Logga in").click()
    expect(student.get_by_role("heading", name="Kunskapskontroll 2 – Deep Learning")).to_be_visible()
    assert student.get_by_test_id("dashboard-link").count() == 0

    # The teacher now sees the account as activated; the link is spent.
    teacher.reload()
    expect(teacher.locator('tr[data-username="asa.oberg"] [data-testid="account-status"]')).to_contain_text("Aktiverat")
    again = browser_context()
    again.goto(link)
    expect(again.get_by_test_id("invalid-link")).to_be_visible()


def test_forgotten_password_from_the_login_page(browser_context):
    User.objects.create_user("kim", email="kim@example.se", password="Gammalt-lösen-1", first_name="Kim")
    page = browser_context()
    page.goto("/login/")
    page.get_by_test_id("forgot-password").click()
    page.get_by_label("E-post").fill("kim@example.se")
    page.get_by_role("button", name="Skicka länk").click()
    expect(page.get_by_test_id("reset-sent")).to_be_visible()
    (mail,) = mail_outbox()
    link = re.search(r"https?://\S+/reset/\S+/", mail.body).group(0)
    page.goto(link)
    page.get_by_label("Nytt lösenord").fill("Nytt-lösen-77")
    page.get_by_label("Samma lösenord igen").fill("Nytt-lösen-77")
    page.get_by_role("button", name="Spara lösenordet").click()
    page.get_by_test_id("login-link").click()
    page.get_by_label("Användarnamn eller e-post").fill("kim")
    page.get_by_label("Lösenord").fill("Nytt-lösen-77")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_test_id("dashboard-link")).to_have_count(0)
    expect(page.locator("header .who")).to_have_text("kim")
