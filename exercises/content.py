"""Loading a course from files (``content/<course>/<assessment>/<item>/``) into the database.

Idempotent: loading the same files twice changes nothing; an item whose content changed gets a
new version, and earlier submissions keep the version they were graded against.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
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
    if not path.exists():
        raise ContentError(f"{path}: missing")
    return _yaml_text(path.read_text(encoding="utf-8"), str(path))


def _bilingual(data: dict[str, Any], key: str, where: object) -> tuple[str, str]:
    value = data.get(key)
    if not isinstance(value, dict) or not value.get("sv"):
        raise ContentError(f"{where}: {key} needs at least a Swedish text (sv)")
    return str(value["sv"]), str(value.get("en", ""))


KINDS = ("theory", "code", "numeric", "choice")
# Which file holds which text field, per kind. A theory question's model answer is prose, so it
# lives in a Markdown file; a coding exercise's reference solution is Python.
TEXT_FILES: dict[str, dict[str, str]] = {
    "code": {
        "prompt_sv": "prompt.sv.md",
        "prompt_en": "prompt.en.md",
        "starter": "starter.py",
        "solution": "solution.py",
        "checks": "checks.py",
    },
    "theory": {
        "prompt_sv": "prompt.sv.md",
        "prompt_en": "prompt.en.md",
        "starter": "starter.md",
        "solution": "solution.md",
    },
    # Numeric and multiple-choice items: the answer lives in item.yaml (answer, options, ...).
    "numeric": {"prompt_sv": "prompt.sv.md", "prompt_en": "prompt.en.md"},
    "choice": {"prompt_sv": "prompt.sv.md", "prompt_en": "prompt.en.md"},
}
# Visible example tests of a coding exercise: shown to students, kept in ``config`` so that adding
# them changes the content hash (a new version) without a new column on ItemVersion.
EXAMPLES_FILE = "examples.py"
# The requirement table (grader.requirements): every requirement the prompt states, the checks
# that enforce it and its points; kept in ``config`` like the examples.
REQUIREMENTS_FILE = "requirements.yaml"
CONFIG_KEYS = (
    "limits",
    "queue",
    "gpu",
    "variants",
    "answer",
    "tolerance",
    "mistakes",
    "options",
    "correct",
    "weights",
)
VERSION_FIELDS = (
    "title_sv",
    "title_en",
    "prompt_sv",
    "prompt_en",
    "points",
    "starter",
    "solution",
    "checks",
    "rubric",
    "config",
)


def canonical_points(value: Any) -> str:
    """Points as one canonical string (``4``, ``2.5``), whether they come from YAML, a form or a
    Decimal column (``4.00``): the content hash must not change on a round trip through the DB."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ContentError(f"points must be a number, not {value!r}") from None
    if not number.is_finite() or number <= 0:
        raise ContentError(f"points must be a positive number, not {value!r}")
    text = format(number.normalize(), "f")
    return text


def item_from_files(files: Mapping[str, str], *, where: object = "item") -> dict[str, Any]:
    """The one way to turn an item's files into the fields of an ItemVersion (plus kind and order).

    ``files`` maps a file name in the item folder (``item.yaml``, ``prompt.sv.md`` ...) to its
    text; the loader reads them from disk, the browser editor builds them from its form
    (``item_to_files``), and an imported zip is a folder on disk again.
    """
    if "item.yaml" not in files:
        raise ContentError(f"{where}: item.yaml is missing")
    meta = _yaml_text(files["item.yaml"], f"{where}/item.yaml")
    kind = meta.get("type")
    if kind not in KINDS:
        raise ContentError(f"{where}: type must be theory, code, numeric or choice")
    title_sv, title_en = _bilingual(meta, "title", where)
    names = TEXT_FILES[kind]
    config = {k: meta[k] for k in CONFIG_KEYS if k in meta}
    if kind == "code" and files.get(EXAMPLES_FILE, "").strip():
        config["examples"] = files[EXAMPLES_FILE]
    if files.get(REQUIREMENTS_FILE, "").strip():
        config["requirements"] = _requirements(files[REQUIREMENTS_FILE], config.get("weights"), where)
    elif "weights" in config:
        raise ContentError(f"{where}: item.yaml gives weights but there is no {REQUIREMENTS_FILE}")
    fields: dict[str, Any] = {
        "title_sv": title_sv,
        "title_en": title_en,
        "prompt_sv": files.get(names["prompt_sv"], ""),
        "prompt_en": files.get(names["prompt_en"], ""),
        "points": canonical_points(meta.get("points", 1)),
        "starter": files.get(names.get("starter", ""), ""),
        "solution": files.get(names.get("solution", ""), ""),
        "checks": files.get(names.get("checks", ""), ""),
        "rubric": meta.get("rubric", []) or [],
        "config": config,
    }
    if not fields["prompt_sv"]:
        raise ContentError(f"{where}: prompt.sv.md is missing")
    if kind == "code" and not (fields["checks"] and fields["solution"]):
        raise ContentError(f"{where}: a coding exercise needs checks.py and solution.py")
    if kind == "numeric" and "answer" not in meta:
        raise ContentError(f"{where}: a numeric item needs answer (an expression)")
    if kind == "choice" and not (meta.get("options") and "correct" in meta):
        raise ContentError(f"{where}: a choice item needs options and correct")
    if kind == "theory" and not fields["rubric"]:
        raise ContentError(f"{where}: a theory question needs a rubric")
    if not isinstance(fields["rubric"], list):
        raise ContentError(f"{where}: rubric must be a list of concepts")
    return {"kind": kind, "order": int(meta.get("order", 0)), "fields": fields}


