"""API authentication: a bearer token for scripts, the session (with CSRF) for the browser."""

from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer
from ninja.security.session import SessionAuth as NinjaSessionAuth

from .models import ApiToken


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer cor_…``; the request then acts as the token's user."""

    openapi_description = "A personal API token (create one under your account)."

    def authenticate(self, request, token: str):
        if not token or len(token) > 200 or "\x00" in token:
            return None
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash_key(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        # One write a minute at most: a busy script must not turn every read into a write.
        now = timezone.now()
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        return api_token.user


class SessionAuth(NinjaSessionAuth):
    """The browser's session; ninja checks the CSRF token on unsafe methods."""


class OptionalAuth(APIKeyCookie):
    """Reads are public: let anonymous visitors through, but identify a signed-in user."""

    param_name = "sessionid"

    def __call__(self, request):
        return ApiTokenAuth()(request) or SessionAuth()(request) or True

    def authenticate(self, request, key):  # pragma: no cover - __call__ decides
        return True
