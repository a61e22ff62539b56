"""Accessibility and phones, in a real headless Chromium with axe-core (npm, pinned).

Every page the URLconf has (enumerated from the resolver, with real objects from the demo data,
as in the authorization matrix) is opened as anonymous, student, teacher and admin, wherever that
persona may see it: axe (WCAG 2.0/2.1 A and AA) must find no serious or critical violation, and at
a 390 px wide viewport the document must not be wider than the screen. The Django admin is not
ours and is left out. Then a keyboard-only way through an exercise: no mouse.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import Page, expect, sync_playwright

from tests import test_authz
from tests.test_authz import OK, all_routes, rule_for, url_for
from tests.test_browser import ARGS, CHROMIUM, login

world = test_authz.world  # the personas and real objects of the authorization matrix

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PERSONAS = ["anonymous", "student", "teacher", "admin"]
# Pages of more than one kind behind one route: each kind of item has its own workspace.
EXTRA = {"student": ["/items/q07/", "/items/cnn-images/", "/items/dropout-choice/", "/items/dense-params-numeric/"]}


def html_pages(world, persona: str) -> list[str]:
    """The GET pages ``persona`` may open that answer with HTML."""
    client = Client()
    user = world["personas"][persona]
    if user is not None:
        client.force_login(user)
    pages = []
    for route in all_routes():
        rule = rule_for(route)
        if route.startswith("admin/") or rule.method != "get" or rule.expect[persona] != OK:
            continue
        url = url_for(route, rule, world)
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            pages.append(url)
    return pages + EXTRA.get(persona, [])


def axe_problems(page: Page) -> list[dict]:
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
    ]


def test_every_page_has_no_serious_axe_violation_and_fits_a_phone(world, live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    report: dict[str, dict[str, object]] = {}
    failures = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for persona in PERSONAS:
            pages = html_pages(world, persona)
            assert pages, persona
            # bypass_csp: axe is injected as an inline script, which the site's CSP refuses.
            desktop = browser.new_context(
                base_url=live_server.url, locale="sv-SE", bypass_csp=True, viewport={"width": 1366, "height": 900}
            )
            phone = browser.new_context(
                base_url=live_server.url, locale="sv-SE", is_mobile=True, viewport={"width": 390, "height": 844}
            )
            for context in (desktop, phone):
                page = context.new_page()
                if persona != "anonymous":
                    login(page, persona)
                    page.wait_for_url(lambda url: "/login/" not in url)
                for url in pages:
                    page.goto(url)
                    page.wait_for_load_state("networkidle")
                    key = f"{persona} {url}"
                    if context is desktop:
                        problems = axe_problems(page)
                        serious = [p for p in problems if p["impact"] in ("serious", "critical")]
                        report.setdefault(key, {})["axe"] = len(problems)
                        report[key]["serious"] = len(serious)
                        if serious:
                            failures.append((key, serious))
                    else:
                        width = page.evaluate("() => document.documentElement.scrollWidth")
                        report.setdefault(key, {})["width"] = width
                        if width > 390:
                            failures.append((key, f"{width} px wide at 390"))
            desktop.close()
            phone.close()
        browser.close()
    print("\naxe (all / serious+critical) and width at 390 px, per page:")
    for key, row in report.items():
        print(f"  {key}: axe {row.get('axe')} / {row.get('serious')}, width {row.get('width')}")
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)


def focus_until(page: Page, predicate: str, limit: int = 60, key: str = "Tab") -> None:
    """Press ``key`` until the focused element satisfies ``predicate`` (a JS function of it)."""
    for _ in range(limit):
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!el && ({predicate})(el); }}"):
            return
        page.keyboard.press(key)
    raise AssertionError(f"focus never reached {predicate}")


SOLUTION = """def dense_params(n_inputs, n_units):
    return n_inputs * n_units + n_units


def network_params(n_cols):
    return dense_params(n_cols, 100) + dense_params(100, 50) + dense_params(50, 1)"""
LINE_TEXT = "() => { const s = window.quizEditor.view.state; return s.doc.lineAt(s.selection.main.head).text; }"


def type_code(page: Page, code: str) -> None:
    """Type ``code`` key by key: the editor indents by itself after Enter, so each line first
    drops that indentation and then gets its own with Tab (which indents in the editor)."""
    lines = code.split("\n")
    for number, line in enumerate(lines):
        current = page.evaluate(LINE_TEXT)
        if current and not current.strip():
            page.keyboard.press("Shift+Home")
            page.keyboard.press("Backspace")
        for _ in range((len(line) - len(line.lstrip(" "))) // 4):
            page.keyboard.press("Tab")
        page.keyboard.type(line.lstrip(" "))
        if number < len(lines) - 1:
            page.keyboard.press("Enter")


def test_keyboard_only_from_login_to_a_graded_exercise(course, celery_worker, live_server, monkeypatch):
    """Login, open the exercise, edit in the editor, leave it (Escape, Tab), submit, read the
    result: every step with the keyboard."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(base_url=live_server.url, locale="sv-SE").new_page()
        page.set_default_timeout(30_000)
        page.goto("/login/")
        focus_until(page, "el => el.name === 'username'")
        page.keyboard.type("student")
        page.keyboard.press("Tab")
        page.keyboard.type("student")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Kunskapskontroll 2 – Deep Learning")).to_be_visible()
        focus_until(page, "el => (el.getAttribute('href') || '').endsWith('/items/count-parameters/')")
        page.keyboard.press("Enter")
        page.wait_for_url("**/items/count-parameters/")
        # Into the editor: Tab indents there, so the code gets its indentation from Tab itself.
        focus_until(page, "el => el.classList.contains('cm-content')")
        page.keyboard.press("Control+a")
        page.keyboard.press("Delete")
        type_code(page, SOLUTION)
        assert page.evaluate("() => window.quizEditor.getValue()").split() == SOLUTION.split()
        # Tab stayed in the editor; Escape then Tab leaves it, to the submit button.
        page.keyboard.press("Escape")
        page.keyboard.press("Tab")
        expect(page.get_by_test_id("submit")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("announce")).to_contain_text("Inlämning 1: Rättad", timeout=90_000)
        expect(page.get_by_test_id("score")).to_have_text("4 / 4")
        # The result can be read from the keyboard: its link is next in the tab order.
        page.keyboard.press("Tab")
        focus_until(page, "el => el.closest('#result') !== null")
        browser.close()
