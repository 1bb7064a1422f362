"""Registering an organisation and oneself, changing one's participation, and the organisers'
list of registrations to approve or reject."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from corridor.docking.models import CooperationProfile
from corridor.registry.models import Organisation

from .. import selectors, services
from ..forms import ParticipationForm, RegistrationForm
from ..models import Event, Participant, Registration
from .common import (
    add_service_errors,
    event_for,
    organised,
    paginate,
    registration_window,
    report,
    zone_name,
)

RStatus = Registration.Status
LIVE = (RStatus.PENDING, RStatus.APPROVED)


def registrable_organisations(user, event: Event):
    """Organisations ``user`` acts for that have no registration for ``event`` (or a cancelled one)."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    taken = Registration.objects.filter(event=event).exclude(status=RStatus.CANCELLED)
    return (
        Organisation.objects.filter(
            is_active=True,
            memberships__user=user,
            memberships__role__in=("admin", "member"),
        )
        .exclude(pk__in=taken.values("organisation_id"))
        .distinct()
        .order_by("name")
    )


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_for(request, slug)
    user = request.user
    window = registration_window(event)
    candidates = list(registrable_organisations(user, event))
    ineligible = []
    eligible = []
    for organisation in candidates:
        reasons = services.eligibility_errors(event, organisation)
        (ineligible if reasons else eligible).append((organisation, reasons))
    form = None
    if window.state == "open" and eligible:
        ids = [organisation.pk for organisation, _reasons in eligible]
        form = RegistrationForm(
            request.POST or None,
            event=event,
            organisations=Organisation.objects.filter(pk__in=ids).order_by("name"),
            profiles=CooperationProfile.objects.filter(
                organisation_id__in=ids, status=CooperationProfile.Status.PUBLISHED
            ).order_by("organisation__name", "pk"),
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                # The organisation and its first representative together, or neither.
                with transaction.atomic():
                    registration = services.registration_create(
                        event=event,
                        organisation=data["organisation"],
                        by=user,
                        profiles=list(data["profiles"]),
                        note=data["note"],
                    )
                    services.participant_add(
                        registration=registration,
                        user=user,
                        by=user,
                        sessions=list(data["sessions"]),
                        max_meetings=data["max_meetings"],
                    )
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                if registration.status == RStatus.APPROVED:
                    messages.success(request, _("Your organisation is registered; you take part."))
                else:
                    messages.success(
                        request,
                        _("Your organisation is registered; the organisers will approve it."),
                    )
                return redirect(event)
    elif request.method == "POST":
        messages.error(request, _("This event does not take this registration now."))
        return redirect(event)
    return render(
        request,
        "events/register.html",
        {
            "event": event,
            "zone": zone_name(event),
            "window": window,
            "form": form,
            "ineligible": ineligible,
            "registrations": list(selectors.registrations_of(event, user)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def participation(request: HttpRequest, slug: str) -> HttpResponse:
    """Take part for one's registered organisation, change one's sessions and cap, or leave."""
    event = event_for(request, slug)
    user = request.user
    participant = selectors.participant_for(user, event)
    registration = None
    if participant is None:
        registration = (
            selectors.registrations_of(event, user).filter(status__in=LIVE).order_by("pk").first()
        )
        if registration is None:
            return redirect("events:register", slug=event.slug)
    if request.method == "POST" and request.POST.get("action") == "leave" and participant:
        try:
            services.participant_remove(participant=participant, by=user)
        except (ValidationError, PermissionDenied) as error:
            report(request, error)
        else:
            messages.success(request, _("You no longer take part; your meetings were cancelled."))
        return redirect(event)
    form = ParticipationForm(request.POST or None, event=event, participant=participant)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if participant is not None:
                services.participant_update(
                    participant=participant,
                    by=user,
                    sessions=list(data["sessions"]),
                    max_meetings=data["max_meetings"],
                )
            else:
                services.participant_add(
                    registration=registration,
                    user=user,
                    by=user,
                    sessions=list(data["sessions"]),
                    max_meetings=data["max_meetings"],
                )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your participation was saved."))
            return redirect(event)
    return render(
        request,
        "events/participation.html",
        {
            "event": event,
            "zone": zone_name(event),
            "form": form,
            "participant": participant,
            "registration": registration or participant.registration,
        },
    )


@login_required
@require_POST
def registration_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = event_for(request, slug)
    registration = get_object_or_404(selectors.registrations_of(event, request.user), pk=pk)
    try:
        services.registration_cancel(registration=registration, by=request.user)
    except (ValidationError, PermissionDenied) as error:
        report(request, error)
    else:
        messages.success(request, _("The registration was cancelled."))
    return redirect(event)


STATUS_FILTERS = dict(RStatus.choices)


@login_required
def registration_list(request: HttpRequest, slug: str) -> HttpResponse:
    event = organised(request, slug)
    status = request.GET.get("status", "")
    rows = (
        selectors.registrations_of(event, request.user)
        .select_related("registered_by")
        .annotate(people=Count("participants", distinct=True))
        .prefetch_related(
            Prefetch(
                "profiles",
                queryset=CooperationProfile.objects.filter(
                    status=CooperationProfile.Status.PUBLISHED
                ).order_by("pk"),
            ),
            Prefetch("participants", queryset=Participant.objects.select_related("user")),
        )
        .order_by("status", "created_at", "pk")
    )
    if status in STATUS_FILTERS:
        rows = rows.filter(status=status)
    else:
        status = ""
    counts = dict(
        Registration.objects.filter(event=event)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    page = paginate(request, rows)
    return render(
        request,
        "events/registration_list.html",
        {
            "event": event,
            "zone": zone_name(event),
            "page_obj": page,
            "status": status,
            "filters": [(code, label, counts.get(code, 0)) for code, label in RStatus.choices],
            "total": sum(counts.values()),
            "query": f"status={status}" if status else "",
        },
    )


@login_required
@require_POST
def registration_decide(request: HttpRequest, slug: str, pk: int, decision: str) -> HttpResponse:
    event = organised(request, slug)
    service = {
        "approve": services.registration_approve,
        "reject": services.registration_reject,
    }.get(decision)
    if service is None:
        raise Http404
    registration = get_object_or_404(
        Registration.objects.select_related("event", "organisation"), pk=pk, event=event
    )
    try:
        service(registration=registration, by=request.user)
    except (ValidationError, PermissionDenied) as error:
        report(request, error)
    else:
        done = (
            _("%(organisation)s is approved.")
            if decision == "approve"
            else _("%(organisation)s is rejected; its meetings at the event were cancelled.")
        )
        messages.success(request, done % {"organisation": registration.organisation.name})
    url = reverse("events:registrations", kwargs={"slug": event.slug})
    back = request.POST.get("status", "")
    return redirect(f"{url}?status={back}" if back in STATUS_FILTERS else url)
