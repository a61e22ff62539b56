"""The item editor's forms. They only turn POST data into the content fields of
``exercises.content`` (and back); saving goes through ``authoring.services``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import yaml
from django import forms
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from exercises.models import Assessment, Item

TEXT_LIMIT = 200_000
QUEUES = [("grading", _("CPU (grading)")), ("grading-gpu", _("GPU (grading-gpu)"))]
LIMIT_KEYS = ("cpu_seconds", "wall_seconds", "memory_mb")
# The form field of a requirement's weight: "weight__" and the requirement's id.
WEIGHT_PREFIX = "weight__"


def weight_field_name(requirement_id: str) -> str:
    return f"{WEIGHT_PREFIX}{requirement_id}"


def _yaml_text(label: StrOrPromise, *, rows: int, help_text: StrOrPromise = "") -> forms.CharField:
    """An optional YAML text, kept as typed (not stripped), not spell-checked."""
    return forms.CharField(
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows, "spellcheck": "false"}),
        required=False,
        strip=False,
    )


def _code(rows: int = 14) -> forms.Textarea:
    # data-code marks the textareas authoring.js turns into CodeMirror editors.
    return forms.Textarea(attrs={"rows": rows, "data-code": "python", "spellcheck": "false"})


class AssessmentChoiceField(forms.ModelChoiceField[Assessment]):
    """The course's assessments, each shown by its title."""

    def label_from_instance(self, obj: Assessment) -> str:
        return obj.title


