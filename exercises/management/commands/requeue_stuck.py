"""The sweeper: finds grading jobs the pipeline lost (submissions and their regrades, validation
runs, trial answers: ``exercises.jobs.jobs_sweep``) and sets them going again; also the scores
for the LMS that were never queued or whose message was lost (``lti.services.grades_sweep``).

Why a management-command loop and not celery beat: the sweeper must work exactly when the
broker does not (a submission saved while Redis was down has no message anywhere), so it reads
the database, the source of truth, and calls the same services as the web; beat would be one
more process that itself needs the broker to do anything. Several sweepers at once are safe:
every change is a conditional UPDATE. ``make run`` and the compose file start it with ``--every``.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from exams.services import exam_sweep
from exercises.jobs import jobs_sweep
from lti.services import grades_sweep


class Command(BaseCommand):
    help = "Send again the grading jobs that are stuck: never sent, lost by the broker, or held by a dead worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=None,
            help="resend queued submissions whose message is older than this (seconds; default QUIZ_REQUEUE_AFTER_SECONDS)",
        )
        parser.add_argument("--every", type=float, default=0, help="repeat every this many seconds (0: once)")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            try:
                counts = jobs_sweep(requeue_after=options["older_than"])
                counts.update(exam_sweep())  # an exam's drafts at each student's deadline
                counts.update(grades_sweep())  # scores to the LMS that were never queued, or lost
            except Exception as exc:  # the database may be down for a moment: try again next round
                if not options["every"]:
                    raise
                self.stderr.write(f"sweep failed: {exc}")
            else:
                if not options["every"] or any(counts.values()):
                    self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()), ending="\n")
                    self.stdout.flush()
            if not options["every"]:
                return
            time.sleep(options["every"])
