"""``manage.py similarity ITEM DIR [--json]``: rank the pairs of students' files for one item.

DIR holds one file per student, named after the student (the name is the file name without its
extension). The item's starter and reference solution (for a theory question: its wording and
rubric) are subtracted, exactly as on the dashboard, which calls the same code.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from exercises.models import Item
from integrity.selectors import comparable, item_detector
from integrity.similarity import rank_texts

MAX_FILE_BYTES = 1_000_000


class Command(BaseCommand):
    help = "Rank the pairs of files in DIR (one per student) by similarity for ITEM, highest first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("item", help="the item's slug")
        parser.add_argument("directory", help="one file per student, named after the student")
        parser.add_argument("--json", action="store_true", help='print [{"a", "b", "score"}], highest first')
        parser.add_argument("--top", type=int, default=0, help="only the first N pairs (0: all)")
        parser.add_argument("--min-score", type=float, default=None, help="only pairs scoring above this")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            item = Item.objects.select_related("current_version").get(slug=options["item"])
        except Item.DoesNotExist:
            raise CommandError(f"no item {options['item']!r} (load the content first)") from None
        if not comparable(item=item):
            raise CommandError(f"{item.slug} is a {item.kind} item: only code and theory items are compared")
        directory = Path(options["directory"])
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        texts: dict[str, str] = {}
        for path in sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith(".")):
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(f"{path} is larger than {MAX_FILE_BYTES} bytes")
            name = path.stem
            if name in texts:
                raise CommandError(f"two files for the student {name!r} in {directory}")
            try:
                texts[name] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise CommandError(f"{path} is not UTF-8 text") from None
        if len(texts) < 2:
            raise CommandError(f"{directory} needs at least two files to compare")
        assert item.current_version is not None
        started = time.perf_counter()
        detector = item_detector(version=item.current_version, kind=item.kind)
        minimum = -1.0 if options["min_score"] is None else options["min_score"]  # default: every pair
        pairs = rank_texts(detector, texts, minimum=minimum)
        elapsed = time.perf_counter() - started
        if options["top"]:
            pairs = pairs[: options["top"]]
        if options["json"]:
            self.stdout.write(json.dumps([p.as_dict() for p in pairs], ensure_ascii=False))
            return
        width = max([len(p.a) for p in pairs] + [len("a")])
        self.stdout.write(f"{'score':>6}  {'a':<{width}}  b")
        for p in pairs:
            self.stdout.write(f"{p.score:6.3f}  {p.a:<{width}}  {p.b}")
        self.stdout.write(f"{len(texts)} students, {len(pairs)} pairs shown, ranked in {elapsed:.2f} s")
