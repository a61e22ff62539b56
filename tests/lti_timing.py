"""LTI timings for the notes, not part of `make test` (pytest collects only test_*.py; name this
file to run it):

    TEST_REDIS_PORT=6399 scripts/test.sh tests/lti_timing.py -q -s -p no:cacheprovider

1. Launch -> item page, in headless Chromium inside the test LMS's frame: from the start of the
   id_token POST (the LMS's auto-submitted form to /lti/launch/) to the item page's load event,
   read from the page's own Navigation Timing (the POST's 302 to the item page is a same-origin
   redirect, so the entry starts at the POST). One fresh browser context per run (no cookies);
   the first run is the coldest (the tool's key made, the LMS's JWKS fetched).
2. Grade recorded -> score in the LMS gradebook: each launched learner submits build-network
   from the frame (the workspace's fetch to the JSON API); the real worker grades it, the recorder writes it (``finished_at``)
   and queues send_score on its own queue; the LMS stamps the score when it arrives
   (``received_at``). Both clocks are this machine's.

Prints every run and the medians; fails if anything did not arrive.
"""

from __future__ import annotations

import statistics
import time

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import item_dir, wait_for_grade
from tests.lti_platform.fixtures import CLIENT_ID, CONTEXT, MEMBERS, register
from tests.test_browser import ARGS, CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]
RUNS = 5
LEARNERS = [
    {"user_id": f"lms-timing-{n}", "name": f"Timing {n}", "email": f"t{n}@uni.example", "roles": ["Learner"]}
    for n in range(RUNS)
]


def _setup(lms, live_server, settings) -> None:
    settings.SESSION_COOKIE_SAMESITE = settings.CSRF_COOKIE_SAMESITE = "None"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    lms.reset(live_server.url, members=MEMBERS + LEARNERS)
    lms.admin(
        "link",
        {"context_id": CONTEXT, "id": "link-build", "title": "Bygg nätet", "custom": {"quiz_item": "build-network"}},
    )
    register(lms)


def test_measure_launch_to_item_page_and_grade_to_lms_gradebook(
    course, celery_worker, live_server, lms, monkeypatch, settings
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    _setup(lms, live_server, settings)

    code = (item_dir("build-network") / "solution.py").read_text()
    launch_ms, html_ms, made = [], [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for learner in LEARNERS:
            context = browser.new_context(locale="sv-SE", viewport={"width": 1366, "height": 900})
            page = context.new_page()
            page.goto(
                f"{lms.base}/ctx/{CONTEXT}/course?user={learner['user_id']}&link=link-build&client_id={CLIENT_ID}"
            )
            expect(page.frame_locator("#tool").locator(".cm-editor")).to_be_visible(timeout=60_000)
            frame = next(f for f in page.frames if "/items/build-network/" in f.url)
            frame.wait_for_function("() => performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
            nav = frame.evaluate("() => performance.getEntriesByType('navigation')[0].toJSON()")
            assert nav["redirectCount"] == 1, nav  # the POST /lti/launch/ and its 302 are in the entry
            launch_ms.append(nav["loadEventEnd"] - nav["startTime"])
            html_ms.append(nav["responseEnd"] - nav["startTime"])
            # Then the learner submits the solution from the frame (fetch to the JSON API).
            frame.evaluate("code => window.quizEditor.setValue(code)", code)
            with page.expect_response(lambda r: r.url.endswith("/submissions") and r.request.method == "POST") as sent:
                page.frame_locator("#tool").get_by_test_id("submit").click()
            assert sent.value.status == 201, sent.value.text()
            made.append((learner["user_id"], sent.value.json()["id"]))
            context.close()
        browser.close()

    lag_ms = []
    for user_id, pk in made:
        submission = wait_for_grade(pk, timeout=300)
        deadline = time.monotonic() + 60
        while not (scores := [s for s in lms.scores_of(user_id) if s.get("scoreGiven") == 10.0]):
            assert time.monotonic() < deadline, f"no score for {user_id} in the LMS: {lms.gradebook()}"
            time.sleep(0.05)
        lag_ms.append((scores[0]["received_at"] - submission.finished_at.timestamp()) * 1000)

    print(
        f"\nlaunch (id_token POST) -> item page's HTML received, ms: {[round(x) for x in html_ms]}; "
        f"median {statistics.median(html_ms):.0f}"
        f"\nlaunch (id_token POST) -> item page loaded (editor and all), ms: {[round(x) for x in launch_ms]}; "
        f"median {statistics.median(launch_ms):.0f}, median of the warm runs {statistics.median(launch_ms[1:]):.0f}"
        f"\ngrade recorded -> score in the LMS gradebook, ms: {[round(x) for x in lag_ms]}; "
        f"median {statistics.median(lag_ms):.0f}"
    )
