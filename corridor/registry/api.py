"""The registry's REST endpoints: sectors, zones and organisations.

Reads are public. Writes need a signed-in user (token or session) and go through the
services in ``services.py``, which check permissions and validate; this module only
turns codes and slugs into objects and objects into JSON.
"""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import Path, Query, Router, Status

from corridor.core.text import TextError, clean_text

from . import selectors, services
from .models import Authority, Organisation, Sector, Zone
from .schemas import (
    SECTOR_CODE_PATTERN,
    SLUG_PATTERN,
    WRITE_ERRORS,
    ErrorOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPage,
    OrganisationPatch,
    OrganisationQuery,
    PageIn,
    SectorIn,
    SectorOut,
    SectorPage,
    SectorPatch,
    SectorQuery,
    ValidationErrorOut,
    ZoneIn,
    ZoneOut,
    ZonePage,
    ZonePatch,
    ZoneQuery,
)

router = Router(tags=["registry"])

READ_ERRORS = {404: ErrorOut, 422: ValidationErrorOut}

SectorCodePath = Path(..., max_length=64, pattern=SECTOR_CODE_PATTERN)
ZoneSlugPath = Path(..., max_length=100, pattern=SLUG_PATTERN)
OrganisationSlugPath = Path(..., max_length=120, pattern=SLUG_PATTERN)


def _page(queryset: QuerySet, page: PageIn) -> dict:
    return {
        "count": queryset.count(),
        "limit": page.limit,
        "offset": page.offset,
        "items": list(queryset[page.offset : page.offset + page.limit]),
    }


# --- References: codes and slugs in a payload, turned into objects --------------


def _reference(model, lookup: str, value, field: str, message):
    """The object a code or slug names, ``None`` for null; unknown → 422 on that field."""
    if value is None:
        return None
    found = model.objects.filter(**{lookup: value}).first()
    if found is None:
        raise ValidationError({field: [message % {"value": value}]})
    return found


def _sectors(codes: list[str] | None, field: str) -> list[Sector] | None:
    if codes is None:
        return None
    found = {s.code: s for s in Sector.objects.filter(code__in=set(codes))}
    unknown = sorted(set(codes) - set(found))
    if unknown:
        raise ValidationError(
            {field: [_("Unknown sector code: %(codes)s.") % {"codes": ", ".join(unknown)}]}
        )
    return [found[code] for code in dict.fromkeys(codes)]


def _sector_fields(data: dict) -> dict:
    if "parent" in data:
        data["parent"] = _reference(
            Sector, "code", data["parent"], "parent", _("Unknown sector code: %(value)s.")
        )
    return data


def _zone_fields(data: dict) -> tuple[dict, list[Sector] | None]:
    if "parent" in data:
        data["parent"] = _reference(
            Zone, "slug", data["parent"], "parent", _("Unknown zone: %(value)s.")
        )
    if "authority" in data:
        data["authority"] = _reference(
            Authority, "code", data["authority"], "authority", _("Unknown authority: %(value)s.")
        )
    if "operator" in data:
        data["operator"] = _reference(
            Organisation,
            "slug",
            data["operator"],
            "operator",
            _("Unknown organisation: %(value)s."),
        )
    return data, _sectors(data.pop("focus_sectors", None), "focus_sectors")


def _organisation_fields(data: dict) -> tuple[dict, list[Sector] | None]:
    if "zone" in data:
        data["zone"] = _reference(Zone, "slug", data["zone"], "zone", _("Unknown zone: %(value)s."))
    return data, _sectors(data.pop("sectors", None), "sectors")


# --- Sectors --------------------------------------------------------------------


def _sectors_queryset() -> QuerySet[Sector]:
    return Sector.objects.select_related("parent").order_by("position", "code", "pk")


@router.get(
    "/sectors", response={200: SectorPage, **READ_ERRORS}, auth=None, summary="List sectors"
)
def sector_list(request, filters: Query[SectorQuery], page: Query[PageIn]):
    queryset = _sectors_queryset()
    if filters.top:
        queryset = queryset.filter(parent__isnull=True)
    if filters.parent:
        queryset = queryset.filter(parent__code=filters.parent)
    return _page(queryset, page)


@router.get(
    "/sectors/{code}", response={200: SectorOut, **READ_ERRORS}, auth=None, summary="Read a sector"
)
def sector_read(request, code: str = SectorCodePath):
    return get_object_or_404(_sectors_queryset(), code=code)


@router.post("/sectors", response={201: SectorOut, **WRITE_ERRORS}, summary="Create a sector")
def sector_create(request, payload: SectorIn):
    data = _sector_fields(payload.model_dump(exclude_unset=True))
    return Status(201, services.sector_create(by=request.auth, **data))


