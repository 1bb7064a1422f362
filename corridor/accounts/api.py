"""API authentication (a bearer token for scripts, the session with CSRF for the browser)
and the endpoints that manage a person's own API tokens."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Path, Router, Schema, Status
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth as NinjaSessionAuth
from pydantic import ConfigDict

from corridor.registry.schemas import ErrorOut, ValidationErrorOut

from . import services
from .models import ApiToken


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer cor_…``; the request then acts as the token's user."""

    openapi_description = "A personal API token (create one under your account)."

    def authenticate(self, request, token: str):
        if not token or len(token) > 200 or "\x00" in token:
            return None
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(
                key_hash=ApiToken.hash_key(token), revoked_at__isnull=True, user__is_active=True
            )
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
    """The browser's session; ninja checks the CSRF token on unsafe methods.

    Without a signed-in session there is nothing for a forged request to borrow, so the
    CSRF check is skipped and the request is simply not authenticated (401, not 403).
    """

    def _get_key(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)


# --- Token endpoints ------------------------------------------------------------


class TokenIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=100, description="What the token is for, e.g. the script's name.")


class TokenOut(Schema):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    key: str = Field(description="The secret: shown this once, only its hash is kept.")


router = Router(tags=["tokens"])

_errors = {401: ErrorOut, 403: ErrorOut}


@router.post(
    "/tokens",
    response={201: TokenCreatedOut, 422: ValidationErrorOut, **_errors},
    # Only the signed-in browser mints tokens: a leaked token must not breed new ones.
    auth=SessionAuth(),
    summary="Create an API token",
)
def token_create(request, payload: TokenIn):
    token, key = services.api_token_create(by=request.auth, name=payload.name)
    return Status(
        201,
        TokenCreatedOut(
            id=token.pk,
            name=token.name,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
            key=key,
        ),
    )


@router.get("/tokens", response={200: list[TokenOut], **_errors}, summary="List your API tokens")
def token_list(request):
    return ApiToken.objects.filter(user=request.auth).order_by("-created_at", "-pk")


@router.delete(
    "/tokens/{token_id}",
    response={200: TokenOut, 404: ErrorOut, **_errors},
    summary="Revoke one of your API tokens",
)
def token_revoke(request, token_id: int = Path(..., ge=1, le=2**63 - 1)):
    # Someone else's token is "not found", not "forbidden": its existence is not for them to know.
    token = get_object_or_404(ApiToken, pk=token_id, user=request.auth)
    return services.api_token_revoke(token=token, by=request.auth)
