"""Exam mode in a real headless Chromium (Debian's) through Playwright, against a live server:
the countdown and its warnings, the automatic submission at the deadline (text typed, then the
time runs out), and a draft typed while the network is down that arrives when it is back."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from tests.test_browser import ARGS, CHROMIUM, login

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SCREENS = Path(__file__).resolve().parent.parent / "var" / "screens"


@pytest.fixture
def browser(course, live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        def new_context(**kwargs):
            context = chromium.new_context(base_url=live_server.url, locale="sv-SE", **kwargs)
            context.set_default_timeout(30_000)
            return context

        yield new_context
        chromium.close()


def exam(slug: str, *, closes_in: float, **fields):
    from exams.models import ExamSettings
    from exercises.models import Assessment

    assessment = Assessment.objects.get(slug=slug)
    assessment.closes_at = timezone.now() + timedelta(seconds=closes_in)
    assessment.save(update_fields=["closes_at"])
    ExamSettings.objects.update_or_create(assessment=assessment, defaults={"enabled": True, **fields})
    return assessment


def test_at_the_deadline_typed_text_and_code_are_submitted_automatically(browser, users, settings):
    """The student types an answer and code; nobody presses submit. At zero the code page sends
    its text and every draft of its part is submitted; the theory part's draft (a page no longer
    open, like a closed laptop) is submitted by the server's sweep."""
    from exams.services import exam_sweep
    from exercises.models import Submission

    settings.QUIZ_EXAM_GRACE_SECONDS = 3
    theory = exam("del-1-teori", closes_in=40, feedback="none")
    code = exam("del-2-kod", closes_in=40, feedback="none")
    page = browser().new_page()
    login(page, "student")

    page.goto("/items/q01/")
    answer = "Överträning betyder att modellen lär sig träningsdatan utantill och generaliserar dåligt."
    page.locator("#id_text").fill(answer)
    expect(page.locator("#draft-status")).to_have_attribute("data-state", "saved", timeout=10_000)

    page.goto("/items/count-parameters/")
    expect(page.get_by_test_id("exam-countdown")).to_be_visible()
    expect(page.get_by_test_id("exam-warning")).to_contain_text("En minut kvar")  # under a minute left
    expect(page.get_by_test_id("exam-live")).to_contain_text("En minut kvar")
    page.locator(".CodeMirror").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# skrivet precis före tidens slut")
    # Nothing is pressed: the deadline passes.
    wait = (code.closes_at - timezone.now()).total_seconds()
    assert wait > 0, "the page took longer than the exam"
    box = page.get_by_test_id("exam-countdown")
    expect(box).to_have_attribute("data-state", "submitted", timeout=(wait + 30) * 1000)
    expect(page.get_by_test_id("exam-warning")).to_contain_text("Dina svar har lämnats in")
    expect(page.get_by_test_id("exam-clock")).to_have_text("0:00")
    assert page.locator(".CodeMirror").evaluate("el => el.CodeMirror.getOption('readOnly')") == "nocursor"

    submitted = Submission.objects.get(user=users["student"], item__slug="count-parameters")
    assert submitted.text.endswith("# skrivet precis före tidens slut")
    assert submitted.created_at == code.closes_at
    # The theory part: the page is gone, its draft is on the server; the sweep submits it.
    time.sleep(settings.QUIZ_EXAM_GRACE_SECONDS + 0.5)
    assert exam_sweep()["exam_submitted"] == 1
    theory_sub = Submission.objects.get(user=users["student"], item__slug="q01")
    assert theory_sub.text == answer and theory_sub.created_at == theory.closes_at


def test_a_draft_typed_offline_is_kept_in_the_browser_and_arrives_when_back(browser, users):
    from exercises.models import Draft

    exam("del-1-teori", closes_in=3600)
    context = browser()
    page = context.new_page()
    login(page, "student")
    page.goto("/items/q02/")
    expect(page.get_by_test_id("exam-countdown")).to_be_visible()
    context.set_offline(True)
    text = "Skrivet medan nätet var nere: en aktiveringsfunktion gör nätet icke-linjärt."
    page.locator("#id_text").fill(text)
    expect(page.locator("#draft-status")).to_have_attribute("data-state", "offline", timeout=10_000)
    expect(page.locator("#draft-status")).to_contain_text("finns kvar i webbläsaren")
    key = f"quiz-draft:{users['student'].pk}:q02"
    stored = page.evaluate("key => JSON.parse(localStorage.getItem(key)).text", key)
    assert stored == text
    assert not Draft.objects.filter(user=users["student"], item__slug="q02").exists()
    context.set_offline(False)
    expect(page.locator("#draft-status")).to_have_attribute("data-state", "saved", timeout=15_000)
    assert Draft.objects.get(user=users["student"], item__slug="q02").text == text
    assert page.evaluate("key => localStorage.getItem(key)", key) is None


