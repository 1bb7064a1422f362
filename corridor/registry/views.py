"""Public pages of the registry: home, zones, the organisation directory, and editing."""

from __future__ import annotations

import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from corridor.core.permissions import can_edit_organisation

from . import services
from .facets import Facet
from .forms import OrganisationFilterForm, OrganisationForm
from .models import Organisation, Zone
from .selectors import (
    OrganisationFilters,
    organisations_filtered,
    organisations_listed,
    sector_tree,
    zone_parks,
    zone_roots,
)


class _IdsFirstPaginator(Paginator):
    """Finds a page's ids first, then reads only those rows, with ``rows(ids)``.

    The ids come from an index of (name, id), so a deep page (OFFSET 97,000) skips index
    entries instead of reading every skipped organisation from the table.
    """

    def __init__(self, object_list, per_page, *, rows):
        super().__init__(object_list, per_page)
        self._rows = rows

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = self.object_list.prefetch_related(None).select_related(None).values("pk")
        return self._get_page(self._rows(ids[bottom:top]), number, self)


def _page(request: HttpRequest, queryset, count: int | None = None) -> Page:
    # get_page turns page=abc into the first page and page=999999 into the last.
    paginator = _IdsFirstPaginator(queryset, settings.CORRIDOR_PAGE_SIZE, rows=organisations_listed)
    if count is not None:
        paginator.count = count  # already counted with the facets: no COUNT(*) again
    return paginator.get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _link_facets(request: HttpRequest, facets: list[Facet]) -> list[Facet]:
    for facet in facets:
        base = request.GET.copy()
        base.pop("page", None)
        facet.selected = bool(base.pop(facet.name, None))
        facet.clear_url = "?" + base.urlencode()
        for option in facet.options:
            query = base.copy()
            if not option.selected:
                query[facet.name] = option.value
            option.url = "?" + query.urlencode()
    return facets


def home(request: HttpRequest) -> HttpResponse:
    by_country = list(
        Organisation.objects.filter(is_active=True)
        .values_list("country")
        .annotate(n=Count("pk"))
        .order_by("-n", "country")
    )
    return render(
        request,
        "registry/home.html",
        {
            "zone_count": Zone.objects.count(),
            "organisation_count": sum(n for _code, n in by_country),
            "by_country": [
                {"code": code, "name": countries.name(code), "count": n} for code, n in by_country
            ],
            "sectors": sector_tree(),
            "search_form": OrganisationFilterForm(),
        },
    )


def zone_list(request: HttpRequest) -> HttpResponse:
    zones = list(zone_roots())
    for zone in zones:
        # A zone's organisations include its member parks' (as its directory filter does).
        zone.total_count = zone.organisation_count + sum(
            park.organisation_count for park in zone.children.all()
        )
    return render(request, "registry/zone_list.html", {"zones": zones})


def zone_detail(request: HttpRequest, slug: str) -> HttpResponse:
    zone = get_object_or_404(
        Zone.objects.select_related("parent", "authority", "operator").prefetch_related(
            "focus_sectors"
        ),
        slug=slug,
    )
    parks = zone_parks(zone)
    organisations = organisations_filtered(OrganisationFilters(zone=zone.slug))
    return render(
        request,
        "registry/zone_detail.html",
        {
            "zone": zone,
            "parks": parks,
            "page_obj": _page(request, organisations),
            "query": _query_without_page(request),
        },
    )


def organisation_list(request: HttpRequest) -> HttpResponse:
    form = OrganisationFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        # A hand-edited address: say what is wrong rather than guess what was meant.
        filters = None
        page_obj = _page(request, Organisation.objects.none(), count=0)
        facets = form.facets(OrganisationFilters(), form.counts(OrganisationFilters()))
    else:
        filters = form.filters() if form.is_bound else OrganisationFilters()
        counts = form.counts(filters)
        page_obj = _page(request, organisations_filtered(filters), count=counts.total)
        facets = form.facets(filters, counts)
    return render(
        request,
        "registry/organisation_list.html",
        {
            "form": form,
            "filters": filters,
            "facets": _link_facets(request, facets),
            "page_obj": page_obj,
            "query": _query_without_page(request),
        },
    )


def _organisation(request: HttpRequest, slug: str) -> Organisation:
    organisation = get_object_or_404(
        Organisation.objects.select_related("zone__parent").prefetch_related("sectors__parent"),
        slug=slug,
    )
    # Deactivated organisations are gone for the public, still there for their editors.
    if not organisation.is_active and not can_edit_organisation(request.user, organisation):
        raise Http404
    return organisation


def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _organisation(request, slug)
    return render(
        request,
        "registry/organisation_detail.html",
        {
            "organisation": organisation,
            "can_edit": can_edit_organisation(request.user, organisation),
        },
    )


def _add_service_errors(form: OrganisationForm, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@login_required
def organisation_edit(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _organisation(request, slug)
    if not can_edit_organisation(request.user, organisation):
        raise PermissionDenied(
            _("Only the organisation's admins and its authority's staff may edit it.")
        )
    form = OrganisationForm(
        request.POST if request.method == "POST" else None, instance=copy.copy(organisation)
    )
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_update(
                organisation=organisation,
                by=request.user,
                sectors=form.cleaned_data["sectors"],
                **form.service_fields(),
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("The organisation was saved."))
            return redirect(organisation)
    return render(
        request,
        "registry/organisation_form.html",
        {"organisation": organisation, "form": form},
    )
