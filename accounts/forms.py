from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts import services

if TYPE_CHECKING:
    from accounts.models import User


def throttled_message(seconds: int) -> str:
    return _("För många misslyckade inloggningar. Försök igen om %(minutes)d minuter.") % {
        "minutes": max(1, math.ceil(seconds / 60))
    }


def client_ip(request: HttpRequest | None) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is whatever the client wants it to be unless a proxy we
    # run sets it, and the compose deployment serves gunicorn directly.
    return (request.META.get("REMOTE_ADDR") if request is not None else "") or "unknown"


class ThrottledLoginMixin(AuthenticationForm):
    """Refuses a username or an address that failed too often, before checking the password."""

    throttled = False

    def clean(self) -> dict[str, Any]:
        username = services.login_identity(username=self.cleaned_data.get("username") or "")
        ip = client_ip(self.request)
        wait = services.login_wait_seconds(username=username, ip=ip)
        if wait:
            self.throttled = True
            raise forms.ValidationError(throttled_message(wait), code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            services.login_failure_record(username=username, ip=ip)
            raise
        services.login_success_record(username=username, ip=ip)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class InvitedAwarePasswordResetForm(PasswordResetForm):
    """Django's reset form mails only accounts that have a password. Someone invited to a course
    who lost the invitation has none yet: they get the reset link too (it goes to the address of
    their own account), so "Glömt lösenordet?" works for them as well."""

    def get_users(self, email: str) -> list[User]:
        from accounts.models import User

        users = list(super().get_users(email))
        seen = {u.pk for u in users}
        invited = User.objects.filter(
            email__iexact=email,
            is_active=True,
            last_login__isnull=True,
            invitations__isnull=False,
            invitations__accepted_at__isnull=True,
        ).distinct()
        return users + [u for u in invited if u.pk not in seen and not u.has_usable_password()]