def test_unsent_text_survives_a_reload_and_is_sent(browser, users):
    """Text the server never got (the page was closed while offline) is restored from the browser."""
    from exercises.models import Draft

    context = browser()
    page = context.new_page()
    login(page, "student")
    page.goto("/items/q03/")
    context.set_offline(True)
    page.locator("#id_text").fill("Text som bara finns i webbläsaren.")
    expect(page.locator("#draft-status")).to_have_attribute("data-state", "offline", timeout=10_000)
    page.close()  # closed while offline: the server never got it
    assert not Draft.objects.filter(user=users["student"], item__slug="q03").exists()
    context.set_offline(False)
    page = context.new_page()
    page.goto("/items/q03/")
    expect(page.locator("#id_text")).to_have_value("Text som bara finns i webbläsaren.")
    expect(page.locator("#draft-status")).to_have_attribute("data-state", "saved", timeout=10_000)
    assert Draft.objects.get(user=users["student"], item__slug="q03").text == "Text som bara finns i webbläsaren."


@pytest.mark.parametrize("width,height,name", [(1366, 900, "desktop"), (390, 844, "phone")])
def test_countdown_warns_at_five_minutes_and_fits_a_phone(browser, users, width, height, name):
    exam("del-2-kod", closes_in=4 * 60 + 50)
    page = browser(viewport={"width": width, "height": height}).new_page()
    login(page, "student")
    page.goto("/items/build-network/")
    expect(page.get_by_test_id("exam-warning")).to_contain_text("Fem minuter kvar")
    expect(page.get_by_test_id("exam-live")).to_contain_text("Fem minuter kvar")
    expect(page.get_by_test_id("exam-countdown")).to_have_attribute("data-level", "5")
    expect(page.get_by_test_id("exam-clock")).to_have_text(re.compile(r"^4:[0-5]\d$"))
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"exam-countdown-{name}.png"))


def test_a_refusal_in_the_browser_explains_and_the_code_lets_the_student_in(browser, users):
    exam("del-2-kod", closes_in=3600, access_code="SAL-7")
    page = browser().new_page()
    login(page, "student")
    response = page.goto("/items/count-parameters/")
    assert response is not None and response.status == 403
    expect(page.get_by_test_id("exam-refusal")).to_contain_text("provkoden")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "exam-code-desktop.png"))
    page.get_by_label("Provkod").fill("SAL-7")
    page.get_by_role("button", name="Fortsätt").click()
    expect(page.locator(".CodeMirror")).to_be_visible()
    assert page.url.endswith("/items/count-parameters/")


def test_unsent_text_does_not_overwrite_a_newer_draft_from_another_computer(browser, users):
    """The browser's unsent text started from an older draft: the newer one stays, and the
    browser's text is offered with a button, not lost."""
    from exercises.models import Draft, Item
    from exercises.services import draft_save

    context = browser()
    page = context.new_page()
    login(page, "student")
    page.goto("/items/q04/")
    context.set_offline(True)
    page.locator("#id_text").fill("Skrivet på dator A utan nät.")
    expect(page.locator("#draft-status")).to_have_attribute("data-state", "offline", timeout=10_000)
    page.close()
    context.set_offline(False)
    draft_save(user=users["student"], item=Item.objects.get(slug="q04"), text="Skrivet senare på dator B.")
    page = context.new_page()
    page.goto("/items/q04/")
    expect(page.locator("#id_text")).to_have_value("Skrivet senare på dator B.")
    page.get_by_test_id("restore-local").click()
    expect(page.locator("#id_text")).to_have_value("Skrivet på dator A utan nät.")
    expect(page.locator("#draft-status")).to_have_attribute("data-state", "saved", timeout=10_000)
    assert Draft.objects.get(user=users["student"], item__slug="q04").text == "Skrivet på dator A utan nät."
