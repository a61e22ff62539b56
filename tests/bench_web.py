"""`make bench` (part): a class at the deadline against `make run` as it is (gunicorn, one Celery
worker, SQLite): BENCH_WEB_STUDENTS (60) submissions of build-network at the same instant, one
connection each. Prints how many got 201, submit → 201 and submit → graded times.
Ports: BENCH_WEB_PORT (8090) and the Redis port after it; everything under var/bench-web.
"""

from __future__ import annotations

import os
import shutil

from tests.web_burst import ROOT, Platform, burst, summary

STUDENTS = int(os.environ.get("BENCH_WEB_STUDENTS", "60"))
ITEM = os.environ.get("BENCH_WEB_ITEM", "build-network")
PORT = int(os.environ.get("BENCH_WEB_PORT", "8090"))


def main() -> None:
    var = ROOT / "var" / "bench-web"
    shutil.rmtree(var, ignore_errors=True)
    platform = Platform(var, port=PORT, redis_port=PORT + 1)
    code = next((ROOT / "content").glob(f"*/*/{ITEM}/solution.py")).read_text()
    try:
        platform.start()
        tokens = platform.students(STUDENTS)
        attempts = burst(platform.port, tokens, ITEM, code)
    finally:
        platform.stop()
    print(f"\n== {STUDENTS} students submit {ITEM} at once to `make run` (gunicorn gthread, one Celery worker)")
    print(summary(attempts))


if __name__ == "__main__":
    main()
