from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from exercises.models import Assessment

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class OverrideForm(forms.Form):
    # Localized: a Swedish teacher types 3,5; a decimal point is taken too.
    score = forms.DecimalField(label=_("Poäng"), min_value=Decimal(0), max_digits=6, decimal_places=2, localize=True)
    comment = forms.CharField(
        label=_("Kommentar till studenten"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class AcceptForm(forms.Form):
    comment = forms.CharField(label=_("Kommentar"), required=False, max_length=5000)


class RegradeForm(forms.Form):
    SCOPE_OLD = "old"
    SCOPE_ALL = "all"
    scope = forms.ChoiceField(
        label=_("Vilka inlämningar"),
        choices=[
            (SCOPE_OLD, _("De som rättats mot en äldre version")),
            (SCOPE_ALL, _("Alla rättade inlämningar")),
        ],
        initial=SCOPE_OLD,
    )


class AssessmentSettingsForm(forms.ModelForm[Assessment]):
    class Meta:
        model = Assessment
        fields = [
            "opens_at",
            "closes_at",
            "late_until",
            "late_penalty_percent",
            "time_limit_minutes",
            "attempts_allowed",
            "release",
            "examples_enabled",
        ]
        labels = {
            "examples_enabled": _("Studenterna får köra exemplen utan att det räknas som försök (stäng av på prov)"),
            "opens_at": _("Öppnar"),
            "closes_at": _("Stänger"),
            "late_until": _("Sen inlämning tillåten till"),
            "late_penalty_percent": _("Avdrag för sen inlämning (%)"),
            "time_limit_minutes": _("Tidsgräns (minuter)"),
            "attempts_allowed": _("Antal försök"),
            "release": _("Resultat och poäng visas"),
        }
        help_texts = {
            "attempts_allowed": _("Tomt: obegränsat"),
            "late_until": _("Tomt med avdrag: sen inlämning tas emot utan slut; utan avdrag stänger provet hårt."),
        }
        widgets = {"opens_at": DATETIME, "closes_at": DATETIME, "late_until": DATETIME}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes, late = data.get("opens_at"), data.get("closes_at"), data.get("late_until")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("Provet måste stänga efter att det öppnar."))
        if late and closes and late < closes:
            self.add_error("late_until", _("Sen inlämning kan inte sluta före stängningen."))
        if (data.get("late_penalty_percent") or 0) > 100:
            self.add_error("late_penalty_percent", _("Högst 100 %."))
        return data


class ExtensionForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Student"), queryset=User.objects.none())
    closes_at = forms.DateTimeField(label=_("Stänger för studenten"), required=False, widget=DATETIME)
    extra_attempts = forms.IntegerField(label=_("Extra försök"), min_value=0, initial=0)
    extra_minutes = forms.IntegerField(label=_("Extra minuter"), min_value=0, initial=0)
    reason = forms.CharField(label=_("Skäl"), required=False, max_length=2000)

    def __init__(self, *args: Any, students: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.fields["user"]
        assert isinstance(user, forms.ModelChoiceField)
        user.queryset = students
