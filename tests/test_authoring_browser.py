"""A teacher writes a coding exercise in a real headless Chromium: create -> validate on the
worker -> publish -> preview as a student, then a student opens it."""

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import item_dir
from tests.test_browser import login, page  # noqa: F401 - the live-server browser fixture

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def set_code(pg: Page, field: str, text: str) -> None:
    pg.evaluate("([field, text]) => window.quizEditors[field].setValue(text)", [field, text])


def test_teacher_creates_validates_publishes_and_previews_an_exercise(page: Page):  # noqa: F811
    source = item_dir("count-parameters")
    login(page, "teacher")
    page.get_by_test_id("nav-authoring").click()
    page.get_by_role("link", name="Kunskapskontroll 2 – Deep Learning").click()
    page.get_by_test_id("new-item").click()

    page.get_by_label("Namn i adressen (slug)").fill("rakna-parametrar-2")
    page.locator("#id_kind").select_option("code")
    page.locator("#id_assessment").select_option(label="Del 2: kodövningar")
    page.get_by_label("Poäng").fill("4")
    page.get_by_label("Titel (svenska)").fill("Räkna parametrar igen")
    page.get_by_label("Uppgiftstext (svenska, Markdown)").fill("Skriv `dense_params` och `network_params`.")
    # The code fields are CodeMirror editors, like the students' answer editor.
    expect(page.locator(".CodeMirror")).to_have_count(4)
    expect(page.get_by_test_id("checks-warning")).to_be_visible()
    expect(page.locator("[data-kind-only=theory]")).to_be_hidden()
    set_code(page, "starter", (source / "starter.py").read_text())
    set_code(page, "solution", (source / "solution.py").read_text())
    set_code(page, "examples", "assert dense_params(5, 10) == 60\n")
    set_code(page, "checks", (source / "checks.py").read_text())
    page.get_by_test_id("save-validate").click()

    # The validation page refreshes itself until the worker is done.
    expect(page.locator("#validation-status")).to_have_attribute("data-status", "passed", timeout=90_000)
    expect(page.get_by_test_id("solution-result-score")).to_have_text("4 / 4")
    expect(page.get_by_test_id("starter-result-score")).to_have_text("0 / 4")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("published-version")).to_contain_text("version 1")

    page.get_by_test_id("preview").click()
    expect(page.get_by_test_id("preview-title")).to_contain_text("Räkna parametrar igen")
    expect(page.get_by_test_id("preview-examples")).to_contain_text("dense_params(5, 10) == 60")
    expect(page.locator(".CodeMirror")).to_contain_text("def network_params(n_cols):")
    # Trying the starter as a student would: graded against the draft, feedback shown, no submission.
    page.get_by_test_id("try").click()
    expect(page.locator("#trial-status")).to_have_attribute("data-status", "graded", timeout=90_000)
    expect(page.get_by_test_id("trial-result-score")).to_have_text("0 / 4")
    expect(page.get_by_test_id("trial-result")).to_contain_text("dense_params(5, 10)")

    # A student now finds it in the course.
    page.get_by_role("button", name="Logga ut").click()
    login(page, "student")
    page.goto("/items/rakna-parametrar-2/")
    expect(page.get_by_role("heading", name="Räkna parametrar igen")).to_be_visible()
    expect(page.get_by_test_id("nav-authoring")).to_have_count(0)


def test_teacher_writes_a_numeric_item_with_variants_and_previews_a_chosen_variant(page: Page):  # noqa: F811
    login(page, "teacher")
    page.goto("/authoring/courses/kunskapskontroll-2/items/new/")
    page.get_by_label("Namn i adressen (slug)").fill("parametrar-tal")
    page.locator("#id_kind").select_option("numeric")
    # A numeric item shows its own fields; code and rubric fields are hidden.
    expect(page.locator("[data-kind-only=code]")).to_be_hidden()
    expect(page.locator("[data-kind-only='code theory']")).to_be_hidden()
    expect(page.locator("[data-kind-only=numeric]")).to_be_visible()
    page.locator("#id_assessment").select_option(label="Del 2: kodövningar")
    page.get_by_label("Poäng").fill("1")
    page.get_by_label("Titel (svenska)").fill("Parametrar som tal")
    page.get_by_label("Uppgiftstext (svenska, Markdown)").fill("Dense({{ units }}) med {{ inputs }} indata?")
    page.get_by_label("Rätt svar (uttryck)").fill("inputs * units + units")
    page.get_by_label("Varianter (YAML)").fill("inputs: [5, 8]\nunits: [10, 16]\n")
    page.get_by_test_id("save-validate").click()
    expect(page.locator("#validation-status")).to_have_attribute("data-status", "passed", timeout=90_000)
    expect(page.get_by_test_id("solution-result-score")).to_have_text("1 / 1")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("published-version")).to_contain_text("version 1")

    page.get_by_test_id("preview").click()
    page.get_by_test_id("variant-inputs").select_option("8")
    page.get_by_test_id("variant-units").select_option("16")
    page.get_by_test_id("show-variant").click()
    expect(page.get_by_test_id("preview-prompt")).to_contain_text("Dense(16) med 8 indata?")
    page.get_by_test_id("numeric-answer").fill("144")
    page.get_by_test_id("try").click()
    expect(page.locator("#trial-status")).to_have_attribute("data-status", "graded", timeout=90_000)
    expect(page.get_by_test_id("trial-result-score")).to_have_text("1 / 1")
    expect(page.get_by_test_id("trial-result")).to_contain_text("144 är rätt.")
