"""The similarity pages in a real headless Chromium (Debian's), driven by Playwright: a teacher
goes from the dashboard to an item's ranked pairs, opens the most similar pair side by side, and
marks it; both pages fit a phone's width. Screenshots go to $SIMILARITY_SCREENS when it is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.similarity_data import sample_texts
from tests.test_browser import ARGS, CHROMIUM, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = [
    ("Anna", "Berg"), ("Bo", "Carlsson"), ("Cecilia", "Dahl"), ("David", "Ek"), ("Elin", "Falk"),
    ("Filip", "Gran"), ("Greta", "Holm"), ("Hugo", "Ivarsson"), ("Ida", "Jonsson"), ("Johan", "Karlsson"),
    ("Karin", "Lund"), ("Lars", "Martinsson"), ("Maja", "Nilsson"), ("Nils", "Olsson"), ("Olivia", "Persson"),
    ("Per", "Qvist"), ("Rut", "Sjöberg"),
]  # fmt: skip


@pytest.fixture
def build_network_class(course):
    """One student per file of the build-network test set, each with that file as a submission."""
    from accounts.models import User
    from exercises.models import Enrollment, Item, Submission

    item = Item.objects.get(slug="build-network")
    for n, (name, text) in enumerate(sample_texts("build-network").items()):
        first, last = NAMES[n]
        user = User.objects.create_user(f"{first.lower()}{n}", password="x", first_name=first, last_name=last)
        Enrollment.objects.create(course=item.assessment.course, user=user)
        if n == 0:
            text += "\n# <b>not bold</b> & <script>alert('x')</script>\n"
        Submission.objects.create(
            user=user, item=item, item_version=item.current_version, text=text, max_score=10, status="graded"
        )
    return item


def shoot(page: Page, name: str) -> None:
    folder = os.environ.get("SIMILARITY_SCREENS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"similarity-{name}.png"), full_page=True)


def fits(page: Page, width: int) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"the page is {overflow} px wide at {width} px"


@pytest.mark.parametrize("width,height", [(1366, 900), (390, 844)])
def test_teacher_ranks_compares_and_marks_a_pair(build_network_class, live_server, monkeypatch, width, height):
    from integrity.models import PairMark

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            base_url=live_server.url, locale="sv-SE", viewport={"width": width, "height": height}
        )
        page = context.new_page()
        page.set_default_timeout(30_000)
        login(page, "teacher")
        page.get_by_test_id("dashboard-link").click()
        page.get_by_role("link", name="Likhet", exact=True).click()
        page.locator('tr[data-item="build-network"] a').click()
        expect(page.get_by_role("heading", name="Likhet: Bygg nätverket från fråga 5 (build-network)")).to_be_visible()
        rows = page.get_by_test_id("pairs").locator("tbody tr")
        expect(rows.first).to_contain_text("1,00")
        fits(page, width)
        shoot(page, f"list-{width}")

        rows.first.get_by_role("link").first.click()
        expect(page.get_by_test_id("score")).to_have_text("1,00")
        expect(page.get_by_test_id("side-1").locator("mark").first).to_be_visible()
        expect(page.get_by_test_id("side-2").locator("mark").first).to_be_visible()
        fits(page, width)
        shoot(page, f"pair-{width}")

        page.get_by_label("Misstänkt").check()
        page.get_by_label("Anteckning").fill("Samma struktur, bara andra namn <kolla>.")
        page.get_by_role("button", name="Spara bedömning").click()
        expect(page.get_by_test_id("verdict")).to_have_text("Misstänkt")
        expect(page.get_by_test_id("audit")).to_contain_text("Samma struktur, bara andra namn <kolla>.")
        assert PairMark.objects.get().verdict == "suspicious"
        page.get_by_role("link", name="Tillbaka till listan").click()
        expect(rows.first).to_contain_text("Misstänkt")

        # The escaped student text: shown as text, never run or rendered.
        rows.filter(has_text="Anna Berg").first.get_by_role("link").first.click()
        expect(page.locator("pre.similar").first).to_contain_text("<script>alert('x')</script>")
        assert page.locator("pre.similar b").count() == 0
        shoot(page, f"escaped-{width}")
        context.close()
        browser.close()
