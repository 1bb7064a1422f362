"""The agreement pages: the ledger, one agreement, recording (from an introduction or by
staff) and changing; who gets 404, 403 or the page; bad input is a form error, not a 500."""

import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from corridor.docking.models import Agreement, Interest
from corridor.docking.services.agreements import agreement_record
from corridor.docking.views.agreements import agreements_context

from .agreement_fixtures import *  # noqa: F403
from .agreement_fixtures import interest_fields, make_meeting

pytestmark = pytest.mark.django_db


def _url(name, **kwargs) -> str:
    with translation.override("en"):
        return reverse(f"docking:{name}", kwargs=kwargs or None)


def _page(client, user, url, data=None):
    client.force_login(user)
    return client.post(url, data) if data is not None else client.get(url)


def _form(**extra) -> dict:
    data = {
        "kind": "licence",
        "title": "Licence for the textile robotic arm",
        "signed_on": "2025-03-01",
        "status": "signed",
        "sectors": ["robotics"],
        "value": "250000.00",
        "currency": "USD",
        "notes": "",
    }
    data.update(extra)
    return data


# --- The list -------------------------------------------------------------------------


def test_list_asks_anonymous_visitors_to_sign_in(client, recorded):
    response = client.get(_url("agreement_list"))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("org_member", ["recorded"]),
        ("other_member", ["recorded", "direct"]),
        ("de_member", ["direct"]),
        ("staff_pk", ["recorded"]),
        ("staff_cn", ["recorded", "direct"]),
        ("staff_de", ["direct"]),
        ("platform_admin", ["recorded", "direct"]),
        ("outsider", []),
    ],
)
def test_list_shows_what_the_reader_may_see(request, client, who, shown, recorded, direct):
    response = _page(client, request.getfixturevalue(who), _url("agreement_list"))
    assert response.status_code == 200
    html = response.content.decode()
    for name, agreement in (("recorded", recorded), ("direct", direct)):
        assert (f'data-reference="{agreement.reference}"' in html) == (name in shown)
    if not shown:
        assert "No agreement to show" in html


def test_list_filters_by_kind_status_and_year(client, recorded, direct, platform_admin):
    client.force_login(platform_admin)

    def references(query):
        html = client.get(_url("agreement_list"), query).content.decode()
        return [
            a.reference for a in (recorded, direct) if f'data-reference="{a.reference}"' in html
        ]

    assert references({"kind": "licence"}) == [recorded.reference]
    assert references({"year": "2024"}) == [direct.reference]
    assert references({"status": "signed", "kind": "joint_venture"}) == [direct.reference]
    assert references({"status": "completed"}) == []


@pytest.mark.parametrize(
    "query", [{"year": "abc"}, {"year": "1999"}, {"kind": "x"}, {"status": "\x00"}]
)
def test_bad_filters_show_an_error_and_no_rows(client, query, recorded, platform_admin):
    response = _page(
        client,
        platform_admin,
        _url("agreement_list") + "?" + "&".join(f"{k}={v}" for k, v in query.items()),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "not valid" in html
    assert f'data-reference="{recorded.reference}"' not in html


def test_list_does_not_query_per_row(
    client, open_interest, organisation, organisation_cn, organisation_de, staff_cn,
    django_assert_max_num_queries,
):  # fmt: skip
    def record(n):
        agreement_record(
            by=staff_cn,
            kind="mou",
            title=f"Memorandum {n}",
            signed_on="2025-01-01",
            parties=[organisation, organisation_cn, organisation_de],
            sectors=["robotics"],
            value=1000 + n,
            currency="CNY",
        )

    client.force_login(staff_cn)
    record(0)
    with django_assert_max_num_queries(25) as one:
        assert client.get(_url("agreement_list")).status_code == 200
    for n in range(1, 10):
        record(n)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(_url("agreement_list"))
    assert response.content.decode().count('data-reference="AG-') == 10


def test_list_pages(client, organisation, organisation_cn, staff_pk, settings):
    settings.CORRIDOR_PAGE_SIZE = 2
    for n in range(3):
        agreement_record(
            by=staff_pk, kind="mou", title=f"MoU {n}", signed_on="2025-01-01",
            parties=[organisation, organisation_cn],
        )  # fmt: skip
    client.force_login(staff_pk)
    second = client.get(_url("agreement_list"), {"page": "2"}).content.decode()
    assert second.count('data-reference="AG-') == 1
    assert client.get(_url("agreement_list"), {"page": "x"}).status_code == 200


# --- One agreement ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("org_member", 200),
        ("org_admin", 200),
        ("other_member", 200),
        ("staff_pk", 200),
        ("staff_cn", 200),
        ("platform_admin", 200),
        ("de_member", 404),
        ("outsider", 404),
        ("staff_de", 404),
    ],
)
def test_detail_is_for_parties_their_staff_and_admins(request, client, who, status, recorded):
    response = _page(client, request.getfixturevalue(who), _url("agreement_detail", pk=recorded.pk))
    assert response.status_code == status
    if status == 404:
        assert "Licence for the textile robotic arm" not in response.content.decode()


