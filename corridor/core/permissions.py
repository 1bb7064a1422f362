"""Who may do what. Services call these; views and the API never decide on their own.

Roles (DESIGN.md "Security model"): platform admin (superuser), authority staff
(per authority: zones of that authority, organisations of its country),
organisation admin, organisation member, applicant, anonymous visitor.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def is_platform_admin(user) -> bool:
    return _signed_in(user) and user.is_superuser


def staff_authority_ids(user) -> set[int]:
    """The authorities a user works for (cached on the user object for one request)."""
    if not _signed_in(user):
        return set()
    cached = getattr(user, "_corridor_authority_ids", None)
    if cached is None:
        cached = set(user.authority_staff.values_list("authority_id", flat=True))
        user._corridor_authority_ids = cached
    return cached


def staff_countries(user) -> set[str]:
    from corridor.registry.models import Authority

    ids = staff_authority_ids(user)
    if not ids:
        return set()
    return {str(c) for c in Authority.objects.filter(id__in=ids).values_list("country", flat=True)}


def is_authority_staff(user) -> bool:
    return bool(staff_authority_ids(user))


def organisation_role(user, organisation) -> str | None:
    if not _signed_in(user) or organisation is None or organisation.pk is None:
        return None
    return organisation.memberships.filter(user=user).values_list("role", flat=True).first()


# --- Sectors --------------------------------------------------------------------


def can_manage_sectors(user) -> bool:
    return is_platform_admin(user) or is_authority_staff(user)


# --- Zones ----------------------------------------------------------------------


def can_create_zone(user, *, authority=None) -> bool:
    if is_platform_admin(user):
        return True
    ids = staff_authority_ids(user)
    if authority is None:
        return bool(ids)
    return authority.pk in ids


def can_edit_zone(user, zone) -> bool:
    if is_platform_admin(user):
        return True
    return zone.authority_id is not None and zone.authority_id in staff_authority_ids(user)


# --- Organisations --------------------------------------------------------------


def can_create_organisation(user) -> bool:
    # Any signed-in person may register the organisation they work for; they become its admin.
    return _signed_in(user)


def can_edit_organisation(user, organisation) -> bool:
    if is_platform_admin(user):
        return True
    if str(organisation.country) in staff_countries(user):
        return True
    return organisation_role(user, organisation) == "admin"


def require(allowed: bool, message=None) -> None:
    """Raise ``PermissionDenied`` with a translatable message unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(message or _("You do not have permission to do this."))
