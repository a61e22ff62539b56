import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from exercises.content import ContentError, find_item_folder, item_spec_from_folder
from exercises.models import Item
from exercises.services import item_spec
from grader.harness import ItemSpec, grade


class Command(BaseCommand):
    help = (
        "Grade one answer or code file for an item through the same sandbox and harness as the "
        "workers, synchronously and without a broker. Exit 0 whenever grading ran."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("item", help="item slug, e.g. build-network or q03")
        parser.add_argument("file", help="the code or answer file ('-' for stdin)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--lang", choices=["sv", "en"], default="en")
        parser.add_argument(
            "--variant",
            default="",
            help="the parameters of a per-student variant as JSON, e.g. '{\"units\": 64}' (default: the first values)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        spec = self._spec(options["item"])
        path = options["file"]
        try:
            text = self.stdin_text() if path == "-" else Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        try:
            variant = json.loads(options["variant"]) if options["variant"] else None
            if variant is not None and not isinstance(variant, dict):
                raise ValueError("--variant must be a JSON object")
            if variant and not spec.variants:
                raise ValueError(f"{spec.slug} has no variants")
            result = grade(spec, text, variant)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        data = result.as_json(item=spec.slug, lang=options["lang"])
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self.stdout.write(f"{spec.slug}: {result.status}, {result.score:g} / {result.max_score:g}")
        for check in data["checks"]:
            mark = "PASS" if check["passed"] else "FAIL"
            self.stdout.write(f"  [{mark}] {check['points']:g}/{check['max_points']:g} {check['message']}")
        if result.output:
            self.stdout.write("--- output ---\n" + result.output)

    def stdin_text(self) -> str:
        import sys

        return sys.stdin.read()

    def _spec(self, slug: str) -> ItemSpec:
        """The item from the database if it is loaded, else straight from the content files."""
        try:
            item = Item.objects.select_related("current_version").get(slug=slug)
            if item.current_version:
                return item_spec(item.current_version)
        except Exception:  # noqa: S110 - no database yet: the files are the truth
            pass
        folder = find_item_folder(Path(settings.CONTENT_DIR), slug)
        if folder is None:
            raise CommandError(f"no item named {slug!r}")
        try:
            return item_spec_from_folder(folder)
        except ContentError as exc:
            raise CommandError(str(exc)) from exc
