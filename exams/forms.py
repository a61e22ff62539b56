from __future__ import annotations

import ipaddress
import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from exams.models import ExamSettings, _lines

HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


class ExamSettingsForm(forms.ModelForm[ExamSettings]):
    class Meta:
        model = ExamSettings
        fields = [
            "enabled",
            "feedback",
            "allowed_networks",
            "access_code",
            "require_seb",
            "seb_config_keys",
            "seb_browser_exam_keys",
        ]
        labels = {
            "enabled": _("Provläge"),
            "feedback": _("Återkoppling under provet"),
            "allowed_networks": _("Tillåtna nätverk (CIDR, ett per rad)"),
            "access_code": _("Provkod som ges i skrivsalen"),
            "require_seb": _("Kräv Safe Exam Browser"),
            "seb_config_keys": _("Config Keys (en per rad)"),
            "seb_browser_exam_keys": _("Browser Exam Keys (en per rad)"),
        }
        help_texts = {
            "allowed_networks": _("Tomt: alla adresser. Till exempel 130.237.0.0/16"),
            "access_code": _("Tomt: ingen kod. Studenten skriver in koden en gång per inloggning."),
            "seb_config_keys": _("Visas i SEB:s konfigurationsverktyg när provets .seb-fil är öppen."),
            "feedback": _("Poängen visas när provet stänger (eller efter granskning)."),
        }
        widgets = {
            "allowed_networks": forms.Textarea(attrs={"rows": 3}),
            "seb_config_keys": forms.Textarea(attrs={"rows": 2}),
            "seb_browser_exam_keys": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_allowed_networks(self) -> str:
        text = self.cleaned_data.get("allowed_networks", "")
        bad = []
        for cidr in _lines(text):
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                bad.append(cidr)
        if bad:
            raise forms.ValidationError(_("Inte ett nätverk (CIDR): %(bad)s") % {"bad": ", ".join(bad)})
        return text

    def _keys(self, name: str) -> str:
        text = self.cleaned_data.get(name, "")
        bad = [key for key in _lines(text) if not HEX64.match(key)]
        if bad:
            raise forms.ValidationError(_("En nyckel är 64 hexadecimala tecken: %(bad)s") % {"bad": ", ".join(bad)})
        return text

    def clean_seb_config_keys(self) -> str:
        return self._keys("seb_config_keys")

    def clean_seb_browser_exam_keys(self) -> str:
        return self._keys("seb_browser_exam_keys")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("require_seb") and not (
            _lines(data.get("seb_config_keys", "")) or _lines(data.get("seb_browser_exam_keys", ""))
        ):
            self.add_error("seb_config_keys", _("Ange minst en Config Key eller Browser Exam Key."))
        return data


class AccessCodeForm(forms.Form):
    code = forms.CharField(label=_("Provkod"), max_length=64)
