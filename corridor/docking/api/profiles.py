"""The REST endpoints of cooperation profiles: browse, search, write, moderate, match.

Reads of published profiles are public; a caller who sends a token or has a session
is recognised and sees what the selectors allow them (their own drafts, the
identity of profiles they may know). Every write goes through one service in
``services.py``, which checks the permission and validates. Responses are built from
``selectors.ProfileView`` and ``matching.MatchResult``, so an anonymous profile's
organisation appears only for those allowed to know it.

A profile the caller may not see is "not found" (404), never "forbidden": its
existence is not theirs to know. A visible profile the caller may not act on is 403.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import Path, Query, Router, Status
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as RequestValidationError

from corridor.accounts.api import ApiTokenAuth
from corridor.core.permissions import is_authority_staff, is_platform_admin, require
from corridor.registry.models import Organisation
from corridor.registry.schemas import WRITE_ERRORS, ErrorOut, PageIn, ValidationErrorOut

from .. import matching, selectors, services
from ..models import CooperationProfile
from ..schemas import (
    Language,
    MatchesQuery,
    MatchList,
    ProfileIn,
    ProfileOut,
    ProfilePage,
    ProfilePatch,
    ProfileQuery,
    ProfileStateOut,
    ProfileStatus,
    RejectIn,
    SearchQuery,
    TranslationIn,
)

router = Router(tags=["profiles"])

# Public reads answer 401 too: a token that is sent must be a valid one.
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}

# Bounded so that PostgreSQL's bigint comparison cannot overflow.
ProfileIdPath = Path(..., ge=1, le=2**63 - 1)


# --- Who asks, and which profile ---------------------------------------------------


def _viewer(request):
    """The caller of a public endpoint: the token's user, the session's user, or ``None``."""
    if request.headers.get("Authorization"):
        user = ApiTokenAuth()(request)
        if user is None:
            # A script whose token is wrong must hear so, not quietly get the public view.
            raise AuthenticationError
        return user
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _visible(profile_id: int, viewer) -> CooperationProfile:
    """The profile if ``viewer`` may see it; 404 otherwise, whether or not it exists."""
    return get_object_or_404(
        selectors.profiles_visible_to(viewer).select_related("organisation"), pk=profile_id
    )


def _relocated(exc: ValidationError, places: dict[str, str]) -> RequestValidationError:
    """A service's field errors, placed where the client sent the value (query, path, body)."""
    by_field = exc.error_dict if hasattr(exc, "error_dict") else {"__all__": exc.error_list}
    errors = []
    for field, field_errors in by_field.items():
        if field in places:
            loc = [places[field], field]
        else:
            loc = ["body", "payload"] + ([] if field == "__all__" else [field])
        for error in field_errors:
            errors.extend(
                {"loc": loc, "msg": str(message), "type": error.code or "invalid"}
                for message in error.messages
            )
    return RequestValidationError(errors)


# --- Output ---------------------------------------------------------------------


def _management(profile: CooperationProfile) -> dict:
    return {
        "is_anonymous": profile.is_anonymous,
        "rejection_reason": profile.rejection_reason,
        "extended": profile.extended,
    }


def _out(view: selectors.ProfileView, management: dict | None = None) -> dict:
    data = view.to_dict()
    organisation = data["organisation"]
    if organisation is not None:
        # Clients name organisations by slug, as everywhere in the API.
        data["organisation"] = {k: organisation[k] for k in ("slug", "name", "website", "city")}
    data["management"] = management
    return data


def _match_out(result: matching.MatchResult) -> dict:
    data = result.to_dict()
    data["profile"] = _out(result.profile)
    return data


def _detail(profile: CooperationProfile, viewer) -> dict:
    view = selectors.public_profile_view(profile, viewer)
    manages = viewer is not None and matching.can_see_matches(viewer, profile)
    return _out(view, _management(profile) if manages else None)


def _state(profile: CooperationProfile) -> dict:
    return {
        "id": profile.pk,
        "reference": profile.reference,
        "status": profile.status,
        "published_at": profile.published_at,
        "expires_at": profile.expires_at,
        "extended": profile.extended,
        "rejection_reason": profile.rejection_reason,
    }


