"""The outcome ledger: one funnel from profile to agreement, and the KPIs beside it.

Every figure is a count or a sum; no organisation is ever named, so the dashboard,
the exports, the report and the API can show them to authority staff of either
country (the ledger is joint) and to platform admins, and to nobody else.

What each number means (the dashboard and the report print the same definitions):

The period is a range of calendar days, both ends included, in UTC. By default it is
the twelve months up to today.

The funnel follows one cohort: the expressions of interest sent in the period.

1. Profiles published: cooperation profiles published in the period. Not part of the
   cohort (an interest may be about a profile published earlier); shown for scale.
2. Interests: expressions of interest sent in the period about a profile that matches
   the filters.
3. Accepted: of those, the ones the profile's organisation accepted: answered and
   accepted, including those the sender withdrew after acceptance.
4. Introduced: of those, the ones where both sides learnt each other's identity (the
   reveal happened; it may wait for staff approval), including those the sender
   withdrew after the reveal: the introduction happened.
5. Meeting held: of those, the ones with at least one meeting that was accepted and is
   marked held: at least one side says it was held and neither side says it was not.
6. Agreement: of those, the ones with at least one agreement recorded against them.

Each stage shows its count, the share of the stage before it, and the share of stage 2.

KPIs beside the funnel:

- Meetings: the meetings (of interests matching the filters) whose start time falls in
  the period: how many were accepted (and not cancelled), and of those how many were
  held, not held (a side says not held and none says held), disputed (the two sides
  disagree) or still without an outcome.
- Event meetings: the meetings of B2B events (``corridor.events``) scheduled to start in the
  period, and of those how many the organisers checked in as held, as not held, or not yet.
  Filters apply to the two organisations that meet: sector (either has it or a
  sub-sector), country pair (one in each country), zone and authority (either side).
- Agreements signed in the period, by kind and by status. An agreement that came from
  an interest is filtered like its interest; one recorded without an interest is
  filtered by its own parties and sectors. Neither enters the funnel unless linked to
  an interest of the cohort.
- Agreement value, summed per currency (amounts in different currencies are never
  added together); agreements without a value are counted apart.
- Median days from interest to acceptance, over the accepted interests of the cohort.

Filters:

- Sector: a sector and all its sub-sectors, matched on the profile's sectors.
- Country pair (e.g. PK-CN): the profile's organisation is in one country and the
  sender's in the other, in either order. Profiles published: the organisation is in
  either country. Agreements without an interest: the parties include an organisation
  of each country (for a pair of one country, every party is in it).
- Zone: either side's organisation is in the zone or one of its member parks.
- Authority: either side's organisation is in the authority's country.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from corridor.core.permissions import is_authority_staff, is_platform_admin
from corridor.docking.models import (
    Agreement,
    CooperationProfile,
    Interest,
    Meeting,
    MeetingOutcome,
)
from corridor.events.models import ScheduledMeeting
from corridor.registry.models import Authority, Organisation, Sector, Zone
from corridor.registry.selectors import subtree_ids

# The query-string names every surface reads (page, exports, API, command).
FILTER_PARAMS = ("from", "to", "sector", "pair", "zone", "authority")

EARLIEST = dt.date(1980, 1, 1)
LATEST = dt.date(2100, 12, 31)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECTOR = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_PAIR = re.compile(r"^([A-Z]{2})-([A-Z]{2})$")
CENTS = Decimal("0.01")


# --- Who may read it -------------------------------------------------------------------


def can_read_ledger(user) -> bool:
    """Authority staff of any authority (the ledger is joint) and platform admins."""
    return is_platform_admin(user) or is_authority_staff(user)


def require_ledger_reader(user) -> None:
    if not can_read_ledger(user):
        raise PermissionDenied(
            _("Only authority staff and platform admins read the outcome ledger.")
        )


# --- Filters ---------------------------------------------------------------------------


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The twelve months up to ``today``: from the day after the same date a year before."""
    today = today or timezone.localdate()
    return _year_before(today) + dt.timedelta(days=1), today


