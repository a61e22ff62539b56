"""Writes of the authoring app: drafts, validation on the workers, publishing, import.

Publishing goes through ``exercises.content.item_version_save``, the same function the file
loader uses, so a version made in the browser and one loaded from git are the same thing.
"""

from __future__ import annotations

import logging
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from authoring.models import ItemDraft, TrialAnswer, ValidationRun
from exercises import selectors as exercise_selectors
from exercises.content import (
    ContentError,
    LoadReport,
    content_hash,
    item_from_files,
    item_spec_from_fields,
    item_to_files,
    item_version_save,
    load_course,
    version_fields,
)
from exercises.jobs import JobKind, job_kind_register, job_run_inline, job_send
from exercises.models import Assessment, Course, Item, ItemVersion, Submission
from grader.status import Status

logger = logging.getLogger(__name__)

# An imported zip is untrusted input: bounded before anything is extracted.
IMPORT_MAX_BYTES = 5 * 1024 * 1024
IMPORT_MAX_UNPACKED_BYTES = 20 * 1024 * 1024
IMPORT_MAX_FILES = 2000


def _require_teacher(*, user: User, course: Course) -> None:
    if not exercise_selectors.user_teaches(user=user, course=course):
        raise PermissionDenied(_("Du undervisar inte på den här kursen."))


def _check_fields(*, slug: str, kind: str, order: int, fields: dict[str, Any]) -> dict[str, Any]:
    """Run the draft's content through the same reader as the files: what cannot be loaded from
    git cannot be saved here either. Returns the fields as the loader would store them."""
    try:
        return item_from_files(item_to_files(kind=kind, order=order, fields=fields), where=slug)["fields"]
    except ContentError as exc:
        raise ValidationError(str(exc)) from exc


def draft_create(
    *, user: User, assessment: Assessment, slug: str, kind: str, order: int, fields: dict[str, Any]
) -> ItemDraft:
    """A new item, not yet published: it gets an Item only when it first passes validation."""
    _require_teacher(user=user, course=assessment.course)
    if Item.objects.filter(slug=slug).exists() or ItemDraft.objects.filter(slug=slug).exists():
        raise ValidationError(_("Det finns redan en uppgift med namnet %(slug)s.") % {"slug": slug})
    fields = _check_fields(slug=slug, kind=kind, order=order, fields=fields)
    return ItemDraft.objects.create(
        course=assessment.course,
        assessment=assessment,
        slug=slug,
        kind=kind,
        order=order,
        fields=fields,
        content_hash=content_hash(fields),
        created_by=user,
        updated_by=user,
    )


def draft_for_item(*, user: User, item: Item) -> ItemDraft:
    """The item's draft, started from its current version the first time it is edited."""
    course = item.assessment.course
    _require_teacher(user=user, course=course)
    existing = ItemDraft.objects.filter(item=item).first()
    if existing:
        return existing
    if item.current_version is None:
        raise ValidationError(_("Uppgiften har ingen version att utgå från."))
    fields = version_fields(item.current_version)
    draft, _created = ItemDraft.objects.get_or_create(
        item=item,
        defaults={
            "course": course,
            "assessment": item.assessment,
            "slug": item.slug,
            "kind": item.kind,
            "order": item.order,
            "fields": fields,
            "content_hash": content_hash(fields),
            "published_version": item.current_version,
            "created_by": user,
            "updated_by": user,
        },
    )
    return draft


def draft_update(
    *, user: User, draft: ItemDraft, assessment: Assessment, order: int, fields: dict[str, Any]
) -> ItemDraft:
    _require_teacher(user=user, course=draft.course)
    if assessment.course_id != draft.course_id:
        raise ValidationError(_("Delen hör till en annan kurs."))
    fields = _check_fields(slug=draft.slug, kind=draft.kind, order=order, fields=fields)
    draft.assessment, draft.order, draft.fields = assessment, order, fields
    draft.content_hash = content_hash(fields)
    draft.updated_by = user
    draft.save(update_fields=["assessment", "order", "fields", "content_hash", "updated_by", "updated_at"])
    return draft


def draft_discard(*, user: User, draft: ItemDraft) -> Item | None:
    """Throw away unpublished changes: a published item's draft goes back to its current version,
    a never-published draft is deleted. Returns the item, if there is one."""
    _require_teacher(user=user, course=draft.course)
    item = draft.item
    if item is None or item.current_version is None:
        draft.delete()
        return None
    fields = version_fields(item.current_version)
    draft.assessment, draft.order, draft.fields = item.assessment, item.order, fields
    draft.content_hash, draft.updated_by = content_hash(fields), user
    draft.save(update_fields=["assessment", "order", "fields", "content_hash", "updated_by", "updated_at"])
    return item


