"""A teacher weighs a coding exercise's requirements in a real headless Chromium: the shares
and the sum follow as they type, saving writes the weights into the draft, and the page passes
axe-core at desktop and phone sizes (screenshots of both under /work/notes/s2/screens/ when that
folder exists)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.test_a11y_browser import axe_problems
from tests.test_browser import ARGS, CHROMIUM, login

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SCREENS = Path("/work/notes/s2/screens")
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def page(course, live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # bypass_csp: axe-core is injected as an inline script, which the site's CSP refuses.
        context = browser.new_context(
            base_url=live_server.url, locale="sv-SE", bypass_csp=True, viewport=SIZES["desktop"]
        )
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page
        context.close()
        browser.close()


def look(page: Page, name: str) -> list[str]:
    """axe's serious and critical violations at both sizes (and the screenshots); the page must
    not be wider than a phone's screen either."""
    problems = []
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.get_by_test_id("requirements").scroll_into_view_if_needed()
        if SCREENS.is_dir():
            page.screenshot(path=str(SCREENS / f"weights-{name}-{size}.png"))
        problems += [f"{size}: {p}" for p in axe_problems(page) if p["impact"] in ("serious", "critical")]
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > viewport["width"]:
            problems.append(f"{size}: the page is {width} px wide")
    page.set_viewport_size(SIZES["desktop"])
    return problems


def test_teacher_edits_a_weight_sees_the_points_follow_and_saves(page: Page):
    from authoring.models import ItemDraft

    login(page, "teacher")
    page.goto("/authoring/courses/kunskapskontroll-2/")
    page.locator('form[action="/authoring/items/build-network/edit/"] button').click()
    table = page.get_by_test_id("requirements")
    expect(table).to_be_visible()
    # Preconditions are gates without a weight; the rest start from requirements.yaml's points.
    expect(page.get_by_test_id("requirement-returns-model")).to_contain_text("förhandskrav")
    expect(page.get_by_test_id("requirement-returns-model").locator("input")).to_have_count(0)
    dense = page.get_by_label("Vikt för dense-100")
    expect(dense).to_have_value("1.5")
    expect(page.get_by_test_id("weight-total")).to_have_text("10")
    expect(page.get_by_test_id("weights-rescaled")).to_be_hidden()
    assert look(page, "edit") == []

    # 3.5 instead of 1.5: the weights now add up to 12, so the 10 points are shared by weight.
    dense.fill("3.5")
    expect(page.get_by_test_id("weight-total")).to_have_text("12")
    expect(page.get_by_test_id("share-dense-100")).to_have_text("2,92")  # 10 x 3.5 / 12
    expect(page.get_by_test_id("share-not-trained")).to_have_text("0,83")
    expect(page.get_by_test_id("weights-rescaled")).to_be_visible()
    assert look(page, "rescaled") == []

    # Back to a sum of 10 (dense-100 weighs 3, the optimizer 0), then save the draft.
    dense.fill("3")
    page.get_by_label("Vikt för optimizer").fill("0")
    page.get_by_label("Vikt för no-other-layers").fill("0")
    expect(page.get_by_test_id("weight-total")).to_have_text("10")
    expect(page.get_by_test_id("weights-rescaled")).to_be_hidden()
    page.get_by_test_id("save").click()
    expect(page.locator(".flash").first).to_contain_text("Utkastet är sparat.")
    expect(page.get_by_label("Vikt för dense-100")).to_have_value("3")
    expect(page.get_by_test_id("share-dense-100")).to_have_text("3")
    draft = ItemDraft.objects.get(slug="build-network")
    assert draft.fields["config"]["weights"] == {"dense-100": 3, "no-other-layers": 0, "optimizer": 0}

    # A negative weight is refused by the server with a message next to it; nothing is lost.
    page.get_by_label("Vikt för loss").evaluate("el => el.removeAttribute('min')")
    page.get_by_label("Vikt för loss").fill("-1")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text("Utkastet är inte sparat")
    expect(page.get_by_test_id("requirement-loss").get_by_test_id("weight-error")).to_be_visible()
    expect(page.get_by_label("Vikt för dense-100")).to_have_value("3")
    draft.refresh_from_db()
    assert draft.fields["config"]["weights"] == {"dense-100": 3, "no-other-layers": 0, "optimizer": 0}
    assert look(page, "error") == []
