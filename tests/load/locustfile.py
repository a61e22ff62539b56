"""Simulated students for `make bench-load` (locust): they read the course and item pages, save
drafts, submit answers and code through the API, and poll for their feedback.

Each simulated student is a real account with a session and an API token made by
tests/bench_load.py (LOAD_ACCOUNTS names the file): logging in is a one-time cost per student,
not the steady load, and a few hundred password hashes would only measure PBKDF2.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, task

ACCOUNTS = json.loads(Path(os.environ["LOAD_ACCOUNTS"]).read_text())
NEXT = itertools.count()
THEORY = [f"q{n:02d}" for n in range(1, 13)]
ANSWER = (
    "En GPU har tusentals kärnor som gör många beräkningar parallellt, vilket passar matrisberäkningar "
    "i djupinlärning; en CPU har få kraftfulla kärnor."
)
CODE = (
    "def dense_params(n_inputs, n_units):\n    return n_inputs * n_units + n_units\n\n\n"
    "def network_params(n_cols):\n"
    "    return dense_params(n_cols, 100) + dense_params(100, 50) + dense_params(50, 1)\n"
)


class Student(HttpUser):
    wait_time = between(1, 5)

    def on_start(self) -> None:
        account = ACCOUNTS[next(NEXT) % len(ACCOUNTS)]
        self.client.cookies.set("sessionid", account["session"])
        self.api_headers = {"Authorization": f"Token {account['token']}"}
        self.submissions: list[int] = []
        self.client.get("/courses/kunskapskontroll-2/", name="/courses/[slug]/")
        self.csrf = self.client.cookies.get("csrftoken", "")

    @task(4)
    def course_page(self) -> None:
        self.client.get("/courses/kunskapskontroll-2/", name="/courses/[slug]/")

    @task(4)
    def item_page(self) -> None:
        slug = random.choice(THEORY + ["count-parameters"])
        self.client.get(f"/items/{slug}/", name="/items/[slug]/")
        self.csrf = self.client.cookies.get("csrftoken", self.csrf)

    @task(2)
    def save_draft(self) -> None:
        self.client.post(
            "/items/q12/draft",
            data={"text": ANSWER},
            headers={"X-CSRFToken": self.csrf, "Referer": self.host + "/items/q12/"},
            name="/items/[slug]/draft",
        )

    @task(1)
    def submit(self) -> None:
        if random.random() < 0.3:
            body, slug = {"code": CODE}, "count-parameters"
        else:
            body, slug = {"answer": ANSWER}, random.choice(THEORY)
        with self.client.post(
            f"/api/v1/items/{slug}/submissions",
            json=body,
            headers=self.api_headers,
            name="/api/v1/items/[slug]/submissions",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                self.submissions.append(response.json()["id"])
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(3)
    def poll_feedback(self) -> None:
        if self.submissions:
            pk = self.submissions[-1]
            self.client.get(f"/api/v1/submissions/{pk}", headers=self.api_headers, name="/api/v1/submissions/[id]")

    @task(1)
    def submission_page(self) -> None:
        if self.submissions:
            self.client.get(f"/submissions/{self.submissions[-1]}/", name="/submissions/[id]/")
