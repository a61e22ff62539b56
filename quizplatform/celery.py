"""The Celery app. Configuration lives in Django settings under the CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quizplatform.settings")

app = Celery("quizplatform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["exercises", "authoring", "lti"])

import grader.worker  # noqa: E402,F401  (connects the worker's signal handlers)
