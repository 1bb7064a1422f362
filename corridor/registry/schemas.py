"""API schemas of the registry: what clients send (``*In``, ``*Patch``) and receive (``*Out``).

Input schemas forbid unknown fields and bound every string and number, so bad input
is a 422 before it reaches a service; the services still validate with ``full_clean``.
References (parent, zone, authority, sectors) are codes and slugs, never database ids.
"""

from decimal import Decimal
from typing import Annotated, Literal

from django.conf import settings
from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

from .models import LANGUAGE_CHOICES, Organisation, Zone

SECTOR_CODE_PATTERN = r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$"
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"

SectorCode = Annotated[str, Field(max_length=64, pattern=SECTOR_CODE_PATTERN)]
AuthorityCode = Annotated[str, Field(max_length=32, pattern=SLUG_PATTERN)]
ZoneSlug = Annotated[str, Field(max_length=100, pattern=SLUG_PATTERN)]
OrganisationSlug = Annotated[str, Field(max_length=120, pattern=SLUG_PATTERN)]
CountryCode = Annotated[
    str,
    Field(
        min_length=2,
        max_length=2,
        pattern=r"^[A-Za-z]{2}$",
        description="ISO 3166-1 alpha-2 code, e.g. PK or CN.",
    ),
]
# Choices as literals: the enums of two models share the name "Kind" in the OpenAPI document.
LanguageCode = Literal[tuple(code for code, _label in LANGUAGE_CHOICES) + ("",)]
ZoneKind = Literal[tuple(Zone.Kind.values)]
OrganisationKind = Literal[tuple(Organisation.Kind.values)]
OrganisationSize = Literal[tuple(Organisation.Size.values) + ("",)]


def _name(length: int) -> Annotated:
    return Annotated[str, Field(max_length=length)]


