"""`make bench` (part): time to first feedback and to the final result of the training exercises.

For cnn-images, early-stopping and regularize, a correct submission goes through the real
pipeline (API → database → Redis → Celery worker → warm sandbox) while the student's page would
poll the status API. Reported per item (medians of RUNS, after one not counted):

- first feedback: submit → the status API first shows something of the grading itself (the
  structural checks streamed from the sandbox, an epoch, or the result);
- structure after start: the worker's "started" event → its "structure" event (the checks known
  before training ends; the target is 0.5 s);
- first epoch and final: submit → the first epoch's loss, → the result readable.

Runs on its own database and Redis under var/bench-feedback.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from tests.processes import start_site, start_worker, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench-feedback"
REDIS_PORT = int(os.environ.get("BENCH_FEEDBACK_REDIS_PORT", "6396"))
ITEMS = os.environ.get("BENCH_FEEDBACK_ITEMS", "cnn-images,early-stopping,regularize").split(",")
RUNS = int(os.environ.get("BENCH_FEEDBACK_RUNS", "3"))


def main() -> None:
    env, redis_proc = start_site(VAR, redis_port=REDIS_PORT, env={"QUIZ_SUBMIT_RATE": "100000/min"})
    worker = recorder = None
    try:
        import django

        django.setup()
        from django.test import Client
        from rest_framework.authtoken.models import Token

        from accounts.models import User
        from grader.launch.progress import events
        from quizplatform.celery import app

        client = Client()
        client.defaults["HTTP_AUTHORIZATION"] = (
            f"Token {Token.objects.get_or_create(user=User.objects.get(username='student'))[0].key}"
        )
        # The same processes as production: the recorder (database) and a secretless grading worker.
        recorder = start_worker(env, 1, recorder=True)
        worker = start_worker(env, 1)
        wait_ready(app, worker, f"bench1@{os.uname().nodename}", 1)
        rows = []
        for slug in ITEMS:
            code = next((ROOT / "content").glob(f"*/*/{slug}/solution.py")).read_text()
            first, structure_lag, first_epoch, final = [], [], [], []
            for run in range(RUNS + 1):
                time.sleep(1.0)
                t0 = time.monotonic()
                response = client.post(
                    f"/api/v1/items/{slug}/submissions", {"code": code}, content_type="application/json"
                )
                assert response.status_code == 201, response.content
                pk = response.json()["id"]
                seen_first = seen_epoch = None
                while True:
                    data = client.get(f"/api/v1/submissions/{pk}").json()
                    now = time.monotonic() - t0
                    progress = data.get("progress") or {}
                    if seen_first is None and (
                        progress.get("structure") or progress.get("epochs") or not data["pending"]
                    ):
                        seen_first = now
                    if seen_epoch is None and (progress.get("epochs") or not data["pending"]):
                        seen_epoch = now
                    if not data["pending"]:
                        break
                    time.sleep(0.05)
                assert data["status"] == "graded" and data["score"] == data["max_score"], (slug, data["status"])
                stamps = {e["event"]: e["t"] for e in reversed(events(pk))}
                if run == 0:
                    continue
                first.append(seen_first)
                first_epoch.append(seen_epoch)
                final.append(now)
                if "started" in stamps and "structure" in stamps:
                    structure_lag.append(stamps["structure"] - stamps["started"])
            rows.append((slug, first, structure_lag, first_epoch, final))
        print(f"\ntime to feedback, training exercises: {RUNS} correct submissions each, one at a time (medians, s)")
        print(f"{'item':<16} {'first feedback':>15} {'structure after start':>22} {'first epoch':>12} {'final':>8}")
        for slug, first, lag, epoch, final in rows:
            lag_text = f"{statistics.median(lag):.2f}" if lag else "–"
            print(
                f"{slug:<16} {statistics.median(first):>15.2f} {lag_text:>22} {statistics.median(epoch):>12.2f} {statistics.median(final):>8.2f}"
            )
    finally:
        for proc in (worker, recorder):
            if proc is not None:
                stop(proc)
        stop(redis_proc)


if __name__ == "__main__":
    main()
