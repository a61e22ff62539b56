from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from exercises.models import Submission
from exercises.services import submission_enqueue


class Command(BaseCommand):
    help = "Send again the submissions that are queued in the database but never reached the broker."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=30, help="seconds")

    def handle(self, *args, **options):
        cutoff = timezone.now() - timedelta(seconds=options["older_than"])
        stuck = Submission.objects.filter(
            status=Submission.Status.QUEUED, created_at__lt=cutoff, queued_at__isnull=True
        )
        sent = sum(submission_enqueue(submission=s) for s in stuck.select_related("item_version"))
        self.stdout.write(f"re-enqueued {sent} submission(s)")