@dataclass(frozen=True)
class LedgerFilters:
    """What the ledger is filtered by. Build it with :meth:`parse`, which checks every value
    and resolves codes to rows once; empty means any."""

    date_from: dt.date
    date_to: dt.date
    sector: Sector | None = None
    pair: tuple[str, str] | None = None
    zone: Zone | None = None
    authority: Authority | None = None
    # Resolved once by parse(): the sector's and zone's subtrees.
    sector_ids: tuple[int, ...] = field(default=(), repr=False)
    zone_ids: tuple[int, ...] = field(default=(), repr=False)

    @classmethod
    def parse(cls, params: Mapping[str, str | None], *, today: dt.date | None = None):
        """Filters from query parameters (``from``, ``to``, ``sector``, ``pair``, ``zone``,
        ``authority``); other keys are ignored. Raises ``ValidationError`` with a message per
        bad parameter: a date that is not YYYY-MM-DD, a period that ends before it starts,
        an unknown sector, zone or authority, a malformed country pair."""
        values = {name: str(params.get(name) or "").strip() for name in FILTER_PARAMS}
        errors: dict[str, list] = {}
        default_from, default_to = default_period(today)

        def day(name: str) -> dt.date | None:
            text = values[name]
            if not text:
                return None
            try:
                if not _DATE.match(text):
                    raise ValueError
                parsed = dt.date.fromisoformat(text)
            except ValueError:
                errors[name] = [_("Enter a date as YYYY-MM-DD, e.g. 2025-01-31.")]
                return None
            if not EARLIEST <= parsed <= LATEST:
                errors[name] = [
                    _("Enter a date between %(first)s and %(last)s.")
                    % {"first": EARLIEST.isoformat(), "last": LATEST.isoformat()}
                ]
                return None
            return parsed

        date_from, date_to = day("from"), day("to")
        if date_to is None and "to" not in errors:
            date_to = default_to
        if date_from is None and "from" not in errors and date_to is not None:
            date_from = _year_before(date_to) + dt.timedelta(days=1)
        if date_from and date_to and date_from > date_to:
            errors["from"] = [
                _("The period starts after it ends: %(start)s is later than %(end)s.")
                % {"start": date_from.isoformat(), "end": date_to.isoformat()}
            ]

        sector, sector_ids = None, ()
        if code := values["sector"]:
            if len(code) > 64 or not _SECTOR.match(code):
                errors["sector"] = [
                    _("A sector code is lower-case letters, digits and dots, e.g. ai.vision.")
                ]
            else:
                # One query: the whole taxonomy is small, and the subtree needs it all.
                sectors = list(Sector.objects.all())
                sector = next((row for row in sectors if row.code == code), None)
                sector_ids = tuple(
                    subtree_ids(((r.pk, r.code, r.parent_id) for r in sectors), code)
                )
                if sector is None:
                    errors["sector"] = [_("No sector has the code “%(code)s”.") % {"code": code}]

        pair = None
        if text := values["pair"]:
            match = _PAIR.match(text.upper())
            if not match:
                errors["pair"] = [
                    _("Give a country pair as two country codes joined by a hyphen, e.g. PK-CN.")
                ]
            else:
                unknown = [c for c in match.groups() if c not in countries]
                if unknown:
                    errors["pair"] = [_("Unknown country code “%(code)s”.") % {"code": unknown[0]}]
                else:
                    pair = (match[1], match[2])

        zone, zone_ids = None, ()
        if slug := values["zone"]:
            if len(slug) > 100 or not _SLUG.match(slug):
                errors["zone"] = [_("A zone is named by its identifier, e.g. z-park.")]
            else:
                zones = list(Zone.objects.all())
                zone = next((row for row in zones if row.slug == slug), None)
                zone_ids = tuple(subtree_ids(((r.pk, r.slug, r.parent_id) for r in zones), slug))
                if zone is None:
                    errors["zone"] = [_("No zone has the identifier “%(slug)s”.") % {"slug": slug}]

        authority = None
        if code := values["authority"]:
            if len(code) > 32 or not _SLUG.match(code):
                errors["authority"] = [_("An authority is named by its code, e.g. stza.")]
            else:
                authority = Authority.objects.filter(code=code).first()
                if authority is None:
                    errors["authority"] = [
                        _("No authority has the code “%(code)s”.") % {"code": code}
                    ]

        if errors:
            raise ValidationError(errors)
        return cls(
            date_from=date_from,
            date_to=date_to,
            sector=sector,
            pair=pair,
            zone=zone,
            authority=authority,
            sector_ids=sector_ids,
            zone_ids=zone_ids,
        )

    # The period as instants: [start, end) in UTC.
    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.date_from, dt.time.min, tzinfo=dt.UTC)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)

    @property
    def pair_code(self) -> str:
        return "-".join(self.pair) if self.pair else ""

    @property
    def authority_country(self) -> str:
        return str(self.authority.country) if self.authority else ""

    def params(self) -> dict[str, str]:
        """The query string that gives these filters back (for export links)."""
        values = {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "sector": self.sector.code if self.sector else "",
            "pair": self.pair_code,
            "zone": self.zone.slug if self.zone else "",
            "authority": self.authority.code if self.authority else "",
        }
        return {k: v for k, v in values.items() if v}

    def described(self) -> list[tuple[str, str]]:
        """(label, value) of each filter, in the active language, for pages and reports."""
        rows = [(str(_("Period")), f"{self.date_from.isoformat()} – {self.date_to.isoformat()}")]
        rows.append((str(_("Sector")), self.sector.name if self.sector else str(_("all"))))
        pair = " – ".join(str(countries.name(c)) for c in self.pair) if self.pair else str(_("all"))
        rows.append((str(_("Country pair")), pair))
        rows.append((str(_("Zone")), self.zone.name if self.zone else str(_("all"))))
        rows.append((str(_("Authority")), self.authority.name if self.authority else str(_("all"))))
        return rows


