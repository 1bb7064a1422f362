"""The participants of an event, for its organisers and the people of approved organisations:
who comes for which organisation, the cooperation profiles they bring, the matching
engine's suggestions for the viewer's organisation, and a meeting request form per person.

An organisation registered for an event is public at the event, but its cooperation
profiles are shown as the public sees them: an anonymous profile is listed apart, by its
reference, never under (or linked to) its organisation, unless the viewer may know who
wrote it (``docking.selectors.profile_views`` decides).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from corridor.docking import matching
from corridor.docking.display import Shown, shown
from corridor.docking.models import CooperationProfile
from corridor.docking.selectors import profile_views

from .. import selectors, services
from ..forms import RequestForm
from ..models import Event, MeetingRequest, Participant, Registration
from .common import add_service_errors, event_for, paginate, zone_name

# Suggestions: the viewer's organisation's profiles looked at, partners shown for each, and
# how deep into the engine's ranking of all published profiles to look for this event's.
OWN_PROFILES = 5
SUGGESTIONS = 5
DEPTH = 50
LIVE = (MeetingRequest.Status.PENDING, MeetingRequest.Status.ACCEPTED)


def may_browse(user, event: Event) -> bool:
    """Organisers, and the people of organisations approved for the event."""
    if services.can_organise(user, event):
        return True
    return (
        selectors.registrations_of(event, user).filter(status=Registration.Status.APPROVED).exists()
    )


def _browser(request: HttpRequest, slug: str) -> Event:
    event = event_for(request, slug)
    if not may_browse(request.user, event):
        raise PermissionDenied(
            _("The participants are shown to the organisers and to approved participants.")
        )
    return event


def _me(user, event: Event) -> Participant | None:
    """The viewer as an approved participant (who may ask for meetings), or None."""
    me = selectors.participant_for(user, event)
    if me is None or me.registration.status != Registration.Status.APPROVED:
        return None
    return me


@dataclass
class OrganisationRow:
    registration: Registration
    people: list = field(default_factory=list)  # (participant, form or None, live request)
    profiles: list[Shown] = field(default_factory=list)  # only those that name it


@dataclass
class Suggestion:
    profile: Shown
    score: int  # percent
    anchor: str  # the organisation's row, when the viewer may know it; else ""


@dataclass
class Suggestions:
    own: Shown
    items: list[Suggestion]


def _live_requests(me: Participant | None) -> dict[int, MeetingRequest]:
    """The other person → the live request between them and the viewer."""
    if me is None:
        return {}
    lists = selectors.requests_for(me)
    live = {r.recipient_id: r for r in lists.sent.filter(status__in=LIVE)}
    live.update({r.requester_id: r for r in lists.received.filter(status__in=LIVE)})
    return live


def _suggestions(me: Participant, user, event_profiles: dict[int, Registration]):
    """For each published profile of the viewer's organisation: the best of this event's."""
    own = list(
        CooperationProfile.objects.filter(
            organisation_id=me.registration.organisation_id,
            status=CooperationProfile.Status.PUBLISHED,
        ).order_by("pk")[:OWN_PROFILES]
    )
    others = {
        pk
        for pk, r in event_profiles.items()
        if r.organisation_id != me.registration.organisation_id
    }
    if not own or not others:
        return [], ""
    own_views = {v.id: v for v in profile_views(own, user)}
    found = []
    for profile in own:
        try:
            results = matching.profile_matches(profile=profile, viewer=user, k=DEPTH)
        except (ValidationError, PermissionDenied) as error:
            return [], " ".join(getattr(error, "messages", [str(error)]))
        items = [
            Suggestion(
                profile=shown(r.profile),
                score=round(r.score * 100),
                anchor=(
                    f"organisation-{event_profiles[r.profile.id].pk}"
                    if r.profile.organisation is not None
                    else ""
                ),
            )
            for r in results
            if r.profile.id in others
        ][:SUGGESTIONS]
        if items and profile.pk in own_views:
            found.append(Suggestions(own=shown(own_views[profile.pk]), items=items))
    return found, ""


@login_required
def participant_list(request: HttpRequest, slug: str) -> HttpResponse:
    event = _browser(request, slug)
    user = request.user
    me = _me(user, event)
    people = list(selectors.participants_of(event))
    page = paginate(request, people)
    # Every profile brought to the event, read once as the viewer may see it.
    event_profiles: dict[int, Registration] = {}
    for person in people:
        for profile in person.registration.profiles.all():
            event_profiles.setdefault(profile.pk, person.registration)
    views = {v.id: v for v in profile_views(sorted(event_profiles), user)}
    named = {pk for pk, v in views.items() if v.organisation is not None}
    live = _live_requests(me)

    rows: dict[int, OrganisationRow] = {}
    for person in page.object_list:
        registration = person.registration
        row = rows.get(registration.pk)
        if row is None:
            row = rows[registration.pk] = OrganisationRow(
                registration=registration,
                profiles=[shown(views[p.pk]) for p in registration.profiles.all() if p.pk in named],
            )
        may_ask = (
            me is not None
            and person.pk != me.pk
            and registration.organisation_id != me.registration.organisation_id
        )
        form = (
            RequestForm(auto_id=f"request-{person.pk}-%s")
            if may_ask and person.pk not in live
            else None
        )
        row.people.append((person, form, live.get(person.pk)))

    suggestions, suggestions_error = [], ""
    if me is not None:
        suggestions, suggestions_error = _suggestions(me, user, event_profiles)
    return render(
        request,
        "events/participant_list.html",
        {
            "event": event,
            "zone": zone_name(event),
            "me": me,
            "rows": list(rows.values()),
            "page_obj": page,
            "anonymous": [shown(views[pk]) for pk in sorted(views) if pk not in named],
            "suggestions": suggestions,
            "suggestions_error": suggestions_error,
            "is_organiser": services.can_organise(user, event),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_send(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = _browser(request, slug)
    me = _me(request.user, event)
    if me is None:
        raise PermissionDenied(_("Only approved participants ask for meetings."))
    recipient = get_object_or_404(selectors.participants_of(event), pk=pk)
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_send(
                requester=me,
                recipient=recipient,
                by=request.user,
                message=form.cleaned_data["message"],
                priority=form.cleaned_data["priority"],
            )
        except ValidationError as error:
            add_service_errors(form, error, {"recipient": None})
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Your request was sent to %(person)s.")
                % {"person": recipient.user.get_full_name() or recipient.user.username},
            )
            return redirect("events:requests", slug=event.slug)
    return render(
        request,
        "events/request_form.html",
        {"event": event, "zone": zone_name(event), "form": form, "recipient": recipient},
    )
