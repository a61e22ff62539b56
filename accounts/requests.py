"""Request types for views that only a logged-in user reaches (``login_required``, DRF's
``IsAuthenticated``): their ``user`` is a platform ``User``, never ``AnonymousUser``. For mypy only:
Django and DRF build the requests; a view annotates its parameter with one of these."""

from django.http import HttpRequest
from rest_framework.request import Request

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User


class AuthenticatedRequest(Request):
    user: User
