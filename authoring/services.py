"""Writes of the authoring app: drafts, validation on the workers, publishing, import.

Publishing goes through ``exercises.content.item_version_save``, the same function the file
loader uses, so a version made in the browser and one loaded from git are the same thing.
"""

from __future__ import annotations

import logging
import math
import socket
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
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
from exercises.models import Assessment, Course, Item, ItemVersion, Submission

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
    from authoring.tasks import validate_draft

    ValidationRun.objects.filter(pk=run.pk).update(queued_at=timezone.now())
    try:
        validate_draft.apply_async(args=(run.pk,), queue=_queue_for(run.fields))
    except Exception:  # the broker is down: say so on the run rather than leave it queued forever
        logger.exception("could not enqueue validation run %s", run.pk)
        ValidationRun.objects.filter(pk=run.pk, status=ValidationRun.Status.QUEUED).update(
            status=ValidationRun.Status.ERROR,
            problems=[
                {"sv": "Kön till rättningen svarar inte; försök igen.", "en": "The grading queue is down; try again."}
            ],
            finished_at=timezone.now(),
        )
        return False
    return True


def _problem(sv: str, en: str) -> dict[str, str]:
    return {"sv": sv, "en": en}


def _grade(spec: Any, text: str, variant: dict[str, Any] | None = None) -> dict[str, Any]:
    from grader.harness import grade

    try:
        return grade(spec, text, variant or None).as_dict()
    except Exception as exc:  # teacher code (checks.py) that does not load or raises while grading
        logger.info("validation: checks raised %s", exc, exc_info=True)
        return {
            "status": "checks_error",
            "score": 0.0,
            "max_score": spec.points,
            "checks": [],
            "output": "",
            "error": {"type": type(exc).__name__, "message": str(exc)[:2000]},
        }


def validation_run_execute(*, run_id: int, worker: str = "") -> ValidationRun | None:
    """Grade the draft's reference solution and starter through the same harness and sandbox as
    submissions; None if the run is gone or another worker has it.

    1. Claim the run with a conditional UPDATE (safe if the message is delivered twice).
    2. Grade the reference solution: it must be graded with full marks.
    3. Grade the starter: it must compile and earn 0 points.
    4. If the exercise has visible examples, run them after the reference solution: they must pass.
    5. Record both results and the verdict; nothing of the students' submissions is read or written.
    """
    claimed = ValidationRun.objects.filter(pk=run_id, status=ValidationRun.Status.QUEUED).update(
        status=ValidationRun.Status.RUNNING, started_at=timezone.now(), worker=worker or socket.gethostname()
    )
    if claimed != 1:
        return None
    run = ValidationRun.objects.select_related("draft").get(pk=run_id)
    fields, draft = run.fields, run.draft
    spec = item_spec_from_fields(slug=draft.slug, kind=draft.kind, fields=fields)
    if draft.kind in QUICK_KINDS:
        return _quick_run_finish(run=run, spec=spec)
    problems: list[dict[str, str]] = []
    if not fields.get("solution", "").strip():
        problems.append(
            _problem(
                "Det finns ingen referenslösning (modellsvar) att rätta.",
                "There is no reference solution (model answer) to grade.",
            )
        )
    solution = _grade(spec, fields.get("solution", ""))
    starter = _grade(spec, fields.get("starter", ""))
    platform_down = "error" in (solution["status"], starter["status"])
    if solution["status"] == "checks_error":
        error = solution["error"]
        problems.append(
            _problem(
                f"De dolda kontrollerna gav ett fel: {error['type']}: {error['message']}",
                f"The hidden checks raised an error: {error['type']}: {error['message']}",
            )
        )
    elif solution["status"] != "graded" or solution["score"] < solution["max_score"]:
        problems.append(
            _problem(
                f"Referenslösningen fick {solution['score']:g} av {solution['max_score']:g} poäng ({solution['status']}); den måste få full poäng.",
                f"The reference solution earned {solution['score']:g} of {solution['max_score']:g} points ({solution['status']}); it must earn full marks.",
            )
        )
    if starter["status"] == "syntax_error":
        problems.append(_problem("Startkoden har ett syntaxfel.", "The starter has a syntax error."))
    elif starter["status"] == "graded" and starter["score"] > 0:
        # An untouched starter earns nothing: what it already does is given, not the student's work.
        earned = [c["name"] for c in starter.get("checks", []) if c.get("points")]
        problems.append(
            _problem(
                f"Startkoden får {starter['score']:g} av {starter['max_score']:g} poäng ({', '.join(earned)}); den måste få 0. Gör det som startkoden redan gör till ett förhandskrav, eller låt kraven räknas först när uppgiftens egna krav håller (requires i requirements.yaml).",
                f"The starter earns {starter['score']:g} of {starter['max_score']:g} points ({', '.join(earned)}); it must earn 0. Make what the starter already does a precondition, or let those requirements count only once the task's own requirements hold (requires in requirements.yaml).",
            )
        )
    examples = str((fields.get("config") or {}).get("examples", ""))
    if draft.kind == "code" and examples.strip() and not problems:
        with_examples = _grade(spec, fields["solution"] + "\n\n# --- visible examples ---\n" + examples)
        solution["examples_status"] = with_examples["status"]
        if with_examples["status"] != "graded":
            message = next((c["message_sv"] for c in with_examples.get("checks", [])), "")
            problems.append(
                _problem(
                    f"Referenslösningen klarar inte de synliga exemplen: {message}",
                    f"The reference solution does not pass the visible examples: {with_examples['status']}",
                )
            )
    if platform_down:
        status = ValidationRun.Status.ERROR
    else:
        status = ValidationRun.Status.FAILED if problems else ValidationRun.Status.PASSED
    run.status, run.solution_result, run.starter_result, run.problems = status, solution, starter, problems
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "solution_result", "starter_result", "problems", "finished_at"])
    return run


