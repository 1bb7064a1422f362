"""HTML to PDF with WeasyPrint, offline: the committee's report, personal agendas.

A PDF needs nothing from the network: styles are in the page, charts inline SVG, fonts
the machine's (DejaVu Sans, WenQuanYi Micro Hei for Chinese, Noto Nastaliq Urdu). The
URL fetcher refuses every address that is not a ``data:`` URL, so a stray link in a
template can neither tell another server that a document was made nor hang the rendering.
"""

from __future__ import annotations

from django.conf import settings


def offline_fetcher():
    """A WeasyPrint URL fetcher that reads ``data:`` URLs only."""
    from weasyprint.urls import URLFetcher

    class OfflineFetcher(URLFetcher):
        """Fetches ``data:`` URLs only; anything else (http, https, file, ftp) is refused."""

        def fetch(self, url, headers=None):
            if not url.lower().startswith("data:"):
                raise ValueError(f"The PDF fetches nothing from outside: {url[:80]}")
            return super().fetch(url, headers)

    return OfflineFetcher()


def render_html(html: str):
    """``html`` laid out by WeasyPrint (a ``weasyprint.Document``), fetching nothing."""
    from weasyprint import HTML

    return HTML(
        string=html,
        base_url=(settings.PACKAGE_DIR / "static").as_uri() + "/",
        url_fetcher=offline_fetcher(),
    ).render()


def html_to_pdf(html: str) -> bytes:
    """``html`` as PDF bytes."""
    return render_html(html).write_pdf()
