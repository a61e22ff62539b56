"""Reads of the authoring app. Every lookup is scoped to the courses the user teaches, so a
teacher of another course, a student or an anonymous user gets a 404, never someone's draft."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

from django.http import Http404

from accounts.models import User
from authoring.models import ItemDraft, TrialAnswer, ValidationRun
from exercises.content import course_to_files
from exercises.models import Assessment, Course, Item, Submission
from exercises.selectors import choice_options, courses_taught


@dataclass
class ItemRow:
    slug: str
    item: Item | None
    draft: ItemDraft | None


def course_taught_get(*, user: User, slug: str) -> Course:
    try:
        return courses_taught(user=user).get(slug=slug)
    except Course.DoesNotExist:
        raise Http404("No such course") from None


def item_taught_get(*, user: User, slug: str) -> Item:
    try:
        return Item.objects.select_related("assessment__course", "current_version").get(
            slug=slug, assessment__course__in=courses_taught(user=user)
        )
    except Item.DoesNotExist:
        raise Http404("No such item") from None


def draft_taught_get(*, user: User, pk: int) -> ItemDraft:
    try:
        return ItemDraft.objects.select_related("course", "assessment", "item__current_version").get(
            pk=pk, course__in=courses_taught(user=user)
        )
    except ItemDraft.DoesNotExist:
        raise Http404("No such draft") from None


def validation_runs_of(*, draft: ItemDraft, limit: int = 10) -> list[ValidationRun]:
    return list(draft.validation_runs.order_by("-created_at", "-pk")[:limit])


def course_overview(*, course: Course) -> list[tuple[Assessment, list[ItemRow]]]:
    """Each assessment with its items and drafts (a draft of a new item has no item yet)."""
    items = Item.objects.filter(assessment__course=course).select_related("current_version")
    drafts = {d.slug: d for d in ItemDraft.objects.filter(course=course).select_related("item__current_version")}
    result = []
    for assessment in course.assessments.order_by("order", "slug"):
        rows = [
            ItemRow(slug=i.slug, item=i, draft=drafts.pop(i.slug, None))
            for i in items
            if i.assessment_id == assessment.pk
        ]
        rows += [
            ItemRow(slug=d.slug, item=None, draft=d)
            for d in list(drafts.values())
            if d.assessment_id == assessment.pk and d.item_id is None
        ]
        result.append((assessment, rows))
    return result


def course_export_zip(*, course: Course) -> bytes:
    """The course as a zip of the folder ``load_content`` reads (``<course>/course.yaml`` ...)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, text in sorted(course_to_files(course).items()):
            archive.writestr(path, text)
    return buffer.getvalue()


def older_submission_count(*, draft: ItemDraft) -> int:
    """Submissions of the draft's item graded against a version other than the current one."""
    if draft.item is None or draft.item.current_version_id is None:
        return 0
    return Submission.objects.filter(item=draft.item).exclude(item_version_id=draft.item.current_version_id).count()


def trial_of(*, draft: ItemDraft, pk: str | None) -> TrialAnswer | None:
    """A trial answer of this draft (the draft was already looked up for the user), else None."""
    if not pk or not str(pk).isdigit():
        return None
    return TrialAnswer.objects.filter(draft=draft, pk=int(pk)).first()


def preview_of(*, draft: ItemDraft, variant: dict[str, Any]) -> dict[str, Any]:
    """What the preview shows a student of this variant: the prompts with its values filled in,
    the choice options in the active language, and each variant parameter with its values."""
    from django.utils.translation import get_language

    from grader import variants

    config = draft.fields.get("config") or {}
    spec = config.get("variants") or {}
    return {
        "variant": variant,
        "variant_choices": [
            {"name": name, "values": [str(v) for v in values], "chosen": str(variant.get(name, ""))}
            for name, values in sorted(spec.items())
            if isinstance(values, list)
        ]
        if isinstance(spec, dict)
        else [],
        "prompt_sv": variants.render(draft.fields.get("prompt_sv", ""), variant),
        "prompt_en": variants.render(draft.fields.get("prompt_en", ""), variant),
        "choices": choice_options(config=config, english=(get_language() or "sv").startswith("en"))
        if draft.kind == "choice"
        else [],
    }


def requirement_rows(*, fields: dict[str, Any]) -> list[dict[str, Any]]:
    """The item's requirement table (requirements.yaml) as the authoring pages show it: each
    requirement with its checks, whether it is a precondition, its weight (item.yaml's
    ``weights`` over the table's points) and the share of the item's points that weight gives."""
    config = fields.get("config") or {}
    table = config.get("requirements") or []
    weights = config.get("weights") or {}
    if not isinstance(table, list):
        return []
    weight = {
        str(r.get("id")): 0.0 if r.get("precondition") else float(weights.get(r.get("id"), r.get("points", 1)) or 0)
        for r in table
        if isinstance(r, dict)
    }
    total = sum(weight.values()) or 1.0
    points = float(fields.get("points") or 0)
    rows = []
    for r in table:
        if not isinstance(r, dict):
            continue
        rid = str(r.get("id"))
        text = t if isinstance(t := r.get("text"), dict) else {}
        rows.append(
            {
                "id": rid,
                "text_sv": str(text.get("sv", "")),
                "text_en": str(text.get("en", "")),
                "checks": [str(c) for c in r.get("checks", [])],
                "precondition": bool(r.get("precondition")),
                "requires": [str(q) for q in r.get("requires", [])],
                "requires_any": [str(q) for q in r.get("requires_any", [])],
                "weight": weight[rid],
                "weighted": rid in weights,
                "points": round(points * weight[rid] / total, 2),
            }
        )
    return rows