# --- Which rows the filters keep ---------------------------------------------------------


def _sector_profiles(filters: LedgerFilters) -> QuerySet:
    return CooperationProfile.sectors.through.objects.filter(
        sector_id__in=filters.sector_ids
    ).values("cooperationprofile_id")


def _interest_q(filters: LedgerFilters, prefix: str = "") -> Q:
    """Interests (reached through ``prefix``) that match the filters other than the period."""
    p, owner, sender = prefix, f"{prefix}profile__organisation__", f"{prefix}organisation__"
    q = Q()
    if filters.sector:
        q &= Q(**{f"{p}profile_id__in": _sector_profiles(filters)})
    if filters.pair:
        a, b = filters.pair
        q &= Q(**{f"{owner}country": a, f"{sender}country": b}) | Q(
            **{f"{owner}country": b, f"{sender}country": a}
        )
    if filters.zone:
        ids = list(filters.zone_ids)
        q &= Q(**{f"{owner}zone_id__in": ids}) | Q(**{f"{sender}zone_id__in": ids})
    if filters.authority:
        country = filters.authority_country
        q &= Q(**{f"{owner}country": country}) | Q(**{f"{sender}country": country})
    return q


def _profile_q(filters: LedgerFilters) -> Q:
    """Profiles matching the filters: only the owner's side exists before an interest."""
    q = Q()
    if filters.sector:
        q &= Q(pk__in=_sector_profiles(filters))
    if filters.pair:
        q &= Q(organisation__country__in=set(filters.pair))
    if filters.zone:
        q &= Q(organisation__zone_id__in=list(filters.zone_ids))
    if filters.authority:
        q &= Q(organisation__country=filters.authority_country)
    return q


def _agreement_own_q(filters: LedgerFilters) -> Q:
    """Agreements recorded without an interest: filtered by their own parties and sectors."""
    parties = Agreement.parties.through.objects.filter(agreement_id=OuterRef("pk"))
    q = Q()
    if filters.sector:
        q &= Q(
            Exists(
                Agreement.sectors.through.objects.filter(
                    agreement_id=OuterRef("pk"), sector_id__in=filters.sector_ids
                )
            )
        )
    if filters.pair:
        a, b = filters.pair
        q &= Q(Exists(parties.filter(organisation__country=a)))
        if a != b:
            q &= Q(Exists(parties.filter(organisation__country=b)))
        else:
            q &= ~Q(Exists(parties.exclude(organisation__country=a)))
    if filters.zone:
        q &= Q(Exists(parties.filter(organisation__zone_id__in=list(filters.zone_ids))))
    if filters.authority:
        q &= Q(Exists(parties.filter(organisation__country=filters.authority_country)))
    return q


def _outcome(held: bool) -> Exists:
    return Exists(MeetingOutcome.objects.filter(meeting_id=OuterRef("pk"), held=held))


