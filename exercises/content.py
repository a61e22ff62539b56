"""Loading a course from files (``content/<course>/<assessment>/<item>/``) into the database.

Idempotent: loading the same files twice changes nothing; an item whose content changed gets a
new version, and earlier submissions keep the version they were graded against.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from exercises.models import Assessment, Course, Item, ItemVersion
from grader.harness import ItemSpec


class ContentError(ValueError):
    pass


@dataclass
class LoadReport:
    courses: int = 0
    items_created: list[str] = field(default_factory=list)
    versions_created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ContentError(f"{path}: expected a mapping")
    return data


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _bilingual(data: dict[str, Any], key: str, where: Path) -> tuple[str, str]:
    value = data.get(key)
    if not isinstance(value, dict) or not value.get("sv"):
        raise ContentError(f"{where}: {key} needs at least a Swedish text (sv)")
    return str(value["sv"]), str(value.get("en", ""))


def read_item(folder: Path) -> dict[str, Any]:
    """An item folder as the fields of an ItemVersion (plus kind and order)."""
    meta = _yaml(folder / "item.yaml")
    kind = meta.get("type")
    if kind not in ("theory", "code", "numeric", "choice"):
        raise ContentError(f"{folder}: type must be theory, code, numeric or choice")
    title_sv, title_en = _bilingual(meta, "title", folder)
    fields: dict[str, Any] = {
        "title_sv": title_sv,
        "title_en": title_en,
        "prompt_sv": _text(folder / "prompt.sv.md"),
        "prompt_en": _text(folder / "prompt.en.md"),
        "points": str(meta.get("points", 1)),
        "starter": _text(folder / "starter.py"),
        "solution": _text(folder / "solution.py"),
        "checks": _text(folder / "checks.py"),
        "rubric": meta.get("rubric", []) or [],
        "config": {
            k: meta[k]
            for k in ("limits", "queue", "variants", "answer", "tolerance", "mistakes", "options", "correct")
            if k in meta
        },
    }
    if not fields["prompt_sv"]:
        raise ContentError(f"{folder}: prompt.sv.md is missing")
    if kind == "code" and not (fields["checks"] and fields["solution"]):
        raise ContentError(f"{folder}: a coding exercise needs checks.py and solution.py")
    if kind == "numeric" and "answer" not in meta:
        raise ContentError(f"{folder}: a numeric item needs answer (an expression)")
    if kind == "choice" and not (meta.get("options") and "correct" in meta):
        raise ContentError(f"{folder}: a choice item needs options and correct")
    if kind == "theory" and not fields["rubric"]:
        raise ContentError(f"{folder}: a theory question needs a rubric")
    return {"kind": kind, "order": int(meta.get("order", 0)), "fields": fields}


def content_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def load_course(folder: Path, report: LoadReport | None = None) -> LoadReport:
    report = report or LoadReport()
    meta = _yaml(folder / "course.yaml")
    title_sv, title_en = _bilingual(meta, "title", folder)
    desc = meta.get("description") or {}
    with transaction.atomic():
        course, _ = Course.objects.update_or_create(
            slug=meta.get("slug", folder.name),
            defaults={
                "title_sv": title_sv,
                "title_en": title_en,
                "description_sv": desc.get("sv", ""),
                "description_en": desc.get("en", ""),
            },
        )
        report.courses += 1
        for a_dir in sorted(p for p in folder.iterdir() if (p / "assessment.yaml").exists()):
            a_meta = _yaml(a_dir / "assessment.yaml")
            a_title_sv, a_title_en = _bilingual(a_meta, "title", a_dir)
            assessment, _ = Assessment.objects.update_or_create(
                course=course,
                slug=a_dir.name,
                defaults={
                    "title_sv": a_title_sv,
                    "title_en": a_title_en,
                    "order": int(a_meta.get("order", 0)),
                    "release": a_meta.get("release", Assessment.Release.IMMEDIATE),
                },
            )
            for i_dir in sorted(p for p in a_dir.iterdir() if (p / "item.yaml").exists()):
                _load_item(assessment, i_dir, report)
    return report


def _load_item(assessment: Assessment, folder: Path, report: LoadReport) -> None:
    data = read_item(folder)
    digest = content_hash(data["fields"])
    item, created = Item.objects.get_or_create(
        slug=folder.name, defaults={"assessment": assessment, "kind": data["kind"], "order": data["order"]}
    )
    if created:
        report.items_created.append(item.slug)
    else:
        changed = [
            f
            for f in ("assessment", "kind", "order")
            if getattr(item, f) != (assessment if f == "assessment" else data[f])
        ]
        if changed:
            item.assessment, item.kind, item.order = assessment, data["kind"], data["order"]
            item.save(update_fields=changed)
    latest = item.versions.order_by("-number").first()
    if latest and latest.content_hash == digest:
        report.unchanged.append(item.slug)
        return
    version = ItemVersion.objects.create(
        item=item, number=(latest.number + 1) if latest else 1, content_hash=digest, **data["fields"]
    )
    item.current_version = version
    item.save(update_fields=["current_version"])
    report.versions_created.append(f"{item.slug} v{version.number}")


def load_all(root: Path) -> LoadReport:
    report = LoadReport()
    for course_dir in sorted(p for p in root.iterdir() if (p / "course.yaml").exists()):
        load_course(course_dir, report)
    return report


def find_item_folder(root: Path, slug: str) -> Path | None:
    for path in root.glob(f"*/*/{slug}/item.yaml"):
        return path.parent
    return None


def item_spec_from_folder(folder: Path) -> ItemSpec:
    """What the harness needs, straight from an item folder (no database)."""
    data = read_item(folder)
    fields = data["fields"]
    return ItemSpec(
        slug=folder.name,
        kind=data["kind"],
        points=float(fields["points"]),
        checks_source=fields["checks"],
        rubric=fields["rubric"],
        limits=fields["config"].get("limits", {}),
        variants=fields["config"].get("variants", {}),
        answer=fields["config"],
    )
