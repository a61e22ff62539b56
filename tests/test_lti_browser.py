"""The whole LTI way in a real headless Chromium: the test LMS's course page frames the tool, the
student arrives by the launch alone (no password), submits build-network inside the frame, the
real worker grades it and sends the score, and the LMS's gradebook shows it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import item_dir
from tests.lti_platform.fixtures import CLIENT_ID, CONTEXT, register
from tests.test_browser import ARGS, CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(course, celery_worker, live_server, lms, monkeypatch, settings):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The LMS (127.0.0.1) and the tool (localhost) are different sites, as in real life: the
    # tool's cookies must be SameSite=None; Secure (QUIZ_LTI_FRAMED, the production default).
    # Chromium takes Secure cookies from http://localhost, a secure context.
    assert "localhost" in live_server.url and "127.0.0.1" in lms.base
    settings.SESSION_COOKIE_SAMESITE = settings.CSRF_COOKIE_SAMESITE = "None"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    lms.reset(live_server.url)
    lms.admin(
        "link",
        {"context_id": CONTEXT, "id": "link-build", "title": "Bygg nätet", "custom": {"quiz_item": "build-network"}},
    )
    register(lms)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(locale="sv-SE", viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page
        context.close()
        browser.close()


def test_a_student_launched_from_the_lms_frame_submits_and_is_graded_inside_the_frame(browser_page, lms):
    page = browser_page
    page.goto(f"{lms.base}/ctx/{CONTEXT}/course?user=lms-anna&link=link-build&client_id={CLIENT_ID}")
    expect(page.get_by_text("Signed in to the LMS as Anna Ek")).to_be_visible()
    tool = page.frame_locator("#tool")
    # Inside the frame: the item page, signed in by the launch alone.
    expect(tool.locator(".cm-editor")).to_be_visible(timeout=30_000)
    expect(tool.locator(".cm-editor")).to_contain_text("def build_model(n_cols):")
    frame = next(f for f in page.frames if "/items/build-network/" in f.url)
    # Styled inside the frame: the site's stylesheet loaded and the editor's own styles applied
    # (the framed policy once blocked every style).
    assert frame.evaluate(
        "() => [...document.styleSheets].some(s => (s.href || '').includes('/static/css/site') && s.cssRules.length)"
    )
    assert frame.evaluate("() => getComputedStyle(document.querySelector('.cm-editor')).display") == "flex"
    frame.evaluate("code => window.quizEditor.setValue(code)", (item_dir("build-network") / "solution.py").read_text())
    tool.get_by_test_id("submit").click()
    expect(tool.locator("#status")).to_have_attribute("data-status", "graded", timeout=120_000)
    expect(tool.get_by_test_id("score")).to_have_text("10 / 10")
    page.screenshot(path="var/lti-framed-1366.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path="var/lti-framed-390.png", full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    # The LMS's gradebook has the score.
    page.goto(f"{lms.base}/ctx/{CONTEXT}/gradebook")
    cell = page.locator("td[data-user=lms-anna]")
    for _ in range(60):
        if "FullyGraded" in (cell.first.text_content() or ""):
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(cell.first).to_have_text(re.compile(r"10\.0 / 10\.0 \(FullyGraded\)"))