def _held_meetings() -> QuerySet:
    """Accepted meetings one side marked held and no side marked not held."""
    return Meeting.objects.filter(status=Meeting.Status.ACCEPTED).filter(
        _outcome(True), ~Q(_outcome(False))
    )


ACCEPTED_Q = Q(
    answered_at__isnull=False,
    status__in=[Interest.Status.ACCEPTED, Interest.Status.WITHDRAWN],
)
INTRODUCED_Q = ACCEPTED_Q & Q(revealed_at__isnull=False)


def cohort(filters: LedgerFilters) -> QuerySet[Interest]:
    """The interests sent in the period about profiles that match the filters (stage 2)."""
    return Interest.objects.filter(
        created_at__gte=filters.start, created_at__lt=filters.end
    ).filter(_interest_q(filters))


def meetings_in_period(filters: LedgerFilters) -> QuerySet[Meeting]:
    return Meeting.objects.filter(starts_at__gte=filters.start, starts_at__lt=filters.end).filter(
        _interest_q(filters, "interest__")
    )


def agreements_in_period(filters: LedgerFilters) -> QuerySet[Agreement]:
    linked = Q(interest__isnull=False) & _interest_q(filters, "interest__")
    unlinked = Q(interest__isnull=True) & _agreement_own_q(filters)
    return Agreement.objects.filter(
        signed_on__gte=filters.date_from, signed_on__lte=filters.date_to
    ).filter(linked | unlinked)


def _event_meeting_q(filters: LedgerFilters) -> Q:
    """Event meetings whose two organisations match the filters other than the period."""
    a = "request__requester__registration__organisation__"
    b = "request__recipient__registration__organisation__"
    q = Q()
    if filters.sector:
        ids = Organisation.sectors.through.objects.filter(sector_id__in=filters.sector_ids).values(
            "organisation_id"
        )
        q &= Q(**{f"{a}id__in": ids}) | Q(**{f"{b}id__in": ids})
    if filters.pair:
        x, y = filters.pair
        q &= Q(**{f"{a}country": x, f"{b}country": y}) | Q(**{f"{a}country": y, f"{b}country": x})
    if filters.zone:
        ids = list(filters.zone_ids)
        q &= Q(**{f"{a}zone_id__in": ids}) | Q(**{f"{b}zone_id__in": ids})
    if filters.authority:
        country = filters.authority_country
        q &= Q(**{f"{a}country": country}) | Q(**{f"{b}country": country})
    return q


def event_meetings_in_period(filters: LedgerFilters) -> QuerySet[ScheduledMeeting]:
    """Scheduled (not cancelled) event meetings whose slot starts in the period."""
    return ScheduledMeeting.objects.filter(
        status=ScheduledMeeting.Status.SCHEDULED,
        slot__starts_at__gte=filters.start,
        slot__starts_at__lt=filters.end,
    ).filter(_event_meeting_q(filters))


# --- The funnel ---------------------------------------------------------------------------

STAGES = {
    "profiles": _("Profiles published"),
    "interests": _("Interests"),
    "accepted": _("Accepted"),
    "introduced": _("Introduced"),
    "met": _("Meeting held"),
    "agreement": _("Agreement"),
}

STAGE_DEFINITIONS = {
    "profiles": _(
        "Cooperation profiles published in the period that match the filters. Shown for "
        "scale: an interest may be about a profile published earlier."
    ),
    "interests": _(
        "Expressions of interest sent in the period about a profile that matches the filters."
    ),
    "accepted": _(
        "Of those, the ones the profile's organisation accepted (including those withdrawn "
        "after acceptance)."
    ),
    "introduced": _(
        "Of those, the ones where both sides learnt each other's identity (including those "
        "withdrawn after the reveal)."
    ),
    "met": _(
        "Of those, the ones with at least one accepted meeting that a side marked held and "
        "no side marked not held."
    ),
    "agreement": _("Of those, the ones with at least one agreement recorded against them."),
}


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Stage:
    code: str
    count: int
    from_previous: float | None  # a fraction of the stage before; None where it means nothing
    from_interests: float | None  # a fraction of stage 2

    @property
    def label(self) -> str:
        return str(STAGES[self.code])

    @property
    def definition(self) -> str:
        return str(STAGE_DEFINITIONS[self.code])


