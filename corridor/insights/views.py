"""The outcome ledger's pages: the dashboard, its CSV and XLSX exports, the PDF report.

For authority staff and platform admins only (403 for anyone else signed in; the sign-in
page for visitors). Every figure is a count or a sum, so no organisation is named on
these pages or in these files.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import exports
from .charts import funnel_chart, percent
from .forms import LedgerFilterForm
from .report import REPORT_LANGUAGES, report_pdf
from .selectors import LedgerFilters, definitions, funnel, kpis, require_ledger_reader


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    require_ledger_reader(request.user)
    form = LedgerFilterForm(request.GET or None)
    context: dict = {"form": form, "definitions": definitions(), "languages": REPORT_LANGUAGES}
    filters = LedgerFilters.parse({}) if not form.is_bound else None
    if form.is_bound and form.is_valid():
        filters = form.filters
    if filters is not None:
        the_funnel, the_kpis = funnel(filters), kpis(filters)
        context.update(
            filters=filters,
            described=filters.described(),
            funnel=the_funnel,
            stages=[
                {
                    "stage": s,
                    "from_previous": percent(s.from_previous),
                    "from_interests": percent(s.from_interests),
                }
                for s in the_funnel.stages
            ],
            chart=funnel_chart(the_funnel, rtl=translation.get_language_bidi()),
            kpis=the_kpis,
            held_share=percent(the_kpis.meetings.held_share),
            query=urlencode(filters.params()),
        )
    return render(request, "insights/dashboard.html", context)


def _filters_or_error(request: HttpRequest) -> LedgerFilters | HttpResponse:
    try:
        return LedgerFilters.parse(request.GET)
    except ValidationError as error:
        lines = [_("The filters in this address are not valid:")]
        lines += [f"{name}: {message}" for name, ms in error.message_dict.items() for message in ms]
        return HttpResponseBadRequest("\n".join(lines), content_type="text/plain; charset=utf-8")


def _attachment(content: bytes, content_type: str, name: str, *, inline=False) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return response


@require_GET
@login_required
def export_csv(request: HttpRequest) -> HttpResponse:
    require_ledger_reader(request.user)
    filters = _filters_or_error(request)
    if isinstance(filters, HttpResponse):
        return filters
    the_funnel = funnel(filters)
    content = exports.csv_bytes(the_funnel, kpis(filters))
    return _attachment(content, "text/csv; charset=utf-8", exports.filename(the_funnel, "csv"))


@require_GET
@login_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    require_ledger_reader(request.user)
    filters = _filters_or_error(request)
    if isinstance(filters, HttpResponse):
        return filters
    the_funnel = funnel(filters)
    content = exports.xlsx_bytes(the_funnel, kpis(filters), rtl=translation.get_language_bidi())
    return _attachment(
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exports.filename(the_funnel, "xlsx"),
    )


@require_GET
@login_required
def report(request: HttpRequest) -> HttpResponse:
    """The PDF for the joint committee, in ``?lang=`` (en, zh-hans, ur; default: the page's)."""
    require_ledger_reader(request.user)
    language = request.GET.get("lang") or translation.get_language()
    if language not in REPORT_LANGUAGES:
        return HttpResponseBadRequest(
            _("There is no report in that language; choose one of: %(languages)s.")
            % {"languages": ", ".join(REPORT_LANGUAGES)},
            content_type="text/plain; charset=utf-8",
        )
    filters = _filters_or_error(request)
    if isinstance(filters, HttpResponse):
        return filters
    content = report_pdf(filters, language=language)
    name = f"corridor-ledger-{filters.date_from}-{filters.date_to}-{language}.pdf"
    return _attachment(content, "application/pdf", name, inline=True)
