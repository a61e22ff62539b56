"""Glue between our tables and pylti1p3 (the maintained fork, pylti1p3next): a tool configuration
read from the database, registrations that sign with our current key, a service connector that
caches access tokens per key and notices when a platform accepted a new key."""

from __future__ import annotations

import typing as t
from math import floor

from django.conf import settings
from django.core.cache import cache
from pylti1p3.contrib.django.cookie import DjangoCookieService
from pylti1p3.contrib.django.launch_data_storage.cache import DjangoCacheDataStorage
from pylti1p3.contrib.django.lti1p3_tool_config import DjangoDbToolConf
from pylti1p3.contrib.django.message_launch import DjangoMessageLaunch
from pylti1p3.contrib.django.oidc_login import DjangoOIDCLogin
from pylti1p3.contrib.django.request import DjangoRequest
from pylti1p3.contrib.django.service_connector import DjangoServiceConnector
from pylti1p3.deployment import Deployment as LibDeployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract

from lti import keys
from lti.models import Deployment, Platform, ToolKey


class KeyedRegistration(Registration):
    """A registration whose kid is our stored one (not recomputed from the PEM)."""

    _kid: str = ""

    def get_kid(self) -> str | None:
        return self._kid or super().get_kid()


def registration_for(platform: Platform, key: ToolKey | None = None) -> KeyedRegistration:
    key = key or keys.key_current()
    reg = KeyedRegistration()
    reg.set_issuer(platform.issuer).set_client_id(platform.client_id)
    reg.set_auth_login_url(platform.login_url).set_auth_token_url(platform.token_url)
    reg.set_key_set_url(platform.jwks_url).set_tool_private_key(key.private_key_pem)
    reg._kid = key.kid
    # The platform's keys are fetched from its JWKS URL and cached (see message_launch()).
    reg.set_key_set(None)
    return reg


class DbToolConf(ToolConfAbstract[DjangoRequest]):
    """Registrations and deployments from the Platform and Deployment tables."""

    def __init__(self) -> None:
        super().__init__()
        self.issuers_relation_types = {}

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: t.Any, **kwargs: t.Any) -> Registration:
        raise NotImplementedError  # one issuer may have many clients: always by (iss, client_id)

    # None for an unknown platform: pylti1p3 annotates Registration, but its callers (OIDC login,
    # message launch) test for a falsy answer and refuse the launch with their own error.
    def find_registration_by_params(  # type: ignore[override]  # the library's annotation is too narrow
        self, iss: str, client_id: str, *args: t.Any, **kwargs: t.Any
    ) -> Registration | None:
        platform = Platform.objects.filter(issuer=iss, client_id=client_id).first()
        return registration_for(platform) if platform else None

    def find_deployment(self, iss: str, deployment_id: str) -> LibDeployment | None:
        raise NotImplementedError

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: t.Any, **kwargs: t.Any
    ) -> LibDeployment | None:
        found = Deployment.objects.filter(
            platform__issuer=iss, platform__client_id=client_id, deployment_id=deployment_id
        ).exists()
        return LibDeployment().set_deployment_id(deployment_id) if found else None


class CachingConnector(DjangoServiceConnector):
    """Access tokens cached per issuer, scopes and signing key; a token the platform granted for an
    assertion signed with a key means that key is in use (older keys can leave the JWKS)."""

    def _key(self, scope_key: str) -> str:
        return f"lti-token-{scope_key}-{self._registration.get_kid()}"

    def _get_cached_access_token(self, scope_key: str) -> str | None:
        return cache.get(self._key(scope_key))

    def _cache_access_token(self, scope_key: str, access_token: str, expires_in: float) -> None:
        kid = self._registration.get_kid()
        if kid:
            keys.key_mark_used(kid=kid)
        cache.set(self._key(scope_key), access_token, max(1, floor(float(expires_in or 0) - 10)))


class FramedCookieService(DjangoCookieService):
    """The login's state cookie, set inside the LMS's iframe and read on the LMS's cross-site
    POST: SameSite=None and Secure whenever the site's own cookies are (QUIZ_LTI_FRAMED), not only
    on HTTPS requests as pylti1p3 does (behind a proxy that terminates TLS the request is http)."""

    def update_response(self, response: t.Any) -> None:
        framed = settings.SESSION_COOKIE_SAMESITE == "None"
        # pylti1p3 leaves both unannotated (None at class level); set in __init__.
        request = t.cast(DjangoRequest, self._request)
        to_set = t.cast(dict[str, dict[str, t.Any]], self._cookie_data_to_set)
        secure = framed or request.is_secure()
        for key, data in to_set.items():
            response.set_cookie(
                key,
                data["value"],
                max_age=data["exp"],
                secure=secure,
                httponly=True,
                path="/",
                samesite="None" if secure else "Lax",
            )


def storage() -> DjangoCacheDataStorage:
    # State and nonce of a login live in the cache (Redis in production, CACHE_URL), not in the
    # session: the launch is a cross-site POST that carries no session cookie.
    return DjangoCacheDataStorage(cache_name="default")


def oidc_login(request: t.Any) -> DjangoOIDCLogin:
    cookies = FramedCookieService(DjangoRequest(request))
    # Annotated for pylti1p3's own DjangoDbToolConf (its models); any ToolConfAbstract works.
    config = t.cast(DjangoDbToolConf, DbToolConf())
    return DjangoOIDCLogin(request, config, cookie_service=cookies, launch_data_storage=storage())


class ToolMessageLaunch(DjangoMessageLaunch):
    """pylti1p3 takes the first ``aud`` as the client id; an ``aud`` list may name ours anywhere.
    The client id is the one ``lti.services._platform_for`` chose from aud and azp."""

    client_id: str | None = None

    def get_client_id(self) -> str:
        return self.client_id or super().get_client_id()


def message_launch(request: t.Any, client_id: str | None = None) -> ToolMessageLaunch:
    launch = ToolMessageLaunch(
        request,
        DbToolConf(),
        cookie_service=FramedCookieService(DjangoRequest(request, post_only=True)),
        launch_data_storage=storage(),
        service_connector_cls=CachingConnector,
    )
    launch.client_id = client_id
    launch.set_public_key_caching(storage(), cache_lifetime=3600)
    # We run its validation steps one by one (to tell the reasons apart): no implicit validate().
    launch.set_auto_validation(enable=False)
    # Signature and exp by PyJWT; aud is checked by us against the registered client id.
    launch.set_jwt_verify_options({"verify_aud": False, "require": ["exp", "iat"]})
    return launch