def _managed_page(queryset, page: PageIn, viewer) -> dict:
    """A page of profiles the viewer writes or moderates, each with its management fields."""
    rows = list(
        queryset.select_related(None).only("pk", "is_anonymous", "rejection_reason", "extended")[
            page.offset : page.offset + page.limit
        ]
    )
    by_pk = {p.pk: p for p in rows}
    views = selectors.profile_views(rows, viewer)
    return {
        "count": queryset.count(),
        "limit": page.limit,
        "offset": page.offset,
        "items": [_out(v, _management(by_pk[v.id])) for v in views],
    }


# --- Reads ("{int:profile_id}" never takes search, mine or moderation for an id) ---


@router.get(
    "/profiles",
    response={200: ProfilePage, **READ_ERRORS},
    auth=None,
    summary="List published cooperation profiles",
    description="Newest first, or best first when `q` is given (words in any of the three "
    "languages find profiles written in the others; the best 200 at most). Anonymous profiles come without their "
    "organisation unless the caller may know it.",
)
def profile_list(request, filters: Query[ProfileQuery], page: Query[PageIn]):
    viewer = _viewer(request)
    q = ""
    if filters.q:
        try:
            q = matching.clean_query(filters.q)
        except ValidationError as exc:
            raise _relocated(exc, {"q": "query"}) from exc
    try:
        found = selectors.profiles_browse(
            viewer,
            selectors.ProfileFilters(
                q=q,
                kind=filters.kind or "",
                sector=filters.sector or "",
                country=(filters.country or "").upper(),
                language=filters.language or "",
                mode=filters.mode or "",
                trl=filters.trl,
            ),
        )
    except ValidationError as exc:  # the matcher could not read the query
        raise _relocated(exc, {"q": "query"}) from exc
    count = len(found) if isinstance(found, list) else found.count()
    views = selectors.profile_views(list(found[page.offset : page.offset + page.limit]), viewer)
    return {
        "count": count,
        "limit": page.limit,
        "offset": page.offset,
        "items": [_out(v) for v in views],
    }


@router.get(
    "/profiles/search",
    response={200: MatchList, **READ_ERRORS},
    auth=None,
    summary="Search published profiles in any language, with scores and explanations",
)
def profile_search(request, query: Query[SearchQuery]):
    viewer = _viewer(request)
    try:
        results = matching.profiles_search(text=query.q, viewer=viewer, k=query.k)
    except ValidationError as exc:
        raise _relocated(exc, {"q": "query", "k": "query"}) from exc
    return {"items": [_match_out(r) for r in results]}


@router.get(
    "/profiles/mine",
    response={200: ProfilePage, **READ_ERRORS},
    summary="Your organisations' profiles, in every state",
)
def profile_mine(request, page: Query[PageIn], status: ProfileStatus | None = None):
    user = request.auth
    queryset = selectors.profiles_of_user(user)
    if status:
        queryset = queryset.filter(status=status)
    return _managed_page(queryset, page, user)


@router.get(
    "/profiles/moderation",
    response={200: ProfilePage, 403: ErrorOut, **READ_ERRORS},
    summary="Submitted profiles waiting for your approval (authority staff)",
)
def profile_moderation(request, page: Query[PageIn]):
    user = request.auth
    require(
        is_platform_admin(user) or is_authority_staff(user),
        _("Only authority staff moderate cooperation profiles."),
    )
    return _managed_page(selectors.moderation_queue(user), page, user)


@router.get(
    "/profiles/{int:profile_id}",
    response={200: ProfileOut, **READ_ERRORS},
    auth=None,
    summary="Read a cooperation profile",
)
def profile_read(request, profile_id: int = ProfileIdPath):
    viewer = _viewer(request)
    return _detail(_visible(profile_id, viewer), viewer)


@router.get(
    "/profiles/{int:profile_id}/matches",
    response={200: MatchList, **WRITE_ERRORS},
    summary="The best partners for a profile, explained (its organisation and moderators)",
)
def profile_match_list(request, query: Query[MatchesQuery], profile_id: int = ProfileIdPath):
    profile = _visible(profile_id, request.auth)
    try:
        results = matching.profile_matches(profile=profile, viewer=request.auth, k=query.k)
    except ValidationError as exc:
        raise _relocated(exc, {"k": "query"}) from exc
    return {"items": [_match_out(r) for r in results]}


