from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from onboarding import roster

LANGUAGES = [("sv", _("Svenska")), ("en", _("Engelska"))]
ROLES = [(roster.STUDENT, _("Student")), (roster.TEACHER, _("Lärare"))]


class RosterForm(forms.Form):
    file = forms.FileField(label=_("CSV-fil"), required=False)
    text = forms.CharField(
        label=_("…eller klistra in raderna"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": "namn;e-post;användarnamn;roll"}),
    )
    language = forms.ChoiceField(
        label=_("Språk i inbjudan"),
        choices=LANGUAGES,
        initial="sv",
        help_text=_("Om raden inte anger något språk (kolumnen språk/language)."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            if upload.size > settings.QUIZ_ROSTER_MAX_BYTES:
                raise forms.ValidationError(
                    _("Filen är för stor (högst %(kb)d kB).") % {"kb": settings.QUIZ_ROSTER_MAX_BYTES // 1024}
                )
            data["data"] = upload.read()
            data["source"] = upload.name
        elif (data.get("text") or "").strip():
            data["data"] = None
            data["source"] = ""
        else:
            raise forms.ValidationError(_("Välj en fil eller klistra in rader."))
        return data


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Namn"), max_length=300)
    email = forms.EmailField(label=_("E-post"))
    username = forms.CharField(
        label=_("Användarnamn"), required=False, max_length=150, help_text=_("Tomt: skapas från adressen.")
    )
    role = forms.ChoiceField(label=_("Roll"), choices=ROLES, initial=roster.STUDENT)
    language = forms.ChoiceField(label=_("Språk i inbjudan"), choices=LANGUAGES, initial="sv")