QUICK_KINDS = ("numeric", "choice")
# Every combination of variant values is evaluated: a bound keeps a validation short.
MAX_VARIANT_COMBINATIONS = 10_000


def _quick_run_finish(*, run: ValidationRun, spec: Any) -> ValidationRun:
    """A numeric or choice item has no code to run: its answer is checked for every variant and
    the right answer is graded through the harness like a student's (grader.quick)."""
    try:
        problems, solution = quick_item_problems(spec=spec, prompts=[run.fields["prompt_sv"], run.fields["prompt_en"]])
        run.status = ValidationRun.Status.FAILED if problems else ValidationRun.Status.PASSED
    except Exception as exc:  # content shaped in a way no check foresaw: say so rather than hang
        logger.exception("validation run %s of a %s item failed", run.pk, spec.kind)
        problems, solution = [_problem(f"Valideringen misslyckades: {exc}", f"The validation failed: {exc}")], None
        run.status = ValidationRun.Status.FAILED
    run.solution_result, run.starter_result, run.problems = solution, None, problems
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "solution_result", "starter_result", "problems", "finished_at"])
    return run


def quick_item_problems(*, spec: Any, prompts: list[str]) -> tuple[list[dict[str, str]], dict[str, Any] | None]:
    """What is wrong with a numeric or choice item, one message each (sv, en), and the grading of
    its right answer (the first variant's) as the validation page shows it.

    1. Variants: a mapping of names to non-empty lists (numbers, for a numeric item); every
       ``{{ name }}`` in the prompts must be one of them.
    2. Numeric: the answer, and every typical mistake, must evaluate for every variant; the
       answer written as a number must earn full marks for each variant.
    3. Choice: options with unique ids and a Swedish text; ``correct`` is exactly one of them;
       it earns full marks and every other option earns none.
    """
    from grader import quick, variants

    problems: list[dict[str, str]] = []
    spec_variants = spec.variants or {}
    if not isinstance(spec_variants, dict) or not all(isinstance(v, list) and v for v in spec_variants.values()):
        problems.append(
            _problem(
                "Varianterna ska vara en mappning från namn till en lista av värden.",
                "The variants must map names to lists of values.",
            )
        )
        return problems, None
    used = {name for prompt in prompts for name in variants.PLACEHOLDER.findall(prompt or "")}
    for name in sorted(used - set(spec_variants)):
        problems.append(
            _problem(
                f"Texten använder {{{{ {name} }}}}, men det finns ingen sådan variantparameter.",
                f"The prompt uses {{{{ {name} }}}}, but there is no such variant parameter.",
            )
        )
    count = math.prod(len(values) for values in spec_variants.values())
    if count > MAX_VARIANT_COMBINATIONS:
        problems.append(
            _problem(
                f"Varianterna ger {count} kombinationer; högst {MAX_VARIANT_COMBINATIONS} går att kontrollera.",
                f"The variants make {count} combinations; at most {MAX_VARIANT_COMBINATIONS} can be checked.",
            )
        )
        return problems, None
    combinations = variants.every(spec_variants) or [{}]
    config = spec.answer
    if spec.kind == "numeric":
        bad_values = [
            f"{n}={v!r}"
            for n, values in spec_variants.items()
            for v in values
            if isinstance(v, bool) or not isinstance(v, (int, float))
        ]
        if bad_values:
            problems.append(
                _problem(
                    f"Variantvärden i en talfråga måste vara tal: {', '.join(bad_values)}.",
                    f"Variant values of a numeric item must be numbers: {', '.join(bad_values)}.",
                )
            )
            return problems, None
        try:
            tolerance = float(config.get("tolerance", 0))
        except (TypeError, ValueError):
            tolerance = -1.0
        if not tolerance >= 0:
            problems.append(_problem("Toleransen måste vara ett tal ≥ 0.", "The tolerance must be a number ≥ 0."))
            return problems, None
        expressions = [("svaret", "the answer", config.get("answer"))]
        for i, mistake in enumerate(config.get("mistakes") or [], start=1):
            if not isinstance(mistake, dict) or not {"answer", "sv", "en"} <= set(mistake):
                problems.append(
                    _problem(
                        f"Typiskt fel nr {i} behöver answer, sv och en.",
                        f"Typical mistake no. {i} needs answer, sv and en.",
                    )
                )
                continue
            expressions.append((f"typiskt fel nr {i}", f"typical mistake no. {i}", mistake["answer"]))
        for name_sv, name_en, expression in expressions:
            for variant in combinations:
                try:
                    quick.evaluate(str(expression), variant)
                except (ValueError, SyntaxError, ArithmeticError, TypeError) as exc:
                    shown = ", ".join(f"{k}={v}" for k, v in variant.items()) or "-"
                    problems.append(
                        _problem(
                            f"Uttrycket för {name_sv} ({expression}) går inte att räkna ut för varianten {shown}: {exc}",
                            f"The expression of {name_en} ({expression}) cannot be evaluated for the variant {shown}: {exc}",
                        )
                    )
                    break
        if problems:
            return problems, None
        results = [(v, _grade(spec, repr(quick.evaluate(str(config["answer"]), v)), v)) for v in combinations]
    else:
        options = config.get("options") or []
        ids = [str(o.get("id", "")) if isinstance(o, dict) else "" for o in options]
        if len(options) < 2:
            problems.append(
                _problem("En flervalsfråga behöver minst två alternativ.", "A choice item needs at least two options.")
            )
        if any(not i for i in ids) or any(not (isinstance(o, dict) and o.get("sv")) for o in options):
            problems.append(
                _problem(
                    "Varje alternativ behöver ett id och en svensk text (sv).",
                    "Every option needs an id and a Swedish text (sv).",
                )
            )
        duplicates = sorted({i for i in ids if i and ids.count(i) > 1})
        if duplicates:
            problems.append(
                _problem(
                    f"Flera alternativ har samma id: {', '.join(duplicates)}.",
                    f"Several options have the same id: {', '.join(duplicates)}.",
                )
            )
        correct = str(config.get("correct", ""))
        if correct not in ids:
            problems.append(
                _problem(
                    f"Rätt alternativ ”{correct}” finns inte bland alternativen ({', '.join(ids)}).",
                    f"The correct option “{correct}” is not among the options ({', '.join(ids)}).",
                )
            )
        if problems:
            return problems, None
        results = [({}, _grade(spec, correct))]
        for other in ids:
            wrong = _grade(spec, other) if other != correct else None
            if wrong and wrong["score"] > 0:
                problems.append(
                    _problem(
                        f"Alternativ {other} ger poäng fast det är fel.", f"Option {other} earns points though wrong."
                    )
                )
    for variant, result in results:
        if result["status"] != "graded" or result["score"] < result["max_score"]:
            shown = ", ".join(f"{k}={v}" for k, v in variant.items())
            problems.append(
                _problem(
                    f"Det rätta svaret fick {result['score']:g} av {result['max_score']:g} poäng {shown}.".strip(),
                    f"The right answer earned {result['score']:g} of {result['max_score']:g} points {shown}.".strip(),
                )
            )
    return problems, results[0][1]


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
    from authoring.tasks import grade_trial

    TrialAnswer.objects.filter(pk=trial.pk).update(queued_at=timezone.now())
    try:
        grade_trial.apply_async(args=(trial.pk,), queue=_queue_for(trial.fields))
    except Exception:  # the broker is down: say so rather than leave it queued forever
        logger.exception("could not enqueue trial answer %s", trial.pk)
        TrialAnswer.objects.filter(pk=trial.pk, status=TrialAnswer.Status.QUEUED).update(
            status=TrialAnswer.Status.ERROR, finished_at=timezone.now()
        )
        return False
    return True


def trial_execute(*, trial_id: int, worker: str = "") -> TrialAnswer | None:
    """Claim (conditional UPDATE, safe twice), grade through the harness, record the result."""
    claimed = TrialAnswer.objects.filter(pk=trial_id, status=TrialAnswer.Status.QUEUED).update(
        status=TrialAnswer.Status.RUNNING, started_at=timezone.now(), worker=worker or socket.gethostname()
    )
    if claimed != 1:
        return None
    trial = TrialAnswer.objects.select_related("draft").get(pk=trial_id)
    spec = item_spec_from_fields(slug=trial.draft.slug, kind=trial.draft.kind, fields=trial.fields)
    trial.result = _grade(spec, trial.text, trial.variant)
    trial.status = TrialAnswer.Status.ERROR if trial.result["status"] == "error" else TrialAnswer.Status.DONE
    trial.finished_at = timezone.now()
    trial.save(update_fields=["result", "status", "finished_at"])
    return trial


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
