"""The printable report for the joint committee: the ledger as a PDF in any of the three
languages, drawn by WeasyPrint from ``insights/report.html``.

The report needs nothing from the network: the chart is inline SVG, the styles are in
the page, fonts are the machine's. The URL fetcher refuses every address that is not a
``data:`` URL, so a stray link in a template can neither leak the report's existence to
another server nor hang the rendering.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .charts import funnel_chart, percent
from .selectors import LedgerFilters, definitions, funnel, kpis

REPORT_LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


def _offline_fetcher():
    from weasyprint.urls import URLFetcher

    class OfflineFetcher(URLFetcher):
        """Fetches ``data:`` URLs only; anything else (http, https, file, ftp) is refused."""

        def fetch(self, url, headers=None):
            if not url.lower().startswith("data:"):
                raise ValueError(f"The report fetches nothing from outside: {url[:80]}")
            return super().fetch(url, headers)

    return OfflineFetcher()


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
    from weasyprint import HTML

    if language not in REPORT_LANGUAGES:
        raise ValueError(f"No report in {language!r}")
    html = report_html(filters, language=language, now=now)
    return HTML(
        string=html,
        base_url=(settings.PACKAGE_DIR / "static").as_uri() + "/",
        url_fetcher=_offline_fetcher(),
    ).render()


def report_pdf(filters: LedgerFilters, *, language: str, now: dt.datetime | None = None) -> bytes:
    """The report as PDF bytes in ``language`` (one of ``REPORT_LANGUAGES``)."""
    return render_report(filters, language=language, now=now).write_pdf()
