"""Reads of cooperation profiles: who sees which profiles, and what of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from corridor.accounts.models import OrganisationMembership
from corridor.core.permissions import is_platform_admin, staff_countries

from ..models import CooperationProfile, Interest

Status = CooperationProfile.Status


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def published_q(now=None) -> Q:
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
    visible = published_q()
    if _signed_in(user):
        if is_platform_admin(user):
            return CooperationProfile.objects.all()
        visible |= _own(user)
        countries = staff_countries(user)
        if countries:
            visible |= Q(status=Status.SUBMITTED, organisation__country__in=countries)
    return CooperationProfile.objects.filter(visible)


def profiles_of_user(user) -> QuerySet[CooperationProfile]:
    """Every profile of the user's organisations, in every state, last changed first."""
    if not _signed_in(user):
        return CooperationProfile.objects.none()
    return CooperationProfile.objects.filter(_own(user)).order_by("-updated_at", "-pk")


def moderation_queue(user) -> QuerySet[CooperationProfile]:
    """Submitted profiles this user may approve or reject, oldest first."""
    queue = CooperationProfile.objects.filter(status=Status.SUBMITTED)
    if not is_platform_admin(user):
        countries = staff_countries(user)
        if not countries:
            return queue.none()
        queue = queue.filter(organisation__country__in=countries)
    return queue.select_related("organisation").order_by("updated_at", "pk")


class _Viewer:
    """What decides identity for one viewer, read once for any number of profiles."""

    def __init__(self, viewer):
        self.signed_in = _signed_in(viewer)
        self.admin = self.signed_in and is_platform_admin(viewer)
        self.countries = staff_countries(viewer) if self.signed_in else set()
        self.organisations = (
            set(
                OrganisationMembership.objects.filter(user=viewer).values_list(
                    "organisation_id", flat=True
                )
            )
            if self.signed_in
            else set()
        )

    @cached_property
    def revealed_profiles(self) -> set[int]:
        """Profiles whose organisation agreed to be introduced to one of the viewer's."""
        if not self.organisations:
            return set()
        return set(
            Interest.objects.filter(
                # A reveal outlives the introduction: consent once given is not undone.
                organisation_id__in=self.organisations,
                reveal=Interest.Reveal.REVEALED,
            ).values_list("profile_id", flat=True)
        )

    def sees_identity(self, profile: CooperationProfile) -> bool:
        if not profile.is_anonymous:
            return True
        if not self.signed_in:
            return False
        return (
            self.admin
            or str(profile.organisation.country) in self.countries
            or profile.organisation_id in self.organisations
            or profile.pk in self.revealed_profiles
        )


def identity_rule(viewer):
    """``may_see_identity`` for one viewer and many profiles: a function of the profile,
    reading what it needs about the viewer once."""
    return _Viewer(viewer).sees_identity


def may_see_identity(profile: CooperationProfile, viewer) -> bool:
    """Whether ``viewer`` may know which organisation wrote ``profile``.

    Besides its own people and moderators: organisations the profile's organisation
    accepted an interest from, once the reveal is done.
    """
    return _Viewer(viewer).sees_identity(profile)


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

    id: int  # the profile's own key (in its address); says nothing about who wrote it
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


def _view(profile: CooperationProfile, identity: bool) -> ProfileView:
    organisation = profile.organisation
    return ProfileView(
        id=profile.pk,
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
        organisation=OrganisationView(
            id=organisation.pk,
            name=organisation.name,
            slug=organisation.slug,
            website=organisation.website,
            city=organisation.city,
        )
        if identity
        else None,
    )


def profile_views(profiles: Sequence[CooperationProfile | int], viewer) -> list[ProfileView]:
    """:func:`public_profile_view` for many profiles (or their ids), in a fixed number of queries.

    Profiles the viewer may not see are left out; the order is kept.
    """
    pks = [p if isinstance(p, int) else p.pk for p in profiles]
    visible = set(profiles_visible_to(viewer).filter(pk__in=pks).values_list("pk", flat=True))
    loaded = {
        p.pk: p
        for p in CooperationProfile.objects.filter(pk__in=visible)
        .select_related("organisation")
        .prefetch_related("sectors", "translations")
    }
    who = _Viewer(viewer)
    return [_view(loaded[pk], who.sees_identity(loaded[pk])) for pk in pks if pk in loaded]


