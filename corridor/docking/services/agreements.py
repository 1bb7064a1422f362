"""Writes of agreements: the signed outcomes of docking, recorded and kept up to date.

Two ways an agreement enters the ledger:

- the parties of an open introduction (interest accepted, identities revealed) record
  what they signed; both sides of the interest are parties, and the agreement links
  the interest, its profiles and the meetings that led to it;
- authority staff report an agreement of their country's organisations directly,
  with or without an interest (they learn of many outside the platform); platform
  admins may record any.

Status moves forward only: signed → in force → completed or terminated.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from corridor.core import audit
from corridor.core.notifications import notify
from corridor.core.permissions import is_platform_admin, require, staff_countries
from corridor.core.text import TextError, clean_text
from corridor.registry.models import Organisation, Sector

from .. import parties as party_rules
from ..models import CURRENCIES, Agreement, CooperationProfile, Interest, Meeting

Kind = Agreement.Kind
Status = Agreement.Status

EARLIEST_SIGNING = datetime.date(2000, 1, 1)
# DecimalField(max_digits=16, decimal_places=2): fourteen digits before the point. SQLite
# keeps decimals as 15-digit floats, and reading back a value that rounds up to 10^14 there
# fails; so the largest value is the last one that does not.
MAX_VALUE = Decimal("99999999999999.94")
CENT = Decimal("0.01")
TITLE_LENGTH = Agreement._meta.get_field("title").max_length
NOTES_LENGTH = 2000
MAX_PARTIES = 20
MAX_SECTORS = 20
MAX_LINKS = 50
# A signing date is "not in the future" if it has begun anywhere: the day starts at UTC+14.
EARLIEST_TIME_ZONE = datetime.timezone(datetime.timedelta(hours=14))

# How far along each status is; a change may only move to a later rank.
STATUS_RANK = {Status.SIGNED: 0, Status.IN_FORCE: 1, Status.COMPLETED: 2, Status.TERMINATED: 2}
FINAL = (Status.COMPLETED, Status.TERMINATED)


# --- Permissions ----------------------------------------------------------------


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def is_open_introduction(interest: Interest) -> bool:
    """Accepted, and both sides know each other: agreements (like meetings) may be recorded."""
    return (
        interest.status == Interest.Status.ACCEPTED and interest.reveal == Interest.Reveal.REVEALED
    )


def can_record_directly(user) -> bool:
    """Authority staff report agreements of their country's organisations; admins any."""
    return _signed_in(user) and (is_platform_admin(user) or bool(staff_countries(user)))


def can_record_for_interest(user, interest: Interest) -> bool:
    """A party of the open introduction, or someone who brokers it (staff of a side, admins)."""
    if not _signed_in(user) or not is_open_introduction(interest):
        return False
    return party_rules.party_organisation_id(user, interest) is not None or party_rules.is_broker(
        user, interest
    )


def _staff_countries(user) -> set[str]:
    """``staff_countries``, read once per user object: lists ask it for every row."""
    cached = getattr(user, "_corridor_agreement_countries", None)
    if cached is None:
        cached = staff_countries(user)
        user._corridor_agreement_countries = cached
    return cached


def _party_ids(agreement: Agreement) -> set[int]:
    return {o.pk for o in agreement.parties.all()}


def can_change_agreement(user, agreement: Agreement) -> bool:
    """The parties' acting members, staff of any party's country, platform admins."""
    if not _signed_in(user):
        return False
    if is_platform_admin(user):
        return True
    party_orgs = list(agreement.parties.all())
    if {o.pk for o in party_orgs} & party_rules.acting_organisation_ids(user):
        return True
    countries = _staff_countries(user)
    return any(str(o.country) in countries for o in party_orgs)


def allowed_statuses(agreement: Agreement) -> list[str]:
    """The statuses an agreement may take next (its own first): forward moves only."""
    current = STATUS_RANK[agreement.status]
    if agreement.status in FINAL:
        return [agreement.status]
    return [agreement.status] + [s for s, rank in STATUS_RANK.items() if rank > current]


