"""The master schedule as CSV and XLSX, for the event's organisers.

One row per scheduled meeting, in time and table order, with a session column. Headers
are in the reader's language (call inside ``translation.override``); times are on the
event's clock, the zone named in the headers, plus the start in UTC (ISO 8601) for
programs. Names and messages are user text: a cell that a spreadsheet would run as a
formula (starting with = + - @) is written as text — a leading quote in CSV, a string
cell in XLSX.

CSV: UTF-8 with a byte order mark, so that Excel opens Chinese and Urdu correctly.
XLSX: one sheet (frozen header row, right to left in Urdu).
"""

from __future__ import annotations

import csv
import datetime
import io

from django.utils import timezone
from django.utils.translation import gettext as _

from corridor.registry.imports.rows import FORMULA_START

from .agendas import master_rows, person_name, place, video_link
from .models import Event, ScheduledMeeting
from .services import zone_of

FORMATS = ("csv", "xlsx")


def headers(event: Event) -> list[str]:
    zone = zone_of(event).key
    return [
        _("Session"),
        _("Date (%(zone)s)") % {"zone": zone},
        _("Start (%(zone)s)") % {"zone": zone},
        _("End (%(zone)s)") % {"zone": zone},
        _("Start (UTC)"),
        _("Table"),
        _("Where"),
        _("Video link"),
        _("Requested by"),
        _("Organisation"),
        _("Requested from"),
        _("Organisation"),
        _("Priority"),
        _("Locked"),
        _("Held"),
    ]


def _held(meeting: ScheduledMeeting) -> str:
    if meeting.held is None:
        return ""
    return _("yes") if meeting.held else _("no")


def row(meeting: ScheduledMeeting, zone) -> list:
    start = timezone.localtime(meeting.slot.starts_at, zone)
    end = timezone.localtime(meeting.slot.ends_at, zone)
    request = meeting.request
    return [
        meeting.slot.session.name,
        start.date().isoformat(),
        start.strftime("%H:%M"),
        end.strftime("%H:%M"),
        meeting.slot.starts_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        meeting.table,
        place(meeting),
        video_link(meeting),
        person_name(request.requester.user),
        request.requester.registration.organisation.display_name,
        person_name(request.recipient.user),
        request.recipient.registration.organisation.display_name,
        request.get_priority_display(),
        _("yes") if meeting.locked else _("no"),
        _held(meeting),
    ]


def rows(event: Event) -> list[list]:
    zone = zone_of(event)
    return [row(meeting, zone) for meeting in master_rows(event)]


def _guarded(value):
    # Spreadsheets run a cell that starts with = + - @ as a formula (CSV injection).
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(event: Event) -> bytes:
    stream = io.StringIO(newline="")
    stream.write("\ufeff")
    writer = csv.writer(stream)
    writer.writerow(headers(event))
    for values in rows(event):
        writer.writerow([_guarded(v) for v in values])
    return stream.getvalue().encode("utf-8")


def _sheet_title(text: str) -> str:
    # Excel refuses these characters and titles over 31 characters.
    for char in "[]:*?/\\":
        text = text.replace(char, " ")
    return text[:31]


WIDTHS = (22, 12, 8, 8, 21, 7, 22, 36, 22, 26, 22, 26, 10, 8, 8)


def xlsx_bytes(event: Event, *, rtl: bool = False) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(_("Master schedule"))
    sheet.append(headers(event))
    for values in rows(event):
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # openpyxl would store it as a formula
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.sheet_view.rightToLeft = rtl
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def filename(event: Event, extension: str) -> str:
    return f"{event.slug}-master-schedule.{extension}"
