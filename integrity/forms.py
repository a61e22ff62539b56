from django import forms
from django.utils.translation import gettext_lazy as _

from integrity.models import PairMark


class PairMarkForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Bedömning"), choices=PairMark.Verdict.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Anteckning"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
