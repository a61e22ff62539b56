"""A student's whole way through the site in a real headless Chromium (Debian's), driven by
Playwright, against a live server with the real worker behind it."""

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.conftest import item_dir

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(course, celery_worker, live_server, monkeypatch):
    # Playwright's sync API keeps an asyncio loop on this thread; the ORM calls the tests make
    # between browser steps are ordinary synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(base_url=live_server.url, locale="sv-SE")
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page
        context.close()
        browser.close()


def login(page: Page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(username)
    page.get_by_role("button", name="Logga in").click()


def test_student_answers_theory_and_solves_code_in_the_browser(page: Page):
    login(page, "student")
    # The course page with progress, in Swedish first.
    expect(page.get_by_role("heading", name="Kunskapskontroll 2 – Deep Learning")).to_be_visible()
    expect(page.locator("tr[data-item=q01]")).to_contain_text("Ej påbörjad")

    # A theory question: the draft is kept between visits, then submitted and graded.
    page.locator("tr[data-item=q07] a").click()
    answer = (
        "Dropout stänger slumpmässigt av en andel neuroner under varje träningssteg så att nätverket "
        "inte förlitar sig på enskilda neuroner. Det minskar överträning. Bara under träningen."
    )
    page.locator("#id_text").fill(answer)
    expect(page.locator("#draft-status")).to_have_attribute("data-state", "saved", timeout=10_000)
    page.reload()
    expect(page.locator("#id_text")).to_have_value(answer)
    page.get_by_test_id("submit").click()
    # The result appears beside the answer, which stays as it was.
    expect(page.locator("#result .result-body[data-attempt='1']")).to_have_attribute(
        "data-status", "graded", timeout=60_000
    )
    expect(page.get_by_test_id("checks")).to_contain_text("Tar upp")
    expect(page.locator("#id_text")).to_have_value(answer)
    expect(page.get_by_test_id("announce")).to_contain_text("Inlämning 1: Rättad")

    # A coding exercise in the code editor (CodeMirror 6): line numbers, Python highlighting,
    # an accessible name, the starter code.
    page.goto("/items/build-network/")
    editor = page.locator(".cm-editor")
    expect(editor).to_be_visible()
    expect(page.locator(".cm-lineNumbers .cm-gutterElement").nth(1)).to_have_text("1")
    expect(page.locator(".cm-content")).to_have_attribute("aria-label", "Din kod")
    expect(editor).to_contain_text("def build_model(n_cols):")
    page.evaluate("() => { window.__marker = 'same page'; }")

    # First a syntax error: its line is shown and marked in the editor, which keeps the code.
    page.evaluate(
        "code => window.quizEditor.setValue(code)", "import keras\n\ndef build_model(n_cols)\n    return None\n"
    )
    page.get_by_test_id("submit").click()
    first = page.locator("#result .result-body[data-attempt='1']")
    expect(first).to_have_attribute("data-status", "syntax_error", timeout=60_000)
    expect(page.get_by_test_id("error-line")).to_contain_text("rad 3")
    expect(page.locator(".cm-error-line")).to_have_text("def build_model(n_cols)")
    expect(page.get_by_test_id("announce")).to_contain_text("Inlämning 1: Syntaxfel")
    # "Visa rad 3" puts the cursor on that line of the editor.
    page.get_by_test_id("checks").get_by_role("link", name="Visa rad 3").click()
    expect(page.locator(".cm-content")).to_be_focused()
    expect(page.locator(".cm-activeLine")).to_have_text("def build_model(n_cols)")

    # Then the correct model, from the same page: the status moves on, then the feedback appears.
    page.evaluate("code => window.quizEditor.setValue(code)", (item_dir("build-network") / "solution.py").read_text())
    page.get_by_test_id("submit").click()
    second = page.locator("#result .result-body[data-attempt='2']")
    expect(second).to_have_attribute("data-status", "graded", timeout=90_000)
    assert page.evaluate("() => window.__marker") == "same page"  # no reload happened
    expect(page.get_by_test_id("score")).to_have_text("10 / 10")
    expect(page.get_by_test_id("checks")).to_contain_text("Lager 2 är Dropout(0.2).")
    expect(page.locator(".cm-error-line")).to_have_count(0)
    # The attempts list is up to date, with translated statuses.
    expect(page.locator("#attempts table.attempts tbody tr")).to_have_count(2)
    expect(page.locator("#attempts table.attempts tbody tr").first).to_contain_text("Rättad")

    # The submission keeps its own page, with line numbers on its code.
    page.locator("#attempts table.attempts tbody tr").nth(1).get_by_role("link").click()
    expect(page.locator("ol.code-lines li#L3")).to_contain_text("def build_model(n_cols)")

    # The course page says the statuses in words, not codes.
    page.goto("/courses/kunskapskontroll-2/")
    expect(page.locator("tr[data-item=build-network]")).to_contain_text("Rättad")
    expect(page.locator("tr[data-item=q07]")).not_to_contain_text("graded")

    # English is one click away.
    page.goto("/items/build-network/")
    page.get_by_test_id("lang-en").click()
    expect(page.get_by_test_id("checks")).to_contain_text("Layer 2 is Dropout(0.2).")
    expect(page.get_by_role("heading", name="Earlier attempts")).to_be_visible()


def test_another_student_cannot_open_my_submission(page: Page, users):
    from exercises.models import Item
    from exercises.services import submission_create

    mine = submission_create(user=users["student"], item=Item.objects.get(slug="q01"), text="mitt svar")
    login(page, "student2")
    response = page.goto(f"/submissions/{mine.pk}/")
    assert response is not None and response.status == 404


def test_a_failed_poll_or_result_fetch_is_tried_again_and_never_taken_for_the_result(page: Page):
    """While grading, the workspace polls the API, then fetches the submission's page for the
    result. An error answer on either (a 503 from a proxy, a 502 while a web process restarts)
    used to end the polling with no result shown; now it is tried again until the result is in."""
    failed = {"api": 0, "page": 0}

    def flaky_api(route):
        if failed["api"] < 2:
            failed["api"] += 1
            return route.fulfill(status=503, content_type="application/json", body='{"detail": "busy"}')
        return route.continue_()

    def flaky_page(route):
        if route.request.resource_type == "fetch" and failed["page"] < 1:
            failed["page"] += 1
            return route.fulfill(status=502, content_type="text/html", body="<h1>Bad gateway</h1>")
        return route.continue_()

    login(page, "student")
    page.route("**/api/v1/submissions/*", flaky_api)
    page.route("**/submissions/*/", flaky_page)
    page.goto("/items/q07/")
    page.locator("#id_text").fill("Dropout stänger av neuroner slumpmässigt under träningen, mot överträning.")
    page.get_by_test_id("submit").click()
    expect(page.locator("#result .result-body[data-attempt='1']")).to_have_attribute(
        "data-status", "graded", timeout=60_000
    )
    assert failed == {"api": 2, "page": 1}
