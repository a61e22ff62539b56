"""Deployment configuration: compose file shape, production settings, GPU queue routing."""

import os
import secrets
import subprocess
import sys

import yaml

from tests.conftest import ROOT


def test_compose_has_the_services_of_the_design():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert {"web", "worker", "worker-gpu", "redis", "postgres"} <= set(compose["services"])
    assert "-Q grading-gpu" in compose["services"]["worker-gpu"]["command"]
    assert "--concurrency 1" in compose["services"]["worker-gpu"]["command"]


def test_production_settings_pass_check_deploy_and_refuse_demo_mode():
    env = {
        **os.environ,
        "QUIZ_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "quiz.example.org",
    }
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    demo = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env={**env, "QUIZ_DEMO": "1"}, capture_output=True, text=True
    )
    assert demo.returncode != 0 and "QUIZ_DEMO cannot be on under production" in demo.stderr
    no_key = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**env, "DJANGO_SECRET_KEY": ""},
        capture_output=True,
        text=True,
    )
    assert no_key.returncode != 0 and "DJANGO_SECRET_KEY must be set" in no_key.stderr


def test_an_item_asking_for_a_gpu_is_sent_to_the_gpu_queue(db):
    from exercises.models import ItemVersion

    version = ItemVersion(config={"queue": "grading-gpu"})
    assert version.queue == "grading-gpu"
    assert ItemVersion(config={}).queue == "grading"