class ItemForm(forms.Form):
    slug = forms.SlugField(label=_("Namn i adressen (slug)"), max_length=50)
    kind = forms.ChoiceField(label=_("Typ"), choices=Item.Kind.choices)
    assessment = AssessmentChoiceField(label=_("Del"), queryset=Assessment.objects.none())
    order = forms.IntegerField(label=_("Ordning"), min_value=0, initial=0)
    points = forms.DecimalField(label=_("Poäng"), min_value=Decimal("0.01"), max_digits=6, decimal_places=2)
    title_sv = forms.CharField(label=_("Titel (svenska)"), max_length=200)
    title_en = forms.CharField(label=_("Titel (engelska)"), max_length=200, required=False)
    prompt_sv = forms.CharField(
        label=_("Uppgiftstext (svenska, Markdown)"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=TEXT_LIMIT,
        strip=False,
    )
    prompt_en = forms.CharField(
        label=_("Uppgiftstext (engelska, Markdown)"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=TEXT_LIMIT,
        required=False,
        strip=False,
    )
    starter = forms.CharField(label=_("Startkod"), widget=_code(), required=False, strip=False, max_length=TEXT_LIMIT)
    solution = forms.CharField(
        label=_("Referenslösning / modellsvar"), widget=_code(), required=False, strip=False, max_length=TEXT_LIMIT
    )
    examples = forms.CharField(
        label=_("Synliga exempeltester"), widget=_code(8), required=False, strip=False, max_length=TEXT_LIMIT
    )
    checks = forms.CharField(
        label=_("Dolda kontroller (checks.py)"), widget=_code(18), required=False, strip=False, max_length=TEXT_LIMIT
    )
    rubric_other = _yaml_text(
        _("Övriga rader i bedömningsmallen (YAML)"),
        rows=4,
        help_text=_("Rader utan id, t.ex. ämnesord (role: topic). Bevaras som de är."),
    )
    queue = forms.ChoiceField(label=_("Kö"), choices=QUEUES, initial="grading")
    cpu_seconds = forms.IntegerField(label=_("CPU-tid (s)"), min_value=1, max_value=600, required=False)
    wall_seconds = forms.IntegerField(label=_("Väggklocka (s)"), min_value=1, max_value=900, required=False)
    memory_mb = forms.IntegerField(label=_("Minne (MB)"), min_value=64, max_value=16384, required=False)
    # Numeric items (grader.quick.grade_numeric): an expression over the variant parameters.
    answer = forms.CharField(
        label=_("Rätt svar (uttryck)"),
        help_text=_("Ett räkneuttryck över variantens parametrar, t.ex. inputs * units + units."),
        max_length=500,
        required=False,
    )
    tolerance = forms.DecimalField(label=_("Tolerans"), min_value=Decimal("0"), required=False)
    mistakes = _yaml_text(
        _("Typiska fel (YAML)"),
        rows=6,
        help_text=_("En lista med answer (uttryck), sv och en: meddelandet när studenten svarar så."),
    )
    variants = _yaml_text(
        _("Varianter (YAML)"),
        rows=3,
        help_text=_("Parameter: lista av värden, t.ex. units: [10, 16, 32]. Visas i texten som {{ units }}."),
    )
    # Multiple-choice items (grader.quick.grade_choice).
    options = _yaml_text(
        _("Alternativ (YAML)"),
        rows=10,
        help_text=_("En lista med id, sv, en och gärna why_sv/why_en: förklaringen som visas efter svaret."),
    )
    correct = forms.CharField(label=_("Rätt alternativ (id)"), max_length=80, required=False)

    def __init__(
        self,
        *args: Any,
        course: Any,
        editing: bool = False,
        kind: str | None = None,
        requirements: list[dict[str, Any]] | None = None,
        weights: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._add_weight_fields(requirements or [], weights or {})
        if kind == Item.Kind.THEORY:
            # A model answer is prose: a plain textarea, spell-checked, not a code editor.
            for name in ("starter", "solution"):
                self.fields[name].widget = forms.Textarea(attrs={"rows": 8})
        assessment = self.fields["assessment"]
        assert isinstance(assessment, AssessmentChoiceField)
        assessment.queryset = course.assessments.order_by("order")
        if editing:
            # An item's name and type are fixed once it exists: submissions and links refer to them.
            for name in ("slug", "kind"):
                self.fields[name].disabled = True

    def _add_weight_fields(self, requirements: list[dict[str, Any]], weights: dict[str, Any]) -> None:
        """One number per requirement of the item's table (requirements.yaml) that carries points:
        its weight, from item.yaml's ``weights`` or else the table's ``points``. Preconditions
        carry no points and get no field."""
        self.requirement_points: dict[str, Any] = {}
        for requirement in requirements:
            if not isinstance(requirement, dict) or requirement.get("precondition"):
                continue
            rid = str(requirement.get("id"))
            self.requirement_points[rid] = requirement.get("points", 1)
            self.fields[weight_field_name(rid)] = forms.DecimalField(
                label=_("Vikt för %(id)s") % {"id": rid},
                min_value=Decimal("0"),
                max_value=Decimal("1000"),
                max_digits=6,
                decimal_places=2,
                initial=_shown_number(weights.get(rid, self.requirement_points[rid])),
                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "data-weight": rid}),
            )

    @property
    def weight_names(self) -> list[str]:
        return [weight_field_name(rid) for rid in self.requirement_points]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        weights = [data.get(name) for name in self.weight_names]
        if weights and all(w is not None for w in weights) and not any(weights):
            self.add_error(self.weight_names[0], _("Minst ett krav måste ge poäng: ge något krav en vikt över 0."))
        # Browsers send textarea lines ending in CRLF; the files (and the content hash) use LF.
        for name, value in data.items():
            if isinstance(value, str):
                data[name] = value.replace("\r\n", "\n")
        kind = data.get("kind")
        if kind == Item.Kind.CODE:
            for name in ("solution", "checks"):
                if not (data.get(name) or "").strip():
                    self.add_error(name, _("En kodövning behöver detta."))
        if kind == Item.Kind.NUMERIC and not (data.get("answer") or "").strip():
            self.add_error("answer", _("En talfråga behöver ett rätt svar."))
        if kind == Item.Kind.CHOICE:
            if not data.get("options"):
                self.add_error("options", _("En flervalsfråga behöver alternativ."))
            if not (data.get("correct") or "").strip():
                self.add_error("correct", _("Ange id för det rätta alternativet."))
        return data

    def clean_mistakes(self) -> list[Any]:
        entries = _yaml_field(self.cleaned_data.get("mistakes", ""), default=[])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise forms.ValidationError(_("Skriv en YAML-lista av poster (mappningar)."))
        return entries

    def clean_options(self) -> list[Any]:
        entries = _yaml_field(self.cleaned_data.get("options", ""), default=[])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise forms.ValidationError(_("Skriv en YAML-lista av poster (mappningar)."))
        return entries

    def clean_variants(self) -> dict[str, Any]:
        spec = _yaml_field(self.cleaned_data.get("variants", ""), default={})
        if not isinstance(spec, dict) or not all(isinstance(v, list) and v for v in spec.values()):
            raise forms.ValidationError(_("Skriv en YAML-mappning: parameter: [värde, värde, ...]."))
        return spec

    def clean_rubric_other(self) -> list[dict[str, Any]]:
        entries = _yaml_field(self.cleaned_data.get("rubric_other", ""), default=[])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise forms.ValidationError(_("Skriv en YAML-lista av poster (mappningar)."))
        return entries

    def to_fields(self, *, rubric: list[dict[str, Any]], previous: dict[str, Any] | None) -> dict[str, Any]:
        """The content fields; config keys the form does not edit (variants) are kept."""
        data = self.cleaned_data
        config = dict((previous or {}).get("config") or {})
        if data["kind"] == Item.Kind.CODE:
            config.pop("examples", None)
            # The default queue is written only where it was before, so an unedited item keeps its hash.
            if data["queue"] != "grading" or "queue" in config:
                config["queue"] = data["queue"]
            limits = {k: data[k] for k in LIMIT_KEYS if data.get(k) is not None}
            if limits:
                config["limits"] = limits
            else:
                config.pop("limits", None)
            if data.get("examples", "").strip():
                config["examples"] = data["examples"]
        if data["kind"] == Item.Kind.NUMERIC:
            config["answer"] = _kept(config.get("answer"), data["answer"].strip())
            _set_or_pop(config, "tolerance", _plain_number(data.get("tolerance")))
            _set_or_pop(config, "mistakes", data.get("mistakes"))
            _set_or_pop(config, "variants", data.get("variants"))
        if data["kind"] == Item.Kind.CHOICE:
            config["options"] = data["options"]
            config["correct"] = _kept(config.get("correct"), data["correct"].strip())
        if self.requirement_points:
            _set_or_pop(config, "weights", self._weights(config.get("weights") or {}))
        quick = data["kind"] in (Item.Kind.NUMERIC, Item.Kind.CHOICE)
        return {
            "title_sv": data["title_sv"],
            "title_en": data.get("title_en", ""),
            "prompt_sv": data["prompt_sv"],
            "prompt_en": data.get("prompt_en", ""),
            "points": str(data["points"]),
            # A numeric or choice item's answer lives in config; it has no starter or solution file.
            "starter": "" if quick else data.get("starter", ""),
            "solution": "" if quick else data.get("solution", ""),
            "checks": data.get("checks", "") if data["kind"] == Item.Kind.CODE else "",
            "rubric": data.get("rubric_other", []) + rubric if data["kind"] == Item.Kind.THEORY else [],
            "config": config,
        }

    def _weights(self, previous: dict[str, Any]) -> dict[str, Any]:
        """item.yaml's ``weights`` from the form: a requirement is listed when it was listed
        before or its weight differs from the table's points, so an unedited item keeps its
        files (and content hash). Whole numbers stay integers, as in the YAML files."""
        weights = {}
        for rid, table_points in self.requirement_points.items():
            value = self.cleaned_data[weight_field_name(rid)]
            if rid in previous:
                weights[rid] = _kept_number(previous[rid], value)
            elif value != Decimal(str(table_points)):
                weights[rid] = _plain_number(value)
        return weights

    @staticmethod
    def initial_from(*, slug: str, kind: str, assessment: Any, order: int, fields: dict[str, Any]) -> dict[str, Any]:
        config = fields.get("config") or {}
        limits = config.get("limits") or {}
        return {
            "slug": slug,
            "kind": kind,
            "assessment": assessment,
            "order": order,
            **{
                k: fields.get(k, "")
                for k in ("title_sv", "title_en", "prompt_sv", "prompt_en", "starter", "solution", "checks")
            },
            "points": fields.get("points"),
            "examples": config.get("examples", ""),
            "rubric_other": _yaml_dump([e for e in fields.get("rubric", []) if "id" not in e]),
            "queue": config.get("queue", "grading"),
            **{k: limits.get(k) for k in LIMIT_KEYS},
            "answer": "" if config.get("answer") is None else str(config["answer"]),
            "tolerance": config.get("tolerance"),
            "mistakes": _yaml_dump(config.get("mistakes")),
            "variants": _yaml_dump(config.get("variants")),
            "options": _yaml_dump(config.get("options")),
            "correct": "" if config.get("correct") is None else str(config["correct"]),
        }


def _kept(previous: Any, text: str) -> Any:
    """The text typed, unless it is how the previous value is shown (``correct: 1`` in YAML is a
    number): an unedited item keeps its value's type, hence its content hash."""
    return previous if previous is not None and str(previous) == text else text


def _shown_number(value: Any) -> Any:
    """A weight as the form shows it: ``2`` rather than the table's ``2.0``."""
    try:
        return _plain_number(Decimal(str(value)))
    except (ArithmeticError, ValueError):
        return value


def _kept_number(previous: Any, value: Decimal) -> Any:
    """``value``, unless it equals the previous number (``2.0`` in YAML): then that one, unchanged."""
    try:
        if Decimal(str(previous)) == value:
            return previous
    except (ArithmeticError, ValueError):
        pass
    return _plain_number(value)


def _plain_number(value: Decimal | None) -> int | float | None:
    # Whole numbers stay integers, as in the YAML files.
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _set_or_pop(config: dict[str, Any], key: str, value: Any) -> None:
    if value in (None, [], {}):
        config.pop(key, None)
    else:
        config[key] = value


def _yaml_field(text: str, *, default: Any) -> Any:
    if not (text or "").strip():
        return default
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise forms.ValidationError(_("Ogiltig YAML: %(error)s") % {"error": exc}) from exc


def _yaml_dump(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=120) if value else ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


CONCEPT_KEYS = ("id", "weight", "label", "phrases", "hint")


class ConceptForm(forms.Form):
    """One concept of a theory question's rubric; phrases one per line."""

    id = forms.SlugField(label=_("Id"), max_length=80)
    weight = forms.DecimalField(label=_("Vikt"), min_value=Decimal("0.1"), max_digits=5, decimal_places=2, initial=1)
    label_sv = forms.CharField(label=_("Begrepp (svenska)"), max_length=500)
    label_en = forms.CharField(label=_("Begrepp (engelska)"), max_length=500, required=False)
    phrases_sv = forms.CharField(label=_("Fraser (svenska), en per rad"), widget=forms.Textarea(attrs={"rows": 4}))
    phrases_en = forms.CharField(
        label=_("Fraser (engelska), en per rad"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    hint_sv = forms.CharField(label=_("Ledtråd (svenska)"), max_length=1000, required=False)
    hint_en = forms.CharField(label=_("Ledtråd (engelska)"), max_length=1000, required=False)
    # Keys the scorer understands beyond these fields (core, contradictions, not_with, negation ...)
    # are edited as YAML, so editing in the browser never drops what the files say.
    extra = _yaml_text(_("Fler inställningar (YAML)"), rows=3)

    def clean_extra(self) -> dict[str, Any]:
        extra = _yaml_field(self.cleaned_data.get("extra", ""), default={})
        if not isinstance(extra, dict):
            raise forms.ValidationError(_("Skriv en YAML-mappning, t.ex. core: true."))
        taken = sorted(set(extra) & set(CONCEPT_KEYS))
        if taken:
            raise forms.ValidationError(
                _("Fälten %(keys)s redigeras ovan, inte här.") % {"keys": ", ".join(map(str, taken))}
            )
        return extra

    def to_concept(self) -> dict[str, Any]:
        data = self.cleaned_data
        weight = data["weight"]
        concept: dict[str, Any] = {
            "id": data["id"],
            # Whole weights stay integers, as in the YAML files, so an unedited rubric keeps its hash.
            "weight": int(weight) if weight == weight.to_integral_value() else float(weight),
            "label": {"sv": data["label_sv"], "en": data.get("label_en", "")},
            "phrases": {"sv": _lines(data["phrases_sv"]), "en": _lines(data.get("phrases_en", ""))},
        }
        if data.get("hint_sv") or data.get("hint_en"):
            concept["hint"] = {"sv": data.get("hint_sv", ""), "en": data.get("hint_en", "")}
        concept.update(data.get("extra") or {})
        return concept

    @staticmethod
    def initial_from(concept: dict[str, Any]) -> dict[str, Any]:
        label, phrases, hint = concept.get("label") or {}, concept.get("phrases") or {}, concept.get("hint") or {}
        return {
            "id": concept.get("id", ""),
            "weight": concept.get("weight", 1),
            "label_sv": label.get("sv", ""),
            "label_en": label.get("en", ""),
            "phrases_sv": "\n".join(phrases.get("sv", []) or []),
            "phrases_en": "\n".join(phrases.get("en", []) or []),
            "hint_sv": hint.get("sv", ""),
            "hint_en": hint.get("en", ""),
            "extra": _yaml_dump({k: v for k, v in concept.items() if k not in CONCEPT_KEYS}),
        }


class BaseConceptFormSet(forms.BaseFormSet[ConceptForm]):
    def clean(self) -> None:
        if any(self.errors):
            return
        ids = [f.cleaned_data["id"] for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if len(ids) != len(set(ids)):
            raise forms.ValidationError(_("Varje begrepp behöver ett eget id."))

    def rubric(self) -> list[dict[str, Any]]:
        return [f.to_concept() for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


ConceptFormSet = cast(
    type[BaseConceptFormSet],
    forms.formset_factory(ConceptForm, formset=BaseConceptFormSet, extra=2, can_delete=True, max_num=50),
)


class ImportForm(forms.Form):
    archive = forms.FileField(label=_("Zip-fil med kursmappen"))