def public_profile_view(profile: CooperationProfile, viewer) -> ProfileView:
    """The profile as ``viewer`` may see it; ``PermissionDenied`` when they may not see it at all.

    An anonymous profile shown to someone outside its organisation (and not a
    platform admin, staff of its authority, or a party it was revealed to by an
    accepted interest) carries no identifying field: not the organisation's name,
    identifiers, website, city or people.
    """
    views = profile_views([profile], viewer)
    if not views:
        raise PermissionDenied
    return views[0]


@dataclass(frozen=True)
class ProfileFilters:
    """What the profile browser and the API filter published profiles by; empty means any."""

    q: str = ""  # words in any of the three languages, ranked by the matcher
    kind: str = ""
    sector: str = ""  # a sector's code: the sector and its sub-sectors
    country: str = ""  # the organisation's country (ISO alpha-2)
    language: str = ""  # the language the profile is written in or translated into
    mode: str = ""
    trl: int | None = None  # an offer at this level, or a request that wants it


def profiles_browse(viewer, filters: ProfileFilters) -> list[int] | QuerySet:
    """Ids of the published profiles matching ``filters``: newest first (a queryset of
    ids, to paginate), or best first for a text query (a list).

    Bad values are the caller's to refuse (forms and schemas do); an unknown sector
    code simply matches nothing. Read a page of them with :func:`profile_views`.
    """
    from corridor.registry.selectors import sector_and_descendant_ids

    queryset = CooperationProfile.objects.filter(published_q())
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.sector:
        ids = sector_and_descendant_ids(filters.sector)
        queryset = queryset.filter(
            pk__in=CooperationProfile.sectors.through.objects.filter(sector_id__in=ids).values(
                "cooperationprofile_id"
            )
        )
    if filters.country:
        queryset = queryset.filter(organisation__country=filters.country.upper())
    if filters.language:
        queryset = queryset.filter(
            Q(language=filters.language) | Q(translations__language=filters.language)
        ).distinct()
    if filters.mode:
        # Mode codes never contain one another with quotes around them, and JSON text
        # always quotes them: portable where JSON containment is not (SQLite).
        queryset = queryset.filter(modes__icontains=f'"{filters.mode}"')
    if filters.trl is not None:
        queryset = queryset.filter(
            Q(trl=filters.trl)
            | (
                Q(trl__isnull=True)
                & (Q(trl_min__isnull=True) | Q(trl_min__lte=filters.trl))
                & (Q(trl_max__isnull=True) | Q(trl_max__gte=filters.trl))
                & (Q(trl_min__isnull=False) | Q(trl_max__isnull=False))
            )
        )
    if not filters.q:
        return queryset.order_by("-published_at", "-pk").values_list("pk", flat=True)
    from ..matching import ranked_profile_ids

    order = {pk: i for i, pk in enumerate(ranked_profile_ids(text=filters.q, k=200))}
    return sorted(queryset.filter(pk__in=list(order)).values_list("pk", flat=True), key=order.get)


def identity_mentions(profile: CooperationProfile) -> list[str]:
    """Words of an anonymous profile's texts that name its organisation, for moderators.

    The platform hides the organisation, but an author may write its name, website
    or e-mail into the description; staff see these before they approve.
    """
    if not profile.is_anonymous:
        return []
    organisation = profile.organisation
    needles = {organisation.name, organisation.slug}
    names = [getattr(organisation, f, "") for f in ("name_en", "name_zh_hans", "name_ur")]
    needles |= {n for n in names if n}
    if organisation.website:
        host = organisation.website.split("//", 1)[-1].split("/", 1)[0].removeprefix("www.")
        needles.add(host)
    texts = [profile.title, profile.summary, profile.description, *profile.keywords]
    texts += [
        part for t in profile.translations.all() for part in (t.title, t.summary, t.description)
    ]
    haystack = "\n".join(texts).casefold()
    return sorted(n for n in needles if len(n) >= 3 and n.casefold() in haystack)
