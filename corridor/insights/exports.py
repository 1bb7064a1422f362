"""The ledger as CSV and XLSX, with headers and labels in the reader's language.

Counts and sums only: no organisation is named, so nothing in a file can reveal who
approached whom. Call these inside ``translation.override(language)``; the labels are
read from the active language.

CSV: one table of four columns (section, measure, breakdown, value), UTF-8 with a byte
order mark so that Excel opens Chinese and Urdu correctly. Shares are percentages with
one decimal (55.6 means 55.6 %); an empty value means the share is undefined (nothing
to divide by).

XLSX: a Funnel sheet (one row per stage), a KPIs sheet (the same four columns as the
CSV) and an About sheet (the filters, the date, and what each number means). Shares
are fractions shown as percentages.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from typing import IO

from django.utils import timezone
from django.utils.translation import gettext as _

from .selectors import Funnel, Kpis, definitions

Row = tuple[str, str, str, int | float | Decimal | str]


def _pct(share: float | None) -> float | str:
    return "" if share is None else round(share * 100, 1)


def headers() -> list[str]:
    return [_("Section"), _("Measure"), _("Breakdown"), _("Value")]


def filter_rows(funnel: Funnel) -> list[Row]:
    section = _("Filters")
    return [(section, label, "", value) for label, value in funnel.filters.described()]


def funnel_rows(funnel: Funnel) -> list[Row]:
    section, rows = _("Funnel"), []
    for stage in funnel.stages:
        rows.append((section, stage.label, _("Count"), stage.count))
        rows.append(
            (section, stage.label, _("Share of the previous stage (%)"), _pct(stage.from_previous))
        )
        rows.append((section, stage.label, _("Share of interests (%)"), _pct(stage.from_interests)))
    return rows


# A KPI row's value that is a share: the CSV prints a percentage, the XLSX formats a fraction.
SHARE = object()


def kpi_rows(kpis: Kpis, *, percent=_pct) -> list[Row]:
    """The KPI rows; ``percent`` turns a share (a fraction or None) into the cell's value."""
    return [
        (a, b, c, percent(value[1]) if isinstance(value, tuple) else value)
        for a, b, c, value in _kpi_rows(kpis)
    ]


def _kpi_rows(kpis: Kpis) -> list[tuple]:
    meetings = kpis.meetings
    section = _("Meetings starting in the period")
    rows: list[Row] = [
        (section, _("Accepted"), "", meetings.accepted),
        (section, _("Held"), "", meetings.held),
        (section, _("Not held"), "", meetings.not_held),
        (section, _("Disputed"), "", meetings.disputed),
        (section, _("No outcome yet"), "", meetings.awaiting),
        (section, _("Share of accepted meetings held (%)"), "", (SHARE, meetings.held_share)),
    ]
    events = kpis.event_meetings
    section = _("Event meetings starting in the period")
    rows += [
        (section, _("Scheduled"), "", events.scheduled),
        (section, _("Held"), "", events.held),
        (section, _("Not held"), "", events.not_held),
        (section, _("Not checked in yet"), "", events.awaiting),
        (section, _("Share of scheduled meetings held (%)"), "", (SHARE, events.held_share)),
    ]
    section, total = _("Agreements signed in the period"), _("Total")
    for row in kpis.agreements:
        for status, label in kpis.statuses:
            rows.append((section, row.label, label, row.by_status[status]))
        rows.append((section, row.label, total, row.total))
    for status, label in kpis.statuses:
        rows.append((section, total, label, kpis.agreements_by_status[status]))
    rows.append((section, total, total, kpis.agreements_total))
    section = _("Agreement value, per currency")
    for value in kpis.values:
        rows.append((section, value.currency, _("Sum"), value.total))
        rows.append((section, value.currency, _("Agreements"), value.count))
    rows.append((section, _("Without a value"), _("Agreements"), kpis.agreements_without_value))
    section = _("Time to acceptance")
    median = kpis.median_days_to_acceptance
    rows.append((section, _("Median days"), "", "" if median is None else median))
    rows.append((section, _("Accepted interests"), "", kpis.accepted_interests))
    return rows


def write_csv(funnel: Funnel, kpis: Kpis, stream: IO[str]) -> None:
    """Write the ledger to a text stream opened with ``newline=""``; starts with a BOM."""
    stream.write("\ufeff")
    writer = csv.writer(stream)
    writer.writerow(headers())
    for row in filter_rows(funnel) + funnel_rows(funnel) + kpi_rows(kpis):
        writer.writerow(row)


def csv_bytes(funnel: Funnel, kpis: Kpis) -> bytes:
    import io

    stream = io.StringIO(newline="")
    write_csv(funnel, kpis, stream)
    return stream.getvalue().encode("utf-8")


