"""Account pages: who you are, which authorities and organisations you act for."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "memberships": user.memberships.select_related("organisation").order_by(
                "organisation__name"
            ),
            "authorities": user.authority_staff.select_related("authority").order_by(
                "authority__code"
            ),
        },
    )
