"""Account pages: who you are, which authorities and organisations you act for, your e-mails."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .forms import PreferencesForm
from .services import user_preferences_update


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = PreferencesForm.for_user(user, request.POST)
        if form.is_valid():
            user_preferences_update(
                user=user, by=user, match_digest=form.cleaned_data["match_digest"]
            )
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
