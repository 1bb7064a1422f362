"""Meeting requests at an event: a participant's sent and received ones with their answers,
and for organisers every request and a form to add a meeting between two participants."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from corridor.core.timezones import user_zone

from .. import selectors, services
from ..forms import OrganiserMeetingForm
from ..models import Event, MeetingRequest
from .common import add_service_errors, event_for, paginate, report, zone_name

QStatus = MeetingRequest.Status
LIVE = (QStatus.PENDING, QStatus.ACCEPTED)
ACTIONS = {
    "accept": (services.request_accept, _("The request is accepted; the scheduler may place it.")),
    "decline": (services.request_decline, _("The request is declined.")),
    "cancel": (services.request_cancel, _("The request is cancelled.")),
}


def _page(request: HttpRequest, event: Event, form=None, status: int = 200) -> HttpResponse:
    user = request.user
    organiser = services.can_organise(user, event)
    me = selectors.participant_for(user, event)
    if not organiser and me is None:
        raise PermissionDenied(_("Meeting requests are shown to participants and organisers."))
    context = {
        "event": event,
        "zone": zone_name(event),
        "viewer_zone": user_zone(user).key,
        "is_organiser": organiser,
        "me": me,
        "sent": [],
        "received": [],
    }
    if me is not None:
        lists = selectors.requests_for(me)
        context["sent"], context["received"] = list(lists.sent), list(lists.received)
    if organiser:
        wanted = request.GET.get("status", "")
        everyone = selectors.organiser_requests(event)
        if wanted in QStatus.values:
            everyone = everyone.filter(status=wanted)
        else:
            wanted = ""
        context["page_obj"] = paginate(request, everyone)
        context["status"] = wanted
        context["statuses"] = QStatus.choices
        context["query"] = f"status={wanted}" if wanted else ""
        context["add_form"] = form or OrganiserMeetingForm(
            participants=selectors.participants_of(event)
        )
    return render(request, "events/request_list.html", context, status=status)


@login_required
def request_list(request: HttpRequest, slug: str) -> HttpResponse:
    return _page(request, event_for(request, slug))


@login_required
@require_POST
def request_answer(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    event = event_for(request, slug)
    if action not in ACTIONS:
        raise Http404
    meeting_request = get_object_or_404(
        MeetingRequest.objects.select_related("event", "requester__user", "recipient__user"),
        pk=pk,
        event=event,
    )
    user = request.user
    sides = (meeting_request.requester.user_id, meeting_request.recipient.user_id)
    if user.pk not in sides and not services.can_organise(user, event):
        raise Http404  # nobody learns of requests that are not theirs
    service, done = ACTIONS[action]
    try:
        service(request=meeting_request, by=user)
    except (ValidationError, PermissionDenied) as error:
        report(request, error)
    else:
        messages.success(request, done)
    return redirect("events:requests", slug=event.slug)


@login_required
@require_POST
def meeting_add(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_for(request, slug)
    if not services.can_organise(request.user, event):
        raise PermissionDenied(_("Only the event's organisers may add meetings."))
    form = OrganiserMeetingForm(request.POST, participants=selectors.participants_of(event))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.organiser_meeting_add(
                event=event, by=request.user, a=data["a"], b=data["b"], priority=data["priority"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The meeting was added; the scheduler will place it."))
            return redirect("events:requests", slug=event.slug)
    return _page(request, event, form=form)
