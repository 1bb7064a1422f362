"""API schemas of cooperation profiles: what clients send (``*In``, ``*Patch``) and receive.

Input schemas forbid unknown fields and bound every string, list and number, so
most bad input is a 422 before it reaches a service; the services still check
everything (NUL bytes, emoji-only titles, unknown sectors and countries, TRL rules,
state changes). The organisation is named by its slug and sectors by their codes.

Output schemas are filled from the selectors' ``ProfileView`` and the matching
adapter's ``MatchResult``, never from a model: what names an anonymous profile's
organisation is only there when the viewer may know it.
"""

import datetime
from typing import Annotated, Literal

from ninja import Field, Schema

from corridor.registry.schemas import (
    CountryCode,
    InputSchema,
    OrganisationSlug,
    SectorCode,
)

from .matching import SEARCH_MAX_LENGTH
from .models import MAX_KEYWORD_LENGTH, MAX_KEYWORDS, CooperationProfile

# Choices as literals, as in the registry: model enums named "Kind" would clash in OpenAPI.
ProfileKind = Literal[tuple(CooperationProfile.Kind.values)]
ProfileMode = Literal[tuple(CooperationProfile.Mode.values)]
ProfileStatus = Literal[tuple(CooperationProfile.Status.values)]
Language = Literal["en", "zh-hans", "ur"]
Trl = Annotated[int, Field(ge=1, le=9, description="Technology readiness level, 1 to 9.")]
Keyword = Annotated[str, Field(min_length=1, max_length=MAX_KEYWORD_LENGTH)]
# The services compute "deadline + 1 day" and "published + 12 months": keep dates far from 9999.
LATEST_DEADLINE = datetime.date(2199, 12, 31)
Deadline = Annotated[
    datetime.date,
    Field(le=LATEST_DEADLINE, description="The last day the profile is open (ISO date)."),
]

MAX_SECTORS = 20
MAX_TARGET_COUNTRIES = 50


def _text(length: int) -> Annotated:
    return Annotated[str, Field(max_length=length)]


# --- Input ----------------------------------------------------------------------


class _ProfileFields(InputSchema):
    summary: _text(500) = None
    description: _text(4000) = None
    language: Language = Field(
        None, description="The language the texts are written in; detected when left out."
    )
    sectors: list[SectorCode] = Field(None, max_length=MAX_SECTORS, description="Sector codes.")
    keywords: list[Keyword] = Field(None, max_length=MAX_KEYWORDS)
    trl: Trl | None = Field(None, description="An offer's or R&D partner's own readiness level.")
    trl_min: Trl | None = Field(None, description="A request's lowest wanted readiness level.")
    trl_max: Trl | None = Field(None, description="A request's highest wanted readiness level.")
    modes: list[ProfileMode] = Field(None, max_length=len(CooperationProfile.Mode.values))
    target_countries: list[CountryCode] = Field(None, max_length=MAX_TARGET_COUNTRIES)
    deadline: Deadline | None = None
    is_anonymous: bool = Field(
        None,
        description="Hide the organisation from everyone outside it and its authority "
        "(the default).",
    )


class ProfileIn(_ProfileFields):
    organisation: OrganisationSlug = Field(description="The writing organisation's slug.")
    kind: ProfileKind
    title: _text(256)


class ProfilePatch(_ProfileFields):
    # A default of None without "| None": the field may be left out but not set to null.
    kind: ProfileKind = None
    title: _text(256) = None


class TranslationIn(InputSchema):
    title: _text(256)
    summary: _text(500) = ""
    description: _text(4000) = ""


class RejectIn(InputSchema):
    reason: _text(2000) = Field(description="Why the profile is sent back; its authors read it.")


class ProfileQuery(Schema):
    q: str | None = Field(
        None,
        max_length=SEARCH_MAX_LENGTH,
        description="Words in English, Chinese or Urdu; results are ranked by relevance.",
    )
    kind: ProfileKind | None = None
    sector: SectorCode | None = Field(None, description="A sector's code and its sub-sectors.")
    country: CountryCode | None = Field(None, description="The organisation's country.")
    language: Language | None = Field(
        None, description="Written in, or translated into, this language."
    )
    mode: ProfileMode | None = None
    trl: Trl | None = Field(None, description="Offers at this level, requests that want it.")


class SearchQuery(Schema):
    q: str = Field(max_length=SEARCH_MAX_LENGTH, description="Words in English, Chinese or Urdu.")
    k: int = Field(20, ge=1, le=50, description="How many results to return.")


class MatchesQuery(Schema):
    k: int = Field(10, ge=1, le=50, description="How many matches to return.")


# --- Output ---------------------------------------------------------------------


class SectorRefOut(Schema):
    code: str
    name: str


class TranslationOut(Schema):
    language: str
    title: str
    summary: str
    description: str


class OrganisationRefOut(Schema):
    """Who wrote the profile; only for viewers allowed to know it."""

    slug: str
    name: str
    website: str
    city: str


class ManagementOut(Schema):
    """What the organisation's people and the profile's moderators need to act on it."""

    is_anonymous: bool
    rejection_reason: str
    extended: bool


class ProfileOut(Schema):
    id: int = Field(description="Use in /profiles/{profile_id}.")
    reference: str = Field(description="The identifier to quote, e.g. CP-000042.")
    kind: str
    status: str
    title: str
    summary: str
    description: str
    language: str
    sectors: list[SectorRefOut]
    keywords: list[str]
    trl: int | None
    trl_min: int | None
    trl_max: int | None
    modes: list[str]
    target_countries: list[str]
    country: str = Field(description="The organisation's country.")
    deadline: datetime.date | None
    published_at: datetime.datetime | None
    expires_at: datetime.datetime | None
    translations: list[TranslationOut]
    organisation: OrganisationRefOut | None = Field(
        description="Null when the profile is anonymous and the viewer may not know who wrote it."
    )
    management: ManagementOut | None = Field(
        None, description="Only for the organisation's people and the profile's moderators."
    )


class ProfileStateOut(Schema):
    """A profile's state after a life-cycle step (read the profile for the rest)."""

    id: int
    reference: str
    status: ProfileStatus
    published_at: datetime.datetime | None
    expires_at: datetime.datetime | None
    extended: bool
    rejection_reason: str


class SectorPairOut(Schema):
    query: SectorRefOut
    candidate: SectorRefOut
    relation: str = Field(
        description="same, parent (one contains the other) or sibling on the sector tree."
    )


class PassageOut(Schema):
    text: str
    language: str


class PassagePairOut(Schema):
    query: PassageOut
    candidate: PassageOut
    cosine: float


class ExplanationOut(Schema):
    shared_sectors: list[SectorPairOut]
    shared_keywords: list[str]
    shared_terms: list[str]
    passages: PassagePairOut | None = Field(
        description="The sentence pair, across the two texts, that best supports the match."
    )


class MatchOut(Schema):
    profile: ProfileOut
    score: float
    parts: dict[str, float] = Field(
        description="Each part's contribution (semantic, lexical, complementarity, modes, trl, "
        "sectors, cross_border); they add up to the score."
    )
    explanation: ExplanationOut


class MatchList(Schema):
    items: list[MatchOut]


class ProfilePage(Schema):
    count: int = Field(description="How many items match, over all pages.")
    limit: int
    offset: int
    items: list[ProfileOut]