def validation_request(*, user: User, draft: ItemDraft) -> ValidationRun:
    """Queue a validation of the draft as it is now; the worker picks it up after commit."""
    _require_teacher(user=user, course=draft.course)
    with transaction.atomic():
        run = ValidationRun.objects.create(
            draft=draft, content_hash=draft.content_hash, fields=draft.fields, requested_by=user
        )
        transaction.on_commit(lambda: validation_enqueue(run=run))
    return run


def _queue_for(fields: dict[str, Any]) -> str:
    """The same routing as submissions (exercises.models.ItemVersion.queue, grader.launch.routing)."""
    from grader.launch.routing import choose_queue

    config = fields.get("config") or {}
    requested = "grading-gpu" if config.get("gpu") else str(config.get("queue", "grading"))
    return choose_queue(requested=requested)


def validation_enqueue(*, run: ValidationRun) -> bool:
    return job_send(job=run)


def _spec_of(job: ValidationRun | TrialAnswer) -> dict[str, Any]:
    return asdict(item_spec_from_fields(slug=job.draft.slug, kind=job.draft.kind, fields=job.fields))


def _validation_message(run: ValidationRun) -> dict[str, Any]:
    """Everything a worker needs to validate the draft as it was when the run was requested."""
    fields = run.fields
    return {
        "spec": _spec_of(run),
        "validation": {
            "solution": str(fields.get("solution", "")),
            "starter": str(fields.get("starter", "")),
            "examples": str((fields.get("config") or {}).get("examples", "")) if run.draft.kind == "code" else "",
            "prompts": [str(fields.get("prompt_sv", "")), str(fields.get("prompt_en", ""))],
        },
    }


def _validation_status(result: dict[str, Any]) -> str:
    status = result.get("status")
    if status in (ValidationRun.Status.PASSED, ValidationRun.Status.FAILED):
        return str(status)
    return ValidationRun.Status.ERROR


def _validation_record(run: ValidationRun, result: dict[str, Any]) -> None:
    problems = result.get("problems")
    run.solution_result = result.get("solution_result")
    run.starter_result = result.get("starter_result")
    run.problems = problems if isinstance(problems, list) else []
    run.save(update_fields=["solution_result", "starter_result", "problems"])


def _gave_up_problem(job: ValidationRun | TrialAnswer) -> dict[str, str]:
    return {
        "sv": f"Rättningen avbröts {job.tries} gånger utan att bli klar: processen som rättade dog varje gång.",
        "en": f"Grading was interrupted {job.tries} times without finishing: the grading process died each time.",
    }


def _validation_give_up(run: ValidationRun) -> None:
    run.problems = [_gave_up_problem(run)]
    run.save(update_fields=["problems"])


def _trial_message(trial: TrialAnswer) -> dict[str, Any]:
    return {"spec": _spec_of(trial), "text": trial.text, "variant": trial.variant or {}}


def _trial_status(result: dict[str, Any]) -> str:
    # Graded whatever the grade (a syntax error is what the student would see); error when the
    # platform failed or the grader died every time.
    if result.get("status") == Status.ERROR or result.get("abandoned"):
        return TrialAnswer.Status.ERROR
    return TrialAnswer.Status.GRADED


def _trial_record(trial: TrialAnswer, result: dict[str, Any]) -> None:
    trial.result = result
    trial.save(update_fields=["result"])


def _trial_give_up(trial: TrialAnswer) -> None:
    problem = _gave_up_problem(trial)
    trial.result = {"status": Status.CRASHED, "score": 0.0, "max_score": 0.0, "checks": [], "output": "",
                    "error": {"type": "GradingAbandoned", "tries": trial.tries, "message": problem["en"]}}  # fmt: skip
    trial.save(update_fields=["result"])


job_kind_register(
    JobKind(
        name="validation",
        model=ValidationRun,
        message=_validation_message,
        queue=lambda run: _queue_for(run.fields),
        final_status=_validation_status,
        record=_validation_record,
        give_up=_validation_give_up,
        related=("draft",),
    )
)
job_kind_register(
    JobKind(
        name="trial",
        model=TrialAnswer,
        message=_trial_message,
        queue=lambda trial: _queue_for(trial.fields),
        final_status=_trial_status,
        record=_trial_record,
        give_up=_trial_give_up,
        related=("draft",),
    )
)


