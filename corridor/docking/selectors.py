"""Reads of cooperation profiles: who sees which profiles, and what of them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from corridor.accounts.models import OrganisationMembership
from corridor.core.permissions import is_platform_admin, staff_countries

from .models import CooperationProfile

Status = CooperationProfile.Status


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _published(now=None) -> Q:
    # A profile past its expiry is hidden even before `corridor expire-profiles` has run.
    now = now or timezone.now()
    return Q(status=Status.PUBLISHED) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def _own(user) -> Q:
    return Q(
        organisation_id__in=OrganisationMembership.objects.filter(user=user).values(
            "organisation_id"
        )
    )


def profiles_visible_to(user) -> QuerySet[CooperationProfile]:
    """Published profiles for everyone; an organisation's own in any state; the queue for staff."""
    visible = _published()
    if _signed_in(user):
        if is_platform_admin(user):
            return CooperationProfile.objects.all()
        visible |= _own(user)
        countries = staff_countries(user)
        if countries:
            visible |= Q(status=Status.SUBMITTED, organisation__country__in=countries)
    return CooperationProfile.objects.filter(visible)


def moderation_queue(user) -> QuerySet[CooperationProfile]:
    """Submitted profiles this user may approve or reject, oldest first."""
    queue = CooperationProfile.objects.filter(status=Status.SUBMITTED)
    if not is_platform_admin(user):
        countries = staff_countries(user)
        if not countries:
            return queue.none()
        queue = queue.filter(organisation__country__in=countries)
    return queue.select_related("organisation").order_by("updated_at", "pk")


def may_see_identity(profile: CooperationProfile, viewer) -> bool:
    """Whether ``viewer`` may know which organisation wrote ``profile``."""
    if not profile.is_anonymous:
        return True
    if not _signed_in(viewer):
        return False
    if is_platform_admin(viewer) or str(profile.organisation.country) in staff_countries(viewer):
        return True
    return OrganisationMembership.objects.filter(
        user=viewer, organisation_id=profile.organisation_id
    ).exists()


@dataclass(frozen=True)
class OrganisationView:
    id: int
    name: str
    slug: str
    website: str
    city: str


@dataclass(frozen=True)
class TranslationView:
    language: str
    title: str
    summary: str
    description: str


@dataclass(frozen=True)
class ProfileView:
    """What a viewer may read of a profile; nothing that names the organisation unless allowed."""

    reference: str
    kind: str
    status: str
    title: str
    summary: str
    description: str
    language: str
    sectors: list[dict] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    trl: int | None = None
    trl_min: int | None = None
    trl_max: int | None = None
    modes: list[str] = field(default_factory=list)
    target_countries: list[str] = field(default_factory=list)
    country: str = ""
    deadline: str | None = None
    published_at: str | None = None
    expires_at: str | None = None
    translations: list[TranslationView] = field(default_factory=list)
    organisation: OrganisationView | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def profile_visible(profile: CooperationProfile, viewer) -> bool:
    return profiles_visible_to(viewer).filter(pk=profile.pk).exists()


def public_profile_view(profile: CooperationProfile, viewer) -> ProfileView:
    """The profile as ``viewer`` may see it; ``PermissionDenied`` when they may not see it at all.

    An anonymous profile shown to someone outside its organisation (and not a
    platform admin or staff of its authority) carries no identifying field: not
    the organisation's name, identifiers, website, city or people.
    """
    if not profile_visible(profile, viewer):
        raise PermissionDenied
    organisation = profile.organisation
    identity = None
    if may_see_identity(profile, viewer):
        identity = OrganisationView(
            id=organisation.pk,
            name=organisation.name,
            slug=organisation.slug,
            website=organisation.website,
            city=organisation.city,
        )
    return ProfileView(
        reference=profile.reference,
        kind=profile.kind,
        status=profile.status,
        title=profile.title,
        summary=profile.summary,
        description=profile.description,
        language=profile.language,
        sectors=[{"code": s.code, "name": s.name} for s in profile.sectors.all()],
        keywords=list(profile.keywords),
        trl=profile.trl,
        trl_min=profile.trl_min,
        trl_max=profile.trl_max,
        modes=list(profile.modes),
        target_countries=list(profile.target_countries),
        country=str(organisation.country),
        deadline=profile.deadline.isoformat() if profile.deadline else None,
        published_at=profile.published_at.isoformat() if profile.published_at else None,
        expires_at=profile.expires_at.isoformat() if profile.expires_at else None,
        translations=[
            TranslationView(t.language, t.title, t.summary, t.description)
            for t in profile.translations.all()
        ],
        organisation=identity,
    )
