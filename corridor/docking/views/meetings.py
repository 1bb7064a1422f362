"""Meeting pages: the meetings part of an introduction's page, the meeting form, the
actions (accept, reschedule, cancel, mark held) and the ``.ics`` invitation.

Each reader sees every time twice: on their own clock and on the clock of the side that
proposed it ("10:00 Asia/Karachi (13:00 Asia/Shanghai)"). Pages reach a meeting only
through ``selectors.meetings.meeting_for`` (404 for anyone who is neither a party nor a
broker) and change it only through ``services.meetings``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import parties
from ..calendar import meeting_ics as build_ics
from ..forms.meetings import MarkForm, MeetingForm, duration_label
from ..models import Interest, Meeting
from ..selectors.meetings import MeetingView, meeting_for, meeting_views, meetings_of
from ..services import meetings as services

STATUS_LABELS = dict(Meeting.Status.choices)
FORMAT_LABELS = dict(Meeting.Format.choices)
OUTCOME_LABELS = {
    services.HELD: _("held"),
    services.NOT_HELD: _("not held"),
    services.UNKNOWN: _("not yet known"),
}
MARK_LABELS = {True: _("held"), False: _("not held"), None: _("not said yet")}
# Hours and minutes on the 24-hour clock in every language: two zones side by side are
# compared at a glance, with no a.m./p.m. to translate.
CLOCK = "H:i"


# --- How a meeting reads -------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """A meeting's date and hours on one zone's clock, formatted in the active language."""

    date: str
    hours: str  # "10:00–11:00"
    zone: str

    @classmethod
    def of(cls, starts: datetime.datetime, ends: datetime.datetime, zone: str) -> Clock:
        return cls(
            date=formats.date_format(starts, "DATE_FORMAT"),
            hours=f"{formats.date_format(starts, CLOCK)}–{formats.date_format(ends, CLOCK)}",
            zone=zone,
        )


@dataclass(frozen=True)
class ShownMeeting:
    view: MeetingView
    local: Clock  # the reader's clock
    proposer: Clock | None  # the proposer's clock, when it is not the reader's zone
    status: str
    format: str
    duration: str
    proposed_by: str
    outcome: str
    marks: list[tuple[str, str]]  # (side, what it said)

    @property
    def meeting(self) -> Meeting:
        return self.view.meeting


def _side_label(interest: Interest, role: str, view: MeetingView) -> str:
    if role == view.viewer_side:
        return str(_("your organisation"))
    if interest.is_revealed:
        organisation = interest.profile.organisation if role == "owner" else interest.organisation
        return organisation.name
    return str(_("the profile's organisation") if role == "owner" else _("the interested one"))


def shown(view: MeetingView) -> ShownMeeting:
    meeting, interest = view.meeting, view.meeting.interest
    return ShownMeeting(
        view=view,
        local=Clock.of(view.starts_local, view.ends_local, view.viewer_zone),
        proposer=(
            None
            if view.same_zone
            else Clock.of(view.starts_proposer, view.ends_proposer, view.proposer_zone)
        ),
        status=str(STATUS_LABELS[meeting.status]),
        format=str(FORMAT_LABELS[meeting.format]),
        duration=str(duration_label(view.duration_minutes)),
        proposed_by=_side_label(interest, view.proposed_by, view),
        outcome=str(OUTCOME_LABELS[view.outcome]),
        marks=[
            (_side_label(interest, role, view), str(MARK_LABELS[held]))
            for role, held in view.marks.items()
        ],
    )


def meetings_context(interest: Interest, user, *, now=None) -> dict:
    """What ``docking/includes/meetings.html`` needs, merged into the interest page's context."""
    can_propose = services.can_propose_meeting(interest, user)
    return {
        "meeting_items": [shown(v) for v in meeting_views(meetings_of(interest), user, now=now)],
        "meeting_interest": interest,
        "can_propose_meeting": can_propose,
        "meeting_form": MeetingForm(user=user) if can_propose else None,
        "meeting_mark_form": MarkForm(),
    }


# --- Where to go back to ------------------------------------------------------------------


def _back(interest: Interest) -> str:
    try:
        return reverse("docking:interest_detail", args=[interest.pk]) + "#meetings"
    except NoReverseMatch:  # the interest pages are not mounted (yet): the profile's page
        return reverse("docking:profile_detail", kwargs={"pk": interest.profile_id})


def _report(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _add_service_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    names = {"starts_at": "date"}
    for name, errors in error.message_dict.items():
        name = names.get(name, name)
        form.add_error(name if name in form.fields else None, errors)


def _form_page(request, form, *, interest: Interest, meeting: Meeting | None = None):
    return render(
        request,
        "docking/meeting_form.html",
        {"form": form, "interest": interest, "meeting": meeting, "back": _back(interest)},
    )


# --- Writing --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meeting_propose(request: HttpRequest, interest_pk: int) -> HttpResponse:
    interest = parties.interest_for(request.user, interest_pk)
    if parties.party_organisation_id(request.user, interest) is None:
        raise PermissionDenied(_("Only the two parties of the introduction arrange meetings."))
    form = MeetingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_propose(
                interest=interest,
                by=request.user,
                agenda=form.cleaned_data["agenda"],
                **form.service_arguments(),
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("The meeting was proposed to the other side."))
            return redirect(_back(interest))
    return _form_page(request, form, interest=interest)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_for(request.user, pk)
    if "reschedule" not in services.meeting_actions(meeting, request.user):
        if parties.party_organisation_id(request.user, meeting.interest) is None:
            raise PermissionDenied(_("Only the two parties of the introduction arrange meetings."))
        messages.error(request, _("This meeting cannot be rescheduled."))
        return redirect(_back(meeting.interest))
    form = MeetingForm(request.POST or None, user=request.user, meeting=meeting)
    del form.fields["agenda"]  # the agenda stays; a new time is what is proposed
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_reschedule(
                meeting=meeting, by=request.user, **form.service_arguments()
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("The new time was proposed to the other side."))
            return redirect(_back(meeting.interest))
    return _form_page(request, form, interest=meeting.interest, meeting=meeting)


def _act(request: HttpRequest, pk: int, service, done, **arguments) -> HttpResponse:
    meeting = meeting_for(request.user, pk)
    try:
        service(meeting=meeting, by=request.user, **arguments)
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, done)
    return redirect(_back(meeting.interest))


@login_required
@require_POST
def meeting_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.meeting_accept, _("The meeting is agreed."))


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.meeting_cancel, _("The meeting was cancelled."))


@login_required
@require_POST
def meeting_mark(request: HttpRequest, pk: int) -> HttpResponse:
    form = MarkForm(request.POST)
    if not form.is_valid():
        meeting = meeting_for(request.user, pk)  # 404 first: nothing to say to outsiders
        messages.error(request, _("Say whether the meeting was held."))
        return redirect(_back(meeting.interest))
    return _act(
        request, pk, services.meeting_mark, _("Thank you: your answer was recorded."),
        held=form.cleaned_data["held"],
    )  # fmt: skip


# --- The invitation -------------------------------------------------------------------------


def ics_response(meeting: Meeting, language: str) -> HttpResponse:
    response = HttpResponse(
        build_ics(meeting, language=language), content_type="text/calendar; charset=utf-8"
    )
    name = f"{meeting.interest.reference}-meeting-{meeting.pk}.ics"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_for(request.user, pk)
    return ics_response(meeting, translation.get_language() or "en")
