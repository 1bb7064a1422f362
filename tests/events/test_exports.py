"""The organisers' master schedule: the grid by slot and table (breaks in their place), who
may open it, and its CSV and XLSX exports read back — headers in the reader's language,
times on the event's clock with the zone named, text that a spreadsheet would run as a
formula kept as text."""

import csv
import io
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from corridor.core.pdf import render_html
from corridor.events import services
from corridor.events.exports import headers
from corridor.events.models import ScheduledMeeting
from corridor.events.views_agendas import master_schedule_html

from .agenda_cast import *  # noqa: F403
from .agenda_cast import accepted_with, document_text, html, url
from .schedule_cast import person, run

pytestmark = pytest.mark.django_db


def rows_of(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


# --- The page -----------------------------------------------------------------------------


def test_the_grid_puts_each_meeting_at_its_slot_and_table(client, published, organiser):
    client.force_login(organiser)
    page = html(client.get(url("master_schedule", slug=published.event.slug)))
    slot_row = page[page.index(f'data-slot="{published.slot_id}"') :]
    slot_row = slot_row[: slot_row.index("</tr>")]
    assert "09:00–09:20" in slot_row  # on the event's clock (Shanghai)
    assert f'data-meeting="{published.pk}"' in slot_row
    assert "Amina Khan" in slot_row and "Wei Zhang" in slot_row and "Z-Park AI" in slot_row
    assert "Tea" in page and "master-grid__break" in page  # the break in its place
    assert page.index("10:00–10:20") < page.index("Tea") < page.index("10:40–11:00")
    assert "Asia/Shanghai" in page
    assert url("master_schedule_export", slug=published.event.slug, format="xlsx") in page
    assert url("master_schedule_export", slug=published.event.slug) in page  # the CSV


def test_columns_run_to_the_highest_table_in_use(client, published, organiser):
    services.meeting_move(meeting=published, by=organiser, slot=published.slot, table=4)
    client.force_login(organiser)
    page = html(client.get(url("master_schedule", slug=published.event.slug)))
    morning = page[page.index("Morning") : page.index("Afternoon online")]
    assert "Table 4" in morning and "Table 5" not in morning
    cells = morning[morning.index(f'data-slot="{published.slot_id}"') :]
    cells = cells[: cells.index("</tr>")]
    assert cells.count("master-grid__free") == 3 and "locked" in cells


def test_before_publication_the_page_says_so(client, event, organiser):
    client.force_login(organiser)
    page = html(client.get(url("master_schedule", slug=event.slug)))
    assert "data-unpublished" in page and "master-grid" in page


def test_organisers_only(
    client, published, organiser, event_fields, outsider, staff_pk, people, platform_admin
):
    draft = services.event_create(by=organiser, **{**event_fields, "slug": "a-draft"})
    path = url("master_schedule", slug=published.event.slug)
    exports = [url("master_schedule_export", slug=published.event.slug, format=f)
               for f in ("csv", "xlsx")]  # fmt: skip
    response = client.get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert all(client.get(p).status_code == 302 for p in exports)
    for user in (outsider, staff_pk, *people):  # published: 403 as on the other organisers' pages
        client.force_login(user)
        assert client.get(path).status_code == 403
        assert all(client.get(p).status_code == 403 for p in exports)
        # A draft does not exist for them.
        assert client.get(url("master_schedule", slug=draft.slug)).status_code == 404
        assert client.get(url("master_schedule_export", slug=draft.slug)).status_code == 404
    client.force_login(platform_admin)
    assert client.get(path).status_code == 200


def test_the_page_makes_as_many_queries_for_many_meetings_as_for_one(
    client, published, event, session_am, session_pm, participant, organiser,
    django_assert_max_num_queries,
):  # fmt: skip
    client.force_login(organiser)
    path = url("master_schedule", slug=event.slug)
    with django_assert_max_num_queries(20) as few:
        client.get(path)
    for name in ("Bo", "Cai", "Dee", "Eli"):
        other = person(event, organiser, name, [session_am, session_pm], country="CN")
        accepted_with(participant, other)
    run(event, organiser)
    assert ScheduledMeeting.objects.filter(status="scheduled").count() == 5
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = html(client.get(path))
    assert page.count('class="master-grid__meeting"') == 5


# --- CSV ----------------------------------------------------------------------------------


def test_the_csv_reads_back_with_the_meetings(client, published, organiser):
    client.force_login(organiser)
    response = client.get(url("master_schedule_export", slug=published.event.slug))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="pk-cn-robotics-forum-master-schedule.csv"' in response["Content-Disposition"]
    header, *rows = rows_of(response.content)
    assert header[:5] == [
        "Session", "Date (Asia/Shanghai)", "Start (Asia/Shanghai)", "End (Asia/Shanghai)",
        "Start (UTC)",
    ]  # fmt: skip
    [row] = rows
    values = dict(zip(header[:9], row[:9], strict=True))
    slot = published.slot
    assert values["Session"] == "Morning"
    assert values["Date (Asia/Shanghai)"] == published.event.starts_on.isoformat()
    assert (values["Start (Asia/Shanghai)"], values["End (Asia/Shanghai)"]) == ("09:00", "09:20")
    assert values["Start (UTC)"] == slot.starts_at.strftime("%Y-%m-%dT01:00:00Z")
    assert values["Table"] == "1" and values["Where"] == "Hall A, table 1"
    assert row[8:12] == ["Amina Khan", "Indus Robotics", "Wei Zhang", "Z-Park AI"]


def test_the_csv_headers_are_in_the_readers_language(client, published, organiser):
    client.force_login(organiser)
    for lang in ("zh-hans", "ur"):
        content = client.get(url("master_schedule_export", lang=lang, slug=published.event.slug))
        header, row = rows_of(content.content)
        with translation.override(lang):
            assert header == headers(published.event)  # read in the page's language
            assert header[0] == gettext("Session")
        assert any("Asia/Shanghai" in h for h in header)
        assert "Amina Khan" in row


def test_text_a_spreadsheet_would_run_stays_text(client, published, event, participant, organiser):
    villain = person(event, organiser, "Mallory", [published.slot.session], country="CN")
    organisation = villain.registration.organisation
    organisation.name = organisation.name_en = '=HYPERLINK("http://evil.example","x")'
    organisation.save()
    accepted_with(participant, villain)
    run(event, organiser)
    client.force_login(organiser)
    _header, *rows = rows_of(client.get(url("master_schedule_export", slug=event.slug)).content)
    cells = [cell for row in rows for cell in row]
    assert "'" + organisation.name in cells and organisation.name not in cells

    content = client.get(url("master_schedule_export", slug=event.slug, format="xlsx")).content
    sheet = load_workbook(io.BytesIO(content)).active
    found = [c for row in sheet.iter_rows() for c in row if c.value == organisation.name]
    assert found and all(c.data_type == "s" for c in found)


# --- XLSX ---------------------------------------------------------------------------------


def test_the_xlsx_opens_with_the_meetings(client, published, organiser):
    client.force_login(organiser)
    response = client.get(url("master_schedule_export", slug=published.event.slug, format="xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    assert sheet.title == "Master schedule"
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header, [row] = rows[0], rows[1:]
    assert header[1] == "Date (Asia/Shanghai)" and header[5] == "Table"
    assert row[0] == "Morning" and row[2:4] == ["09:00", "09:20"] and row[5] == 1
    assert row[8:12] == ["Amina Khan", "Indus Robotics", "Wei Zhang", "Z-Park AI"]
    assert sheet.freeze_panes == "A2" and not sheet.sheet_view.rightToLeft


def test_the_xlsx_reads_right_to_left_in_urdu(client, published, organiser):
    client.force_login(organiser)
    path = url("master_schedule_export", lang="ur", slug=published.event.slug, format="xlsx")
    sheet = load_workbook(io.BytesIO(client.get(path).content)).active
    assert sheet.sheet_view.rightToLeft
    assert "Asia/Shanghai" in sheet.cell(1, 2).value
    with translation.override("ur"):
        assert sheet.cell(1, 1).value == gettext("Session")


def test_an_unknown_format_is_404(client, published, organiser):
    client.force_login(organiser)
    for fmt in ("json", "CSV", "ics"):
        path = url("master_schedule_export", slug=published.event.slug, format=fmt)
        assert client.get(path).status_code == 404


def test_an_empty_schedule_exports_headers_only(client, event, organiser):
    client.force_login(organiser)
    header, *rows = rows_of(client.get(url("master_schedule_export", slug=event.slug)).content)
    assert rows == [] and header[0] == "Session"
    content = client.get(url("master_schedule_export", slug=event.slug, format="xlsx")).content
    assert load_workbook(io.BytesIO(content)).active.max_row == 1


# --- PDF ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans", "ur"])
def test_the_pdf_renders_in_each_language(client, published, organiser, language):
    client.force_login(organiser)
    path = url("master_schedule_export", lang=language, slug=published.event.slug, format="pdf")
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 3000
    page = master_schedule_html(published.event, language=language)
    assert f'<html lang="{language}" dir="{"rtl" if language == "ur" else "ltr"}">' in page
    assert not re.search(r"(src|href)=|url\(|@import", page)  # nothing to fetch


def test_a_wide_session_continues_on_the_next_page(published, organiser):
    services.meeting_move(meeting=published, by=organiser, slot=published.slot, table=10)
    page = master_schedule_html(published.event, language="en")
    assert (
        page.count("<section>") == 3
    )  # the morning in two parts (tables 1–8, 9–10), the afternoon
    assert "Table 8</th>" in page and "Table 10</th>" in page and "Table 11" not in page
    text = document_text(render_html(page))
    assert "Amina Khan" in text and "Wei Zhang" in text
