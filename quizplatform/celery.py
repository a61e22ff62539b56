"""The web's and the recorder's Celery app (configuration in Django settings, CELERY_ namespace).

The web sends grading jobs with it; the recorder (``celery -A quizplatform worker -Q results``)
consumes the results. Grading workers use another app, ``grader.service``, without Django.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quizplatform.settings")

app = Celery("quizplatform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["exercises", "lti"])
