"""Personal agendas (page and PDF), calendar feeds and single-meeting files, and the
organisers' master schedule with its CSV, XLSX and PDF exports.

Who sees what: a participant their own agenda and meetings; the event's organisers any
participant's agenda (``?participant=ID``), any meeting and the master schedule; everyone
else gets a 404 (a 403 for the master schedule of a published event, as on the other
organisers' pages). The calendar feed is read by calendar clients that cannot sign in:
its secret token is the only key, and an unknown token is a 404.
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from corridor.core.pdf import html_to_pdf

from . import exports, selectors, services
from .agendas import agenda, in_columns, master_schedule, meetings_with_people
from .calendar import feed_ics, feed_url
from .calendar import meeting_ics as build_meeting_ics
from .models import Event, Participant
from .views.common import event_for, organised, zone_name

LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)
# What new_feed_token makes (URL-safe base64); anything else is no token of ours, and never
# reaches the database (a NUL byte would make PostgreSQL fail the query).
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _participant(event: Event, pk: int) -> Participant | None:
    return (
        Participant.objects.filter(pk=pk, registration__event=event)
        .select_related("user", "registration__organisation", "registration__event")
        .first()
    )


def _agenda_owner(request: HttpRequest, event: Event) -> tuple[Participant | None, bool]:
    """Whose agenda to show, and whether the viewer organises the event.

    ``?participant=ID``: organisers may name anyone at the event, a participant only
    themselves. Without it: the viewer's own participation; None for an organiser who
    takes no part (they choose someone). Anyone else: 404.
    """
    organiser = services.can_organise(request.user, event)
    wanted = request.GET.get("participant", "")
    if wanted:
        number = wanted.isascii() and wanted.isdigit() and len(wanted) <= 18  # fits a bigint
        participant = _participant(event, int(wanted)) if number else None
        if participant is None or not (organiser or participant.user_id == request.user.pk):
            raise Http404("No such participant.")
        return participant, organiser
    participant = selectors.participant_for(request.user, event)
    if participant is None and not organiser:
        raise Http404("You take no part in this event.")
    return participant, organiser


def _webcal(url: str) -> str:
    # Apple and Outlook subscribe (rather than import once) when given webcal://.
    return "webcal://" + url.split("://", 1)[1] if "://" in url else url


@login_required
@require_GET
def agenda_page(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_for(request, slug)
    participant, organiser = _agenda_owner(request, event)
    context = {"event": event, "is_organiser": organiser, "event_zone": zone_name(event)}
    if participant is None:  # an organiser choosing whose agenda to read
        context["choices"] = selectors.participants_of(event)
        return render(request, "events/agenda.html", context)
    own = participant.user_id == request.user.pk
    context.update(
        {
            "agenda": agenda(participant),
            "participant": participant,
            "own": own,
            "query": "" if own else f"?participant={participant.pk}",
            "languages": [(code, name) for code, name in settings.LANGUAGES],
        }
    )
    if own:  # the secret address is shown to its owner only
        url = feed_url(participant)
        context.update({"feed_url": url, "webcal_url": _webcal(url)})
    return render(request, "events/agenda.html", context)


def agenda_html(participant: Participant, *, language: str) -> str:
    """The participant's agenda for the PDF, in ``language`` and the participant's zone."""
    the_agenda = agenda(participant)
    with translation.override(language):
        return render_to_string(
            "events/agenda_pdf.html",
            {
                "agenda": the_agenda,
                "event": the_agenda.event,
                "participant": participant,
                "language": language,
                "rtl": translation.get_language_bidi(),
                "generated_at": timezone.now(),
            },
        )


@login_required
@require_GET
def agenda_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_for(request, slug)
    participant, _organiser = _agenda_owner(request, event)
    if participant is None:
        raise Http404("Choose a participant.")
    # The participant's language unless the reader asks for another (?lang=en|zh-hans|ur).
    language = request.GET.get("lang", "")
    if language not in LANGUAGES:
        language = participant.user.language if participant.user.language in LANGUAGES else "en"
    response = HttpResponse(
        html_to_pdf(agenda_html(participant, language=language)), content_type="application/pdf"
    )
    name = f"{event.slug}-agenda-{participant.pk}-{language}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Calendars ----------------------------------------------------------------------------


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The subscription feed: no sign-in, the token is the key (404 for an unknown one)."""
    participant = None
    if TOKEN.fullmatch(token):
        participant = (
            Participant.objects.filter(feed_token=token)
            .select_related("user", "registration__event")
            .first()
        )
    if participant is None:
        raise Http404("No such calendar.")
    content = feed_ics(participant)
    etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    unchanged = get_conditional_response(request, etag=etag)
    response = unchanged or HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["ETag"] = etag
    # Clients poll; each poll may revalidate with the ETag. Nobody else should keep a copy.
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Content-Disposition"] = (
        f'inline; filename="{participant.registration.event.slug}.ics"'
    )
    return response


