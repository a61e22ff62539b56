from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from exercises.content import ContentError, load_all


class Command(BaseCommand):
    help = "Load courses from content files; a changed item gets a new version. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--path", default=None, help="content folder (default: settings.CONTENT_DIR)")

    def handle(self, *args: Any, **options: Any) -> None:
        root = Path(options["path"] or settings.CONTENT_DIR)
        try:
            report = load_all(root)
        except ContentError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{report.courses} course(s): {len(report.items_created)} new item(s), "
            f"{len(report.versions_created)} new version(s), {len(report.unchanged)} unchanged"
        )
        for line in report.versions_created:
            self.stdout.write(f"  new version: {line}")
