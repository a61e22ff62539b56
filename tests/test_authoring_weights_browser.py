"""A teacher weighs a coding exercise's requirements in a real headless Chromium: the shares
and the sum follow as they type, saving writes the weights into the draft, and the page passes
axe-core at desktop and phone sizes (screenshots of both under $QUIZ_SCREENSHOTS when that
folder exists). On a phone (390 px) the item list, the weight table and the preview's requirement
table read as one card per row, with nothing to scroll sideways, and stay tables for screen readers."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.test_a11y_browser import axe_problems
from tests.test_browser import ARGS, CHROMIUM, login

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Screenshots for a person to look at, when QUIZ_SCREENSHOTS names a folder that exists.
SCREENS = Path(os.environ.get("QUIZ_SCREENSHOTS", "/nonexistent"))
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
    """axe's violations at both sizes (and the screenshots); the page must not be wider than a
    phone's screen either."""
    problems = []
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.get_by_test_id("requirements").scroll_into_view_if_needed()
        if SCREENS.is_dir():
            page.screenshot(path=str(SCREENS / f"phone-weights-{name}-{size}.png"))
        problems += [f"{size}: {p}" for p in axe_problems(page)]
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > viewport["width"]:
            problems.append(f"{size}: the page is {width} px wide")
    page.set_viewport_size(SIZES["desktop"])
    return problems


def save_weights(page: Page, weights: dict[str, str]) -> None:
    """Type each requirement's weight, see the sum come to the item's 10 points, save the draft."""
    for requirement, value in weights.items():
        page.get_by_label(f"Vikt för {requirement}").fill(value)
    expect(page.get_by_test_id("weight-total")).to_have_text("10")
    expect(page.get_by_test_id("weights-rescaled")).to_be_hidden()
    page.get_by_test_id("save").click()
    expect(page.locator(".flash").first).to_contain_text("Utkastet är sparat.")


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
    save_weights(page, {"dense-100": "3", "optimizer": "0", "no-other-layers": "0"})
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


TABLE_ROLES = ("table", "row", "columnheader", "rowheader", "cell")


