"""The organisers' sessions page: each session with its breaks and the slots they leave, a
form to add one, and each session's own page to change or remove it. Times are typed and
shown on the event's clock."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from .. import services
from ..forms import SessionForm
from ..models import Session
from .common import add_service_errors, organised, report, zone_name
from .events import _sessions


@login_required
@require_http_methods(["GET", "POST"])
def session_list(request: HttpRequest, slug: str) -> HttpResponse:
    event = organised(request, slug)
    form = SessionForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_add(event=event, by=request.user, **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The session was added with its slots."))
            return redirect("events:session_list", slug=event.slug)
    return render(
        request,
        "events/session_list.html",
        {"event": event, "zone": zone_name(event), "sessions": _sessions(event), "form": form},
    )


def _session(event, pk: int) -> Session:
    return get_object_or_404(Session.objects.prefetch_related("breaks"), pk=pk, event=event)


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = organised(request, slug)
    session = _session(event, pk)
    form = SessionForm(request.POST or None, event=event, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(session=session, by=request.user, **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The session was saved; its slots follow."))
            return redirect("events:session_list", slug=event.slug)
    return render(
        request,
        "events/session_form.html",
        {"event": event, "zone": zone_name(event), "session": session, "form": form},
    )


@login_required
@require_POST
def session_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = organised(request, slug)
    session = _session(event, pk)
    try:
        services.session_remove(session=session, by=request.user)
    except (ValidationError, PermissionDenied) as error:
        report(request, error)
    else:
        messages.success(request, _("The session was removed."))
    return redirect("events:session_list", slug=event.slug)
