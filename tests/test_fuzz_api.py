"""The JSON API fuzzed from its own OpenAPI schema (schemathesis, in-process over WSGI).

Whatever the generated bodies, paths and headers, the API never answers with a server error,
answers in JSON, and what it documents it keeps (status codes, response shapes, content types).
Every case runs as a logged-in student, so the submit and read paths are really reached.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance


@pytest.fixture
def api_schema(course, users, settings):
    from django.core import signals
    from django.db import close_old_connections

    from quizplatform.wsgi import application

    settings.QUIZ_SUBMISSIONS_PER_MINUTE = 10_000  # the limit has its own test; fuzz the paths
    # As Django's test client does: a request must not close the test's database connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema?format=json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def student_token(users) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=users["student"])[0].key


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_schema_and_never_fails_with_a_server_error(case, student_token):
    cache.clear()  # throttle counters: fuzz the views, not the throttle
    if not (case.headers or {}).get("Authorization"):
        case.headers = {**(case.headers or {}), "Authorization": f"Token {student_token}"}
    # positive_data_acceptance expects every schema-valid request to succeed; here a valid shape
    # still meets a wrong password (401), an item that does not exist (404) or a rate (429),
    # each documented. Every other check applies.
    response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/json"), (response.status_code, content_type)
