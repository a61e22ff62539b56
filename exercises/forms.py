from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class AnswerForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), label=_("Ditt svar"), strip=False)

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        if len(text.encode("utf-8")) > settings.QUIZ_MAX_CODE_BYTES:
            raise forms.ValidationError(_("Svaret är för stort."))
        return text
