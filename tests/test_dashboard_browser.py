"""The dashboard's main ways in a real headless Chromium (Debian's), driven by Playwright, against
a live server with the real worker behind it: gradebook -> submission -> override with a comment
-> the student sees it; the review queue accepted by one keystroke; the CSV export."""

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from exercises.models import Assessment, Item, ScoreChange, Submission
from exercises.services import submission_create
from tests.conftest import wait_for_grade
from tests.dashboard_helpers import graded, set_release
from tests.test_browser import ARGS, CHROMIUM, login

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context(course, live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        def new_page() -> Page:
            context = browser.new_context(base_url=live_server.url, locale="sv-SE", accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(30_000)
            return page

        yield new_page
        browser.close()


def test_teacher_overrides_a_score_from_the_gradebook_and_the_student_sees_it(browser_context, users, celery_worker):
    answer = "Maskininlärning är en del av AI. Djupinlärning använder neurala nätverk med många lager."
    sub = wait_for_grade(submission_create(user=users["student"], item=Item.objects.get(slug="q01"), text=answer).pk)
    assert sub.status == "graded"

    teacher = browser_context()
    login(teacher, "teacher")
    teacher.get_by_test_id("dashboard-link").click()
    expect(teacher.get_by_role("heading", name="Betygsbok: Kunskapskontroll 2 – Deep Learning")).to_be_visible()
    cell = teacher.locator('tr[data-student="student"] td[data-item="q01"]')
    expect(cell).to_have_attribute("data-status", "graded")
    cell.get_by_role("link").click()
    expect(teacher.get_by_test_id("submitted-text")).to_have_text(answer)
    teacher.get_by_label("Poäng").fill("3.5")
    teacher.get_by_label("Kommentar till studenten").fill("Bra, men nämn också <träningsdata>.")
    teacher.get_by_test_id("override-form").get_by_role("button", name="Spara poäng").click()
    expect(teacher.get_by_test_id("final-score")).to_have_text("3,50")
    expect(teacher.get_by_test_id("audit")).to_contain_text("Ändrad av lärare")
    expect(teacher.get_by_test_id("audit")).to_contain_text("teacher")
    # The gradebook shows the new final score and marks it as changed.
    teacher.get_by_role("link", name="Betygsbok").click()
    expect(cell).to_have_attribute("data-status", "overridden")
    expect(cell).to_contain_text("3,50")

    student = browser_context()
    login(student, "student")
    student.goto(f"/submissions/{sub.pk}/")
    expect(student.get_by_test_id("score")).to_have_text("3,50 / 4")
    expect(student.get_by_test_id("teacher-comment")).to_contain_text("Bra, men nämn också <träningsdata>.")
    assert student.get_by_test_id("dashboard-link").count() == 0
    assert student.goto("/dashboard/").status == 404


def test_review_queue_accepts_the_least_sure_answer_with_one_keystroke(browser_context, users):
    set_release("del-1-teori", Assessment.Release.AFTER_REVIEW)
    sure = graded(users["student"], "q05", 3.0, text="Ett säkert svar.", confidence=0.9)
    unsure = graded(users["student2"], "q05", 1.0, text="Ett osäkert svar.", confidence=0.2)

    student = browser_context()
    login(student, "student2")
    student.goto(f"/submissions/{unsure.pk}/")
    expect(student.get_by_test_id("awaiting-review")).to_be_visible()
    assert student.get_by_test_id("score").count() == 0

    teacher = browser_context()
    login(teacher, "teacher")
    teacher.goto("/dashboard/courses/kunskapskontroll-2/review/")
    teacher.locator('tr[data-item="q05"] a').click()
    cards = teacher.locator(".review-card")
    expect(cards).to_have_count(2)
    # Least sure first, and selected.
    expect(cards.first).to_have_attribute("data-submission", str(unsure.pk))
    expect(cards.first).to_have_class("review-card selected")
    # The keys act only while the list has focus: "a" on the page elsewhere does nothing.
    teacher.keyboard.press("a")
    expect(cards).to_have_count(2)
    cards.first.focus()
    teacher.keyboard.press("a")
    expect(cards).to_have_count(1)
    expect(cards.first).to_have_attribute("data-submission", str(sure.pk))
    reviewed = Submission.objects.get(pk=unsure.pk)
    assert reviewed.reviewed_by == users["teacher"] and reviewed.reviewed_at is not None
    assert ScoreChange.objects.get(submission=reviewed).kind == "accept"
    # A confirmation can be taken back: the answer is in the queue again, the log says so.
    teacher.get_by_test_id("undo-accept").get_by_role("button").click()
    expect(cards).to_have_count(2)
    assert Submission.objects.get(pk=unsure.pk).reviewed_at is None
    assert list(ScoreChange.objects.filter(submission=reviewed).values_list("kind", flat=True).order_by("pk")) == [
        "accept",
        "undo_accept",
    ]
    cards.first.focus()
    teacher.keyboard.press("a")
    expect(cards).to_have_count(1)
    # The visible button does the same.
    cards.first.get_by_test_id("accept").click()
    expect(teacher.get_by_test_id("review-empty")).to_be_visible()

    student.reload()
    expect(student.get_by_test_id("score")).to_have_text("1 / 6")


def test_gradebook_exports_csv_for_excel(browser_context, users):
    student = users["student"]
    student.first_name, student.last_name = "Åsa", "Öberg"
    student.save()
    graded(student, "q01", 2.5)
    teacher = browser_context()
    login(teacher, "admin")
    teacher.goto("/dashboard/courses/kunskapskontroll-2/")
    with teacher.expect_download() as info:
        teacher.get_by_test_id("csv").click()
    download = info.value
    assert download.suggested_filename.startswith("kunskapskontroll-2-gradebook-")
    data = open(download.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("username;first_name;last_name;email;q01;")
    assert any(line.startswith("student;Åsa;Öberg;;2,5;") for line in lines)
