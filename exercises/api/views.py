from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import BaseAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import PermissionDenied, Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.forms import client_ip, throttled_message
from accounts.requests import AuthenticatedRequest
from accounts.services import login_failure_record, login_identity, login_success_record, login_wait_seconds
from exercises import selectors, services
from exercises.api.serializers import (
    ErrorSerializer,
    SubmissionCreatedSerializer,
    SubmissionCreateSerializer,
    SubmissionSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)

# A validation refusal names each field with its reasons: {"code": ["..."]}.
INVALID = OpenApiResponse(OpenApiTypes.OBJECT, description="The fields that were refused and why")


class TokenView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type[BaseAuthentication]] = []
    throttle_scope = "token"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: INVALID,
            401: ErrorSerializer,
            413: ErrorSerializer,
            429: ErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # An email address names the same account as its username: one failure count for both.
        username, ip = login_identity(username=data.validated_data["username"]), client_ip(request)
        wait = login_wait_seconds(username=username, ip=ip)
        if wait:
            raise Throttled(wait=wait, detail=throttled_message(wait))
        user = authenticate(request, username=username, password=data.validated_data["password"])
        if user is None:
            login_failure_record(username=username, ip=ip)
            return Response(
                {"detail": "Wrong username or password."},
                status=status.HTTP_401_UNAUTHORIZED,
                headers={"WWW-Authenticate": "Token"},
            )
        login_success_record(username=username, ip=ip)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class SubmissionCreateView(APIView):
    throttle_scope = "submit"

    @extend_schema(
        request=SubmissionCreateSerializer,
        responses={
            201: SubmissionCreatedSerializer,
            400: INVALID,
            **{code: ErrorSerializer for code in (401, 403, 404, 413, 429)},
        },
    )
    def post(self, request: AuthenticatedRequest, slug: str) -> Response:
        item = selectors.item_get(slug=slug, user=request.user)
        data = SubmissionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        expected = "code" if item.kind == "code" else "answer"
        text = data.validated_data.get(expected)
        if text is None:
            raise ValidationError({expected: f"This item takes '{expected}'."})
        try:
            submission = services.submission_create(user=request.user, item=item, text=text)
        except services.SubmissionRateLimited as exc:
            raise Throttled(wait=exc.retry_after, detail=" ".join(exc.messages)) from exc
        except DjangoValidationError as exc:
            raise ValidationError({expected: exc.messages}) from exc
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        return Response({"id": submission.pk, "status": submission.status}, status=status.HTTP_201_CREATED)


class SubmissionDetailView(APIView):
    @extend_schema(responses={200: SubmissionSerializer, 401: ErrorSerializer, 404: ErrorSerializer})
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        from exams.feedback import api_view  # exam mode: what the feedback mode lets the student see

        submission = selectors.submission_visible(user=request.user, pk=pk)
        return Response(api_view(submission, SubmissionSerializer(submission).data))
