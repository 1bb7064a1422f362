"""The outcome ledger in the API: GET /insights/funnel and GET /insights/kpis.

The same filters as the dashboard (``from``, ``to``, ``sector``, ``pair``, ``zone``,
``authority``), checked by the same :meth:`LedgerFilters.parse`; a bad one is a 422 that
names the parameter. Authority staff and platform admins only (401 without a token or
session, 403 for anyone else). Counts and sums only: no organisation is named.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError as RequestValidationError

from corridor.registry.schemas import ErrorOut, ValidationErrorOut

from .selectors import Funnel, Kpis, LedgerFilters, funnel, kpis
from .selectors import require_ledger_reader as _require_reader

router = Router(tags=["insights"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut}


class LedgerQuery(Schema):
    date_from: str | None = Field(
        None,
        alias="from",
        description="First day of the period (YYYY-MM-DD, UTC; default: a year before `to`).",
    )
    date_to: str | None = Field(
        None, alias="to", description="Last day of the period, included (default: today)."
    )
    sector: str | None = Field(None, description="A sector's code; its sub-sectors count too.")
    pair: str | None = Field(
        None, description="Two country codes, e.g. PK-CN: one side in each, in either order."
    )
    zone: str | None = Field(
        None, description="A zone's identifier: either side in the zone or its member parks."
    )
    authority: str | None = Field(
        None, description="An authority's code: either side in the authority's country."
    )


class FiltersOut(Schema):
    date_from: dt.date = Field(alias="from")
    date_to: dt.date = Field(alias="to")
    sector: str | None
    pair: str | None
    zone: str | None
    authority: str | None


class StageOut(Schema):
    code: str
    label: str
    count: int
    share_of_previous: float | None = Field(
        description="A fraction of the stage before (none for stages 1 and 2)."
    )
    share_of_interests: float | None = Field(description="A fraction of stage 2.")


class FunnelOut(Schema):
    filters: FiltersOut
    stages: list[StageOut]


class MeetingsOut(Schema):
    accepted: int
    held: int
    not_held: int
    disputed: int
    awaiting: int
    held_share: float | None


class EventMeetingsOut(Schema):
    scheduled: int
    held: int
    not_held: int
    awaiting: int = Field(description="Not checked in by the organisers yet.")
    held_share: float | None


class KindOut(Schema):
    kind: str
    label: str
    total: int
    by_status: dict[str, int]


class AgreementsOut(Schema):
    total: int
    by_status: dict[str, int]
    by_kind: list[KindOut]
    without_value: int


class CurrencyOut(Schema):
    currency: str
    total: Decimal = Field(description="The sum in this currency; currencies are never added.")
    count: int


class KpisOut(Schema):
    filters: FiltersOut
    meetings: MeetingsOut
    event_meetings: EventMeetingsOut = Field(
        description="Meetings at B2B events scheduled to start in the period."
    )
    agreements: AgreementsOut
    values: list[CurrencyOut]
    median_days_to_acceptance: float | None
    accepted_interests: int


def _filters(request, query: LedgerQuery) -> LedgerFilters:
    _require_reader(request.auth)
    params = {
        "from": query.date_from,
        "to": query.date_to,
        "sector": query.sector,
        "pair": query.pair,
        "zone": query.zone,
        "authority": query.authority,
    }
    try:
        return LedgerFilters.parse(params)
    except ValidationError as exc:
        raise RequestValidationError(
            [
                {"loc": ["query", name], "msg": str(message), "type": "invalid"}
                for name, messages in exc.message_dict.items()
                for message in messages
            ]
        ) from exc


def _filters_out(filters: LedgerFilters) -> dict:
    return {
        "from": filters.date_from,
        "to": filters.date_to,
        "sector": filters.sector.code if filters.sector else None,
        "pair": filters.pair_code or None,
        "zone": filters.zone.slug if filters.zone else None,
        "authority": filters.authority.code if filters.authority else None,
    }


def funnel_out(the_funnel: Funnel) -> dict:
    return {
        "filters": _filters_out(the_funnel.filters),
        "stages": [
            {
                "code": s.code,
                "label": s.label,
                "count": s.count,
                "share_of_previous": s.from_previous,
                "share_of_interests": s.from_interests,
            }
            for s in the_funnel.stages
        ],
    }


def kpis_out(the_kpis: Kpis) -> dict:
    m, events = the_kpis.meetings, the_kpis.event_meetings
    return {
        "filters": _filters_out(the_kpis.filters),
        "meetings": {
            "accepted": m.accepted,
            "held": m.held,
            "not_held": m.not_held,
            "disputed": m.disputed,
            "awaiting": m.awaiting,
            "held_share": m.held_share,
        },
        "event_meetings": {
            "scheduled": events.scheduled,
            "held": events.held,
            "not_held": events.not_held,
            "awaiting": events.awaiting,
            "held_share": events.held_share,
        },
        "agreements": {
            "total": the_kpis.agreements_total,
            "by_status": the_kpis.agreements_by_status,
            "by_kind": [
                {"kind": r.kind, "label": r.label, "total": r.total, "by_status": r.by_status}
                for r in the_kpis.agreements
            ],
            "without_value": the_kpis.agreements_without_value,
        },
        "values": [
            {"currency": v.currency, "total": v.total, "count": v.count} for v in the_kpis.values
        ],
        "median_days_to_acceptance": the_kpis.median_days_to_acceptance,
        "accepted_interests": the_kpis.accepted_interests,
    }


@router.get(
    "/insights/funnel",
    response={200: FunnelOut, **ERRORS},
    by_alias=True,
    summary="The outcome ledger's funnel: profile → interest → accepted → introduced → "
    "meeting held → agreement",
    description="Counts of one cohort, the interests sent in the period (stage 1, profiles "
    "published, is shown for scale). Shares are fractions. Authority staff and platform "
    "admins only.",
)
def ledger_funnel(request, query: Query[LedgerQuery]):
    return funnel_out(funnel(_filters(request, query)))


@router.get(
    "/insights/kpis",
    response={200: KpisOut, **ERRORS},
    by_alias=True,
    summary="The outcome ledger's KPIs: meetings accepted and held, agreements by kind and "
    "status, value per currency, median days to acceptance, event meetings scheduled and held",
    description="Authority staff and platform admins only.",
)
def ledger_kpis(request, query: Query[LedgerQuery]):
    return kpis_out(kpis(_filters(request, query)))
