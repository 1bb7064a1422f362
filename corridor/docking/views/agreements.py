"""Pages of agreements: the ledger of what docking led to, one agreement, recording and
changing one. Reads go through ``selectors.agreements`` (404 for those who may not see),
writes through ``services.agreements``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from corridor.core.timezones import user_zone

from .. import parties
from ..forms.agreements import (
    AgreementChangeForm,
    AgreementFilterForm,
    AgreementForm,
    StaffAgreementForm,
)
from ..models import Agreement, Interest
from ..selectors.agreements import (
    agreement_for,
    agreements_filter,
    agreements_of_interest,
    agreements_visible_to,
    linked_profiles,
)
from ..services import agreements as services
from .profiles import _add_service_errors, _paginate, _query_without_page


def _can_record_here(interest: Interest, user) -> bool:
    """The interest page offers the form to the parties of the open introduction only;
    brokers read along (staff report agreements from their own page)."""
    return (
        services.can_record_for_interest(user, interest)
        and parties.party_organisation_id(user, interest) is not None
    )


def _interest_url(interest: Interest) -> str:
    try:
        return reverse("docking:interest_detail", args=[interest.pk]) + "#agreements"
    except NoReverseMatch:  # the interest pages are not mounted: the profile's page
        return reverse("docking:profile_detail", kwargs={"pk": interest.profile_id})


def agreements_context(interest: Interest, user) -> dict:
    """What ``docking/includes/agreements.html`` needs on the interest page."""
    can_record = _can_record_here(interest, user)
    return {
        "agreements": agreements_of_interest(interest, user),
        "agreement_interest": interest,
        "can_record_agreement": can_record,
        "agreement_form": AgreementForm(interest=interest, user=user) if can_record else None,
    }


# --- Reading --------------------------------------------------------------------------


@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = AgreementFilterForm(request.GET or None)
    rows = agreements_visible_to(user)
    if form.is_bound and not form.is_valid():
        rows = rows.none()
    elif form.is_bound:
        rows = agreements_filter(rows, **form.filters())
    return render(
        request,
        "docking/agreement_list.html",
        {
            "form": form,
            "page_obj": _paginate(request, rows),
            "query": _query_without_page(request),
            "can_report": services.can_record_directly(user),
        },
    )


def _meetings_shown(agreement: Agreement, user) -> list[dict]:
    zone = user_zone(user)
    return [{"meeting": m, "zone": zone} for m in agreement.meetings.all()]


@login_required
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for(request.user, pk)
    return render(
        request,
        "docking/agreement_detail.html",
        {
            "agreement": agreement,
            "meetings": _meetings_shown(agreement, request.user),
            "profiles": linked_profiles(agreement, request.user),
            "can_change": services.can_change_agreement(request.user, agreement),
            "interest_url": _interest_url(agreement.interest) if agreement.interest else "",
        },
    )


# --- Recording ------------------------------------------------------------------------


def _record(request: HttpRequest, form, *, interest: Interest | None, extra: dict) -> HttpResponse:
    """Validate ``form`` and record; on success go to the new agreement's page."""
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.agreement_record(
                by=request.user, interest=interest, **form.service_fields(), **extra
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        except PermissionDenied as error:
            # Staff naming no party of their own country: the form says so, nothing is lost.
            form.add_error("parties" if "parties" in form.fields else None, str(error))
        else:
            messages.success(
                request,
                _("The agreement was recorded as %(reference)s. Its parties are told.")
                % {"reference": agreement.reference},
            )
            return redirect(agreement.get_absolute_url())
    return render(
        request,
        "docking/agreement_form.html",
        {
            "form": form,
            "interest": interest,
            "agreement": None,
            "back": _interest_url(interest) if interest else reverse("docking:agreement_list"),
        },
    )


@login_required
def agreement_create(request: HttpRequest) -> HttpResponse:
    """Authority staff (and admins) report an agreement they learnt of, naming its parties."""
    if not services.can_record_directly(request.user):
        raise PermissionDenied(
            _("Agreements outside an introduction are reported by authority staff.")
        )
    form = StaffAgreementForm(request.POST or None, user=request.user)
    return _record(request, form, interest=None, extra={})


@login_required
def interest_agreement_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A party of an open introduction records what the two sides signed."""
    interest = parties.interest_for(request.user, pk)  # 404 for everyone else
    if not _can_record_here(interest, request.user):
        if parties.party_organisation_id(request.user, interest) is None:
            raise PermissionDenied(_("Only the parties record an introduction's agreements here."))
        messages.error(
            request,
            _(
                "Agreements are recorded for open introductions: accepted, with both sides known to each other."
            ),
        )
        return redirect(_interest_url(interest))
    form = AgreementForm(request.POST or None, interest=interest, user=request.user)
    sides = [parties.owner_organisation_id(interest), interest.organisation_id]
    return _record(request, form, interest=interest, extra={"parties": sides})


# --- Changing -------------------------------------------------------------------------


@login_required
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for(request.user, pk)
    if not services.can_change_agreement(request.user, agreement):
        raise PermissionDenied(
            _("Only the parties and their authorities' staff change an agreement.")
        )
    form = AgreementChangeForm(request.POST or None, agreement=agreement)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_update(agreement=agreement, by=request.user, **form.service_fields())
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("The agreement was saved."))
            return redirect(agreement.get_absolute_url())
    return render(
        request,
        "docking/agreement_form.html",
        {
            "form": form,
            "agreement": agreement,
            "interest": None,
            "back": agreement.get_absolute_url(),
        },
    )
