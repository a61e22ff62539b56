from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.http import HttpResponse
from django.utils.translation import gettext as _

from accounts import services
from accounts.forms import InvitedAwarePasswordResetForm, ThrottledAuthenticationForm, client_ip


class LoginView(auth_views.LoginView):
    """The login page, with failed logins throttled; a refused try answers 429."""

    authentication_form = ThrottledAuthenticationForm

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if isinstance(form, ThrottledAuthenticationForm) and form.throttled:
            response.status_code = 429
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, rate-limited per requesting address and per email address.

    The answer is the same whether an account has the address or not (Django's form mails only
    existing, active accounts with a password and says nothing), and the same when the address's
    own limit is reached (the mail is then simply not sent).
    """

    form_class = InvitedAwarePasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        wait, allowed = services.reset_request_record(email=form.cleaned_data["email"], ip=client_ip(self.request))
        if wait:
            form.add_error(
                None,
                _("För många förfrågningar. Försök igen om %(minutes)d minuter.") % {"minutes": max(1, -(-wait // 60))},
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        if not allowed:
            return super(auth_views.PasswordResetView, self).form_valid(form)  # redirect, no mail
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
