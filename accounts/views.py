from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse

from accounts.forms import ThrottledAuthenticationForm


class LoginView(auth_views.LoginView):
    """The login page, with failed logins throttled; a refused try answers 429."""

    authentication_form = ThrottledAuthenticationForm

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if isinstance(form, ThrottledAuthenticationForm) and form.throttled:
            response.status_code = 429
        return response
