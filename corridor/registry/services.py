"""Writes to the registry: sectors, zones, organisations. Every rule and permission is here."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import OrganisationMembership
from corridor.core import audit
from corridor.core.permissions import (
    can_create_organisation,
    can_create_zone,
    can_edit_organisation,
    can_edit_zone,
    can_manage_sectors,
    is_platform_admin,
    organisation_role,
    require,
    staff_countries,
)
from corridor.core.text import TextError, clean_text, detect_language

from . import tasks
from .models import Authority, Organisation, Sector, Zone
from .search import organisation_document

ORGANISATION_FIELDS = {
    "kind", "name", "name_en", "name_zh_hans", "name_ur", "country", "city", "zone",
    "size", "year_founded", "website", "description", "description_language",
    "ror_id", "registration_number", "is_active", "slug",
}  # fmt: skip
ZONE_FIELDS = {
    "slug", "kind", "parent", "authority", "operator", "name_en", "name_zh_hans", "name_ur",
    "country", "city", "area_km2", "year_founded", "website", "description",
    "description_language",
}  # fmt: skip
SECTOR_FIELDS = {"code", "parent", "name_en", "name_zh_hans", "name_ur", "position"}


def _clean_strings(fields: dict) -> dict:
    """NUL bytes and stray whitespace out of every string; errors per field."""
    errors, cleaned = {}, {}
    for key, value in fields.items():
        if isinstance(value, str):
            try:
                value = clean_text(value, field=key)
            except TextError:
                errors[key] = [_("Contains a NUL byte, which cannot be stored.")]
        cleaned[key] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_fields(fields: dict, allowed: set[str]) -> None:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})


def unique_slug(model, *candidates: str, exclude_pk=None) -> str:
    """A free slug made from the first candidate that slugifies to something."""
    base = (
        next((slugify(c)[:80] for c in candidates if c and slugify(c)), "")
        or model.__name__.lower()
    )
    base = base.strip("-") or model.__name__.lower()
    slug, n = base, 1
    others = model.objects.exclude(pk=exclude_pk) if exclude_pk else model.objects.all()
    while others.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check_sectors(sectors: Iterable) -> list[Sector]:
    sectors = list(sectors)
    if any(not isinstance(s, Sector) or s.pk is None for s in sectors):
        raise ValidationError({"sectors": [_("Unknown sector.")]})
    return sectors


# --- Sectors --------------------------------------------------------------------


@transaction.atomic
def sector_create(*, by, **fields) -> Sector:
    require(can_manage_sectors(by))
    _check_fields(fields, SECTOR_FIELDS)
    sector = Sector(**_clean_strings(fields))
    sector.full_clean()
    sector.save()
    audit.record(by, "sector.create", sector, {"code": sector.code})
    return sector


@transaction.atomic
def sector_update(*, sector: Sector, by, **fields) -> Sector:
    require(can_manage_sectors(by))
    _check_fields(fields, SECTOR_FIELDS - {"code"})
    fields = _clean_strings(fields)
    parent = fields.get("parent", sector.parent)
    node = parent
    while node is not None:
        if node.pk == sector.pk:
            raise ValidationError({"parent": [_("A sector cannot sit under itself.")]})
        node = node.parent
    for key, value in fields.items():
        setattr(sector, key, value)
    sector.full_clean()
    sector.save()
    audit.record(by, "sector.update", sector, {"fields": sorted(fields)})
    # Sector names are part of organisations' search documents.
    if {"name_en", "name_zh_hans", "name_ur", "parent"} & set(fields):
        transaction.on_commit(lambda: tasks.reindex_organisations.delay(sector_id=sector.pk))
    return sector


# --- Zones ----------------------------------------------------------------------


def _check_zone_parent(zone: Zone, parent: Zone | None) -> None:
    node, seen = parent, set()
    while node is not None and node.pk not in seen:
        if zone.pk is not None and node.pk == zone.pk:
            raise ValidationError({"parent": [_("A zone cannot be part of itself.")]})
        seen.add(node.pk)
        node = node.parent


def _zone_save(zone: Zone, focus_sectors) -> None:
    if not zone.description_language and zone.description:
        zone.description_language = detect_language(zone.description)
    zone.full_clean()
    zone.save()
    if focus_sectors is not None:
        zone.focus_sectors.set(_check_sectors(focus_sectors))


@transaction.atomic
def zone_create(*, by, focus_sectors: Iterable[Sector] = (), **fields) -> Zone:
    _check_fields(fields, ZONE_FIELDS)
    fields = _clean_strings(fields)
    authority: Authority | None = fields.get("authority")
    require(
        can_create_zone(by, authority=authority),
        _("Only authority staff may create zones, and only for their own authority."),
    )
    if authority is None and not by.is_superuser:
        # Staff of one authority: the zone is theirs.
        fields["authority"] = Authority.objects.filter(staff__user=by).order_by("pk").first()
    zone = Zone(**fields)
    if not zone.slug:
        zone.slug = unique_slug(Zone, zone.name_en, zone.city)
    _check_zone_parent(zone, zone.parent)
    _zone_save(zone, focus_sectors)
    audit.record(by, "zone.create", zone, {"slug": zone.slug})
    return zone


@transaction.atomic
def zone_update(*, zone: Zone, by, focus_sectors: Iterable[Sector] | None = None, **fields) -> Zone:
    require(can_edit_zone(by, zone), _("Only staff of the zone's authority may edit it."))
    _check_fields(fields, ZONE_FIELDS)
    fields = _clean_strings(fields)
    if "authority" in fields and fields["authority"] != zone.authority:
        require(can_create_zone(by, authority=fields["authority"]))
    if "parent" in fields:
        _check_zone_parent(zone, fields["parent"])
    for key, value in fields.items():
        setattr(zone, key, value)
    _zone_save(zone, focus_sectors)
    audit.record(by, "zone.update", zone, {"fields": sorted(fields)})
    if {"name_en", "name_zh_hans", "name_ur", "parent"} & set(fields):
        transaction.on_commit(lambda: tasks.reindex_organisations.delay(zone_id=zone.pk))
    return zone


# --- Organisations --------------------------------------------------------------


def _organisation_save(organisation: Organisation, sectors) -> None:
    if not organisation.name:
        organisation.name = (
            organisation.name_en or organisation.name_zh_hans or organisation.name_ur
        )
    if not organisation.description_language and organisation.description:
        organisation.description_language = detect_language(organisation.description)
    organisation.full_clean(exclude={"search_document"})
    organisation.save()
    if sectors is not None:
        organisation.sectors.set(_check_sectors(sectors))
    organisation.search_document = organisation_document(organisation)
    organisation.save(update_fields=["search_document"])


@transaction.atomic
def organisation_create(*, by, sectors: Iterable[Sector] = (), **fields) -> Organisation:
    """Register an organisation; the person who registers it becomes its admin."""
    require(can_create_organisation(by), _("Sign in to register an organisation."))
    _check_fields(fields, ORGANISATION_FIELDS)
    organisation = Organisation(**_clean_strings(fields))
    if not organisation.slug:
        organisation.slug = unique_slug(Organisation, organisation.name_en, organisation.name)
    _organisation_save(organisation, sectors)
    if not (by.is_superuser or by.authority_staff.exists()):
        OrganisationMembership.objects.create(
            user=by, organisation=organisation, role=OrganisationMembership.Role.ADMIN
        )
    audit.record(by, "organisation.create", organisation, {"slug": organisation.slug})
    return organisation


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, by, sectors: Iterable[Sector] | None = None, **fields
) -> Organisation:
    require(
        can_edit_organisation(by, organisation),
        _("Only the organisation's admins and its authority's staff may edit it."),
    )
    _check_fields(fields, ORGANISATION_FIELDS)
    fields = _clean_strings(fields)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if "country" in fields and str(fields["country"]).upper() != str(organisation.country):
        # Staff may not hand an organisation to the other authority (or take it out of theirs);
        # its own admin may say it moved.
        require(
            is_platform_admin(by)
            or organisation_role(by, organisation) == "admin"
            or str(fields["country"]).upper() in staff_countries(by),
            _("Only the organisation's admins may move it to another country."),
        )
    changed = sorted(k for k, v in fields.items() if getattr(organisation, k) != v)
    for key, value in fields.items():
        setattr(organisation, key, value)
    if "description" in fields and "description_language" not in fields:
        organisation.description_language = ""  # detect again for the new text
    _organisation_save(organisation, sectors)
    audit.record(
        by,
        "organisation.update",
        organisation,
        {"fields": changed + (["sectors"] if sectors is not None else [])},
    )
    return organisation


def organisation_member_add(*, organisation: Organisation, user, role: str, by):
    """Add a person to an organisation (its admins and its authority's staff may)."""
    require(can_edit_organisation(by, organisation))
    if role not in OrganisationMembership.Role.values:
        raise ValidationError({"role": [_("Unknown role.")]})
    with transaction.atomic():
        membership, _created = OrganisationMembership.objects.update_or_create(
            user=user, organisation=organisation, defaults={"role": role}
        )
        audit.record(by, "organisation.member_add", organisation, {"user": user.pk, "role": role})
    return membership