def table_roles(page: Page) -> Counter[str]:
    """The table roles in Chromium's own accessibility tree (what a screen reader gets), which a
    change of CSS display can take away."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    return Counter(n["role"]["value"] for n in nodes if not n.get("ignored") and n["role"]["value"] in TABLE_ROLES)


def fits_the_phone(page: Page, name: str) -> list[str]:
    """At 390 x 844: no sideways scroll of the page, axe finds nothing, and the screenshot."""
    page.wait_for_load_state("networkidle")
    problems = [f"{name}: {p}" for p in axe_problems(page)]
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > SIZES["phone"]["width"]:
        problems.append(f"{name}: the page is {width} px wide")
    if SCREENS.is_dir():
        page.screenshot(path=str(SCREENS / f"phone-{name}-phone.png"))
    return problems


def in_view(page: Page, *parts) -> None:
    """Each part wholly inside the phone's 390 px: nothing of it off to the side, or hidden by a
    box that scrolls sideways (to_be_in_viewport counts clipping by ancestors; 0.99 for subpixels)."""
    for part in parts:
        part.evaluate("el => el.scrollIntoView({block: 'center', inline: 'nearest'})")
        expect(part).to_be_in_viewport(ratio=0.99)
        box = part.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= SIZES["phone"]["width"], (part, box)


def test_on_a_phone_a_teacher_finds_the_item_fixes_a_weight_and_sees_the_points(page: Page):
    """At 390 px: the item list, the edit page and the preview have nothing to scroll sideways;
    every requirement shows its text, weight field and points within the screen's width; the
    shares and the sum follow the typing; the weight table has the same table, rows and header
    cells for a screen reader as at 1366 px, where it keeps its columns."""
    from authoring.models import ItemDraft

    page.set_viewport_size(SIZES["phone"])
    login(page, "teacher")
    page.goto("/authoring/courses/kunskapskontroll-2/")
    row = page.locator('tr[data-item="build-network"]')
    edit = row.get_by_role("button", name="Redigera")
    in_view(page, row.locator("th"), edit)
    assert fits_the_phone(page, "authoring-course") == []
    edit.click()

    table = page.get_by_test_id("requirements").locator("table")
    expect(table).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    # Nor does the table, or the box around it (before: the Kontroller column made it scroll).
    assert table.evaluate("t => [t, t.closest('.scroll')].map(e => e.scrollWidth - e.clientWidth)") == [0, 0]
    rows = page.locator(".weights-table tbody tr")
    assert rows.count() == 11
    for i in range(rows.count()):
        requirement = rows.nth(i)
        parts = [requirement.locator("th"), requirement.locator("td").last]  # text, checks
        if requirement.locator("input").count():
            parts += [
                requirement.locator("input"),
                requirement.locator("[data-share-for]"),
                requirement.locator(".cell-label").first,
            ]
        in_view(page, *parts)
    # Each value has its column's name next to it on a phone (the header row is out of sight).
    dense_row = page.get_by_test_id("requirement-dense-100")
    expect(dense_row.locator(".cell-label")).to_have_text(["Vikt", "Poäng", "Kontroller"])
    assert page.evaluate("() => getComputedStyle(document.querySelector('.weights-table tbody tr')).display") == "grid"
    phone_roles = table_roles(page)
    assert phone_roles["table"] == 1 and phone_roles["columnheader"] == 4, phone_roles
    assert phone_roles["row"] == 13 and phone_roles["rowheader"] == 12, phone_roles  # header, 11, sum

    # The shares and the sum follow the typing, on the phone as on a desktop.
    dense = page.get_by_label("Vikt för dense-100")
    dense.fill("3.5")
    expect(page.get_by_test_id("weight-total")).to_have_text("12")
    expect(page.get_by_test_id("share-dense-100")).to_have_text("2,92")
    expect(page.get_by_test_id("weights-rescaled")).to_be_visible()
    in_view(page, dense, page.get_by_test_id("share-dense-100"), page.get_by_test_id("weight-total"))
    assert fits_the_phone(page, "weights-typing") == []

    # The desktop keeps its columns, and the same table for a screen reader.
    page.set_viewport_size(SIZES["desktop"])
    expect(page.locator(".weights-table thead th").nth(3)).to_have_text("Kontroller")
    assert (
        page.evaluate("() => getComputedStyle(document.querySelector('.weights-table tbody tr')).display")
        == "table-row"
    )
    expect(dense_row.locator(".cell-label").first).to_be_hidden()
    boxes = [dense_row.locator(s).bounding_box() for s in ("th", "input", "[data-share-for]", "td >> nth=-1")]
    assert all(a and b and a["x"] + a["width"] <= b["x"] for a, b in zip(boxes, boxes[1:])), boxes  # side by side
    assert table_roles(page) == phone_roles
    assert axe_problems(page) == []
    if SCREENS.is_dir():
        page.get_by_test_id("requirements").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENS / "phone-weights-typing-desktop.png"))

    # Back on the phone: 2 instead of 1.5 and 1 instead of 1.5 keep the sum at 10; saved.
    page.set_viewport_size(SIZES["phone"])
    save_weights(page, {"dense-100": "2", "output": "1"})
    expect(page.get_by_test_id("share-dense-100")).to_have_text("2")
    assert ItemDraft.objects.get(slug="build-network").fields["config"]["weights"] == {"dense-100": 2, "output": 1}
    assert fits_the_phone(page, "authoring-edit") == []
    # The item's own fields: each under its label (not several on one wrapped line), tall enough
    # to tap, and at 16 px so that a phone does not zoom in when one gets focus.
    for name in ("order", "points", "cpu_seconds", "memory_mb"):
        field, label = page.locator(f"#id_{name}"), page.locator(f'label[for="id_{name}"]')
        box, label_box = field.bounding_box(), label.bounding_box()
        assert box and label_box and box["y"] >= label_box["y"] + label_box["height"] - 1, name
        assert box["height"] >= 40 and field.evaluate("el => getComputedStyle(el).fontSize") == "16px", name

    # The preview's requirement table: a card per requirement too, with the saved points.
    page.get_by_test_id("preview").click()
    preview_row = page.get_by_test_id("requirement-dense-100")
    in_view(page, preview_row.locator("th"), preview_row.locator("td").first)
    expect(preview_row.locator("td").first).to_contain_text("2")
    assert fits_the_phone(page, "authoring-preview") == []

    # Trying an answer to a numeric item's draft: its variant picker and answer field fit and are
    # big enough to tap.
    page.goto("/authoring/courses/kunskapskontroll-2/")
    page.locator('tr[data-item="dense-params-numeric"]').get_by_role("button", name="Redigera").click()
    page.get_by_test_id("preview").click()
    for field in (page.get_by_test_id("variant-inputs"), page.get_by_test_id("numeric-answer")):
        in_view(page, field)
        box = field.bounding_box()
        assert box and box["height"] >= 40, (field, box)
    in_view(page, page.get_by_test_id("try"))
    assert page.get_by_test_id("numeric-answer").evaluate("el => getComputedStyle(el).fontSize") == "16px"
    assert fits_the_phone(page, "authoring-preview-numeric") == []
