"""Event pages: the list, one event (what each reader may do there), create, edit, publish,
cancel. Organisers are the staff of the event's authority and platform admins."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST
from django_countries import countries

from corridor.core.permissions import is_platform_admin, staff_authority_ids
from corridor.registry.models import Authority, Organisation

from .. import selectors, services
from ..forms import EventForm
from ..models import Event, MeetingRequest, ScheduledMeeting, Session, Slot
from .common import (
    add_service_errors,
    event_for,
    organised,
    paginate,
    registration_window,
    report,
    zone_name,
)
from .registrations import registrable_organisations

KINDS = dict(Organisation.Kind.choices)


def _authorities(user):
    """The authorities ``user`` may organise events for."""
    if is_platform_admin(user):
        return Authority.objects.order_by("code")
    return Authority.objects.filter(pk__in=staff_authority_ids(user)).order_by("code")


def _row(event: Event, now) -> dict:
    return {"event": event, "window": registration_window(event, now), "zone": zone_name(event)}


def event_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    today = timezone.localdate()
    events = selectors.events_visible_to(request.user)
    upcoming = events.filter(ends_on__gte=today).order_by("starts_on", "pk")
    past = paginate(request, events.filter(ends_on__lt=today).order_by("-starts_on", "-pk"))
    return render(
        request,
        "events/event_list.html",
        {
            "upcoming": [_row(e, now) for e in upcoming],
            "past": [_row(e, now) for e in past.object_list],
            "page_obj": past,
            "can_create": bool(request.user.is_authenticated and _authorities(request.user)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest) -> HttpResponse:
    authorities = list(_authorities(request.user))
    if not authorities:
        raise PermissionDenied(_("Only authority staff organise events."))
    form = EventForm(request.POST or None, authorities=Authority.objects.filter(
        pk__in=[a.pk for a in authorities]))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(
                by=request.user,
                authority=form.cleaned_data["authority"],
                **form.service_arguments(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The event was created as a draft. Add its sessions, then publish it."),
            )
            return redirect("events:session_list", slug=event.slug)
    return render(request, "events/event_form.html", {"form": form, "event": None})


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, slug: str) -> HttpResponse:
    event = organised(request, slug)
    form = EventForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_update(event=event, by=request.user, **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The event was saved."))
            return redirect(event)
    return render(request, "events/event_form.html", {"form": form, "event": event})


def _sessions(event: Event) -> list[Session]:
    return list(
        Session.objects.filter(event=event).prefetch_related(
            "breaks", Prefetch("slots", queryset=Slot.objects.order_by("starts_at"))
        )
    )


def _participant_part(participant) -> dict:
    lists = selectors.requests_for(participant)
    sent = Counter(lists.sent.values_list("status", flat=True))
    received = Counter(lists.received.values_list("status", flat=True))
    return {
        "participant": participant,
        "attending": list(participant.sessions.all()),
        "requests_sent": sum(sent.values()),
        "requests_received": sum(received.values()),
        "requests_waiting": received[MeetingRequest.Status.PENDING],
        "meetings_scheduled": ScheduledMeeting.objects.filter(
            request__in=[*lists.sent, *lists.received],
            status=ScheduledMeeting.Status.SCHEDULED,
        ).count(),
    }


def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_for(request, slug)
    user = request.user
    organiser = services.can_organise(user, event)
    window = registration_window(event)
    context = {
        "event": event,
        "zone": zone_name(event),
        "window": window,
        "sessions": _sessions(event),
        "is_organiser": organiser,
        "sectors": list(event.eligible_sectors.all()),
        "countries": [countries.name(code) or code for code in event.eligible_countries],
        "kinds": [KINDS.get(code, code) for code in event.eligible_kinds],
        "participant": None,
        "registrations": [],
        "can_register": False,
    }
    if user.is_authenticated and not organiser:
        context["registrations"] = list(
            selectors.registrations_of(event, user).order_by("organisation__name")
        )
        participant = selectors.participant_for(user, event)
        if participant is not None:
            context.update(_participant_part(participant))
        context["can_register"] = window.state == "open" and bool(
            registrable_organisations(user, event)
        )
        context["can_join"] = participant is None and any(
            r.status in ("pending", "approved") for r in context["registrations"]
        )
    if organiser:
        context["counts"] = {
            "pending": event.registrations.filter(status="pending").count(),
            "approved": event.registrations.filter(status="approved").count(),
            "requests": event.meeting_requests.filter(status="accepted").count(),
            "runs": event.schedule_runs.count(),
        }
    return render(request, "events/event_detail.html", context)


def _act(request: HttpRequest, slug: str, service, done) -> HttpResponse:
    event = organised(request, slug)
    try:
        service(event=event, by=request.user)
    except (ValidationError, PermissionDenied) as error:
        report(request, error)
    else:
        messages.success(request, done)
    return redirect("events:event_detail", slug=event.slug)


@login_required
@require_POST
def event_publish(request: HttpRequest, slug: str) -> HttpResponse:
    return _act(
        request, slug, services.event_publish,
        _("The event is published: organisations may register in its registration window."),
    )  # fmt: skip


@login_required
@require_POST
def event_cancel(request: HttpRequest, slug: str) -> HttpResponse:
    return _act(
        request, slug, services.event_cancel,
        _("The event is cancelled; its meetings were taken out of the calendars."),
    )  # fmt: skip
