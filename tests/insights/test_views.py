"""The dashboard, its exports and the PDF report: who may see them, what they show, and
that no organisation is named in any of them."""

import csv
import io
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from .conftest import SECRET_NAMES

DASHBOARD = "/{lang}/insights/"
QUERY = "from=2025-01-01&to=2025-06-30"
SLUGS = ("indus-robotics", "karachi-ledgerworks", "zgc-vision", "haidian-chips", "dubai-falcon")


def client_as(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def stage_counts(html: str) -> dict[str, int]:
    """The funnel table's counts, by stage code."""
    rows = re.findall(
        r'<tr data-stage="(\w+)">\s*<th scope="row">[^<]*</th>\s*<td class="number" data-count>(\d+)</td>',
        html,
    )
    return {code: int(count) for code, count in rows}


def assert_no_identity(text: str) -> None:
    for secret in SECRET_NAMES + SLUGS:
        assert secret not in text


# --- Who may see it ---------------------------------------------------------------------

PAGES = [
    DASHBOARD.format(lang="en"),
    "/en/insights/ledger.csv",
    "/en/insights/ledger.xlsx",
    "/en/insights/report.pdf",
]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(db, path):
    response = client_as(None).get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")


@pytest.mark.parametrize("role", ["outsider", "org_member", "org_admin"])
@pytest.mark.parametrize("path", PAGES)
def test_signed_in_people_who_are_not_staff_are_refused(request, role, path):
    response = client_as(request.getfixturevalue(role)).get(path)
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["staff_pk", "staff_cn", "platform_admin"])
def test_staff_of_either_authority_and_platform_admins_see_the_same_ledger(request, ledger, role):
    response = client_as(request.getfixturevalue(role)).get(f"/en/insights/?{QUERY}")
    assert response.status_code == 200
    assert stage_counts(response.content.decode()) == {
        "profiles": 4,
        "interests": 9,
        "accepted": 5,
        "introduced": 3,
        "met": 2,
        "agreement": 2,
    }


def test_the_nav_links_the_ledger_for_staff_only(staff_cn, org_member):
    assert 'href="/en/insights/"' in client_as(staff_cn).get("/en/").content.decode()
    assert 'href="/en/insights/"' not in client_as(org_member).get("/en/").content.decode()


# --- What the dashboard shows --------------------------------------------------------------


def test_dashboard_shows_the_funnel_kpis_definitions_and_keeps_filters_in_export_links(
    ledger, staff_pk
):
    response = client_as(staff_pk).get(f"/en/insights/?{QUERY}&sector=ai")
    html = response.content.decode()
    assert stage_counts(html) == {
        "profiles": 3,
        "interests": 6,
        "accepted": 3,
        "introduced": 2,
        "met": 1,
        "agreement": 1,
    }
    assert "<svg" in html and "<rect" in html
    assert '<tr data-currency="USD">' in html and "101,000.50" in html
    assert "What each number means" in html and "withdrawn after acceptance" in html
    kept = "from=2025-01-01&amp;to=2025-06-30&amp;sector=ai"
    for name in ("ledger.csv", "ledger.xlsx", "report.pdf"):
        assert f"/en/insights/{name}?{kept}" in html
    assert "lang=ur" in html and "lang=zh-hans" in html


def test_dashboard_names_no_organisation(ledger, platform_admin):
    html = client_as(platform_admin).get(f"/en/insights/?{QUERY}").content.decode()
    assert stage_counts(html)["interests"] == 9
    assert "55.6%" in html  # 5 of 9 accepted, rounded as in the exports
    assert_no_identity(html)


def test_dashboard_in_chinese(ledger, staff_cn):
    response = client_as(staff_cn).get(f"/zh-hans/insights/?{QUERY}")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans" dir="ltr">' in html
    assert "筛选" in html  # "Filters"
    assert stage_counts(html)["interests"] == 9