@router.patch(
    "/sectors/{code}", response={200: SectorOut, **WRITE_ERRORS}, summary="Change a sector"
)
def sector_update(request, payload: SectorPatch, code: str = SectorCodePath):
    sector = get_object_or_404(Sector, code=code)
    data = _sector_fields(payload.model_dump(exclude_unset=True))
    return services.sector_update(sector=sector, by=request.auth, **data)


# --- Zones ----------------------------------------------------------------------


def _zones_queryset() -> QuerySet[Zone]:
    return (
        Zone.objects.select_related("parent", "authority")
        .prefetch_related(
            Prefetch("focus_sectors", queryset=Sector.objects.only("code")),
            Prefetch("children", queryset=Zone.objects.only("slug", "parent_id")),
        )
        .order_by("country", "name_en", "pk")
    )


@router.get("/zones", response={200: ZonePage, **READ_ERRORS}, auth=None, summary="List zones")
def zone_list(request, filters: Query[ZoneQuery], page: Query[PageIn]):
    queryset = _zones_queryset()
    if filters.country:
        queryset = queryset.filter(country=filters.country.upper())
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.authority:
        queryset = queryset.filter(authority__code=filters.authority)
    if filters.top:
        queryset = queryset.filter(parent__isnull=True)
    if filters.parent:
        queryset = queryset.filter(parent__slug=filters.parent)
    if filters.sector:
        ids = selectors.sector_and_descendant_ids(filters.sector)
        queryset = queryset.filter(
            pk__in=Zone.focus_sectors.through.objects.filter(sector_id__in=ids).values("zone_id")
        )
    return _page(queryset, page)


@router.get(
    "/zones/{slug}", response={200: ZoneOut, **READ_ERRORS}, auth=None, summary="Read a zone"
)
def zone_read(request, slug: str = ZoneSlugPath):
    return get_object_or_404(_zones_queryset(), slug=slug)


@router.post("/zones", response={201: ZoneOut, **WRITE_ERRORS}, summary="Create a zone")
def zone_create(request, payload: ZoneIn):
    data, focus_sectors = _zone_fields(payload.model_dump(exclude_unset=True))
    zone = services.zone_create(by=request.auth, focus_sectors=focus_sectors or (), **data)
    return Status(201, zone)


@router.patch("/zones/{slug}", response={200: ZoneOut, **WRITE_ERRORS}, summary="Change a zone")
def zone_update(request, payload: ZonePatch, slug: str = ZoneSlugPath):
    zone = get_object_or_404(Zone, slug=slug)
    data, focus_sectors = _zone_fields(payload.model_dump(exclude_unset=True))
    return services.zone_update(zone=zone, by=request.auth, focus_sectors=focus_sectors, **data)


# --- Organisations --------------------------------------------------------------


@router.get(
    "/organisations",
    response={200: OrganisationPage, **READ_ERRORS},
    auth=None,
    summary="List organisations",
)
def organisation_list(request, filters: Query[OrganisationQuery], page: Query[PageIn]):
    try:
        q = clean_text(filters.q)
    except TextError as exc:
        raise ValidationError({"q": [_("Contains a NUL byte.")]}) from exc
    queryset = selectors.organisations_filtered(
        selectors.OrganisationFilters(
            q=q,
            country=filters.country or "",
            zone=filters.zone or "",
            kind=filters.kind or "",
            sector=filters.sector or "",
        )
    )
    return _page(queryset, page)


@router.get(
    "/organisations/{slug}",
    response={200: OrganisationOut, **READ_ERRORS},
    auth=None,
    summary="Read an organisation",
)
def organisation_read(request, slug: str = OrganisationSlugPath):
    return get_object_or_404(
        Organisation.objects.filter(is_active=True).select_related("zone"), slug=slug
    )


@router.post(
    "/organisations",
    response={201: OrganisationOut, **WRITE_ERRORS},
    summary="Register an organisation (you become its admin)",
)
def organisation_create(request, payload: OrganisationIn):
    data, sectors = _organisation_fields(payload.model_dump(exclude_unset=True))
    organisation = services.organisation_create(by=request.auth, sectors=sectors or (), **data)
    return Status(201, organisation)


@router.patch(
    "/organisations/{slug}",
    response={200: OrganisationOut, **WRITE_ERRORS},
    summary="Change an organisation",
)
def organisation_update(request, payload: OrganisationPatch, slug: str = OrganisationSlugPath):
    organisation = get_object_or_404(Organisation, slug=slug)
    data, sectors = _organisation_fields(payload.model_dump(exclude_unset=True))
    return services.organisation_update(
        organisation=organisation, by=request.auth, sectors=sectors, **data
    )