def test_detail_of_missing_agreement_is_not_found(client, platform_admin):
    assert _page(client, platform_admin, _url("agreement_detail", pk=987654)).status_code == 404


def test_detail_shows_parties_value_links_and_meetings(
    client, recorded, meeting, published, org_member
):
    html = _page(client, org_member, _url("agreement_detail", pk=recorded.pk)).content.decode()
    assert "Indus Robotics" in html and "Z-Park AI" in html
    assert "USD 250,000.00" in html
    assert recorded.interest.reference in html
    assert published.reference in html
    assert "Asia/Karachi" in html  # the meeting on the reader's clock, zone named
    assert _url("agreement_edit", pk=recorded.pk) in html


def test_detail_in_urdu_is_right_to_left_with_the_amount_left_to_right(
    client, recorded, org_member
):
    client.force_login(org_member)
    with translation.override("ur"):
        url = reverse("docking:agreement_detail", args=[recorded.pk])
    html = client.get(url).content.decode()
    assert 'dir="rtl"' in html
    assert '<bdi class="money" dir="ltr">' in html


def test_anonymous_profile_is_not_linked_for_the_other_party(
    client, organisation, organisation_cn, published, staff_pk, other_member
):
    agreement = agreement_record(
        by=staff_pk,
        kind="mou",
        title="Reported memorandum",
        signed_on="2025-01-01",
        parties=[organisation, organisation_cn],
        profiles=[published],
    )
    html = _page(client, other_member, _url("agreement_detail", pk=agreement.pk)).content.decode()
    assert published.reference not in html
    assert published.title not in html


# --- Recording from an introduction ----------------------------------------------------


def test_party_records_from_the_introduction(
    client, open_interest, meeting, org_member, other_member
):
    url = _url("interest_agreement_create", pk=open_interest.pk)
    assert _page(client, org_member, url).status_code == 200
    response = _page(client, org_member, url, _form(meetings=[meeting.pk]))
    agreement = Agreement.objects.get()
    assert response.status_code == 302 and response["Location"] == _url(
        "agreement_detail", pk=agreement.pk
    )
    assert {o.slug for o in agreement.parties.all()} == {"indus-robotics", "z-park-ai"}
    assert list(agreement.meetings.all()) == [meeting]
    assert agreement.value == Decimal("250000.00")


@pytest.mark.parametrize(
    ("who", "status"), [("de_member", 404), ("outsider", 404), ("staff_de", 404), ("staff_pk", 403)]
)
def test_others_cannot_record_from_the_introduction(request, client, who, status, open_interest):
    url = _url("interest_agreement_create", pk=open_interest.pk)
    user = request.getfixturevalue(who)
    assert _page(client, user, url).status_code == status
    assert _page(client, user, url, _form()).status_code == status
    assert not Agreement.objects.exists()