# --- Writes ---------------------------------------------------------------------


def _organisation(slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug, is_active=True).first()
    if organisation is None:
        raise ValidationError(
            {"organisation": [_("Unknown organisation: %(value)s.") % {"value": slug}]}
        )
    return organisation


@router.post(
    "/profiles",
    response={201: ProfileOut, **WRITE_ERRORS},
    summary="Write a draft profile for one of your organisations",
)
def profile_create(request, payload: ProfileIn):
    data = payload.model_dump(exclude_unset=True)
    organisation = _organisation(data.pop("organisation"))
    sectors = data.pop("sectors", ())
    profile = services.profile_create(
        organisation=organisation, by=request.auth, sectors=sectors, **data
    )
    return Status(201, _detail(profile, request.auth))


@router.patch(
    "/profiles/{int:profile_id}",
    response={200: ProfileOut, **WRITE_ERRORS},
    summary="Change a draft or rejected profile (only the fields sent)",
)
def profile_update(request, payload: ProfilePatch, profile_id: int = ProfileIdPath):
    profile = _visible(profile_id, request.auth)
    data = payload.model_dump(exclude_unset=True)
    sectors = data.pop("sectors", None)
    profile = services.profile_update(profile=profile, by=request.auth, sectors=sectors, **data)
    return _detail(profile, request.auth)


@router.put(
    "/profiles/{int:profile_id}/translations/{language}",
    response={200: ProfileOut, **WRITE_ERRORS},
    summary="Add or replace the authors' version of a profile in another language",
)
def profile_translation_set(
    request, payload: TranslationIn, language: Language, profile_id: int = ProfileIdPath
):
    profile = _visible(profile_id, request.auth)
    try:
        services.profile_translation_set(
            profile=profile, by=request.auth, language=language, **payload.model_dump()
        )
    except ValidationError as exc:
        raise _relocated(exc, {"language": "path"}) from exc
    return _detail(profile, request.auth)


# --- Life cycle -----------------------------------------------------------------


def _step(service, request, profile_id: int, **kwargs) -> dict:
    profile = _visible(profile_id, request.auth)
    return _state(service(profile=profile, by=request.auth, **kwargs))


@router.post(
    "/profiles/{int:profile_id}/submit",
    response={200: ProfileStateOut, **WRITE_ERRORS},
    summary="Send a draft or rejected profile to the authority for approval",
)
def profile_submit(request, profile_id: int = ProfileIdPath):
    return _step(services.profile_submit, request, profile_id)


@router.post(
    "/profiles/{int:profile_id}/withdraw",
    response={200: ProfileStateOut, **WRITE_ERRORS},
    summary="Take a profile back for good",
)
def profile_withdraw(request, profile_id: int = ProfileIdPath):
    return _step(services.profile_withdraw, request, profile_id)


@router.post(
    "/profiles/{int:profile_id}/extend",
    response={200: ProfileStateOut, **WRITE_ERRORS},
    summary="Keep a published profile 12 months longer (once)",
)
def profile_extend(request, profile_id: int = ProfileIdPath):
    return _step(services.profile_extend, request, profile_id)


@router.post(
    "/profiles/{int:profile_id}/approve",
    response={200: ProfileStateOut, **WRITE_ERRORS},
    summary="Publish a submitted profile (staff of the organisation's authority)",
)
def profile_approve(request, profile_id: int = ProfileIdPath):
    return _step(services.profile_approve, request, profile_id)


@router.post(
    "/profiles/{int:profile_id}/reject",
    response={200: ProfileStateOut, **WRITE_ERRORS},
    summary="Send a submitted profile back to its authors with the reason",
)
def profile_reject(request, payload: RejectIn, profile_id: int = ProfileIdPath):
    try:
        return _step(services.profile_reject, request, profile_id, reason=payload.reason)
    except ValidationError as exc:
        # The service names the model's field; the client sent "reason".
        if "rejection_reason" in getattr(exc, "error_dict", {}):
            exc.error_dict["reason"] = exc.error_dict.pop("rejection_reason")
        raise