def _sheet_title(text: str) -> str:
    # Excel refuses these characters and titles over 31 characters.
    for char in "[]:*?/\\":
        text = text.replace(char, " ")
    return text[:31]


def xlsx_bytes(
    funnel: Funnel, kpis: Kpis, *, rtl: bool = False, now: dt.datetime | None = None
) -> bytes:
    """The workbook as bytes: Funnel, KPIs and About sheets."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    workbook = Workbook()

    sheet = workbook.active
    sheet.title = _sheet_title(_("Funnel"))
    sheet.append(
        [_("Stage"), _("Count"), _("Share of the previous stage"), _("Share of interests")]
    )
    for stage in funnel.stages:
        sheet.append([stage.label, stage.count, stage.from_previous, stage.from_interests])
    for row in sheet.iter_rows(min_row=2, min_col=3, max_col=4):
        for cell in row:
            cell.number_format = "0.0%"
    widths = {"A": 28, "B": 10, "C": 26, "D": 22}

    kpi_sheet = workbook.create_sheet(_sheet_title(_("KPIs")))
    kpi_sheet.append(headers())
    for *labels, value in _kpi_rows(kpis):
        share = isinstance(value, tuple)
        kpi_sheet.append([*labels, value[1] if share else value])
        if share:
            kpi_sheet.cell(kpi_sheet.max_row, 4).number_format = "0.0%"
        elif isinstance(value, Decimal):
            kpi_sheet.cell(kpi_sheet.max_row, 4).number_format = "#,##0.00"
    kpi_widths = {"A": 36, "B": 30, "C": 22, "D": 18}

    about = workbook.create_sheet(_sheet_title(_("About")))
    about.append([_("Outcome ledger"), ""])
    now = now or timezone.now()
    about.append([_("Generated"), now.strftime("%Y-%m-%d %H:%M UTC")])
    for label, value in funnel.filters.described():
        about.append([label, value])
    about.append([])
    about.append([_("What each number means"), ""])
    for term, meaning in definitions():
        about.append([term, meaning])
    about_widths = {"A": 30, "B": 100}

    for ws, cols in ((sheet, widths), (kpi_sheet, kpi_widths), (about, about_widths)):
        for cell in ws[1]:
            cell.font = bold
        for letter, width in cols.items():
            ws.column_dimensions[letter].width = width
        ws.sheet_view.rightToLeft = rtl
    for row in about.iter_rows(min_col=2, max_col=2):
        for cell in row:
            cell.alignment = wrap

    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def filename(funnel: Funnel, extension: str) -> str:
    filters = funnel.filters
    return (
        f"corridor-ledger-{filters.date_from.isoformat()}-{filters.date_to.isoformat()}.{extension}"
    )


# --- `corridor export ledger` -----------------------------------------------------------

LEDGER_FORMATS = ("csv", "xlsx", "pdf")


def export_ledger(*, file: str | None, fmt: str | None, language: str, params: dict) -> str:
    """Write the ledger to ``file`` for ``corridor export ledger``; the message to print.

    Raises ``CommandError`` with a message for a bad filter, format or language, or a file
    that cannot be written. Written beside the target and moved into place, so a failed
    export leaves no half file.
    """
    from pathlib import Path

    from django.core.exceptions import ValidationError
    from django.core.management.base import CommandError
    from django.utils import translation

    from .report import REPORT_LANGUAGES, report_pdf
    from .selectors import LedgerFilters, funnel, kpis

    if not file or file == "-":
        raise CommandError(_("Give the file to write the ledger to (FILE or --output)."))
    path = Path(file)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in LEDGER_FORMATS:
        raise CommandError(
            _("The ledger is exported as csv, xlsx or pdf; give --format or a file ending in one.")
        )
    if language not in REPORT_LANGUAGES:
        raise CommandError(
            _("Unknown language “%(language)s”: use one of %(languages)s.")
            % {"language": language, "languages": ", ".join(REPORT_LANGUAGES)}
        )
    try:
        filters = LedgerFilters.parse(params)
    except ValidationError as error:
        raise CommandError(
            " ".join(
                f"--{name}: {message}"
                for name, messages in error.message_dict.items()
                for message in messages
            )
        ) from None
    with translation.override(language):
        the_funnel, the_kpis = funnel(filters), kpis(filters)
        if fmt == "csv":
            content = csv_bytes(the_funnel, the_kpis)
        elif fmt == "xlsx":
            content = xlsx_bytes(the_funnel, the_kpis, rtl=translation.get_language_bidi())
        else:
            content = report_pdf(filters, language=language)
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(content)
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise CommandError(
            _("Cannot write %(name)s: %(error)s") % {"name": path, "error": error.strerror or error}
        ) from None
    return _("Exported the outcome ledger (%(start)s – %(end)s) to %(name)s.") % {
        "start": filters.date_from.isoformat(),
        "end": filters.date_to.isoformat(),
        "name": path,
    }
