"""Which time zone to show a person times in: their own choice, else their organisation's country."""

from __future__ import annotations

import zoneinfo

from django.conf import settings

# The zone most of a country's people live in; both partner countries have a single zone.
COUNTRY_ZONES = {"PK": "Asia/Karachi", "CN": "Asia/Shanghai"}


def is_valid_zone(name: str) -> bool:
    if not name or name != name.strip():
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_for_country(country: str) -> str:
    return COUNTRY_ZONES.get(str(country).upper(), settings.TIME_ZONE)


def user_zone(user) -> zoneinfo.ZoneInfo:
    """``user.time_zone`` if set, else their organisation's country, else their authority's, else UTC."""
    name = getattr(user, "time_zone", "") if user is not None else ""
    if not (name and is_valid_zone(name)) and user is not None and user.is_authenticated:
        membership = user.memberships.select_related("organisation").order_by("pk").first()
        if membership:
            name = zone_for_country(membership.organisation.country)
        else:  # authority staff without an organisation: their authority's country
            staff = user.authority_staff.select_related("authority").order_by("pk").first()
            name = zone_for_country(staff.authority.country) if staff else ""
    return zoneinfo.ZoneInfo(name if name and is_valid_zone(name) else settings.TIME_ZONE)