def test_closed_introduction_sends_the_party_back(client, published, organisation_cn, other_member):
    interest = Interest.objects.create(
        profile=published,
        organisation=organisation_cn,
        **interest_fields(status="sent", reveal="not_yet", revealed_at=None, answered_at=None),
    )
    response = _page(
        client, other_member, _url("interest_agreement_create", pk=interest.pk), _form()
    )
    assert response.status_code == 302
    assert not Agreement.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 257}, "title"),
        ({"title": "Licence\x00"}, "title"),
        ({"signed_on": "2999-01-01"}, "signed_on"),
        ({"signed_on": "1999-12-31"}, "signed_on"),
        ({"signed_on": "soon"}, "signed_on"),
        ({"value": "1e20"}, "value"),
        ({"value": "-5"}, "value"),
        ({"value": "1.234"}, "value"),
        ({"value": "99999999999999.99"}, "value"),
        ({"currency": ""}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"value": "", "currency": "USD"}, "currency"),
        ({"kind": "handshake"}, "kind"),
        ({"sectors": ["nothing"]}, "sectors"),
        ({"notes": "n" * 2001}, "notes"),
    ],
)
def test_bad_input_is_a_form_error(client, changes, field, open_interest, org_member):
    response = _page(
        client, org_member, _url("interest_agreement_create", pk=open_interest.pk), _form(**changes)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Agreement.objects.exists()


def test_meeting_of_another_introduction_is_not_a_choice(
    client, open_interest, meeting, other_interest, organisation_de, de_member, org_member
):
    foreign = make_meeting(other_interest, organisation_de, de_member)
    url = _url("interest_agreement_create", pk=open_interest.pk)
    response = _page(client, org_member, url, _form(meetings=[foreign.pk]))
    assert response.status_code == 200
    assert "meetings" in response.context["form"].errors
    assert not Agreement.objects.exists()


def test_duplicate_record_is_a_form_error(client, recorded, open_interest, other_member):
    url = _url("interest_agreement_create", pk=open_interest.pk)
    response = _page(client, other_member, url, _form())
    assert response.status_code == 200
    assert recorded.reference in str(response.context["form"].errors["title"])
    assert Agreement.objects.count() == 1


# --- The interest page's part ----------------------------------------------------------


def test_interest_page_part_offers_the_form_to_parties_only(
    open_interest, recorded, org_member, staff_pk
):
    party = agreements_context(open_interest, org_member)
    broker = agreements_context(open_interest, staff_pk)
    assert party["can_record_agreement"] and party["agreement_form"] is not None
    assert not broker["can_record_agreement"] and broker["agreement_form"] is None
    assert (
        [a.pk for a in party["agreements"]] == [a.pk for a in broker["agreements"]] == [recorded.pk]
    )

    request = RequestFactory().get("/")
    request.user = org_member
    html = render_to_string("docking/includes/agreements.html", party, request=request)
    assert recorded.reference in html and "USD" in html
    assert _url("interest_agreement_create", pk=open_interest.pk) in html
    html = render_to_string("docking/includes/agreements.html", broker, request=request)
    assert "agreements/new/" not in html and "<form" not in html


def test_interest_page_part_is_empty_for_a_new_introduction(open_interest, other_member):
    context = agreements_context(open_interest, other_member)
    assert context["agreements"] == []
    request = RequestFactory().get("/")
    request.user = other_member
    html = render_to_string("docking/includes/agreements.html", context, request=request)
    assert "No agreement is recorded" in html


# --- Reported by staff -------------------------------------------------------------------


def test_staff_report_an_agreement_naming_the_parties(
    client, organisation, organisation_cn, staff_pk, org_member
):
    url = _url("agreement_create")
    assert _page(client, staff_pk, url).status_code == 200
    response = _page(client, staff_pk, url, _form(parties=[organisation.pk, organisation_cn.pk]))
    agreement = Agreement.objects.get()
    assert response.status_code == 302
    assert agreement.interest is None and agreement.recorded_by == staff_pk


def test_staff_naming_no_party_of_their_country_get_a_form_error(
    client, organisation, organisation_cn, organisation_de, staff_de
):
    response = _page(
        client,
        staff_de,
        _url("agreement_create"),
        _form(parties=[organisation.pk, organisation_cn.pk]),
    )
    assert response.status_code == 200
    assert "parties" in response.context["form"].errors
    assert not Agreement.objects.exists()


@pytest.mark.parametrize("who", ["org_member", "outsider", "de_member"])
def test_only_staff_report_directly(request, client, who, organisation, organisation_cn):
    user = request.getfixturevalue(who)
    assert _page(client, user, _url("agreement_create")).status_code == 403
    response = _page(
        client, user, _url("agreement_create"), _form(parties=[organisation.pk, organisation_cn.pk])
    )
    assert response.status_code == 403
    assert not Agreement.objects.exists()


def test_report_needs_two_parties(client, organisation, staff_pk):
    response = _page(client, staff_pk, _url("agreement_create"), _form(parties=[organisation.pk]))
    assert response.status_code == 200
    assert "parties" in response.context["form"].errors


# --- Changing ------------------------------------------------------------------------------


def test_party_moves_the_status_forward(client, recorded, other_member):
    url = _url("agreement_edit", pk=recorded.pk)
    page = _page(client, other_member, url)
    assert page.status_code == 200
    response = _page(
        client,
        other_member,
        url,
        {"status": "in_force", "value": "300000", "currency": "CNY", "notes": "Signed copy filed."},
    )
    assert response.status_code == 302
    recorded.refresh_from_db()
    assert (recorded.status, recorded.value, recorded.currency) == (
        "in_force",
        Decimal("300000.00"),
        "CNY",
    )


def test_status_going_back_is_not_offered(client, recorded, org_member):
    url = _url("agreement_edit", pk=recorded.pk)
    _page(client, org_member, url, {"status": "completed", "value": "250000", "currency": "USD"})
    page = _page(client, org_member, url)
    assert [code for code, _label in page.context["form"].fields["status"].choices] == ["completed"]
    response = _page(
        client, org_member, url, {"status": "signed", "value": "250000", "currency": "USD"}
    )
    assert response.status_code == 200 and "status" in response.context["form"].errors
    recorded.refresh_from_db()
    assert recorded.status == "completed"


@pytest.mark.parametrize(
    ("who", "status"), [("de_member", 404), ("outsider", 404), ("staff_de", 404)]
)
def test_others_cannot_change(request, client, who, status, recorded):
    user = request.getfixturevalue(who)
    url = _url("agreement_edit", pk=recorded.pk)
    assert _page(client, user, url).status_code == status
    assert _page(client, user, url, {"status": "completed"}).status_code == status
    recorded.refresh_from_db()
    assert recorded.status == "signed"


def test_change_with_a_value_too_large_is_a_form_error(client, recorded, org_member):
    url = _url("agreement_edit", pk=recorded.pk)
    response = _page(
        client, org_member, url, {"status": "signed", "value": "100000000000000", "currency": "USD"}
    )
    assert response.status_code == 200 and "value" in response.context["form"].errors
    recorded.refresh_from_db()
    assert recorded.value == Decimal("250000.00")


# --- Navigation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "shown"),
    [("org_member", True), ("staff_pk", True), ("platform_admin", True), ("outsider", False)],
)
def test_navigation_links_to_agreements(request, client, who, shown):
    html = _page(client, request.getfixturevalue(who), _url("profile_list")).content.decode()
    assert (f'href="{_url("agreement_list")}"' in html) == shown


def test_navigation_has_no_agreements_for_anonymous_visitors(client, db):
    assert _url("agreement_list") not in client.get(_url("profile_list")).content.decode()


def test_signing_date_today_is_accepted_by_the_form(client, open_interest, org_member):
    today = datetime.date.today().isoformat()
    response = _page(
        client,
        org_member,
        _url("interest_agreement_create", pk=open_interest.pk),
        _form(signed_on=today),
    )
    assert response.status_code == 302


def test_interest_page_shows_the_agreements_and_the_form_to_parties(
    client, recorded, open_interest, org_member, staff_cn
):
    url = _url("interest_detail", pk=open_interest.pk)
    party = _page(client, org_member, url).content.decode()
    assert recorded.reference in party
    assert _url("interest_agreement_create", pk=open_interest.pk) in party
    broker = _page(client, staff_cn, url).content.decode()
    assert recorded.reference in broker
    assert _url("interest_agreement_create", pk=open_interest.pk) not in broker
