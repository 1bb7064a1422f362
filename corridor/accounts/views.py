"""Account pages: who you are, which authorities and organisations you act for, your
preferences, and your notifications."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from corridor.core.notifications import (
    Reader,
    localized_url,
    notifications_mark_read,
    notifications_of,
    render_all,
)

from .forms import PreferencesForm
from .services import user_preferences_update

MAX_ID = 2**63 - 1  # beyond it, PostgreSQL refuses the comparison


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = PreferencesForm.for_user(user, request.POST)
        if form.is_valid():
            user_preferences_update(user=user, by=user, **form.cleaned_data)
            messages.success(request, _("Your preferences are saved."))
            return redirect("accounts:account")
    else:
        form = PreferencesForm.for_user(user)
    return render(
        request,
        "accounts/account.html",
        {
            "form": form,
            "memberships": user.memberships.select_related("organisation").order_by(
                "organisation__name"
            ),
            "authorities": user.authority_staff.select_related("authority").order_by(
                "authority__code"
            ),
        },
    )


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_of(request.user), settings.CORRIDOR_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    reader = Reader(request.user, translation.get_language())
    return render(
        request,
        "accounts/notifications.html",
        {
            "page_obj": page,
            "items": render_all(page.object_list, reader=reader),
            "zone": reader.zone,
        },
    )


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_read(user=request.user)
    if count:
        messages.success(request, _("All your notifications are marked read."))
    return redirect("accounts:notifications")


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go to what it is about."""
    # Someone else's notification is "not found": its existence is not theirs to know.
    if pk > MAX_ID:
        raise Http404
    notification = get_object_or_404(notifications_of(request.user), pk=pk)
    notifications_mark_read(user=request.user, ids=[notification.pk])
    return redirect(
        localized_url(notification.url, translation.get_language()) or "accounts:notifications"
    )
