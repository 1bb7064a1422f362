"""The REST API at /api/v1: one NinjaAPI that mounts each app's router.

The exception handlers here turn what services raise into 4xx answers with a message,
so bad input never becomes a 500 (DESIGN.md "Security model").
"""

import logging

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from corridor.accounts.api import ApiTokenAuth, SessionAuth
from corridor.accounts.api import router as accounts_router
from corridor.core.api import router as notifications_router
from corridor.docking.api import router as docking_router
from corridor.events.api import router as events_router
from corridor.insights.api import router as insights_router
from corridor.registry.api import router as registry_router

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="Corridor API",
    version="1",
    description=(
        "Registry of sectors, zones and organisations of the Corridor platform, and "
        "cooperation profiles (projects docking): what organisations offer and seek, "
        "searchable in English, Chinese and Urdu, with explained matches. "
        "Reads of the registry and of published profiles are public; anonymous profiles "
        "never show their organisation to those outside it. Writes need an API token "
        "(`Authorization: Bearer cor_…`, created at POST /api/v1/tokens while signed in) "
        "or the browser's session with its CSRF token."
    ),
    urls_namespace="api",
    auth=[ApiTokenAuth(), SessionAuth()],
)
api.add_router("/", registry_router)
api.add_router("/", accounts_router)
api.add_router("/", docking_router)
api.add_router("/", notifications_router)
api.add_router("/", insights_router)
api.add_router("/", events_router)


def _detail(request, message, status: int):
    return api.create_response(request, {"detail": str(message)}, status=status)


def _field_errors(exc: ValidationError) -> list[dict]:
    """Django's errors in ninja's 422 shape: ``{"loc": [...], "msg": ..., "type": ...}``."""
    errors = []
    if hasattr(exc, "error_dict"):
        for field, field_errors in exc.error_dict.items():
            loc = ["body", "payload"] if field == "__all__" else ["body", "payload", field]
            for error in field_errors:
                for message in error.messages:
                    errors.append({"loc": loc, "msg": message, "type": error.code or "invalid"})
    else:
        for error in exc.error_list:
            for message in error.messages:
                errors.append(
                    {"loc": ["body", "payload"], "msg": message, "type": error.code or "invalid"}
                )
    return errors


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    return api.create_response(request, {"detail": _field_errors(exc)}, status=422)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc: PermissionDenied):
    return _detail(request, str(exc) or _("You do not have permission to do this."), 403)


@api.exception_handler(AuthenticationError)
def not_authenticated(request, exc: AuthenticationError):
    return _detail(
        request, _("Sign in, or send an API token as 'Authorization: Bearer cor_…'."), 401
    )


@api.exception_handler(Http404)
@api.exception_handler(ObjectDoesNotExist)
def not_found(request, exc: Exception):
    return _detail(request, _("Not found."), 404)


@api.exception_handler(IntegrityError)
def integrity_error(request, exc: IntegrityError):
    # full_clean checks uniqueness first; this is the race where two requests pass it at once.
    logger.warning("API write conflicted: %s", exc)
    return _detail(
        request, _("This conflicts with a record saved at the same moment; try again."), 409
    )


@api.exception_handler(DataError)
def data_error(request, exc: DataError):
    # Validation should catch every value the database refuses; log the one it missed.
    logger.error("API write refused by the database: %s", exc)
    return api.create_response(
        request,
        {
            "detail": [
                {
                    "loc": ["body"],
                    "msg": str(_("A value is too long or out of range.")),
                    "type": "data_error",
                }
            ]
        },
        status=422,
    )
