"""The trusted harness: turns an answer or a piece of code into a graded result.

It knows the item's hidden checks and expected values; the student's code only ever runs in the
sandbox (``grader.launch.sandbox``). The result is decided here, from the data the sandbox sent back,
never from the sandbox's exit status or printed text. This module does not import Django, so
``manage.py grade``, the Celery task and the tests all call the same two functions.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from grader import requirements, theory, variants
from grader.checks import Check, Msg, msg
from grader.launch.sandbox import Limits, SandboxRun, SandboxUnavailable, run_in_sandbox
from grader.status import Status

if TYPE_CHECKING:
    from grader.launch.checks import ChecksError


@dataclass
class ItemSpec:
    """What the harness needs of one item version."""

    slug: str
    kind: str  # "theory" | "code"
    points: float
    checks_source: str = ""
    rubric: list[dict[str, Any]] = field(default_factory=list)
    limits: dict[str, Any] = field(default_factory=dict)
    variants: dict[str, Any] = field(default_factory=dict)  # parameter -> allowed values
    answer: dict[str, Any] = field(default_factory=dict)  # numeric and choice items (grader.quick)
    # The item's requirement table (requirements.yaml) and the teacher's weights (item.yaml):
    # with a table, points follow requirements (grader.requirements), else each check weighs.
    requirements: list[dict[str, Any]] = field(default_factory=list)
    weights: dict[str, Any] = field(default_factory=dict)


@dataclass
class CheckOutcome:
    name: str
    passed: bool
    points: float
    max_points: float
    message_sv: str
    message_en: str
    hint_sv: str = ""
    hint_en: str = ""
    # Set when points follow requirements: the requirement's text and the checks behind it.
    requirement_sv: str = ""
    requirement_en: str = ""
    checks: list[str] = field(default_factory=list)


@dataclass
class GradeResult:
    status: str
    score: float
    max_score: float
    checks: list[CheckOutcome]
    output: str = ""
    error: dict[str, Any] | None = None
    feedback: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def as_json(self, *, item: str, lang: str = "en") -> dict[str, Any]:
        """The JSON object of DESIGN.md's contract (``manage.py grade --json``)."""
        return {
            "item": item,
            "status": self.status,
            "score": self.score,
            "max_score": self.max_score,
            "checks": [
                {
                    "name": c.name,
                    "passed": c.passed,
                    "points": c.points,
                    "max_points": c.max_points,
                    "message": c.message_en if lang == "en" else c.message_sv,
                    **({"hint": c.hint_en if lang == "en" else c.hint_sv} if c.hint_en else {}),
                    **(
                        {"requirement": c.requirement_en if lang == "en" else c.requirement_sv, "checks": c.checks}
                        if c.requirement_en
                        else {}
                    ),
                }
                for c in self.checks
            ],
            "output": self.output,
            "error": self.error,
            "feedback": self.feedback,
            "timings": self.timings,
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GradeResult:
        """A result as it crossed the broker (``as_dict``), checked field by field."""
        fields = CheckOutcome.__dataclass_fields__
        checks = [
            CheckOutcome(**{k: v for k, v in c.items() if k in fields})
            for c in data.get("checks") or []
            if isinstance(c, dict)
        ]
        error, feedback, timings = data.get("error"), data.get("feedback"), data.get("timings")
        return cls(
            status=str(Status(data["status"])),
            score=float(data["score"]),
            max_score=float(data["max_score"]),
            checks=checks,
            output=str(data.get("output", "")),
            error=error if isinstance(error, dict) else None,
            feedback=feedback if isinstance(feedback, dict) else {},
            timings=timings if isinstance(timings, dict) else {},
        )


def _score(points: float, checks: list[Check]) -> tuple[float, list[CheckOutcome]]:
    total = sum(c.weight for c in checks) or 1.0
    outcomes = []
    for c in checks:
        share = round(points * c.weight / total, 2)
        outcomes.append(
            CheckOutcome(
                name=c.name,
                passed=bool(c.passed),
                points=share if c.passed else 0.0,
                max_points=share,
                message_sv=c.message.sv,
                message_en=c.message.en,
                hint_sv=c.hint.sv if c.hint and not c.passed else "",
                hint_en=c.hint.en if c.hint and not c.passed else "",
            )
        )
    score = round(points * sum(c.weight for c in checks if c.passed) / total, 2)
    return score, outcomes


def _score_item(spec: ItemSpec, checks: list[Check]) -> tuple[float, list[CheckOutcome], dict[str, Any]]:
    """By requirement when the item has a table (``grader.requirements``), else by check.

    The feedback part lists checks that no requirement claims (a content error the item tests
    catch): they are shown to the student and worth nothing.
    """
    if not spec.requirements:
        score, outcomes = _score(float(spec.points), checks)
        return score, outcomes, {}
    table = requirements.parse(spec.requirements, where=f"{spec.slug}/requirements.yaml")
    weights = requirements.check_weights(table, spec.weights, where=f"{spec.slug}/item.yaml")
    score, results, unmapped = requirements.score(float(spec.points), checks, table, weights)
    outcomes = [
        CheckOutcome(
            name=r.requirement.id,
            passed=r.passed,
            points=r.points,
            max_points=r.max_points,
            message_sv=r.message_sv,
            message_en=r.message_en,
            hint_sv=r.hint_sv,
            hint_en=r.hint_en,
            requirement_sv=r.requirement.text_sv,
            requirement_en=r.requirement.text_en,
            checks=r.checks,
        )
        for r in results
    ]
    outcomes += [
        CheckOutcome(
            name=c.name,
            passed=bool(c.passed),
            points=0.0,
            max_points=0.0,
            message_sv=c.message.sv,
            message_en=c.message.en,
        )
        for c in unmapped
    ]
    return score, outcomes, ({"unmapped_checks": [c.name for c in unmapped]} if unmapped else {})


def _failure(
    spec: ItemSpec,
    status: str,
    message: Msg,
    *,
    output: str = "",
    error: dict[str, Any] | None = None,
    timings: dict[str, float] | None = None,
) -> GradeResult:
    return GradeResult(
        status=status,
        score=0.0,
        max_score=float(spec.points),
        checks=[
            CheckOutcome(
                name="run",
                passed=False,
                points=0.0,
                max_points=float(spec.points),
                message_sv=message.sv,
                message_en=message.en,
            )
        ],
        output=output,
        error=error,
        timings=timings or {},
    )


LIMIT_MESSAGES: dict[str, Msg] = {  # keyed by a run's verdict
    Status.TIME_LIMIT: msg(
        sv="Koden tog för lång tid och stoppades (tidsgränsen är {seconds} s). Leta efter en oändlig loop eller för mycket träning.",
        en="The code took too long and was stopped (the limit is {seconds} s). Look for an endless loop or too much training.",
    ),
    Status.MEMORY_LIMIT: msg(
        sv="Koden använde för mycket minne och stoppades (gränsen är {memory} MB). Skapa mindre data eller mindre modeller.",
        en="The code used too much memory and was stopped (the limit is {memory} MB). Create smaller data or smaller models.",
    ),
    Status.OUTPUT_LIMIT: msg(
        sv="Koden skrev ut för mycket (eller en för stor fil) och stoppades. Ta bort utskrifter i loopar.",
        en="The code printed too much (or wrote too large a file) and was stopped. Remove prints inside loops.",
    ),
    Status.CRASHED: msg(
        sv="Programmet avslutades innan det kunde rättas (till exempel os._exit, en krasch i ett bibliotek eller för många processer).",
        en="The program ended before it could be graded (for example os._exit, a crash in a library or too many processes).",
    ),
}


def _checks_failed(spec: ItemSpec, error: ChecksError, *, output: str = "", timings: dict[str, float]) -> GradeResult:
    """The teacher's checks failed (in their jail): no marks now, and where it failed."""
    line = f", rad {error['line']}" if error.get("line") else ""
    line_en = f", line {error['line']}" if error.get("line") else ""
    result = _failure(
        spec,
        Status.CHECKS_ERROR,
        msg(
            sv=f"Lärarens dolda kontroller misslyckades ({error.get('file')}{line}): {error.get('type')}. "
            "Svaret får inga poäng nu; läraren kan rätta om det när kontrollerna är lagade.",
            en=f"The teacher's hidden checks failed ({error.get('file')}{line_en}): {error.get('type')}. "
            "The answer gets no marks now; the teacher can grade it again once the checks are fixed.",
        ),
        output=output,
        error={**error, "where": "checks"},
        timings=timings,
    )
    return result


BASELINE_CACHE_SIZE = 64
_BASELINES: OrderedDict[str, dict[str, Any]] = OrderedDict()


def _baselines(probe: dict[str, Any], answer: dict[str, Any], limits: Limits) -> dict[str, float]:
    """Train what a ``learns`` call compares against in a child where no student code ran.

    The student's run reports only what the baseline is built from (a parameter count and input
    shape, or an architecture as data); the baseline is trained in a fresh jail on the same seeded
    data, and cached by what defines it (the call's recipe and that request), so an item version
    pays once per distinct student size or architecture. Whatever the student's run says about a
    baseline itself is overwritten.
    """
    spent = 0.0
    calls = answer.get("calls")
    if not isinstance(calls, dict):
        return {}
    for call in probe.get("calls", []):
        if not (isinstance(call, dict) and isinstance(call.get("baseline"), dict)):
            continue
        data = calls.get(str(call.get("id")))
        if not isinstance(data, dict):
            continue
        request = data.pop("baseline_request", None)
        if not isinstance(request, dict):
            data["baseline"] = data.get("baseline") if _is_error(data.get("baseline")) else {"error": _NO_BASELINE}
            continue
        key = hashlib.sha256(json.dumps([call, request], sort_keys=True, default=str).encode()).hexdigest()
        if key not in _BASELINES:
            started = time.monotonic()
            run = run_in_sandbox({"code": "", "baseline": {"spec": call, "request": request}}, limits)
            spent += time.monotonic() - started
            entry = (run.result or {}).get("baseline") if run.verdict == "ok" else None
            if not isinstance(entry, dict):
                return {"baseline_total": round(spent, 4)} | _set_error(data, run.verdict)
            _BASELINES[key] = entry
            while len(_BASELINES) > BASELINE_CACHE_SIZE:
                _BASELINES.popitem(last=False)
        _BASELINES.move_to_end(key)
        data["baseline"] = _BASELINES[key]
    return {"baseline_total": round(spent, 4)} if spent else {}


_NO_BASELINE = {"type": "NoBaseline", "message": "the model could not be described for a baseline", "line": None}


def _is_error(value: object) -> bool:
    return isinstance(value, dict) and set(value) == {"error"} and isinstance(value["error"], dict)


def _set_error(data: dict[str, Any], verdict: str) -> dict[str, float]:
    data["baseline"] = {
        "error": {"type": "BaselineFailed", "message": f"the baseline run ended: {verdict}", "line": None}
    }
    return {}


CPU_LIMIT_MESSAGE = msg(
    sv="Koden använde för mycket processortid och stoppades (gränsen är {seconds} s processortid). Leta efter en oändlig loop eller för mycket träning.",
    en="The code used too much CPU time and was stopped (the limit is {seconds} s of CPU time). Look for an endless loop or too much training.",
)
WALL_LIMIT_MESSAGE = msg(
    sv="Koden tog för lång tid och stoppades (gränsen är {seconds} s väggklockstid). Leta efter en oändlig loop, sleep eller för mycket träning.",
    en="The code took too long and was stopped (the limit is {seconds} s of wall-clock time). Look for an endless loop, sleep or too much training.",
)


def _limit_message(run: SandboxRun, limits: Limits) -> Msg:
    """The message of a run stopped by a limit, naming the limit that was hit and its number."""
    seconds: float
    if run.verdict == Status.TIME_LIMIT and getattr(run, "limit", "") == "cpu":
        template, seconds = CPU_LIMIT_MESSAGE, limits.cpu_seconds
    elif run.verdict == Status.TIME_LIMIT:
        template, seconds = WALL_LIMIT_MESSAGE, limits.wall_seconds
    else:
        template, seconds = LIMIT_MESSAGES[run.verdict], limits.wall_seconds
    return msg(
        sv=template.sv.format(seconds=f"{seconds:g}", memory=limits.memory_mb),
        en=template.en.format(seconds=f"{seconds:g}", memory=limits.memory_mb),
    )


# The early checks wait this long for the run to end before they are worth a jailed call: a run
# that ends sooner brings the whole result at once; one that starts training shows them at its
# first epoch, before the epoch's loss.
EARLY_CHECKS_AFTER_SECONDS = 0.3


class _EarlyChecks:
    """Turns the runner's progress events into events for the student while the job runs.

    Checks that depend only on what is already known (the model's structure, a callback's
    settings) are shown while the rest still runs, computed by the item's ``grade`` in the teachers'
    jail (never beside the student's code): on the partial report twice, once with each call not
    yet done as "not run" and once as empty, in one jailed child; a check that comes out the same
    both times does not depend on those calls. They are computed when the run goes on for
    ``EARLY_CHECKS_AFTER_SECONDS`` after something new is known, or at once when training starts:
    a short run pays nothing for them. Events from the runner are data the student could forge:
    only their known fields go on.
    """

    def __init__(self, spec: ItemSpec, probe: dict[str, Any], variant: dict[str, Any], sink: Any) -> None:
        self.spec, self.variant, self.sink = spec, variant, sink
        self.call_ids = [str(c.get("id")) for c in probe.get("calls", []) if isinstance(c, dict)]
        self.known: dict[str, dict[str, Any]] = {}
        self.done: set[str] = set()
        self.sent: list[dict[str, Any]] = []
        self.pending_since: float | None = None  # when something new became known, not yet checked

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "started":
            self.sink({"event": "started"})
        elif kind == "epoch":
            fields = {k: event.get(k) for k in ("fit", "epoch", "loss", "val_loss")}
            if all(isinstance(fields[k], int) and not isinstance(fields[k], bool) for k in ("fit", "epoch")) and all(
                fields[k] is None or (isinstance(fields[k], (int, float)) and not isinstance(fields[k], bool))
                for k in ("loss", "val_loss")
            ):
                if self.pending_since is not None:  # training has begun: the structure first
                    self._structure()
                self.sink({"event": "epoch", **fields})
        elif kind == "call" and str(event.get("id")) in self.call_ids and isinstance(event.get("data"), dict):
            call_id = str(event["id"])
            self.known[call_id] = event["data"]
            if not event.get("partial"):
                self.done.add(call_id)
            if len(self.done) < len(self.call_ids):
                self.pending_since = self.pending_since or time.monotonic()
            else:  # the whole answer is in: the final grade follows at once
                self.pending_since = None

    def due(self) -> float | None:
        if self.pending_since is None:
            return None
        return self.pending_since + EARLY_CHECKS_AFTER_SECONDS - time.monotonic()

    def tick(self) -> None:
        due = self.due()
        if due is not None and due <= 0:
            self._structure()

    def _structure(self) -> None:
        self.pending_since = None
        from grader.launch import checks as jail

        not_run = dict(self.known)
        empty = dict(self.known) | {c: {} for c in self.call_ids if c not in self.known}
        try:  # in the teachers' jail, like the final grade; a partial report may well upset it
            first, second = jail.grade_each(
                source=self.spec.checks_source,
                slug=self.spec.slug,
                variant=self.variant,
                reports=[{"calls": not_run}, {"calls": empty}],
                worker={},
            )
        except (jail.ChecksFailed, SandboxUnavailable):
            return
        if first is None or second is None:
            return
        same = {(c.name, c.passed, c.message.sv) for c in first}
        checks = [
            {"name": c.name, "passed": bool(c.passed), "message_sv": c.message.sv, "message_en": c.message.en}
            for c in second
            if (c.name, c.passed, c.message.sv) in same
        ]
        if checks and checks != self.sent:
            self.sent = checks
            self.sink({"event": "structure", "checks": checks})


def grade_code(spec: ItemSpec, code: str, variant: dict[str, Any] | None = None, progress: Any = None) -> GradeResult:
    """Grade student code: run the probe in the sandbox, then the hidden checks on its answer.

    1. Take the item's probe from its checks (``PROBE``/``make_probe``), run in the teachers' jail.
    2. Run the student's code and the probe in the student's jail, under the item's limits.
    3. A run that hit a limit or ended early gets that status and no marks.
    4. A syntax error or an exception at import gets its status, its line, and no marks.
    5. A probe that asked for baselines gets them from a child the student's code never touched.
    6. Otherwise the checks grade the answer, in the teachers' jail, on the report as data; the
       score is the weighted share of passed checks.
    """
    from grader.checks.devices import worker_gpu_count
    from grader.launch import checks as jail

    started = time.monotonic()
    jail.LAST_TIMINGS.clear()
    variant = variants.validate(spec.variants, variant or {}) if spec.variants else {}
    limits = Limits.from_dict(spec.limits)
    try:
        probe = jail.probe(source=spec.checks_source, slug=spec.slug, variant=variant)
    except jail.ChecksFailed as exc:
        return _checks_failed(spec, exc.error, timings=dict(jail.LAST_TIMINGS))
    on_event = _EarlyChecks(spec, probe, variant, progress) if progress is not None else None
    try:
        run = run_in_sandbox({"code": code, "probe": probe}, limits, progress=on_event)
    except SandboxUnavailable as exc:
        return _failure(
            spec,
            Status.ERROR,
            msg(
                sv=f"Plattformen kunde inte starta sandlådan: {exc}",
                en=f"The platform could not start the sandbox: {exc}",
            ),
        )
    timings = {"sandbox_total": round(run.wall_seconds, 4), **{f"sandbox_{k}": v for k, v in run.timings.items()}}
    output = run.output + ("\n… (output truncated)" if run.output_truncated else "")
    if run.verdict != "ok":
        return _failure(spec, run.verdict, _limit_message(run, limits), output=output, timings=timings)
    answer = run.result or {}
    phase = answer.get("phase")
    error = answer.get("error") if isinstance(answer.get("error"), dict) else None
    if phase == "compile" and error:
        line = error.get("line")
        return _failure(
            spec,
            Status.SYNTAX_ERROR,
            msg(
                sv=f"Syntaxfel på rad {line}: {error.get('message')}",
                en=f"Syntax error on line {line}: {error.get('message')}",
            ),
            output=output,
            error=error,
            timings=timings,
        )
    if phase == "import" and error:
        line = error.get("line")
        where_sv, where_en = (f" på rad {line}", f" on line {line}") if line else ("", "")
        return _failure(
            spec,
            Status.RUNTIME_ERROR,
            msg(
                sv=f"Koden gav ett fel när den kördes{where_sv}: {error.get('type')}: {error.get('message')}",
                en=f"The code raised an error when it ran{where_en}: {error.get('type')}: {error.get('message')}",
            ),
            output=output,
            error=error,
            timings=timings,
        )
    if phase != "done":
        return _failure(
            spec,
            Status.ERROR,
            msg(
                sv="Rättningen fick inget giltigt svar från sandlådan.",
                en="Grading got no valid answer from the sandbox.",
            ),
            output=output,
            timings=timings,
        )
    timings.update(_baselines(probe, answer, limits))
    try:
        checks, feedback = jail.grade(
            source=spec.checks_source,
            slug=spec.slug,
            variant=variant,
            report=answer,
            worker={"gpu_count": worker_gpu_count()},
        )
    except jail.ChecksFailed as exc:
        return _checks_failed(spec, exc.error, output=output, timings={**timings, **jail.LAST_TIMINGS})
    except jail.ReportTampered:
        return _failure(
            spec,
            Status.CRASHED,
            msg(
                sv="Svaret från sandlådan var manipulerat eller ofullständigt.",
                en="The answer from the sandbox was tampered with or incomplete.",
            ),
            output=output,
            timings=timings,
        )
    score, outcomes, extra = _score_item(spec, checks)
    timings.update(jail.LAST_TIMINGS)
    timings["checks_total"] = round(time.monotonic() - started - run.wall_seconds, 4)
    return GradeResult(
        status=Status.GRADED,
        score=score,
        max_score=float(spec.points),
        checks=outcomes,
        output=output,
        timings=timings,
        feedback={**feedback, **extra, **({"variant": variant} if variant else {})},
    )


NOT_CREDITED = {
    "negated": msg(sv="står i nekad form", en="is negated"),
    "contradicted": msg(sv="svaret påstår motsatsen", en="the answer states the opposite"),
    "other_subject": msg(sv="det sägs om något annat", en="it is said of something else"),
    "off_topic": msg(sv="svaret verkar handla om en annan fråga", en="the answer seems to be about another question"),
}


def _theory_message(c: theory.ConceptResult) -> Msg:
    if c.covered:
        return msg(sv="Tar upp: " + c.label_sv, en="Covers: " + c.label_en)
    if c.not_credited:
        words_sv = ", ".join(f"”{w}”" for w in c.rejected[:3])
        words_en = ", ".join(f'"{w}"' for w in c.rejected[:3])
        why = NOT_CREDITED[c.not_credited]
        return msg(
            sv=f"Saknas: {c.label_sv} ({words_sv} räknas inte: {why.sv})",
            en=f"Missing: {c.label_en} ({words_en} not counted: {why.en})",
        )
    return msg(sv="Saknas: " + c.label_sv, en="Missing: " + c.label_en)


def _theory_summary(result: theory.TheoryScore) -> str:
    """One line in the student's language: what was covered and what is missing."""
    sv = result.language == "sv"
    covered = [c.label_sv if sv else c.label_en for c in result.concepts if c.covered]
    missing = [c.label_sv if sv else c.label_en for c in result.concepts if not c.covered]
    parts = []
    for r in result.relations:
        if r.reversed:
            parts.append(
                ("Svaret säger motsatsen till: " + r.label_sv + ".")
                if sv
                else ("The answer states the opposite of: " + r.label_en + ".")
            )
    if not result.on_topic:
        parts.append(
            "Svaret verkar inte handla om frågan." if sv else "The answer does not seem to be about the question."
        )
    if covered:
        parts.append(("Du tar upp: " if sv else "You cover: ") + "; ".join(covered) + ".")
    if missing:
        parts.append(("Saknas: " if sv else "Missing: ") + "; ".join(missing) + ".")
    return " ".join(parts)


def grade_theory(spec: ItemSpec, answer: str) -> GradeResult:
    """Score a free-text answer against the item's rubric (see ``grader.theory``).

    One check per rubric concept. ``feedback`` (stored on the submission, read by the teacher
    review queue) holds:

    - ``confidence``: float in [0, 1], how sure the scorer is (1 = sure); the queue shows the
      least sure first;
    - ``language``: "sv" or "en", the language the answer is written in; ``words``: its length;
    - ``summary``: what was covered and what is missing, in the answer's language;
    - ``on_topic``: False when the answer seems written for another question (nothing credited);
      ``topic_evidence``: the words that named the question's subject;
    - ``covered``: per credited concept ``id``, ``label`` {sv, en}, ``weight``, ``evidence`` (the
      answer's own words that matched), ``phrase`` (the rubric phrase) and ``match`` ("exact",
      "compound" or "fuzzy");
    - ``missing``: per concept not credited ``id``, ``label`` {sv, en}, ``weight``, and when words
      were found but not counted, ``not_credited`` ("negated", "contradicted", "other_subject", "off_topic") and
      ``evidence``;
    - ``keyword_density``: the share of the answer's words that matched a phrase (a keyword list
      is close to 1); ``empty``: True for an empty answer.
    """
    started = time.monotonic()
    result = theory.score(answer, spec.rubric)
    checks = [
        Check(
            name=c.concept_id,
            passed=c.covered,
            weight=c.weight,
            message=_theory_message(c),
            hint=msg(sv=c.hint_sv, en=c.hint_en) if c.hint_sv or c.hint_en else None,
        )
        for c in result.concepts
    ]
    checks += [
        Check(
            name=f"relation-{r.name}",
            passed=False,
            weight=0.0,
            message=msg(
                sv=f"Omvänt: {r.label_sv}. Svaret säger motsatsen: "
                + ", ".join(f"”{w}”" for w in r.evidence[:3])
                + f". Ett svar som säger motsatsen till kärnan i frågan får högst {theory.REVERSED_CAP:.0%} av poängen.",
                en=f"Reversed: {r.label_en}. The answer states the opposite: "
                + ", ".join(f'"{w}"' for w in r.evidence[:3])
                + f". An answer that states the opposite of the question's core gets at most {theory.REVERSED_CAP:.0%} of the points.",
            ),
        )
        for r in result.relations
        if r.reversed
    ]
    score, outcomes = _score(float(spec.points), checks)
    capped = round(float(spec.points) * theory.REVERSED_CAP, 2)
    if any(r.reversed for r in result.relations) and score > capped:
        # The points of the concepts the answer names shrink alike, so they add up to the cap.
        factor = capped / score
        for outcome in outcomes:
            outcome.points = round(outcome.points * factor, 2)
        score = capped
    feedback: dict[str, Any] = {
        "confidence": result.confidence,
        "language": result.language,
        "words": result.words,
        "summary": _theory_summary(result),
        "on_topic": result.on_topic,
        "topic_evidence": result.topic_evidence,
        "keyword_density": result.keyword_density,
        "reversed": [
            {"name": r.name, "label": {"sv": r.label_sv, "en": r.label_en}, "evidence": r.evidence}
            for r in result.relations
            if r.reversed
        ],
        "covered": [
            {
                "id": c.concept_id,
                "label": {"sv": c.label_sv, "en": c.label_en},
                "weight": c.weight,
                "evidence": c.evidence,
                "phrase": c.matched,
                "match": c.strength,
            }
            for c in result.concepts
            if c.covered
        ],
        "missing": [
            {
                "id": c.concept_id,
                "label": {"sv": c.label_sv, "en": c.label_en},
                "weight": c.weight,
                **({"not_credited": c.not_credited, "evidence": c.rejected} if c.not_credited else {}),
            }
            for c in result.concepts
            if not c.covered
        ],
    }
    if result.words == 0:
        feedback["empty"] = True
    return GradeResult(
        status=Status.GRADED,
        score=score,
        max_score=float(spec.points),
        checks=outcomes,
        feedback=feedback,
        timings={"theory_total": round(time.monotonic() - started, 4)},
    )


def grade(spec: ItemSpec, text: str, variant: dict[str, Any] | None = None, progress: Any = None) -> GradeResult:
    """Grade one answer; ``variant`` is the student's parameters (default: each one's first value).
    ``progress`` (a callable taking one event dict) hears of a code job while it runs: started,
    structural checks known, each finished epoch, and the final status."""
    if spec.kind == "theory":
        result = grade_theory(spec, text)
    elif spec.kind in ("numeric", "choice"):
        result = grade_quick(spec, text, variant)
    else:
        result = grade_code(spec, text, variant, progress)
    if progress is not None:
        progress({"event": "final", "status": result.status, "score": result.score, "max_score": result.max_score})
    return result


def grade_quick(spec: ItemSpec, text: str, variant: dict[str, Any] | None = None) -> GradeResult:
    """A numeric or multiple-choice answer, on the trusted side (no student code runs)."""
    from grader import quick

    chosen = variants.validate(spec.variants, variant or {}) if spec.variants else {}
    if spec.kind == "numeric":
        checks = quick.grade_numeric(spec.answer, text, chosen)
    else:
        checks = quick.grade_choice(spec.answer, text)
    score, outcomes, extra = _score_item(spec, checks)
    return GradeResult(
        status=Status.GRADED,
        score=score,
        max_score=float(spec.points),
        checks=outcomes,
        feedback={**extra, **({"variant": chosen} if chosen else {})},
    )


def platform_error(spec: ItemSpec, reason: str) -> GradeResult:
    return _failure(
        spec,
        Status.ERROR,
        msg(sv=f"Rättningen misslyckades i plattformen: {reason}", en=f"Grading failed in the platform: {reason}"),
    )
