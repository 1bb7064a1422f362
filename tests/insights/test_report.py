"""The committee's PDF report in three languages, offline; and ``corridor export ledger``."""

import csv
import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from corridor.insights.report import _offline_fetcher, render_report, report_html, report_pdf
from corridor.insights.selectors import LedgerFilters

from .conftest import PERIOD, SECRET_NAMES, TODAY


def document_text(document) -> str:
    """The text WeasyPrint laid out on the pages (what the PDF shows)."""
    from weasyprint.formatting_structure.boxes import TextBox

    return " ".join(
        box.text
        for page in document.pages
        for box in page._page_box.descendants()
        if isinstance(box, TextBox)
    )


@pytest.mark.parametrize(
    "language, words",
    [
        ("en", ["Outcome ledger", "Profiles published", "What each number means"]),
        ("zh-hans", ["筛选", "行业领域", "人工智能"]),  # Filters, Sector, the sector's name
        ("ur", ["فلٹر", "شعبہ", "مصنوعی ذہانت"]),
    ],
)
def test_report_renders_in_each_language_with_its_figures(ledger, language, words):
    filters = LedgerFilters.parse({**PERIOD, "sector": "ai"}, today=TODAY)
    document = render_report(filters, language=language)
    text = document_text(document)
    for word in words:
        assert word in text
    assert "2025-01-01 – 2025-06-30" in text
    # The sector's funnel is 3, 6, 3, 2, 1, 1: shares of the interests 50, 33.3 and 16.7 %,
    # of the previous stage 50, 66.7, 50 and 100 %.
    for share in ("50.0%", "33.3%", "16.7%", "66.7%", "100.0%"):
        assert share in text
    for secret in SECRET_NAMES:
        assert secret not in text
    pdf = document.write_pdf()
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000


def test_report_page_is_right_to_left_in_urdu(ledger):
    filters = LedgerFilters.parse(PERIOD, today=TODAY)
    assert '<html lang="ur" dir="rtl">' in report_html(filters, language="ur")
    html = report_html(filters, language="en")
    assert '<html lang="en" dir="ltr">' in html
    assert '"Noto Nastaliq Urdu", "Noto Naskh Arabic", "WenQuanYi Micro Hei"' in html
    # Nothing to fetch: no linked stylesheet, image or font.
    assert not re.search(r"(src|href)=|url\(|@import", html)


@pytest.mark.parametrize(
    "url", ["https://example.org/logo.png", "http://10.0.0.1/x.css", "file:///etc/passwd"]
)
def test_the_report_fetches_nothing_from_outside(url):
    with pytest.raises(ValueError, match="fetches nothing"):
        _offline_fetcher()(url)


def test_the_report_reads_inline_data(db):
    response = _offline_fetcher()("data:text/plain,hello")
    assert response.read() == b"hello"


def test_report_refuses_an_unknown_language(ledger):
    with pytest.raises(ValueError):
        report_pdf(LedgerFilters.parse(PERIOD), language="fr")


# --- corridor export ledger ----------------------------------------------------------------


def export(*args) -> str:
    out = io.StringIO()
    call_command("export", "ledger", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_command_exports_csv_with_filters(ledger, tmp_path):
    target = tmp_path / "ledger.csv"
    message = export(str(target), "--from", "2025-01-01", "--to", "2025-06-30", "--pair", "PK-CN")
    assert "2025-01-01 – 2025-06-30" in message and str(target) in message
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    cells = {(a, b, c): d for a, b, c, d in rows[1:]}
    assert cells[("Funnel", "Interests", "Count")] == "7"
    assert not (tmp_path / "ledger.csv.partial").exists()


def test_command_exports_xlsx_in_chinese(ledger, tmp_path):
    target = tmp_path / "out.xlsx"
    export(
        "--output",
        str(target),
        "--language",
        "zh-hans",
        "--from",
        "2025-01-01",
        "--to",
        "2025-06-30",
    )
    book = load_workbook(target)
    assert [row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)] == [
        4, 9, 5, 3, 2, 2,
    ]  # fmt: skip
    about = list(book.worksheets[2].iter_rows(values_only=True))
    assert ("行业领域", "all") in about or any(r[0] == "行业领域" for r in about)


def test_command_exports_the_pdf_report(ledger, tmp_path):
    target = tmp_path / "report"
    export(str(target), "--format", "pdf", "--language", "ur", "--zone", "z-park")
    assert target.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    "args, words",
    [
        (["--sector", "robots"], "--sector: No sector"),
        (["--from", "2025-31-12"], "--from: Enter a date"),
        (["--pair", "PKCN"], "--pair"),
        (["--language", "fr"], "Unknown language"),
        (["--format", "json"], "csv, xlsx or pdf"),
        (["--country", "PK"], "--pair or --authority"),
    ],
)
def test_command_refuses_bad_options_and_writes_nothing(ledger, tmp_path, args, words):
    target = tmp_path / "ledger.csv"
    with pytest.raises(CommandError, match=words.replace("(", r"\(")):
        export(str(target), *args)
    assert list(tmp_path.iterdir()) == []


def test_command_needs_a_file_for_the_ledger(ledger):
    with pytest.raises(CommandError, match="Give the file"):
        export()


def test_other_exports_refuse_ledger_formats(db, tmp_path):
    with pytest.raises(CommandError, match="Only the ledger"):
        call_command("export", "zones", str(tmp_path / "z.xlsx"), "--format", "xlsx")