# --- Validation -----------------------------------------------------------------


def _text(value, *, field: str, length: int, required: bool, errors: dict) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = [_("Give text.")]
        return ""
    try:
        value = clean_text(value, field=field)
    except TextError:
        errors[field] = [_("Contains a NUL byte, which cannot be stored.")]
        return ""
    if required and not value:
        errors[field] = [_("This field is required.")]
    elif len(value) > length:
        errors[field] = [
            _("At most %(count)d characters (it has %(length)d).")
            % {"count": length, "length": len(value)}
        ]
    return value


def _choice(value, *, field: str, choices, errors: dict) -> str:
    if not isinstance(value, str) or value not in choices:
        errors[field] = [_("Not one of the choices.")]
        return ""
    return value


def _signed_on(value, *, now: datetime.datetime, errors: dict) -> datetime.date | None:
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            errors["signed_on"] = [_("Give a date, e.g. 2025-03-31.")]
            return None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        errors["signed_on"] = [_("Give a date, e.g. 2025-03-31.")]
        return None
    if value < EARLIEST_SIGNING:
        errors["signed_on"] = [
            _("Agreements signed before %(date)s are not recorded.")
            % {"date": EARLIEST_SIGNING.isoformat()}
        ]
    elif value > now.astimezone(EARLIEST_TIME_ZONE).date():
        errors["signed_on"] = [_("The signing date is in the future.")]
    return value


def _value(value, errors: dict) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        errors["value"] = [_("Give an amount, e.g. 250000.00.")]
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        errors["value"] = [_("Give an amount, e.g. 250000.00.")]
        return None
    if not amount.is_finite():
        errors["value"] = [_("Give an amount, e.g. 250000.00.")]
    elif amount < 0:
        errors["value"] = [_("The value cannot be negative.")]
    elif amount > MAX_VALUE:
        errors["value"] = [_("The value is too large.")]
    elif amount != amount.quantize(CENT):
        errors["value"] = [_("At most two decimal places.")]
    else:
        return amount.quantize(CENT)
    return None


def _currency(value, amount: Decimal | None, errors: dict) -> str:
    code = value.strip().upper() if isinstance(value, str) else value
    if code in (None, ""):
        code = ""
    elif code not in CURRENCIES:
        errors["currency"] = [_("Not one of the currencies recorded here.")]
        return ""
    if "value" in errors:
        return code
    if amount is not None and not code:
        errors["currency"] = [_("Give the currency of the value.")]
    elif amount is None and code:
        errors["currency"] = [_("A currency goes with a value: give both, or neither.")]
    return code


def _ids_and_objects(items, model, errors: dict, field: str, limit: int):
    """Split ``items`` into model instances and primary keys; an error for anything else."""
    if items is None:
        return [], []
    if isinstance(items, str | bytes) or not isinstance(items, Iterable):
        errors[field] = [_("Give a list.")]
        return None, None
    items = list(items)
    if len(items) > limit:
        errors[field] = [_("At most %(count)d.") % {"count": limit}]
        return None, None
    objects, keys = [], []
    for item in items:
        if isinstance(item, model) and item.pk is not None:
            objects.append(item)
        elif (isinstance(item, int) and not isinstance(item, bool) and 0 < item < 2**63) or (
            # A slug or a code: PostgreSQL refuses NUL bytes even in a lookup.
            isinstance(item, str) and 0 < len(item) <= 120 and "\x00" not in item
        ):
            keys.append(item)
        else:
            errors[field] = [_("Unknown item in the list.")]
            return None, None
    return objects, keys


