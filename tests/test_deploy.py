"""Deployment configuration: compose file shape, production settings, GPU queue routing."""

import os
import secrets
import subprocess
import sys

import yaml

from tests.conftest import ROOT


def compose_file() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())  # resolves the << merge keys


def compose_schema() -> dict:
    """The Compose specification's JSON schema, as vendored by check-jsonschema (a pinned dev dependency)."""
    import json
    from importlib import resources

    return json.loads((resources.files("check_jsonschema") / "builtin_schemas/vendor/compose-spec.json").read_text())


def test_the_compose_file_is_valid_under_the_compose_specification_schema():
    from jsonschema import Draft202012Validator

    schema = compose_schema()
    assert schema["title"] == "Compose Specification"
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose_file())]
    assert not errors, errors
    # The validator does find a mistake in a compose file (a misspelt key, a wrong type).
    broken = compose_file()
    broken["services"]["web"]["comand"] = "gunicorn"
    broken["services"]["redis"]["ports"] = "6379"
    assert len(list(validator.iter_errors(broken))) >= 2


def test_compose_has_the_services_of_the_design():
    services = compose_file()["services"]
    assert {"postgres", "redis", "web", "recorder", "sweeper", "worker", "worker-gpu"} <= set(services)
    assert "quizplatform/gunicorn.conf.py" in services["web"]["command"]
    assert services["sweeper"]["command"][2:4] == ["requeue_stuck", "--every"]
    assert services["recorder"]["command"][services["recorder"]["command"].index("-Q") + 1] == "results"
    gpu = services["worker-gpu"]
    assert gpu["command"][gpu["command"].index("-Q") + 1] == "grading-gpu" and "1" in gpu["command"]
    assert gpu["build"]["args"]["TF_PACKAGE"].startswith("tensorflow[and-cuda]==")
    assert gpu["profiles"] == ["gpu"] and gpu["deploy"]["resources"]["reservations"]["devices"][0]["driver"] == "nvidia"


def test_compose_redis_has_a_password_and_an_append_only_file_fsynced_every_second():
    command = " ".join(compose_file()["services"]["redis"]["command"])
    assert '--requirepass "$$REDIS_PASSWORD"' in command or '--requirepass "$REDIS_PASSWORD"' in command
    assert "--appendonly yes" in command and "--appendfsync everysec" in command
    for name, service in compose_file()["services"].items():
        url = service.get("environment", {}).get("CELERY_BROKER_URL")
        assert url is None or url.startswith("redis://:${REDIS_PASSWORD"), (name, url)


def test_compose_grading_workers_get_the_broker_and_no_secrets():
    services = compose_file()["services"]
    for name in ("worker", "worker-gpu"):
        env = services[name]["environment"]
        assert "CELERY_BROKER_URL" in env, name
        assert services[name]["command"][:3] == ["celery", "-A", "grader.service"], name  # no Django
        assert not {"DATABASE_URL", "DJANGO_SECRET_KEY", "CACHE_URL", "POSTGRES_PASSWORD"} & set(env), (name, env)
        assert "postgres" not in str(services[name].get("depends_on", {})), name
    for name in ("web", "recorder", "sweeper", "migrate"):
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://"), name


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
