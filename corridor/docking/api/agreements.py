"""The REST endpoints of agreements: the ledger, one agreement, recording and changing one.

Only the people acting for a party, staff of any party's country and platform admins
see an agreement; anyone else gets 404, as if it did not exist. Organisations are named
by slug, sectors by code, profiles, meetings and interests by id. Values are decimals
with two places, sent and returned as strings (``"250000.00"``) so no float rounds them.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Path, Query, Router, Schema, Status

from corridor.registry.schemas import (
    WRITE_ERRORS,
    ErrorOut,
    InputSchema,
    OrganisationSlug,
    PageIn,
    SectorCode,
    ValidationErrorOut,
)

from ..models import CURRENCIES, Agreement
from ..selectors.agreements import (
    agreement_for,
    agreements_filter,
    agreements_visible_to,
)
from ..selectors.profiles import identity_rule
from ..services import agreements as services

router = Router(tags=["agreements"])

BIGINT = 2**63 - 1
IdPath = Path(..., ge=1, le=BIGINT)
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}

AgreementKind = Literal[tuple(Agreement.Kind.values)]
AgreementStatus = Literal[tuple(Agreement.Status.values)]
Currency = Literal[CURRENCIES]
Id = Annotated[int, Field(ge=1, le=BIGINT)]
Money = Annotated[
    Decimal,
    Field(
        ge=0,
        le=services.MAX_VALUE,
        max_digits=16,
        decimal_places=2,
        description='At most two decimal places, e.g. "250000.00"; needs `currency`.',
    ),
]


# --- Schemas --------------------------------------------------------------------


class AgreementIn(InputSchema):
    kind: AgreementKind
    title: str = Field(..., min_length=1, max_length=services.TITLE_LENGTH)
    signed_on: datetime.date = Field(
        ..., description="The signing date (ISO), from 2000-01-01 to today."
    )
    parties: list[OrganisationSlug] = Field(
        ...,
        min_length=2,
        max_length=services.MAX_PARTIES,
        description="Slugs of at least two organisations; with `interest`, both of its sides.",
    )
    sectors: list[SectorCode] = Field([], max_length=services.MAX_SECTORS)
    value: Money | None = None
    currency: Currency | Literal[""] = Field("", description="ISO 4217 code, with `value`.")
    status: AgreementStatus = "signed"
    interest: Id | None = Field(
        None,
        description="The introduction it came from (accepted and revealed). Without it, "
        "only authority staff of a party's country (and platform admins) record.",
    )
    profiles: list[Id] = Field(
        [],
        max_length=services.MAX_LINKS,
        description="Published profiles of the parties; with `interest`, its profiles by default.",
    )
    meetings: list[Id] = Field(
        [], max_length=services.MAX_LINKS, description="Meetings of `interest`."
    )
    notes: str = Field("", max_length=services.NOTES_LENGTH)


class AgreementPatch(InputSchema):
    status: AgreementStatus | None = Field(
        None, description="Forward only: signed → in_force → completed or terminated."
    )
    value: Money | None = Field(None, description="null clears the value and its currency.")
    currency: Currency | Literal[""] | None = None
    notes: str | None = Field(None, max_length=services.NOTES_LENGTH)


class AgreementQuery(Schema):
    kind: AgreementKind | None = None
    status: AgreementStatus | None = None
    year: int | None = Field(None, ge=2000, le=2100, description="The year it was signed.")
    interest: Id | None = None
    organisation: OrganisationSlug | None = Field(None, description="A party's slug.")


class PartyOut(Schema):
    slug: str
    name: str
    country: str


class AgreementOut(Schema):
    id: int
    reference: str = Field(..., description="AG-…")
    kind: AgreementKind
    title: str
    signed_on: datetime.date
    status: AgreementStatus
    parties: list[PartyOut]
    sectors: list[str] = Field(..., description="Sector codes.")
    value: str | None = Field(None, description="A decimal with two places, as a string.")
    currency: str
    interest_id: int | None
    interest: str | None = Field(None, description="The interest's reference, EI-…")
    profiles: list[int] = Field(
        ..., description="Ids of the linked profiles whose organisation the caller may know."
    )
    meetings: list[int]
    notes: str
    recorded_at: datetime.datetime
    updated_at: datetime.datetime
    can_change: bool = Field(..., description="Whether the caller may change it (PATCH).")


class AgreementPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AgreementOut]


def _out(agreement: Agreement, user, sees=None) -> dict:
    sees = sees or identity_rule(user)
    return {
        "id": agreement.pk,
        "reference": agreement.reference,
        "kind": agreement.kind,
        "title": agreement.title,
        "signed_on": agreement.signed_on,
        "status": agreement.status,
        "parties": [
            {"slug": o.slug, "name": o.name, "country": str(o.country)}
            for o in agreement.parties.all()
        ],
        "sectors": [s.code for s in agreement.sectors.all()],
        "value": f"{agreement.value:.2f}" if agreement.value is not None else None,
        "currency": agreement.currency,
        "interest_id": agreement.interest_id,
        "interest": f"EI-{agreement.interest_id:06d}" if agreement.interest_id else None,
        "profiles": [p.pk for p in agreement.profiles.all() if sees(p)],
        "meetings": [m.pk for m in agreement.meetings.all()],
        "notes": agreement.notes,
        "recorded_at": agreement.created_at,
        "updated_at": agreement.updated_at,
        "can_change": services.can_change_agreement(user, agreement),
    }


def _read(pk: int, user) -> dict:
    return _out(agreement_for(user, pk), user)


# --- Endpoints ------------------------------------------------------------------


@router.get(
    "/agreements",
    response={200: AgreementPage, **READ_ERRORS},
    summary="Agreements of your organisations, or of your authority's country",
    description="Newest signing first. Parties' people, staff of any party's country and "
    "platform admins see an agreement; others see none.",
)
def agreement_list(request, filters: Query[AgreementQuery], page: Query[PageIn]):
    user = request.auth
    rows = agreements_filter(
        agreements_visible_to(user),
        kind=filters.kind or "",
        status=filters.status or "",
        year=filters.year,
        interest=filters.interest,
        organisation=filters.organisation or "",
    )
    items = list(
        rows.prefetch_related("profiles__organisation", "meetings")[
            page.offset : page.offset + page.limit
        ]
    )
    sees = identity_rule(user)
    return {
        "count": rows.count(),
        "limit": page.limit,
        "offset": page.offset,
        "items": [_out(a, user, sees) for a in items],
    }


@router.post(
    "/agreements",
    response={201: AgreementOut, **WRITE_ERRORS},
    summary="Record a signed agreement",
    description="By a party of an open introduction (give `interest`), or by authority "
    "staff for organisations of their country (with or without `interest`). The people of "
    "every party are told.",
)
def agreement_create(request, payload: AgreementIn):
    data = payload.model_dump()
    agreement = services.agreement_record(by=request.auth, **data)
    return Status(201, _read(agreement.pk, request.auth))


@router.get(
    "/agreements/{int:agreement_id}",
    response={200: AgreementOut, **READ_ERRORS},
    summary="Read an agreement",
)
def agreement_read(request, agreement_id: int = IdPath):
    return _read(agreement_id, request.auth)


@router.patch(
    "/agreements/{int:agreement_id}",
    response={200: AgreementOut, **WRITE_ERRORS},
    summary="Move an agreement's status forward, or correct its value, currency or notes",
    description="Only the fields sent change. The parties' people and their authorities' "
    "staff may change it.",
)
def agreement_update(request, payload: AgreementPatch, agreement_id: int = IdPath):
    agreement = agreement_for(request.auth, agreement_id)
    data = payload.model_dump(exclude_unset=True)
    for field in ("currency", "notes"):  # null: none
        if field in data and data[field] is None:
            data[field] = ""
    services.agreement_update(agreement=agreement, by=request.auth, **data)
    return _read(agreement.pk, request.auth)