@dataclass(frozen=True)
class Funnel:
    filters: LedgerFilters
    stages: list[Stage]

    def count(self, code: str) -> int:
        return next(s.count for s in self.stages if s.code == code)

    @property
    def largest(self) -> int:
        return max((s.count for s in self.stages), default=0)


def funnel(filters: LedgerFilters) -> Funnel:
    """The six stages for ``filters``, in two queries."""
    profiles = (
        CooperationProfile.objects.filter(
            published_at__gte=filters.start, published_at__lt=filters.end
        )
        .filter(_profile_q(filters))
        .count()
    )
    met = Exists(_held_meetings().filter(interest_id=OuterRef("pk")))
    agreed = Exists(Agreement.objects.filter(interest_id=OuterRef("pk")))
    figures = (
        cohort(filters)
        .annotate(held_meeting=met, any_agreement=agreed)
        .aggregate(
            interests=Count("pk"),
            accepted=Count("pk", filter=ACCEPTED_Q),
            introduced=Count("pk", filter=INTRODUCED_Q),
            met=Count("pk", filter=INTRODUCED_Q & Q(held_meeting=True)),
            agreement=Count("pk", filter=INTRODUCED_Q & Q(held_meeting=True, any_agreement=True)),
        )
    )
    interests = figures["interests"]
    stages = [
        Stage("profiles", profiles, None, None),
        # Stage 1 is not the same cohort, so no share of it is given.
        Stage("interests", interests, None, _share(interests, interests)),
    ]
    previous = interests
    for code in ("accepted", "introduced", "met", "agreement"):
        count = figures[code]
        stages.append(Stage(code, count, _share(count, previous), _share(count, interests)))
        previous = count
    return Funnel(filters=filters, stages=stages)


# --- KPIs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingKpis:
    accepted: int  # accepted and not cancelled, starting in the period
    held: int
    not_held: int
    disputed: int
    awaiting: int  # no side has said yet

    @property
    def held_share(self) -> float | None:
        return _share(self.held, self.accepted)


@dataclass(frozen=True)
class EventMeetingKpis:
    scheduled: int  # scheduled at B2B events, starting in the period
    held: int  # checked in as held by the organisers
    not_held: int
    awaiting: int  # not checked in yet

    @property
    def held_share(self) -> float | None:
        return _share(self.held, self.scheduled)


@dataclass(frozen=True)
class KindRow:
    kind: str
    by_status: dict[str, int]  # every status, zero included
    total: int

    @property
    def label(self) -> str:
        return str(Agreement.Kind(self.kind).label)

    @property
    def counts(self) -> list[int]:
        """The counts in the order of ``Agreement.Status`` (for tables)."""
        return list(self.by_status.values())


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    total: Decimal
    count: int


@dataclass(frozen=True)
class Kpis:
    filters: LedgerFilters
    meetings: MeetingKpis
    agreements: list[KindRow]  # every kind, in the model's order
    agreements_by_status: dict[str, int]
    agreements_total: int
    values: list[CurrencyTotal]  # one per currency, never added across currencies
    agreements_without_value: int
    median_days_to_acceptance: float | None
    accepted_interests: int  # how many the median is taken over
    event_meetings: EventMeetingKpis

    @staticmethod
    def status_label(status: str) -> str:
        return str(Agreement.Status(status).label)

    @property
    def statuses(self) -> list[tuple[str, str]]:
        return [(s.value, str(s.label)) for s in Agreement.Status]

    @property
    def status_totals(self) -> list[int]:
        return list(self.agreements_by_status.values())


