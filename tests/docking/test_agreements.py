"""Agreements: who records and changes them, what is validated, who sees them, who is told."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from corridor.core.models import AuditEntry, Notification
from corridor.docking.models import Agreement, Interest, Meeting
from corridor.docking.selectors.agreements import (
    agreement_for,
    agreements_filter,
    agreements_visible_to,
)
from corridor.docking.services.agreements import (
    agreement_record,
    agreement_update,
    allowed_statuses,
)
from corridor.docking.services.profiles import profile_create

from .agreement_fixtures import *  # noqa: F403
from .agreement_fixtures import interest_fields, make_meeting

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 3, 31, 12, 0, tzinfo=datetime.UTC)


def _fields(**extra) -> dict:
    fields = {
        "kind": "mou",
        "title": "Memorandum on robotics training",
        "signed_on": datetime.date(2025, 3, 10),
    }
    fields.update(extra)
    return fields


# --- Recording through an open introduction ----------------------------------------


def test_party_member_records_agreement_of_open_introduction(
    recorded, open_interest, published, organisation, organisation_cn, meeting, org_member
):
    assert {o.pk for o in recorded.parties.all()} == {organisation.pk, organisation_cn.pk}
    assert recorded.interest == open_interest
    assert list(recorded.profiles.all()) == [published]  # the interest's profile by default
    assert list(recorded.meetings.all()) == [meeting]
    assert [s.code for s in recorded.sectors.all()] == ["robotics"]
    assert recorded.value == Decimal("250000.00") and recorded.currency == "USD"
    assert recorded.status == "signed" and recorded.recorded_by == org_member
    assert recorded.reference.startswith("AG-")
    entry = AuditEntry.objects.get(verb="agreement.record")
    assert entry.actor == org_member and entry.object_id == str(recorded.pk)
    assert entry.data["interest"] == open_interest.pk


def test_sender_profile_is_linked_too(
    open_interest, cn_request, organisation, organisation_cn, other_member
):
    cn_request.published_at = timezone.now()
    cn_request.save(update_fields=["published_at"])
    open_interest.sender_profile = cn_request
    open_interest.save(update_fields=["sender_profile"])
    agreement = agreement_record(
        by=other_member,
        **_fields(),
        parties=[organisation, organisation_cn],
        interest=open_interest,
    )
    assert {p.pk for p in agreement.profiles.all()} == {open_interest.profile_id, cn_request.pk}


def test_unpublished_sender_profile_is_not_linked(
    open_interest, cn_request, organisation, organisation_cn, other_member
):
    open_interest.sender_profile = cn_request  # a draft
    open_interest.save(update_fields=["sender_profile"])
    agreement = agreement_record(
        by=other_member,
        **_fields(),
        parties=[organisation, organisation_cn],
        interest=open_interest,
    )
    assert [p.pk for p in agreement.profiles.all()] == [open_interest.profile_id]


def test_party_admin_and_other_side_may_record(
    open_interest, organisation, organisation_cn, org_admin, cn_admin
):
    first = agreement_record(
        by=org_admin,
        **_fields(),
        parties=[organisation.pk, organisation_cn.pk],
        interest=open_interest.pk,
    )
    second = agreement_record(
        by=cn_admin,
        **_fields(kind="licence", title="Licence"),
        parties=["indus-robotics", "z-park-ai"],
        interest=open_interest,
    )
    assert first.interest_id == second.interest_id == open_interest.pk


def test_broker_staff_of_either_side_may_record_for_the_introduction(
    open_interest, organisation, organisation_cn, staff_pk, staff_cn
):
    for by in (staff_pk, staff_cn):
        agreement_record(
            by=by,
            **_fields(title=f"MoU noted by {by.username}"),
            parties=[organisation, organisation_cn],
            interest=open_interest,
        )
    assert Agreement.objects.filter(interest=open_interest).count() == 2


@pytest.mark.parametrize("who", ["de_member", "outsider", "staff_de"])
def test_people_who_cannot_read_the_interest_hear_it_is_unknown(
    request, who, open_interest, organisation, organisation_cn
):
    user = request.getfixturevalue(who)
    with pytest.raises(ValidationError) as error:
        agreement_record(
            by=user, **_fields(), parties=[organisation, organisation_cn], interest=open_interest
        )
    assert list(error.value.message_dict) == ["interest"]
    assert "Unknown" in error.value.message_dict["interest"][0]
    assert not Agreement.objects.exists()


@pytest.mark.parametrize(
    "state",
    [
        {"status": "sent", "reveal": "not_yet", "revealed_at": None, "answered_at": None},
        {"status": "accepted", "reveal": "awaiting_approval", "revealed_at": None},
        {"status": "accepted", "reveal": "refused", "revealed_at": None},
        {"status": "declined", "reveal": "not_yet", "revealed_at": None},
        {"status": "withdrawn", "reveal": "not_yet", "revealed_at": None},
    ],
)
def test_introduction_must_be_open(state, published, organisation, organisation_cn, other_member):
    interest = Interest.objects.create(
        profile=published, organisation=organisation_cn, **interest_fields(**state)
    )
    with pytest.raises(ValidationError) as error:
        agreement_record(
            by=other_member, **_fields(), parties=[organisation, organisation_cn], interest=interest
        )
    assert "interest" in error.value.message_dict
    assert not Agreement.objects.exists()


def test_both_sides_of_the_introduction_are_parties(
    open_interest, organisation, organisation_de, org_member
):
    with pytest.raises(ValidationError) as error:
        agreement_record(
            by=org_member,
            **_fields(),
            parties=[organisation, organisation_de],
            interest=open_interest,
        )
    assert list(error.value.message_dict) == ["parties"]


def test_a_third_party_may_join_the_introduction_agreement(
    open_interest, organisation, organisation_cn, organisation_de, org_member, de_member
):
    agreement = agreement_record(
        by=org_member,
        **_fields(),
        parties=[organisation, organisation_cn, organisation_de],
        interest=open_interest,
    )
    assert agreement.parties.count() == 3
    assert agreement in agreements_visible_to(de_member)


def test_party_member_cannot_record_without_an_introduction(
    organisation, organisation_cn, org_member
):
    with pytest.raises(PermissionDenied):
        agreement_record(by=org_member, **_fields(), parties=[organisation, organisation_cn])
    assert not Agreement.objects.exists()


def test_anonymous_cannot_record(organisation, organisation_cn):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        agreement_record(by=AnonymousUser(), **_fields(), parties=[organisation, organisation_cn])


# --- Links to meetings and profiles ----------------------------------------------------


def test_meeting_of_another_introduction_is_refused(
    open_interest,
    other_interest,
    organisation,
    organisation_cn,
    organisation_de,
    org_member,
    de_member,
):
    foreign = make_meeting(other_interest, organisation_de, de_member)
    with pytest.raises(ValidationError) as error:
        agreement_record(
            by=org_member,
            **_fields(),
            parties=[organisation, organisation_cn],
            interest=open_interest,
            meetings=[foreign],
        )
    assert list(error.value.message_dict) == ["meetings"]
    assert not Agreement.objects.exists()


def test_cancelled_and_unknown_meetings_are_refused(
    open_interest, organisation, organisation_cn, org_member
):
    cancelled = make_meeting(
        open_interest, organisation, org_member, status=Meeting.Status.CANCELLED
    )
    for meetings in ([cancelled.pk], [987654], ["x"]):
        with pytest.raises(ValidationError) as error:
            agreement_record(
                by=org_member,
                **_fields(),
                parties=[organisation, organisation_cn],
                interest=open_interest,
                meetings=meetings,
            )
        assert list(error.value.message_dict) == ["meetings"]


def test_meetings_need_their_introduction(meeting, organisation, organisation_cn, staff_pk):
    with pytest.raises(ValidationError) as error:
        agreement_record(
            by=staff_pk, **_fields(), parties=[organisation, organisation_cn], meetings=[meeting]
        )
    assert list(error.value.message_dict) == ["meetings"]


def test_profiles_must_be_published_profiles_of_parties(
    open_interest, organisation, organisation_cn, organisation_de, org_member, de_member
):
    own_draft = profile_create(
        organisation=organisation, by=org_member, kind="business_offer", title="A second offer"
    )
    foreign = profile_create(
        organisation=organisation_de, by=de_member, kind="business_offer", title="Ein Angebot"
    )
    foreign.published_at = timezone.now()
    foreign.save(update_fields=["published_at"])
    for profiles in ([own_draft], [foreign.pk], [10**9], ["CP-000001"]):
        with pytest.raises(ValidationError) as error:
            agreement_record(
                by=org_member,
                **_fields(),
                parties=[organisation, organisation_cn],
                interest=open_interest,
                profiles=profiles,
            )
        assert list(error.value.message_dict) == ["profiles"]


# --- Reported directly by staff ---------------------------------------------------------


@pytest.mark.parametrize("who", ["staff_pk", "staff_cn", "platform_admin"])
def test_staff_of_a_party_country_and_admins_report_directly(
    request, who, organisation, organisation_cn
):
    user = request.getfixturevalue(who)
    agreement = agreement_record(by=user, **_fields(), parties=[organisation, organisation_cn])
    assert agreement.interest is None and agreement.recorded_by == user
    assert not agreement.profiles.exists()


def test_staff_may_link_published_profiles_of_the_parties(
    organisation, organisation_cn, published, staff_pk
):
    agreement = agreement_record(
        by=staff_pk, **_fields(), parties=[organisation, organisation_cn], profiles=[published.pk]
    )
    assert list(agreement.profiles.all()) == [published]


def test_staff_of_neither_party_country_is_refused(
    organisation, organisation_cn, organisation_de, staff_de, staff_pk
):
    with pytest.raises(PermissionDenied):
        agreement_record(by=staff_de, **_fields(), parties=[organisation, organisation_cn])
    with pytest.raises(PermissionDenied):
        agreement_record(by=staff_pk, **_fields(), parties=[organisation_cn, organisation_de])
    assert not Agreement.objects.exists()


def test_platform_admin_records_for_any_country(organisation_cn, organisation_de, platform_admin):
    agreement = agreement_record(
        by=platform_admin, **_fields(), parties=[organisation_cn, organisation_de]
    )
    assert agreement.parties.count() == 2


# --- Validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "handshake"}, "kind"),
        ({"kind": None}, "kind"),
        ({"status": "draft"}, "status"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 257}, "title"),
        ({"title": "MoU\x00"}, "title"),
        ({"title": 42}, "title"),
        ({"notes": "n\x00"}, "notes"),
        ({"notes": "n" * 2001}, "notes"),
        ({"signed_on": datetime.date(2025, 4, 2)}, "signed_on"),
        ({"signed_on": datetime.date(1999, 12, 31)}, "signed_on"),
        ({"signed_on": "31/03/2025"}, "signed_on"),
        ({"signed_on": datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC)}, "signed_on"),
        ({"value": -1, "currency": "USD"}, "value"),
        ({"value": "1.234", "currency": "USD"}, "value"),
        ({"value": 10**14, "currency": "USD"}, "value"),
        ({"value": "99999999999999.95", "currency": "USD"}, "value"),
        ({"value": "1e20", "currency": "USD"}, "value"),
        ({"value": "NaN", "currency": "USD"}, "value"),
        ({"value": "Infinity", "currency": "USD"}, "value"),
        ({"value": "lots", "currency": "USD"}, "value"),
        ({"value": True, "currency": "USD"}, "value"),
        ({"value": 1000}, "currency"),
        ({"currency": "USD"}, "currency"),
        ({"value": 1000, "currency": "XYZ"}, "currency"),
        ({"value": 1000, "currency": "US\x00"}, "currency"),
        ({"sectors": ["no-such-sector"]}, "sectors"),
        ({"sectors": [10**9]}, "sectors"),
        ({"sectors": ["robotics\x00"]}, "sectors"),
        ({"sectors": "robotics"}, "sectors"),
        ({"parties": ["indus-robotics"]}, "parties"),
        ({"parties": ["indus-robotics", "indus-robotics"]}, "parties"),
        ({"parties": ["indus-robotics", "no-such-org"]}, "parties"),
        ({"parties": ["indus-robotics", "z-park\x00"]}, "parties"),
        ({"parties": ["indus-robotics", 10**9]}, "parties"),
        ({"parties": ["indus-robotics", 2**70]}, "parties"),
        ({"parties": ["indus-robotics", None]}, "parties"),
        ({"parties": []}, "parties"),
        ({"interest": 2**70}, "interest"),
        ({"interest": "EI-000001"}, "interest"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(
    changes, field, organisation, organisation_cn, sector, staff_pk
):
    fields = _fields(parties=["indus-robotics", "z-park-ai"], sectors=["robotics"])
    fields.update(changes)
    with pytest.raises(ValidationError) as error:
        agreement_record(by=staff_pk, now=NOW, **fields)
    assert field in error.value.message_dict
    assert not Agreement.objects.exists()
    assert not AuditEntry.objects.filter(verb="agreement.record").exists()
    assert not Notification.objects.exists()


def test_every_bad_field_is_named_at_once(organisation, organisation_cn, staff_pk):
    with pytest.raises(ValidationError) as error:
        agreement_record(
            by=staff_pk,
            kind="x",
            title="",
            signed_on="never",
            parties=["indus-robotics"],
            value=-5,
            currency="USD",
        )
    assert {"kind", "title", "signed_on", "parties", "value"} <= set(error.value.message_dict)


@pytest.mark.parametrize(
    "value", ["0", 0, 12.5, Decimal("1.50"), "1.500", " 7 ", "1234567890123.45"]
)
def test_largest_and_smallest_values_are_stored_exactly(
    value, organisation, organisation_cn, staff_pk
):
    agreement = agreement_record(
        by=staff_pk,
        **_fields(),
        parties=[organisation, organisation_cn],
        value=value,
        currency="pkr",
    )
    agreement.refresh_from_db()
    assert agreement.value == Decimal(str(value).strip()).quantize(Decimal("0.01"))
    assert agreement.currency == "PKR"


def test_largest_value_is_read_back_on_both_databases(organisation, organisation_cn, staff_pk):
    agreement = agreement_record(
        by=staff_pk,
        **_fields(),
        parties=[organisation, organisation_cn],
        value="99999999999999.94",
        currency="USD",
    )
    stored = agreements_visible_to(staff_pk).get(pk=agreement.pk).value
    if connection.vendor == "postgresql":
        assert stored == Decimal("99999999999999.94")
    else:  # SQLite keeps 15 significant digits
        assert abs(stored - Decimal("99999999999999.94")) < Decimal("0.1")


def test_signing_date_may_be_today_anywhere_on_earth(organisation, organisation_cn, staff_pk):
    # At noon UTC on 31 March it is already 1 April at UTC+14.
    agreement = agreement_record(
        by=staff_pk,
        **_fields(signed_on="2025-04-01"),
        parties=[organisation, organisation_cn],
        now=NOW,
    )
    assert agreement.signed_on == datetime.date(2025, 4, 1)
    agreement = agreement_record(
        by=staff_pk,
        **_fields(signed_on=datetime.date(2000, 1, 1), title="Oldest"),
        parties=[organisation, organisation_cn],
        now=NOW,
    )
    assert agreement.signed_on == datetime.date(2000, 1, 1)


def test_longest_title_and_notes_are_kept(organisation, organisation_cn, staff_pk):
    agreement = agreement_record(
        by=staff_pk,
        **_fields(title="协" * 256, notes="ب" * 2000),
        parties=[organisation, organisation_cn],
    )
    agreement.refresh_from_db()
    assert len(agreement.title) == 256 and len(agreement.notes) == 2000


def test_the_same_agreement_is_recorded_once(
    recorded, organisation, organisation_cn, other_member, open_interest
):
    with pytest.raises(ValidationError) as error:
        agreement_record(
            by=other_member,
            kind="licence",
            title="LICENCE for the textile robotic arm",
            signed_on=datetime.date(2025, 3, 1),
            parties=[organisation_cn, organisation],
            interest=open_interest,
        )
    assert recorded.reference in error.value.message_dict["title"][0]
    assert Agreement.objects.count() == 1


# --- Notifications ------------------------------------------------------------------------


def test_people_of_every_party_but_the_recorder_are_told(
    org_admin, cn_admin, outsider, staff_pk, recorded, org_member, other_member
):
    told = Notification.objects.filter(kind="agreement.recorded")
    assert set(told.values_list("user__username", flat=True)) == {
        "org_admin",
        "cn_member",
        "cn_admin",
    }
    notice = told.get(user=other_member)
    assert notice.key == f"agreement:{recorded.pk}:recorded"
    assert notice.data == {
        "agreement": recorded.reference,
        "title": "Licence for the textile robotic arm",
        "kind": "licence",
    }
    assert notice.url == f"/en/profiles/agreements/{recorded.pk}/"


def test_staff_report_tells_both_parties_people(
    organisation, organisation_cn, org_member, org_admin, other_member, staff_pk
):
    agreement_record(by=staff_pk, **_fields(), parties=[organisation, organisation_cn])
    told = set(
        Notification.objects.filter(kind="agreement.recorded").values_list(
            "user__username", flat=True
        )
    )
    assert told == {"org_member", "org_admin", "cn_member"}


# --- Changing an agreement ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (["in_force", "completed"], True),
        (["in_force", "terminated"], True),
        (["completed"], True),
        (["terminated"], True),
        (["signed"], True),
        (["in_force", "signed"], False),
        (["completed", "in_force"], False),
        (["terminated", "completed"], False),
        (["completed", "signed"], False),
        (["terminated", "signed"], False),
    ],
)
def test_status_moves_forward_only(path, allowed, recorded, org_member):
    *steps, last = path
    for status in steps:
        agreement_update(agreement=recorded, by=org_member, status=status)
    if allowed:
        agreement_update(agreement=recorded, by=org_member, status=last)
        recorded.refresh_from_db()
        assert recorded.status == last
    else:
        before = recorded.status
        with pytest.raises(ValidationError) as error:
            agreement_update(agreement=recorded, by=org_member, status=last)
        assert list(error.value.message_dict) == ["status"]
        recorded.refresh_from_db()
        assert recorded.status == before


def test_allowed_statuses_offer_forward_moves(recorded):
    assert allowed_statuses(recorded) == ["signed", "in_force", "completed", "terminated"]
    recorded.status = "in_force"
    assert allowed_statuses(recorded) == ["in_force", "completed", "terminated"]
    recorded.status = "terminated"
    assert allowed_statuses(recorded) == ["terminated"]


@pytest.mark.parametrize(
    "who", ["org_member", "org_admin", "other_member", "staff_pk", "staff_cn", "platform_admin"]
)
def test_parties_and_their_staff_change_an_agreement(request, who, recorded):
    user = request.getfixturevalue(who)
    agreement_update(agreement=recorded, by=user, status="in_force", notes="In force since April.")
    recorded.refresh_from_db()
    assert recorded.status == "in_force" and recorded.notes == "In force since April."
    entry = AuditEntry.objects.get(verb="agreement.update")
    assert entry.actor == user
    assert entry.data == {"status": ["signed", "in_force"], "notes": True}


@pytest.mark.parametrize("who", ["de_member", "outsider", "staff_de"])
def test_others_cannot_change_an_agreement(request, who, recorded):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        agreement_update(agreement=recorded, by=user, status="completed")
    recorded.refresh_from_db()
    assert recorded.status == "signed"
    assert not AuditEntry.objects.filter(verb="agreement.update").exists()


def test_staff_of_a_third_party_country_change_direct_reports_only(direct, staff_de, staff_pk):
    agreement_update(agreement=direct, by=staff_de, status="in_force")
    with pytest.raises(PermissionDenied):
        agreement_update(agreement=direct, by=staff_pk, status="completed")


def test_value_and_currency_are_corrected_together(recorded, org_member):
    agreement_update(agreement=recorded, by=org_member, value="1000000.50", currency="CNY")
    recorded.refresh_from_db()
    assert (recorded.value, recorded.currency) == (Decimal("1000000.50"), "CNY")
    agreement_update(agreement=recorded, by=org_member, value="2000000")
    recorded.refresh_from_db()
    assert (recorded.value, recorded.currency) == (Decimal("2000000.00"), "CNY")
    agreement_update(agreement=recorded, by=org_member, value=None)
    recorded.refresh_from_db()
    assert (recorded.value, recorded.currency) == (None, "")


@pytest.mark.parametrize(
    "changes",
    [
        {"currency": ""},
        {"currency": "XXX"},
        {"value": -1},
        {"value": 10**14},
        {"value": "0.001"},
        {"value": None, "currency": "USD"},
        {"notes": "\x00"},
        {"notes": "n" * 2001},
        {"status": "lost"},
    ],
)
def test_bad_changes_change_nothing(changes, recorded, org_member):
    with pytest.raises(ValidationError):
        agreement_update(agreement=recorded, by=org_member, **changes)
    recorded.refresh_from_db()
    assert (recorded.value, recorded.currency, recorded.status) == (
        Decimal("250000.00"),
        "USD",
        "signed",
    )
    assert not AuditEntry.objects.filter(verb="agreement.update").exists()


def test_no_change_writes_no_audit_entry(recorded, org_member):
    agreement_update(agreement=recorded, by=org_member, status="signed")
    assert not AuditEntry.objects.filter(verb="agreement.update").exists()


# --- Who sees which ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees_recorded", "sees_direct"),
    [
        ("org_member", True, False),
        ("org_admin", True, False),
        ("other_member", True, True),
        ("de_member", False, True),
        ("staff_pk", True, False),
        ("staff_cn", True, True),
        ("staff_de", False, True),
        ("platform_admin", True, True),
        ("outsider", False, False),
    ],
)
def test_parties_their_staff_and_admins_see_agreements(
    request, who, sees_recorded, sees_direct, recorded, direct
):
    user = request.getfixturevalue(who)
    visible = set(agreements_visible_to(user))
    assert (recorded in visible, direct in visible) == (sees_recorded, sees_direct)
    if not sees_recorded:
        with pytest.raises(Exception) as error:
            agreement_for(user, recorded.pk)
        assert error.type.__name__ == "Http404"


def test_anonymous_sees_no_agreement(recorded):
    from django.contrib.auth.models import AnonymousUser

    assert not agreements_visible_to(AnonymousUser()).exists()
    assert not agreements_visible_to(None).exists()


def test_agreement_with_two_visible_parties_is_listed_once(
    recorded, staff_pk, staff_cn, platform_admin
):
    for user in (staff_pk, staff_cn, platform_admin):
        assert list(agreements_visible_to(user)).count(recorded) == 1


def test_filters_by_kind_status_year_interest_and_party(
    recorded, direct, platform_admin, open_interest
):
    everything = agreements_visible_to(platform_admin)
    assert list(agreements_filter(everything, kind="licence")) == [recorded]
    assert list(agreements_filter(everything, year=2024)) == [direct]
    assert list(agreements_filter(everything, interest=open_interest.pk)) == [recorded]
    assert list(agreements_filter(everything, organisation="rhein-robotik")) == [direct]
    assert list(agreements_filter(everything, status="completed")) == []
    assert list(everything) == [recorded, direct]  # newest signing first


@pytest.mark.parametrize("pk", ["abc", None, 0, -1, 2**70])
def test_agreement_for_bad_ids_is_not_found(pk, platform_admin):
    from django.http import Http404

    with pytest.raises(Http404):
        agreement_for(platform_admin, pk)