def test_dashboard_in_urdu_runs_right_to_left_with_mirrored_bars(ledger, staff_pk):
    en = client_as(staff_pk).get(f"/en/insights/?{QUERY}").content.decode()
    ur = client_as(staff_pk).get(f"/ur/insights/?{QUERY}").content.decode()
    assert '<html lang="ur" dir="rtl">' in ur
    assert "فلٹر" in ur  # "Filters"
    assert stage_counts(ur)["interests"] == 9
    # The longest bar (the interests) starts at the left edge left to right, and ends at
    # the right edge right to left.
    bar = re.compile(
        r'<tr data-stage="interests">.*?<rect x="([\d.]+)" y="0" width="([\d.]+)"', re.S
    )
    x_en, width = map(float, bar.search(en).groups())
    x_ur, width_ur = map(float, bar.search(ur).groups())
    assert (x_en, width) == (0, 360)
    assert (x_ur, width_ur) == (60, 360)


@pytest.mark.parametrize(
    "query, field_message",
    [
        ("from=2025-13-01", "YYYY-MM-DD"),
        ("from=2025-06-30&to=2025-01-01", "starts after it ends"),
        ("sector=robots", "No sector has the code"),
        ("zone=atlantis", "No zone has the identifier"),
        ("authority=unesco", "No authority has the code"),
        ("pair=PKCN", "PK-CN"),
        ("pair=%00", "Null characters are not allowed"),
        ("sector=ai%00", "Null characters are not allowed"),
        ("zone=" + "z" * 3000, "identifier"),
    ],
)
def test_bad_filters_are_form_errors_not_figures(ledger, staff_pk, query, field_message):
    response = client_as(staff_pk).get(f"/en/insights/?{query}")
    html = response.content.decode()
    assert response.status_code == 200
    assert "not valid" in html and field_message in html
    assert stage_counts(html) == {}


def test_dashboard_answers_get_only(staff_pk):
    assert client_as(staff_pk).post("/en/insights/").status_code == 405


def test_dashboard_query_count_does_not_grow_with_the_ledger(
    ledger, staff_pk, django_assert_max_num_queries
):
    client = client_as(staff_pk)
    # Session, user, the nav, the form's choices (one query each), the filters, 8 figures.
    with django_assert_max_num_queries(23):
        client.get(f"/en/insights/?{QUERY}&sector=ai&zone=z-park&authority=stza&pair=PK-CN")


# --- Exports -----------------------------------------------------------------------------------


def csv_cells(content: bytes) -> dict[tuple[str, str, str], str]:
    assert content.startswith(b"\xef\xbb\xbf")  # so that Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["Section", "Measure", "Breakdown", "Value"]
    return {(a, b, c): d for a, b, c, d in rows[1:]}