def checks_error_place(exc: BaseException) -> dict[str, str | int | None]:
    """Where in the teacher's checks.py an exception arose: file, line, and the traceback from
    the first frame of that file on (the platform's own frames above it say nothing useful)."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    ours = [i for i, f in enumerate(frames) if f.filename.endswith("checks.py")]
    if isinstance(exc, SyntaxError) and (exc.filename or "").endswith("checks.py"):
        place = {"file": exc.filename, "line": exc.lineno}
    elif ours:
        frame = frames[ours[-1]]
        place = {"file": frame.filename, "line": frame.lineno}
    else:
        place = {"file": "checks.py", "line": None}
    start = ours[0] if ours else 0
    text = "".join(traceback.format_list(frames[start:])) + "".join(traceback.format_exception_only(exc))
    return {**place, "traceback": text[-4000:]}


def validation_run_execute(*, run_id: int, worker: str = "") -> ValidationRun | None:
    """Run a validation here and now, as a worker and the recorder would (tests, and a shell)."""
    run = ValidationRun.objects.filter(pk=run_id).first()
    return job_run_inline(job=run, worker=worker) if run else None


def trial_request(*, user: User, draft: ItemDraft, text: str, variant: dict[str, Any] | None = None) -> TrialAnswer:
    """Grade an answer against the draft on the workers, as a student would see it (preview),
    with the variant the teacher chose (the first values if none)."""
    _require_teacher(user=user, course=draft.course)
    variant = preview_variant(draft=draft, chosen=variant or {})
    if not text.strip():
        raise ValidationError(_("Svaret är tomt."))
    if len(text.encode("utf-8")) > settings.QUIZ_MAX_CODE_BYTES:
        raise ValidationError(
            _("Svaret är för stort (högst %(kb)d kB).") % {"kb": settings.QUIZ_MAX_CODE_BYTES // 1024}
        )
    with transaction.atomic():
        trial = TrialAnswer.objects.create(
            draft=draft,
            content_hash=draft.content_hash,
            fields=draft.fields,
            text=text,
            variant=variant,
            requested_by=user,
        )
        transaction.on_commit(lambda: trial_enqueue(trial=trial))
    return trial


def preview_variant(*, draft: ItemDraft, chosen: dict[str, Any]) -> dict[str, Any]:
    """The variant a teacher picked in the preview (values as the form sends them, text), checked
    against the draft's parameters; {} for an item without variants."""
    from grader import variants

    spec = (draft.fields.get("config") or {}).get("variants") or {}
    if not isinstance(spec, dict) or not spec:
        return {}
    by_text = {name: {str(v): v for v in values} for name, values in spec.items() if isinstance(values, list)}
    picked = {}
    for name, value in chosen.items():
        if name not in by_text or str(value) not in by_text[name]:
            raise ValidationError(_("Ogiltig variant: %(name)s=%(value)s") % {"name": name, "value": value})
        picked[name] = by_text[name][str(value)]
    try:
        return variants.validate(spec, picked)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def trial_enqueue(*, trial: TrialAnswer) -> bool:
    return job_send(job=trial)


def trial_execute(*, trial_id: int, worker: str = "") -> TrialAnswer | None:
    """Grade a trial answer here and now, as a worker and the recorder would (tests, a shell)."""
    trial = TrialAnswer.objects.filter(pk=trial_id).first()
    return job_run_inline(job=trial, worker=worker) if trial else None


@dataclass
class PublishOutcome:
    version: ItemVersion
    created: bool
    # Submissions graded against an earlier version of the item: the teacher may regrade them.
    older_submissions: int