def _resolve_parties(items, errors: dict) -> list[Organisation]:
    objects, keys = _ids_and_objects(items, Organisation, errors, "parties", MAX_PARTIES)
    if objects is None:
        return []
    ids = [k for k in keys if isinstance(k, int)]
    slugs = [k for k in keys if isinstance(k, str)]
    found = Organisation.objects.filter(is_active=True).filter(
        pk__in=ids + [o.pk for o in objects]
    ) | Organisation.objects.filter(is_active=True, slug__in=slugs)
    found = list(found.only("id", "slug", "name", "country"))
    by_pk = {o.pk: o for o in found}
    by_slug = {o.slug: o for o in found}
    resolved: dict[int, Organisation] = {}
    for key in [o.pk for o in objects] + keys:
        organisation = by_slug.get(key) if isinstance(key, str) else by_pk.get(key)
        if organisation is None:
            errors["parties"] = [_("Unknown organisation: %(value)s.") % {"value": str(key)[:120]}]
            return []
        resolved[organisation.pk] = organisation
    if len(resolved) < 2:
        errors["parties"] = [_("An agreement has at least two different parties.")]
        return []
    return list(resolved.values())


def _resolve_sectors(items, errors: dict) -> list[Sector]:
    objects, keys = _ids_and_objects(items, Sector, errors, "sectors", MAX_SECTORS)
    if objects is None:
        return []
    ids = [k for k in keys if isinstance(k, int)]
    codes = [k for k in keys if isinstance(k, str)]
    found = list(Sector.objects.filter(pk__in=ids) | Sector.objects.filter(code__in=codes))
    by_pk = {s.pk: s for s in found}
    by_code = {s.code: s for s in found}
    resolved: dict[int, Sector] = {s.pk: s for s in objects}
    for key in keys:
        sector = by_code.get(key) if isinstance(key, str) else by_pk.get(key)
        if sector is None:
            errors["sectors"] = [_("Unknown sector: %(value)s.") % {"value": str(key)[:64]}]
            return []
        resolved[sector.pk] = sector
    return list(resolved.values())


def _resolve_profiles(items, party_ids: set[int], errors: dict) -> list[CooperationProfile]:
    objects, keys = _ids_and_objects(items, CooperationProfile, errors, "profiles", MAX_LINKS)
    if objects is None:
        return []
    wanted = {o.pk for o in objects} | {k for k in keys if isinstance(k, int)}
    if any(isinstance(k, str) for k in keys):
        errors["profiles"] = [_("Unknown profile, or not a published profile of a party.")]
        return []
    # Only profiles of the parties that were published once: no one links another's draft.
    found = list(
        CooperationProfile.objects.filter(
            pk__in=wanted, organisation_id__in=party_ids, published_at__isnull=False
        ).only("id", "organisation_id")
    )
    if len(found) != len(wanted):
        errors["profiles"] = [_("Unknown profile, or not a published profile of a party.")]
        return []
    return found


def _resolve_meetings(items, interest: Interest | None, errors: dict) -> list[Meeting]:
    objects, keys = _ids_and_objects(items, Meeting, errors, "meetings", MAX_LINKS)
    if objects is None:
        return []
    wanted = {o.pk for o in objects} | {k for k in keys if isinstance(k, int)}
    if not wanted and not keys:
        return []
    if interest is None:
        errors["meetings"] = [_("Meetings are linked through the introduction they belong to.")]
        return []
    if any(isinstance(k, str) for k in keys):
        errors["meetings"] = [_("Only meetings of this introduction can be linked.")]
        return []
    found = list(
        Meeting.objects.filter(pk__in=wanted, interest=interest).exclude(
            status=Meeting.Status.CANCELLED
        )
    )
    if len(found) != len(wanted):
        errors["meetings"] = [
            _("Only meetings of this introduction that were not cancelled can be linked.")
        ]
        return []
    return found