def test_csv_export_parses_back_to_the_same_figures(ledger, staff_pk):
    response = client_as(staff_pk).get(f"/en/insights/ledger.csv?{QUERY}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "corridor-ledger-2025-01-01-2025-06-30.csv" in response["Content-Disposition"]
    cells = csv_cells(response.content)
    funnel = {
        stage: int(cells[("Funnel", label, "Count")])
        for stage, label in [
            ("profiles", "Profiles published"),
            ("interests", "Interests"),
            ("accepted", "Accepted"),
            ("introduced", "Introduced"),
            ("met", "Meeting held"),
            ("agreement", "Agreement"),
        ]
    }
    assert list(funnel.values()) == [4, 9, 5, 3, 2, 2]
    assert cells[("Funnel", "Accepted", "Share of the previous stage (%)")] == "55.6"
    assert cells[("Funnel", "Interests", "Share of the previous stage (%)")] == ""
    assert cells[("Filters", "Period", "")] == "2025-01-01 – 2025-06-30"
    meetings = "Meetings starting in the period"
    assert cells[(meetings, "Accepted", "")] == "6"
    assert cells[(meetings, "Held", "")] == "3"
    assert cells[(meetings, "Share of accepted meetings held (%)", "")] == "50.0"
    agreements = "Agreements signed in the period"
    assert cells[(agreements, "Total", "Total")] == "7"
    assert cells[(agreements, "memorandum of understanding", "in force")] == "1"
    value = "Agreement value, per currency"
    assert cells[(value, "CNY", "Sum")] == "2500000.00"
    assert cells[(value, "USD", "Sum")] == "351000.50"
    assert cells[(value, "USD", "Agreements")] == "3"
    assert cells[(value, "Without a value", "Agreements")] == "2"
    assert cells[("Time to acceptance", "Median days", "")] == "4.0"
    assert_no_identity(response.content.decode("utf-8-sig"))


def test_csv_export_speaks_the_readers_language(ledger, staff_cn):
    response = client_as(staff_cn).get(f"/zh-hans/insights/ledger.csv?{QUERY}&sector=ai")
    text = response.content.decode("utf-8-sig")
    assert "筛选" in text and "行业领域" in text and "人工智能" in text  # Filters, Sector, AI


def test_xlsx_export_opens_with_the_same_figures(ledger, staff_pk):
    response = client_as(staff_pk).get(f"/en/insights/ledger.xlsx?{QUERY}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    funnel_sheet, kpi_sheet, about = book.worksheets
    assert funnel_sheet.title == "Funnel" and kpi_sheet.title == "KPIs"
    rows = list(funnel_sheet.iter_rows(values_only=True))
    assert rows[0] == ("Stage", "Count", "Share of the previous stage", "Share of interests")
    assert [r[1] for r in rows[1:]] == [4, 9, 5, 3, 2, 2]
    assert rows[3][2] == pytest.approx(5 / 9)
    assert funnel_sheet["C4"].number_format == "0.0%"
    kpi = {(a, b, c): d for a, b, c, d in kpi_sheet.iter_rows(min_row=2, values_only=True)}
    assert kpi[("Meetings starting in the period", "Held", None)] == 3
    assert kpi[("Agreement value, per currency", "CNY", "Sum")] == 2500000
    assert kpi[("Agreement value, per currency", "USD", "Sum")] == pytest.approx(351000.5)
    assert kpi[("Time to acceptance", "Median days", None)] == 4.0
    texts = [str(c) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for c in r]
    assert_no_identity(" ".join(texts))
    assert any("withdrawn after acceptance" in t for t in texts)  # the definitions


def test_xlsx_export_in_urdu_runs_right_to_left(ledger, staff_pk):
    response = client_as(staff_pk).get(f"/ur/insights/ledger.xlsx?{QUERY}")
    book = load_workbook(io.BytesIO(response.content))
    assert all(ws.sheet_view.rightToLeft for ws in book.worksheets)
    about = list(book.worksheets[2].iter_rows(values_only=True))
    assert ("شعبہ", "سب") in about  # "Sector": all, both words in Urdu


@pytest.mark.parametrize("path", ["ledger.csv", "ledger.xlsx", "report.pdf"])
def test_exports_refuse_bad_filters_with_400(ledger, staff_pk, path):
    response = client_as(staff_pk).get(f"/en/insights/{path}?sector=robots&from=x")
    assert response.status_code == 400
    text = response.content.decode()
    assert "No sector has the code" in text and "YYYY-MM-DD" in text


def test_report_refuses_an_unknown_language(ledger, staff_pk):
    response = client_as(staff_pk).get(f"/en/insights/report.pdf?{QUERY}&lang=fr")
    assert response.status_code == 400


def test_report_is_a_pdf_in_the_language_asked(ledger, staff_cn):
    response = client_as(staff_cn).get(f"/en/insights/report.pdf?{QUERY}&lang=ur")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "corridor-ledger-2025-01-01-2025-06-30-ur.pdf" in response["Content-Disposition"]


def test_period_in_export_defaults_like_the_page(ledger, staff_pk):
    response = client_as(staff_pk).get("/en/insights/ledger.csv?to=2025-06-30")
    cells = csv_cells(response.content)
    assert cells[("Filters", "Period", "")] == "2024-07-01 – 2025-06-30"
    assert cells[("Funnel", "Interests", "Count")] == "10"