def _requirements(text: str, weights: Any, where: object) -> list[dict[str, Any]]:
    """The requirement table as data, validated (with item.yaml's weights) before it is stored."""
    from grader import requirements

    try:
        data = safe_load_yaml(text)
        table = requirements.parse(data, where=f"{where}/{REQUIREMENTS_FILE}")
        requirements.check_weights(table, weights, where=f"{where}/item.yaml")
    except (yaml.YAMLError, requirements.RequirementError) as exc:
        raise ContentError(str(exc)) from exc
    return [r.as_dict() for r in table]


def item_to_files(*, kind: str, order: int, fields: Mapping[str, Any]) -> dict[str, str]:
    """The inverse of ``item_from_files``: the files of an item folder, as ``load_content`` reads
    them. ``item_from_files(item_to_files(...))`` gives the same fields, hence the same hash."""
    meta: dict[str, Any] = {"type": kind, "order": order, "points": _yaml_number(fields["points"])}
    meta["title"] = {"sv": fields["title_sv"], "en": fields.get("title_en", "")}
    config = dict(fields.get("config") or {})
    examples = config.pop("examples", "")
    table = config.pop("requirements", None)
    for key in CONFIG_KEYS:
        if key in config:
            meta[key] = config[key]
    if fields.get("rubric"):
        meta["rubric"] = fields["rubric"]
    files = {"item.yaml": yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=120)}
    for field_name, file_name in TEXT_FILES[kind].items():
        if fields.get(field_name):
            files[file_name] = fields[field_name]
    if examples:
        files[EXAMPLES_FILE] = examples
    if table:
        files[REQUIREMENTS_FILE] = yaml.safe_dump(table, allow_unicode=True, sort_keys=False, width=120)
    return files


def version_fields(version: ItemVersion) -> dict[str, Any]:
    """An ItemVersion's content in the shape ``content_hash`` and ``item_to_files`` take."""
    fields = {name: getattr(version, name) for name in VERSION_FIELDS}
    fields["points"] = canonical_points(version.points)
    return fields


def _yaml_number(points: str) -> int | float:
    number = Decimal(points)
    return int(number) if number == number.to_integral_value() else float(number)


def safe_load_yaml(text: str) -> Any:
    """``yaml.safe_load`` through libyaml (ten times faster: loading the course is mostly YAML);
    a document libyaml refuses is parsed again by PyYAML's own parser, whose messages show the line."""
    try:
        return yaml.load(text, Loader=_FAST_SAFE_LOADER)  # noqa: S506  (CSafeLoader: no Python objects)
    except yaml.YAMLError:
        return yaml.safe_load(text)


_FAST_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml_text(text: str, where: str) -> dict[str, Any]:
    try:
        data = safe_load_yaml(text)
    except yaml.YAMLError as exc:
        raise ContentError(f"{where}: {exc}") from exc
    if not isinstance(data, dict):
        raise ContentError(f"{where}: expected a mapping")
    return data


ITEM_FILE_NAMES = frozenset(
    {"item.yaml", EXAMPLES_FILE, REQUIREMENTS_FILE} | {name for names in TEXT_FILES.values() for name in names.values()}
)


def read_item_files(folder: Path) -> dict[str, str]:
    """The files of an item folder that make up its content, by name (others are ignored)."""
    files = {}
    for name in sorted(ITEM_FILE_NAMES):
        path = folder / name
        if path.is_file():
            try:
                files[name] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                raise ContentError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    return files