def _resolve_interest(interest, by, errors: dict) -> Interest | None:
    """The interest if ``by`` may read it; an unknown one is the same error as a hidden one."""
    if interest is None or interest == "":
        return None
    pk = interest.pk if isinstance(interest, Interest) else interest
    if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk < 2**63:
        errors["interest"] = [_("Unknown expression of interest.")]
        return None
    found = (
        party_rules.interests_readable_by(by)
        .select_related("profile__organisation", "organisation", "sender_profile")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        errors["interest"] = [_("Unknown expression of interest.")]
    return found


def _duplicate(
    *, kind: str, title: str, signed_on: datetime.date, party_ids: set[int]
) -> Agreement | None:
    """An agreement already recorded with this kind, title, date and the same parties."""
    candidates = (
        Agreement.objects.filter(kind=kind, signed_on=signed_on, title__iexact=title)
        .filter(parties__in=party_ids)
        .distinct()
        .prefetch_related("parties")
    )
    return next((a for a in candidates if _party_ids(a) == party_ids), None)


# --- Writing --------------------------------------------------------------------


def _notify_recorded(agreement: Agreement, party_ids: set[int], by) -> None:
    with translation.override("en"):
        url = reverse("docking:agreement_detail", args=[agreement.pk])
    notify(
        users=party_rules.people_of(party_ids).exclude(pk=by.pk),
        kind="agreement.recorded",
        key=f"agreement:{agreement.pk}:recorded",
        data={"agreement": agreement.reference, "title": agreement.title, "kind": agreement.kind},
        url=url,
    )


@transaction.atomic
def agreement_record(
    *,
    by,
    kind: str,
    title: str,
    signed_on: datetime.date | str,
    parties: Iterable,
    sectors: Iterable = (),
    value=None,
    currency: str = "",
    status: str = Status.SIGNED,
    interest: Interest | int | None = None,
    profiles: Iterable = (),
    meetings: Iterable = (),
    notes: str = "",
    now: datetime.datetime | None = None,
) -> Agreement:
    """Record a signed agreement; raise ``ValidationError`` naming every bad field, save nothing.

    ``parties`` are organisations, their ids or slugs; ``sectors`` sectors, ids or codes;
    ``profiles`` and ``meetings`` instances or ids. With an ``interest``, both of its sides
    must be parties, its profiles are linked when none are given, and only its meetings
    may be linked.
    """
    now = now or timezone.now()
    require(_signed_in(by), _("Sign in to record an agreement."))
    errors: dict[str, list] = {}

    link = _resolve_interest(interest, by, errors)
    if link is not None:
        # Whoever may read the interest (a party or a broker) may record for it once it is open.
        if not is_open_introduction(link):
            errors["interest"] = [
                _(
                    "Agreements are recorded for open introductions: accepted, with both "
                    "sides known to each other."
                )
            ]
    elif "interest" not in errors:
        require(
            can_record_directly(by),
            _("Agreements outside an introduction are reported by authority staff."),
        )

    kind = _choice(kind, field="kind", choices=Kind.values, errors=errors)
    status = _choice(status, field="status", choices=Status.values, errors=errors)
    title = _text(title, field="title", length=TITLE_LENGTH, required=True, errors=errors)
    notes = _text(notes, field="notes", length=NOTES_LENGTH, required=False, errors=errors)
    signed = _signed_on(signed_on, now=now, errors=errors)
    amount = _value(value, errors)
    currency = _currency(currency, amount, errors)
    organisations = _resolve_parties(parties, errors)
    party_ids = {o.pk for o in organisations}
    sector_objects = _resolve_sectors(sectors, errors)

    if link is not None and organisations:
        sides = {party_rules.owner_organisation_id(link), link.organisation_id}
        if not sides <= party_ids:
            errors["parties"] = [_("Both sides of the introduction are parties to its agreement.")]
    if link is not None and not profiles:
        # The profile the interest was about, and the sender's own when it came from a match.
        profiles = [
            p
            for p in (link.profile, link.sender_profile)
            if p is not None and p.published_at is not None
        ]
    profile_objects = _resolve_profiles(profiles, party_ids, errors) if party_ids else []
    meeting_objects = _resolve_meetings(meetings, link, errors)
    if errors:
        raise ValidationError(errors)

    # Staff report for their own country; a party records through its introduction.
    if not is_platform_admin(by) and (
        link is None or party_rules.party_organisation_id(by, link) is None
    ):
        countries = staff_countries(by)
        require(
            any(str(o.country) in countries for o in organisations),
            _("Authority staff record agreements of their own country's organisations."),
        )

    # Lock the parties in a fixed order: two identical records at once make one agreement.
    list(
        Organisation.objects.select_for_update()
        .filter(pk__in=party_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    existing = _duplicate(kind=kind, title=title, signed_on=signed, party_ids=party_ids)
    if existing is not None:
        raise ValidationError(
            {
                "title": [
                    _("This agreement is already recorded as %(reference)s.")
                    % {"reference": existing.reference}
                ]
            }
        )

    agreement = Agreement(
        kind=kind,
        title=title,
        signed_on=signed,
        value=amount,
        currency=currency,
        status=status,
        interest=link,
        notes=notes,
        recorded_by=by,
    )
    agreement.full_clean()
    agreement.save()
    agreement.parties.set(organisations)
    agreement.sectors.set(sector_objects)
    agreement.profiles.set(profile_objects)
    agreement.meetings.set(meeting_objects)
    audit.record(
        by,
        "agreement.record",
        agreement,
        {
            "kind": kind,
            "status": status,
            "signed_on": signed.isoformat(),
            "parties": sorted(party_ids),
            "interest": link.pk if link else None,
            "value": str(amount) if amount is not None else None,
            "currency": currency,
        },
    )
    _notify_recorded(agreement, party_ids, by)
    return agreement


_UNSET = ...


@transaction.atomic
def agreement_update(
    *,
    agreement: Agreement,
    by,
    status: str | None = None,
    value=_UNSET,
    currency=_UNSET,
    notes=_UNSET,
    now: datetime.datetime | None = None,
) -> Agreement:
    """Move an agreement's status forward, or correct its value, currency or notes.

    Arguments left out stay as they are; ``value=None`` clears the value (and its currency).
    ``now`` is taken like every docking service's; no rule here depends on the time yet.
    """
    locked = Agreement.objects.select_for_update().prefetch_related("parties").get(pk=agreement.pk)
    require(
        can_change_agreement(by, locked),
        _("Only the parties and their authorities' staff change an agreement."),
    )
    errors: dict[str, list] = {}
    before = {
        "status": locked.status,
        "value": str(locked.value) if locked.value is not None else None,
        "currency": locked.currency,
        "notes": locked.notes,
    }
    if status is not None:
        status = _choice(status, field="status", choices=Status.values, errors=errors)
        if status and status not in allowed_statuses(locked):
            errors["status"] = [
                _("An agreement that is %(current)s cannot become %(new)s.")
                % {"current": locked.get_status_display(), "new": Status(status).label}
            ]
        elif status:
            locked.status = status
    if notes is not _UNSET:
        locked.notes = _text(
            notes, field="notes", length=NOTES_LENGTH, required=False, errors=errors
        )
    amount = locked.value
    if value is not _UNSET:
        amount = _value(value, errors)
    code = locked.currency if currency is _UNSET else currency
    if value is not _UNSET and value in (None, "") and currency is _UNSET:
        code = ""  # clearing the value clears its currency
    code = _currency(code, amount, errors)
    if errors:
        raise ValidationError(errors)
    locked.value, locked.currency = amount, code
    after = {
        "status": locked.status,
        "value": str(locked.value) if locked.value is not None else None,
        "currency": locked.currency,
        "notes": locked.notes,
    }
    changed = [k for k in after if before[k] != after[k]]
    if changed:
        locked.full_clean()
        locked.save(update_fields=[*changed, "updated_at"])
        # Notes are free text: the log says they changed, not what they say.
        audit.record(
            by,
            "agreement.update",
            locked,
            {k: True if k == "notes" else [before[k], after[k]] for k in changed},
        )
    for field in ("status", "value", "currency", "notes", "updated_at"):
        setattr(agreement, field, getattr(locked, field))
    return agreement
