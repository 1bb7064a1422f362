"""The printable report for the joint committee: the ledger as a PDF in any of the three
languages, drawn by WeasyPrint from ``insights/report.html``.

The report needs nothing from the network: the chart is inline SVG, the styles are in
the page, fonts are the machine's; ``corridor.core.pdf`` renders it with a URL fetcher
that refuses every address that is not a ``data:`` URL.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from corridor.core.pdf import offline_fetcher as _offline_fetcher  # noqa: F401  (its tests use it)
from corridor.core.pdf import render_html

from .charts import funnel_chart, percent
from .selectors import LedgerFilters, definitions, funnel, kpis

REPORT_LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


def report_html(filters: LedgerFilters, *, language: str, now: dt.datetime | None = None) -> str:
    """The report's HTML in ``language``."""
    now = now or timezone.now()
    with translation.override(language):
        the_funnel, the_kpis = funnel(filters), kpis(filters)
        rtl = translation.get_language_bidi()
        return render_to_string(
            "insights/report.html",
            {
                "language": language,
                "rtl": rtl,
                "funnel": the_funnel,
                "stages": [
                    {
                        "stage": s,
                        "from_previous": percent(s.from_previous),
                        "from_interests": percent(s.from_interests),
                    }
                    for s in the_funnel.stages
                ],
                "kpis": the_kpis,
                "held_share": percent(the_kpis.meetings.held_share),
                "chart": funnel_chart(the_funnel, rtl=rtl),
                "filters": filters.described(),
                "definitions": definitions(),
                "generated_at": now,
            },
        )


def render_report(filters: LedgerFilters, *, language: str, now: dt.datetime | None = None):
    """The report laid out by WeasyPrint (a ``weasyprint.Document``) in ``language``."""
    if language not in REPORT_LANGUAGES:
        raise ValueError(f"No report in {language!r}")
    return render_html(report_html(filters, language=language, now=now))


def report_pdf(filters: LedgerFilters, *, language: str, now: dt.datetime | None = None) -> bytes:
    """The report as PDF bytes in ``language`` (one of ``REPORT_LANGUAGES``)."""
    return render_report(filters, language=language, now=now).write_pdf()