def read_item(folder: Path) -> dict[str, Any]:
    """An item folder as the fields of an ItemVersion (plus kind and order)."""
    return item_from_files(read_item_files(folder), where=folder)


def content_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass
class VersionOutcome:
    version: ItemVersion
    created: bool


def item_version_save(*, item: Item, fields: dict[str, Any]) -> VersionOutcome:
    """Make ``fields`` the item's current content: a new ItemVersion if the content hash differs
    from the latest one, else the latest one unchanged. Loader and browser publishing both call it;
    earlier versions and the submissions graded against them are never touched."""
    digest = content_hash(fields)
    with transaction.atomic():
        Item.objects.select_for_update().filter(pk=item.pk).first()  # one new number at a time
        latest = item.versions.order_by("-number").first()
        if latest and latest.content_hash == digest:
            if item.current_version_id != latest.pk:
                item.current_version = latest
                item.save(update_fields=["current_version"])
            return VersionOutcome(version=latest, created=False)
        version = ItemVersion.objects.create(
            item=item, number=(latest.number + 1) if latest else 1, content_hash=digest, **fields
        )
        item.current_version = version
        item.save(update_fields=["current_version"])
    return VersionOutcome(version=version, created=True)


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
            # The release policy comes from the file only when the assessment is created: after
            # that it is a teacher's setting on the dashboard, and reloading the content (which
            # every `make run` does) must not release scores that await review.
            assessment, _ = Assessment.objects.update_or_create(
                course=course,
                slug=a_dir.name,
                defaults={
                    "title_sv": a_title_sv,
                    "title_en": a_title_en,
                    "order": int(a_meta.get("order", 0)),
                },
                create_defaults={
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
    outcome = item_version_save(item=item, fields=data["fields"])
    if outcome.created:
        report.versions_created.append(f"{item.slug} v{outcome.version.number}")
    else:
        report.unchanged.append(item.slug)


def load_all(root: Path) -> LoadReport:
    report = LoadReport()
    for course_dir in sorted(p for p in root.iterdir() if (p / "course.yaml").exists()):
        load_course(course_dir, report)
    return report


def course_to_files(course: Course) -> dict[str, str]:
    """A course as the files ``load_course`` reads, by path relative to the content root
    (``<course>/course.yaml``, ``<course>/<assessment>/<item>/item.yaml`` ...). Items are written
    from their current version; items never published are left out."""
    root = course.slug
    meta = {
        "slug": course.slug,
        "title": {"sv": course.title_sv, "en": course.title_en},
        "description": {"sv": course.description_sv, "en": course.description_en},
    }
    files = {f"{root}/course.yaml": yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=120)}
    for assessment in course.assessments.order_by("order", "slug"):
        a_meta = {
            "order": assessment.order,
            "title": {"sv": assessment.title_sv, "en": assessment.title_en},
            "release": assessment.release,
        }
        a_root = f"{root}/{assessment.slug}"
        files[f"{a_root}/assessment.yaml"] = yaml.safe_dump(a_meta, allow_unicode=True, sort_keys=False, width=120)
        for item in assessment.items.select_related("current_version").order_by("order", "slug"):
            if item.current_version is None:
                continue
            item_files = item_to_files(kind=item.kind, order=item.order, fields=version_fields(item.current_version))
            for name, text in item_files.items():
                files[f"{a_root}/{item.slug}/{name}"] = text
    return files


def find_item_folder(root: Path, slug: str) -> Path | None:
    for path in root.glob(f"*/*/{slug}/item.yaml"):
        return path.parent
    return None


def item_spec_from_fields(*, slug: str, kind: str, fields: Mapping[str, Any]) -> ItemSpec:
    """What the harness needs of an item's content, wherever the content comes from."""
    return ItemSpec(
        slug=slug,
        kind=kind,
        points=float(fields["points"]),
        checks_source=fields["checks"],
        rubric=fields["rubric"],
        limits=(fields.get("config") or {}).get("limits", {}),
        variants=(fields.get("config") or {}).get("variants", {}),
        answer=fields.get("config") or {},
        requirements=(fields.get("config") or {}).get("requirements", []),
        weights=(fields.get("config") or {}).get("weights", {}),
    )


def item_spec_from_folder(folder: Path) -> ItemSpec:
    """What the harness needs, straight from an item folder (no database)."""
    data = read_item(folder)
    return item_spec_from_fields(slug=folder.name, kind=data["kind"], fields=data["fields"])
