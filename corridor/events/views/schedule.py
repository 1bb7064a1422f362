"""The organisers' scheduler page: run the scheduler (dry run or publish), the last runs and
their figures, why accepted requests were left out, and the schedule with lock, unlock and
check-in for each meeting."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from .. import services
from ..forms import ScheduleRunForm
from ..models import Event, ScheduledMeeting, ScheduleRun
from ..scheduler import REASON_LABELS, unplaced_text
from .common import add_service_errors, organised, paginate, report, zone_name

RUNS_SHOWN = 10
MStatus = ScheduledMeeting.Status


@dataclass(frozen=True)
class Unplaced:
    request: int
    reason: str  # the code
    label: str  # the reason in words
    between: list[str]
    detail: str


def _unplaced(run: ScheduleRun | None, zone: str) -> list[Unplaced]:
    if run is None:
        return []
    return [
        Unplaced(
            request=item.get("request"),
            reason=item.get("reason", ""),
            label=str(REASON_LABELS.get(item.get("reason"), item.get("reason", ""))),
            between=list(item.get("between") or []),
            detail=str(unplaced_text(item, zone_name=zone)),
        )
        for item in run.unplaced or []
    ]


def _page(request: HttpRequest, event: Event, form: ScheduleRunForm) -> HttpResponse:
    zone = zone_name(event)
    runs = list(ScheduleRun.objects.filter(event=event).select_related("started_by")[:RUNS_SHOWN])
    for run in runs:
        gap = run.gap
        run.gap_percent = (
            "" if gap is None else _("%(gap)s %%") % {"gap": formats.number_format(gap * 100, 2)}
        )
    running = next((r for r in runs if r.status == ScheduleRun.Status.RUNNING), None)
    latest = next((r for r in runs if r.status == ScheduleRun.Status.DONE), None)
    meetings = paginate(
        request,
        ScheduledMeeting.objects.filter(event=event, status=MStatus.SCHEDULED).select_related(
            "slot__session",
            "request__requester__user",
            "request__requester__registration__organisation",
            "request__recipient__user",
            "request__recipient__registration__organisation",
        ),
    )
    return render(
        request,
        "events/schedule.html",
        {
            "event": event,
            "zone": zone,
            "form": form,
            "runs": runs,
            "running": running,
            "latest": latest,
            "unplaced": _unplaced(latest, zone),
            "page_obj": meetings,
            "now": timezone.now(),
        },
    )


def _announce(request: HttpRequest, run: ScheduleRun) -> None:
    if run.status != ScheduleRun.Status.DONE:
        messages.error(request, run.error or _("The scheduler failed; nothing was published."))
        return
    figures = {"placed": run.placed, "unplaced": len(run.unplaced or [])}
    if run.published_at:
        text = ngettext(
            "The schedule is published: %(placed)d meeting placed, %(unplaced)d left out.",
            "The schedule is published: %(placed)d meetings placed, %(unplaced)d left out.",
            run.placed,
        )
    else:
        text = ngettext(
            "Dry run: %(placed)d meeting would be placed, %(unplaced)d left out; "
            "nothing was published.",
            "Dry run: %(placed)d meetings would be placed, %(unplaced)d left out; "
            "nothing was published.",
            run.placed,
        )
    messages.success(request, text % figures)


@login_required
@require_http_methods(["GET", "POST"])
def schedule_page(request: HttpRequest, slug: str) -> HttpResponse:
    event = organised(request, slug)
    form = ScheduleRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.schedule_run(
                event=event,
                by=request.user,
                time_limit=form.cleaned_data["time_limit"],
                publish=form.cleaned_data["publish"],
            )
        except ValidationError as error:
            if "time_limit" in getattr(error, "error_dict", {}):
                add_service_errors(form, error)
                return _page(request, event, form)
            report(request, error)  # e.g. another organiser's run is going on
        else:
            _announce(request, run)
        return redirect("events:schedule", slug=event.slug)
    return _page(request, event, form)


ACTIONS = {
    "lock": (services.meeting_lock, {}, _("The meeting is locked where it is.")),
    "unlock": (services.meeting_unlock, {}, _("The scheduler may move the meeting again.")),
    "held": (services.meeting_check_in, {"held": True}, _("The meeting is marked held.")),
    "not_held": (
        services.meeting_check_in,
        {"held": False},
        _("The meeting is marked not held."),
    ),
}


@login_required
@require_POST
def meeting_action(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    event = organised(request, slug)
    if action not in ACTIONS:
        raise Http404
    meeting = get_object_or_404(
        ScheduledMeeting.objects.select_related("event"), pk=pk, event=event
    )
    service, arguments, done = ACTIONS[action]
    try:
        service(meeting=meeting, by=request.user, **arguments)
    except (ValidationError, PermissionDenied) as error:
        report(request, error)
    else:
        messages.success(request, done)
    page = request.POST.get("page", "")
    url = reverse("events:schedule", kwargs={"slug": event.slug})
    query = f"?page={page}" if page.isdigit() else ""
    return redirect(f"{url}{query}#meeting-{meeting.pk}")