def _median_days(accepted: QuerySet[Interest], count: int) -> float | None:
    """The median wait from sending to acceptance, in days, read as the middle row(s) of the
    waits in order: no database-specific percentile function, no rows fetched but one or two."""
    if not count:
        return None
    wait = ExpressionWrapper(F("answered_at") - F("created_at"), output_field=DurationField())
    middle = list(
        accepted.annotate(wait=wait)
        .order_by("wait", "pk")
        .values_list("wait", flat=True)[(count - 1) // 2 : count // 2 + 1]
    )
    seconds = sum(w.total_seconds() for w in middle) / len(middle)
    return round(seconds / 86400, 1)


def kpis(filters: LedgerFilters) -> Kpis:
    """Meetings, event meetings, agreements, values per currency and the median time to
    accept: six queries."""
    meetings = (
        meetings_in_period(filters)
        .filter(status=Meeting.Status.ACCEPTED)
        .annotate(yes=_outcome(True), no=_outcome(False))
        .aggregate(
            accepted=Count("pk"),
            held=Count("pk", filter=Q(yes=True, no=False)),
            not_held=Count("pk", filter=Q(yes=False, no=True)),
            disputed=Count("pk", filter=Q(yes=True, no=True)),
            awaiting=Count("pk", filter=Q(yes=False, no=False)),
        )
    )

    agreements = agreements_in_period(filters)
    cells = {
        (row["kind"], row["status"]): row["n"]
        for row in agreements.order_by().values("kind", "status").annotate(n=Count("pk"))
    }
    statuses = [s.value for s in Agreement.Status]
    rows = []
    for kind in Agreement.Kind:
        by_status = {s: cells.get((kind.value, s), 0) for s in statuses}
        rows.append(KindRow(kind.value, by_status, sum(by_status.values())))
    by_status = {s: sum(r.by_status[s] for r in rows) for s in statuses}
    total = sum(by_status.values())

    values = [
        CurrencyTotal(row["currency"], row["total"].quantize(CENTS), row["n"])
        for row in agreements.filter(value__isnull=False)
        .order_by("currency")
        .values("currency")
        .annotate(total=Sum("value"), n=Count("pk"))
    ]

    # Named apart from the model's ``held`` field, which the filters read.
    checked = event_meetings_in_period(filters).aggregate(
        scheduled=Count("pk"),
        yes=Count("pk", filter=Q(held=True)),
        no=Count("pk", filter=Q(held=False)),
        unknown=Count("pk", filter=Q(held__isnull=True)),
    )

    accepted = cohort(filters).filter(ACCEPTED_Q)
    accepted_count = accepted.count()
    return Kpis(
        filters=filters,
        meetings=MeetingKpis(**meetings),
        agreements=rows,
        agreements_by_status=by_status,
        agreements_total=total,
        values=values,
        agreements_without_value=total - sum(v.count for v in values),
        median_days_to_acceptance=_median_days(accepted, accepted_count),
        accepted_interests=accepted_count,
        event_meetings=EventMeetingKpis(
            scheduled=checked["scheduled"],
            held=checked["yes"],
            not_held=checked["no"],
            awaiting=checked["unknown"],
        ),
    )


# --- Definitions for readers ----------------------------------------------------------------


def definitions() -> list[tuple[str, str]]:
    """(term, meaning) for every figure, in the active language: printed under the figures."""
    terms = [(str(STAGES[code]), str(text)) for code, text in STAGE_DEFINITIONS.items()]
    terms += [
        (
            str(_("Period")),
            str(
                _(
                    "Calendar days in UTC, both ends included; by default the twelve months up "
                    "to today."
                )
            ),
        ),
        (
            str(_("Meetings")),
            str(
                _(
                    "Meetings starting in the period, accepted and not cancelled. Held: a side "
                    "says held and none says not held. Disputed: the two sides disagree."
                )
            ),
        ),
        (
            str(_("Event meetings")),
            str(
                _(
                    "Meetings at B2B events scheduled to start in the period. Held: the "
                    "organisers checked them in as held. Filtered by the two organisations."
                )
            ),
        ),
        (
            str(_("Agreements")),
            str(
                _(
                    "Agreements signed in the period. One that came from an interest is "
                    "filtered like the interest; one recorded without an interest by its own "
                    "parties and sectors, and it is not part of the funnel."
                )
            ),
        ),
        (
            str(_("Value")),
            str(_("Summed per currency; amounts in different currencies are never added.")),
        ),
        (
            str(_("Median days to acceptance")),
            str(_("The middle value of the days from sending to acceptance, over stage 3.")),
        ),
        (
            str(_("Filters")),
            str(
                _(
                    "Sector: the sector and its sub-sectors, on the profile. Country pair: one "
                    "side in each country, in either order. Zone: either side in the zone or "
                    "one of its member parks. Authority: either side in the authority's country."
                )
            ),
        ),
    ]
    return terms