class InputSchema(Schema):
    """Unknown fields are an error, not silently dropped: a typo must not look like success."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("country", mode="before", check_fields=False)
    @classmethod
    def _country_upper(cls, value):
        return value.upper() if isinstance(value, str) else value


# --- Errors ---------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: list[FieldErrorOut]


# What a write endpoint may answer besides success (see the handlers in corridor/api.py).
WRITE_ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ValidationErrorOut,
}


# --- Pagination -----------------------------------------------------------------


class PageIn(Schema):
    limit: int = Field(
        50,
        ge=1,
        le=settings.CORRIDOR_API_MAX_PAGE_SIZE,
        description="How many items to return.",
    )
    # Bounded so that PostgreSQL's bigint OFFSET cannot overflow.
    offset: int = Field(0, ge=0, le=1_000_000_000, description="How many items to skip.")


# --- Sectors --------------------------------------------------------------------


class SectorQuery(Schema):
    parent: SectorCode | None = Field(
        None, description="Only the direct sub-sectors of this sector."
    )
    top: bool = Field(False, description="Only top-level sectors.")


class SectorOut(Schema):
    code: str
    parent: str | None = Field(None, description="The parent sector's code.")
    name_en: str
    name_zh_hans: str
    name_ur: str
    position: int

    @staticmethod
    def resolve_parent(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None


class SectorIn(InputSchema):
    code: SectorCode
    parent: SectorCode | None = None
    name_en: _name(200)
    name_zh_hans: _name(200) = ""
    name_ur: _name(200) = ""
    position: int = Field(0, ge=0, le=32767)


class SectorPatch(InputSchema):
    # A default of None without "| None": the field may be left out but not set to null.
    parent: SectorCode | None = None
    name_en: _name(200) = None
    name_zh_hans: _name(200) = None
    name_ur: _name(200) = None
    position: int = Field(None, ge=0, le=32767)


# --- Zones ----------------------------------------------------------------------


class ZoneQuery(Schema):
    country: CountryCode | None = None
    kind: ZoneKind | None = None
    authority: AuthorityCode | None = Field(None, description="An authority's code.")
    parent: ZoneSlug | None = Field(None, description="Only the member parks of this zone.")
    top: bool = Field(False, description="Only top-level zones.")
    sector: SectorCode | None = Field(None, description="Zones focused on this sector.")


class ZoneOut(Schema):
    slug: str
    kind: str
    parent: str | None = Field(None, description="The slug of the zone this one is part of.")
    authority: str | None = Field(None, description="The code of the zone's authority.")
    name_en: str
    name_zh_hans: str
    name_ur: str
    country: str
    city: str
    area_km2: Decimal | None
    year_founded: int | None
    focus_sectors: list[str] = Field(description="Codes of the zone's focus sectors.")
    website: str
    description: str
    description_language: str
    children: list[str] = Field(description="Slugs of the zone's member parks.")
    url: str

    @staticmethod
    def resolve_parent(obj) -> str | None:
        return obj.parent.slug if obj.parent_id else None

    @staticmethod
    def resolve_authority(obj) -> str | None:
        return obj.authority.code if obj.authority_id else None

    @staticmethod
    def resolve_country(obj) -> str:
        return str(obj.country)

    @staticmethod
    def resolve_focus_sectors(obj) -> list[str]:
        return sorted(s.code for s in obj.focus_sectors.all())

    @staticmethod
    def resolve_children(obj) -> list[str]:
        return sorted(z.slug for z in obj.children.all())

    @staticmethod
    def resolve_url(obj, context) -> str:
        return context["request"].build_absolute_uri(obj.get_absolute_url())


class _ZoneFields(InputSchema):
    parent: ZoneSlug | None = None
    authority: AuthorityCode | None = None
    operator: OrganisationSlug | None = Field(
        None, description="The operating organisation's slug."
    )
    country: CountryCode = None
    city: _name(100) = None
    # The column holds 9 digits, 2 after the point.
    area_km2: Decimal | None = Field(None, gt=0, max_digits=9, decimal_places=2)
    year_founded: int | None = Field(None, ge=1800, le=2100)
    focus_sectors: list[SectorCode] = Field(None, max_length=100)
    website: _name(300) = None
    description: _name(4000) = None
    description_language: LanguageCode = None


class ZoneIn(_ZoneFields):
    slug: ZoneSlug | None = Field(None, description="Made from the English name when left out.")
    kind: ZoneKind
    name_en: _name(200)
    name_zh_hans: _name(200) = ""
    name_ur: _name(200) = ""
    country: CountryCode


class ZonePatch(_ZoneFields):
    kind: ZoneKind = None
    name_en: _name(200) = None
    name_zh_hans: _name(200) = None
    name_ur: _name(200) = None


# --- Organisations --------------------------------------------------------------


class OrganisationQuery(Schema):
    q: str | None = Field(
        None, max_length=200, description="Words to find in names and descriptions, any language."
    )
    country: CountryCode | None = None
    zone: ZoneSlug | None = Field(None, description="A zone's slug: the zone and its member parks.")
    kind: OrganisationKind | None = None
    sector: SectorCode | None = Field(
        None, description="A sector's code: the sector and its sub-sectors."
    )


class OrganisationOut(Schema):
    slug: str
    kind: str
    name: str
    name_en: str
    name_zh_hans: str
    name_ur: str
    country: str
    city: str
    zone: str | None = Field(None, description="The slug of the organisation's zone.")
    sectors: list[str] = Field(description="Codes of the organisation's sectors.")
    size: str
    year_founded: int | None
    website: str
    description: str
    description_language: str
    ror_id: str
    url: str

    @staticmethod
    def resolve_zone(obj) -> str | None:
        return obj.zone.slug if obj.zone_id else None

    @staticmethod
    def resolve_country(obj) -> str:
        return str(obj.country)

    @staticmethod
    def resolve_sectors(obj) -> list[str]:
        return sorted(s.code for s in obj.sectors.all())

    @staticmethod
    def resolve_url(obj, context) -> str:
        return context["request"].build_absolute_uri(obj.get_absolute_url())


class _OrganisationFields(InputSchema):
    name_en: _name(300) = None
    name_zh_hans: _name(300) = None
    name_ur: _name(300) = None
    city: _name(100) = None
    zone: ZoneSlug | None = None
    sectors: list[SectorCode] = Field(None, max_length=100)
    size: OrganisationSize = None
    year_founded: int | None = Field(None, ge=1000, le=2100)
    website: _name(300) = None
    description: _name(4000) = None
    description_language: LanguageCode = None
    ror_id: _name(9) = None
    registration_number: _name(64) = None


class OrganisationIn(_OrganisationFields):
    slug: OrganisationSlug | None = Field(None, description="Made from the name when left out.")
    kind: OrganisationKind
    name: _name(300) = Field(
        "", description="The name as the organisation writes it; the English name when left out."
    )
    country: CountryCode


class OrganisationPatch(_OrganisationFields):
    kind: OrganisationKind = None
    name: _name(300) = None
    country: CountryCode = None


# --- Pages ----------------------------------------------------------------------


class _Page(Schema):
    count: int = Field(description="How many items match, over all pages.")
    limit: int
    offset: int


class SectorPage(_Page):
    items: list[SectorOut]


class ZonePage(_Page):
    items: list[ZoneOut]


class OrganisationPage(_Page):
    items: list[OrganisationOut]
