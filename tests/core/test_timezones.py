"""Which clock a person sees times on."""

from corridor.core.timezones import is_valid_zone, user_zone


def test_own_choice_wins(org_member):
    org_member.time_zone = "Europe/Berlin"
    assert user_zone(org_member).key == "Europe/Berlin"


def test_organisation_country_when_no_choice(org_member):
    assert user_zone(org_member).key == "Asia/Karachi"


def test_staff_without_organisation_see_their_authority_country(staff_cn, staff_pk):
    assert user_zone(staff_cn).key == "Asia/Shanghai"
    assert user_zone(staff_pk).key == "Asia/Karachi"


def test_outsider_and_anonymous_see_utc(outsider):
    from django.contrib.auth.models import AnonymousUser

    assert user_zone(outsider).key == "UTC"
    assert user_zone(AnonymousUser()).key == "UTC"


def test_invalid_stored_zone_falls_back(org_member):
    org_member.time_zone = "Mars/Olympus"
    assert user_zone(org_member).key == "Asia/Karachi"


def test_zone_names_are_checked():
    assert is_valid_zone("Asia/Karachi")
    assert not is_valid_zone("Asia/Nowhere")
    assert not is_valid_zone(" Asia/Karachi")
    assert not is_valid_zone("")
    assert not is_valid_zone("../../etc/passwd")
