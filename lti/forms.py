from django import forms
from django.utils.translation import gettext_lazy as _

from exercises.models import Course


class PlatformForm(forms.Form):
    name = forms.CharField(label=_("Namn"), max_length=200, required=False)
    issuer = forms.URLField(label=_("Utfärdare (issuer)"), max_length=500, assume_scheme="https")
    client_id = forms.CharField(label=_("Klient-id"), max_length=255)
    deployment_id = forms.CharField(label=_("Deployment-id"), max_length=255)
    login_url = forms.URLField(label=_("Inloggnings-URL (OIDC auth)"), max_length=500, assume_scheme="https")
    token_url = forms.URLField(label=_("Token-URL"), max_length=500, assume_scheme="https")
    jwks_url = forms.URLField(label=_("JWKS-URL"), max_length=500, assume_scheme="https")
    course = forms.ModelChoiceField(label=_("Kurs"), queryset=Course.objects.order_by("slug"), to_field_name="slug")
