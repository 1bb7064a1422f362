"""Reads of events worth a name: who sees which event, its people and their requests."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from corridor.core.permissions import is_platform_admin, staff_authority_ids
from corridor.docking.models import CooperationProfile

from .models import Event, MeetingRequest, Participant, Registration
from .services.common import can_organise

PUBLIC = (Event.Status.PUBLISHED, Event.Status.CANCELLED)


def events_visible_to(user) -> QuerySet[Event]:
    """Published (and cancelled) events for everyone; drafts too for their organisers."""
    events = Event.objects.select_related("authority")
    if is_platform_admin(user):
        return events
    authorities = staff_authority_ids(user)
    if authorities:
        return events.filter(Q(status__in=PUBLIC) | Q(authority_id__in=authorities))
    return events.filter(status__in=PUBLIC)


def event_for(user, slug: str) -> Event:
    """The event ``slug`` if ``user`` may see it; 404 otherwise (a draft does not exist for others)."""
    event = events_visible_to(user).filter(slug=slug).first()
    if event is None:
        raise Http404("No such event.")
    return event


def registrations_of(event: Event, user) -> QuerySet[Registration]:
    """The registrations ``user`` may read: all for an organiser, their organisations' otherwise."""
    registrations = Registration.objects.filter(event=event).select_related("organisation")
    if can_organise(user, event):
        return registrations
    if not (user is not None and user.is_authenticated):
        return registrations.none()
    return registrations.filter(
        organisation__memberships__user=user,
        organisation__memberships__role__in=("admin", "member"),
    ).distinct()


def _published_profiles() -> Prefetch:
    return Prefetch(
        "registration__profiles",
        queryset=CooperationProfile.objects.filter(status=CooperationProfile.Status.PUBLISHED),
    )


def participants_of(event: Event) -> QuerySet[Participant]:
    """The people of approved organisations, with organisation, sessions and published profiles.

    Fixed query count whatever the number of participants (no N+1).
    """
    return (
        Participant.objects.filter(
            registration__event=event, registration__status=Registration.Status.APPROVED
        )
        .select_related("user", "registration__organisation")
        .prefetch_related("sessions", _published_profiles())
        .order_by("registration__organisation__name", "user__last_name", "user__username", "pk")
    )


def participant_for(user, event: Event) -> Participant | None:
    """``user``'s participation in ``event`` (pending or approved registration), or None."""
    if not (user is not None and user.is_authenticated):
        return None
    return (
        Participant.objects.filter(
            user=user,
            registration__event=event,
            registration__status__in=(Registration.Status.PENDING, Registration.Status.APPROVED),
        )
        .select_related("user", "registration__organisation", "registration__event")
        .first()
    )


def _requests() -> QuerySet[MeetingRequest]:
    return MeetingRequest.objects.select_related(
        "requester__user",
        "requester__registration__organisation",
        "recipient__user",
        "recipient__registration__organisation",
        "scheduled__slot",
    )


@dataclass(frozen=True)
class RequestLists:
    sent: QuerySet[MeetingRequest]
    received: QuerySet[MeetingRequest]


def requests_for(participant: Participant) -> RequestLists:
    """The requests a participant sent and received, newest first, with both sides loaded."""
    return RequestLists(
        sent=_requests().filter(requester=participant),
        received=_requests().filter(recipient=participant),
    )


def organiser_requests(event: Event) -> QuerySet[MeetingRequest]:
    """Every request of the event, for its organisers (both sides and any slot loaded)."""
    return _requests().filter(event=event).order_by("status", "-priority", "created_at", "pk")