def draft_publish(*, user: User, draft: ItemDraft) -> PublishOutcome:
    """Make the draft the item's current version, if its exact content passed validation.

    1. Refuse unless the latest validation of this very content hash passed.
    2. Create the Item the first time; move it to the draft's assessment and order.
    3. ``item_version_save``: a new ItemVersion if the content changed. Old submissions keep
       theirs; regrading them is the teacher's choice, on the dashboard.
    """
    _require_teacher(user=user, course=draft.course)
    passed = draft.validation_runs.filter(content_hash=draft.content_hash, status=ValidationRun.Status.PASSED)
    if not passed.exists():
        raise ValidationError(_("Utkastet kan inte publiceras: det har inte klarat valideringen i sin nuvarande form."))
    with transaction.atomic():
        draft = ItemDraft.objects.select_for_update().get(pk=draft.pk)
        item = draft.item
        if item is None:
            if Item.objects.filter(slug=draft.slug).exists():
                raise ValidationError(_("Det finns redan en uppgift med namnet %(slug)s.") % {"slug": draft.slug})
            item = Item.objects.create(
                assessment=draft.assessment, slug=draft.slug, kind=draft.kind, order=draft.order, is_published=True
            )
        else:
            item.assessment, item.order, item.is_published = draft.assessment, draft.order, True
            item.save(update_fields=["assessment", "order", "is_published"])
        outcome = item_version_save(item=item, fields=draft.fields)
        draft.item, draft.published_version = item, outcome.version
        draft.updated_by = user
        draft.save(update_fields=["item", "published_version", "updated_by", "updated_at"])
    older = Submission.objects.filter(item=item).exclude(item_version=outcome.version).count()
    return PublishOutcome(version=outcome.version, created=outcome.created, older_submissions=older)


def _safe_member(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in name:
        return None
    return path


def course_import_zip(*, user: User, upload: IO[bytes], size: int) -> tuple[Course, LoadReport]:
    """Load a zip of a course folder (as ``course_export_zip`` writes it, or zipped from git).

    1. Bound and check the archive before extracting: size, file count, no absolute or ``..``
       paths, no links; exactly one ``course.yaml``.
    2. Only a teacher of that course may import into it; only an admin may create a new course.
    3. Extract to a private temporary folder and hand it to ``load_course``, the loader of
       ``manage.py load_content``: a changed item gets a new version, an unchanged one nothing.
    """
    if size > IMPORT_MAX_BYTES:
        raise ValidationError(_("Filen är för stor (högst %(mb)d MB).") % {"mb": IMPORT_MAX_BYTES // 1024 // 1024})
    try:
        archive = zipfile.ZipFile(upload)
    except zipfile.BadZipFile:
        raise ValidationError(_("Filen är inte en zip-fil.")) from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > IMPORT_MAX_FILES or sum(m.file_size for m in members) > IMPORT_MAX_UNPACKED_BYTES:
            raise ValidationError(_("Zip-filen innehåller för mycket."))
        for member in members:
            if _safe_member(member.filename) is None or (member.external_attr >> 16) & 0o170000 == 0o120000:
                raise ValidationError(_("Otillåten sökväg i zip-filen: %(name)s") % {"name": member.filename})
        course_files = [m for m in members if PurePosixPath(m.filename).name == "course.yaml"]
        if len(course_files) != 1:
            raise ValidationError(_("Zip-filen ska innehålla exakt en kurs (en course.yaml)."))
        with tempfile.TemporaryDirectory(prefix="course-import-") as tmp:
            root = Path(tmp)
            for member in members:
                target = root.joinpath(*PurePosixPath(member.filename).parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(member))
            folder = root.joinpath(*PurePosixPath(course_files[0].filename).parent.parts)
            return _import_folder(user=user, folder=folder)


def _import_folder(*, user: User, folder: Path) -> tuple[Course, LoadReport]:
    import yaml

    try:
        meta = yaml.safe_load((folder / "course.yaml").read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ValidationError(f"course.yaml: {exc}") from exc
    slug = str(meta.get("slug", folder.name)) if isinstance(meta, dict) else folder.name
    course = Course.objects.filter(slug=slug).first()
    if course is None and not user.is_platform_admin:
        raise PermissionDenied(_("Bara en administratör kan skapa en ny kurs."))
    if course is not None:
        _require_teacher(user=user, course=course)
    _refuse_foreign_items(folder=folder, slug=slug)
    try:
        report = load_course(folder)
    except (ContentError, ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(_("Kursen kunde inte läsas: %(error)s") % {"error": exc}) from exc
    return Course.objects.get(slug=slug), report


def _refuse_foreign_items(*, folder: Path, slug: str) -> None:
    """Item slugs are global: an import must not move another course's item into this one."""
    slugs = [p.parent.name for p in folder.glob("*/*/item.yaml")]
    foreign = Item.objects.filter(slug__in=slugs).exclude(assessment__course__slug=slug).values_list("slug", flat=True)
    if foreign:
        raise ValidationError(
            _("Uppgifterna %(slugs)s hör till en annan kurs.") % {"slugs": ", ".join(sorted(foreign))}
        )