@login_required
@require_POST
def feed_reset(request: HttpRequest, slug: str) -> HttpResponse:
    """A new secret address for the viewer's own feed; the old one stops working."""
    event = event_for(request, slug)
    participant = selectors.participant_for(request.user, event)
    if participant is None:
        raise Http404("You take no part in this event.")
    participant = services.feed_token_reset(participant=participant, by=request.user)
    messages.success(
        request,
        _(
            "Your calendar has a new address: %(url)s. The old address no longer works: "
            "subscribe to the new one in your calendar program."
        )
        % {"url": feed_url(participant)},
    )
    return redirect(reverse("events:agenda", kwargs={"slug": event.slug}) + "#calendar")


@login_required
@require_GET
def meeting_ics(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One meeting as a .ics file, for its two people and the organisers."""
    event = event_for(request, slug)
    meeting = get_object_or_404(meetings_with_people(), pk=pk, event=event)
    people = {p.user_id: p for p in (meeting.request.requester, meeting.request.recipient)}
    viewer = people.get(request.user.pk)
    if viewer is None and not services.can_organise(request.user, event):
        raise Http404("No such meeting.")
    content = build_meeting_ics(
        meeting, viewer=viewer, language=translation.get_language() or settings.LANGUAGE_CODE
    )
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{event.slug}-meeting-{meeting.pk}.ics"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- The master schedule ------------------------------------------------------------------


@login_required
@require_GET
def master_schedule_page(request: HttpRequest, slug: str) -> HttpResponse:
    event = organised(request, slug)
    return render(
        request,
        "events/master_schedule.html",
        {
            "event": event,
            "is_organiser": True,
            "zone": zone_name(event),
            "grids": master_schedule(event),
        },
    )


# Tables side by side on a landscape A4 page; wider sessions continue on the next page.
PDF_COLUMNS = 8


def master_schedule_html(event: Event, *, language: str) -> str:
    """The master schedule for the PDF, in ``language``, on the event's clock."""
    grids = [part for grid in master_schedule(event) for part in in_columns(grid, PDF_COLUMNS)]
    with translation.override(language):
        return render_to_string(
            "events/master_schedule_pdf.html",
            {
                "event": event,
                "grids": grids,
                "zone": zone_name(event),
                "language": language,
                "rtl": translation.get_language_bidi(),
            },
        )


@login_required
@require_GET
def master_schedule_export(request: HttpRequest, slug: str, format: str) -> HttpResponse:
    event = organised(request, slug)
    if format not in (*exports.FORMATS, "pdf"):
        raise Http404("No such format.")
    if format == "pdf":
        language = translation.get_language() or settings.LANGUAGE_CODE
        content = html_to_pdf(master_schedule_html(event, language=language))
        kind = "application/pdf"
    elif format == "csv":
        content, kind = exports.csv_bytes(event), "text/csv; charset=utf-8"
    else:
        content = exports.xlsx_bytes(event, rtl=translation.get_language_bidi())
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(event, format)}"'
    response["Cache-Control"] = "private, no-store"
    return response
