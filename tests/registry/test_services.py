import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from corridor.accounts.models import OrganisationMembership
from corridor.core.models import AuditEntry
from corridor.registry import services
from corridor.registry.models import Organisation, Zone
from corridor.registry.selectors import OrganisationFilters, organisations_filtered

from ..factories import OrganisationFactory, SectorFactory, ZoneFactory


def search(q, **filters):
    return list(
        organisations_filtered(OrganisationFilters(q=q, **filters)).values_list("slug", flat=True)
    )


def test_registering_an_organisation_makes_the_person_its_admin_and_is_audited(outsider, zone_cn):
    org = services.organisation_create(
        by=outsider,
        kind="enterprise",
        name="北京星芯微电子有限公司",
        name_en="Beijing Star-Core Microelectronics",
        country="CN",
        zone=zone_cn,
        description="我们设计用于边缘计算的低功耗人工智能芯片。",
    )
    membership = OrganisationMembership.objects.get(organisation=org)
    assert (membership.user, membership.role) == (outsider, "admin")
    assert org.slug == "beijing-star-core-microelectronics"
    assert org.description_language == "zh-hans"
    assert AuditEntry.objects.filter(
        verb="organisation.create", object_id=str(org.pk), actor=outsider
    ).exists()


def test_staff_who_register_an_organisation_do_not_become_its_admin(staff_pk):
    org = services.organisation_create(
        by=staff_pk, kind="university", name="Test University", country="PK"
    )
    assert not org.memberships.exists()


def test_anonymous_visitor_cannot_register_an_organisation(db):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.organisation_create(by=AnonymousUser(), kind="enterprise", name="X", country="PK")
    assert not Organisation.objects.exists()


@pytest.mark.parametrize("who", ["org_member", "outsider", "staff_cn"])
def test_only_admins_and_own_authority_staff_edit_an_organisation(request, organisation, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.organisation_update(organisation=organisation, by=user, name="Renamed")
    organisation.refresh_from_db()
    assert organisation.name == "Indus Robotics"
    assert not AuditEntry.objects.filter(verb="organisation.update").exists()


@pytest.mark.parametrize("who", ["org_admin", "staff_pk", "platform_admin"])
def test_admin_and_own_authority_staff_may_edit(request, organisation, who):
    user = request.getfixturevalue(who)
    services.organisation_update(organisation=organisation, by=user, city="Lahore")
    organisation.refresh_from_db()
    assert organisation.city == "Lahore"
    entry = AuditEntry.objects.get(verb="organisation.update")
    assert entry.actor == user and entry.data == {"fields": ["city"]}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "x" * 301),
        ("name", "bad\x00name"),
        ("country", "XX"),
        ("website", "not a url"),
        ("kind", "spaceship"),
        ("year_founded", 99999),
        ("description", "d" * 4001),
        ("ror_id", "nope"),
    ],
)
def test_bad_input_changes_nothing(org_admin, organisation, field, value):
    before = Organisation.objects.values().get(pk=organisation.pk)
    with pytest.raises(ValidationError) as error:
        services.organisation_update(organisation=organisation, by=org_admin, **{field: value})
    assert field in error.value.message_dict
    assert Organisation.objects.values().get(pk=organisation.pk) == before


def test_unknown_field_is_rejected(org_admin, organisation):
    with pytest.raises(ValidationError) as error:
        services.organisation_update(organisation=organisation, by=org_admin, search_document="x")
    assert "search_document" in error.value.message_dict


def test_staff_of_one_authority_cannot_create_a_zone_for_the_other(staff_cn, authority_pk):
    with pytest.raises(PermissionDenied):
        services.zone_create(
            by=staff_cn, authority=authority_pk, kind="technology_zone", name_en="Z", country="PK"
        )
    assert not Zone.objects.exists()


def test_staff_zone_defaults_to_their_authority(staff_cn, authority_cn):
    zone = services.zone_create(
        by=staff_cn, kind="member_park", name_en="Haidian Park", country="CN"
    )
    assert zone.authority == authority_cn
    assert zone.slug == "haidian-park"


@pytest.mark.parametrize("who", ["outsider", "org_admin"])
def test_people_outside_authorities_cannot_create_zones(request, who, authority_pk):
    with pytest.raises(PermissionDenied):
        services.zone_create(
            by=request.getfixturevalue(who), kind="incubator", name_en="Z", country="PK"
        )


def test_a_zone_cannot_become_part_of_its_own_member_park(staff_cn, zone_cn):
    park = ZoneFactory(slug="haidian", parent=zone_cn, authority=zone_cn.authority, country="CN")
    with pytest.raises(ValidationError):
        services.zone_update(zone=zone_cn, by=staff_cn, parent=park)
    zone_cn.refresh_from_db()
    assert zone_cn.parent is None


def test_zone_area_must_be_positive(staff_pk, zone_pk):
    with pytest.raises(ValidationError):
        services.zone_update(zone=zone_pk, by=staff_pk, area_km2=-3)


def test_sectors_are_managed_by_staff_only(staff_pk, org_admin):
    sector = services.sector_create(
        by=staff_pk,
        code="ai.speech.dialects",
        name_en="Dialects",
        name_zh_hans="语音",
        name_ur="تقریر",
    )
    with pytest.raises(PermissionDenied):
        services.sector_update(sector=sector, by=org_admin, name_en="Voice")
    with pytest.raises(ValidationError):
        services.sector_create(by=staff_pk, code="Bad Code!", name_en="x")


def test_sector_cannot_sit_under_its_own_child(staff_pk):
    parent = SectorFactory(code="ai")
    child = SectorFactory(code="ai.vision", parent=parent)
    with pytest.raises(ValidationError):
        services.sector_update(sector=parent, by=staff_pk, parent=child)


class TestSearch:
    @pytest.fixture
    def directory(self, zone_cn, zone_pk):
        ai = SectorFactory(
            code="ai",
            name_en="Artificial intelligence",
            name_zh_hans="人工智能",
            name_ur="مصنوعی ذہانت",
        )
        OrganisationFactory(
            slug="star-core", name="北京星芯微电子有限公司", country="CN", zone=zone_cn,
            description="我们设计低功耗芯片。",
        )  # fmt: skip
        OrganisationFactory(
            slug="indus-vision", name="Indus Vision", country="PK", zone=zone_pk,
            description="ہم کمپیوٹر وژن کے نظام بناتے ہیں۔", sectors=[ai],
        )  # fmt: skip
        OrganisationFactory(
            slug="lahore-chips", name="Lahore Chips", country="PK", description="Chip design"
        )

    def test_finds_chinese_words_inside_longer_text(self, directory):
        assert search("芯片") == ["star-core"]

    def test_finds_urdu_text_with_arabic_letter_variants(self, directory):
        assert search("كمپيوٹر") == ["indus-vision"]

    def test_sector_names_in_every_language_find_the_organisation(self, directory):
        assert (
            search("人工智能") == search("مصنوعی ذہانت") == search("artificial") == ["indus-vision"]
        )

    def test_zone_name_in_chinese_finds_its_organisations(self, directory):
        assert search("中关村") == ["star-core"]

    def test_prefix_and_case(self, directory):
        assert search("LAHORE chi") == ["lahore-chips"]

    def test_text_combines_with_facets(self, directory):
        assert search("chip", country="CN") == []

    @pytest.mark.parametrize("q", ['"', "*", ":*", "\\", "(", "--"])
    def test_a_query_without_words_does_not_filter(self, directory, q):
        assert len(search(q)) == 3

    @pytest.mark.parametrize(
        "q", ['"chip"', "chip*", "chip OR star", "NEAR(chip", "' OR 1=1 --", "chip:*"]
    )
    def test_search_syntax_in_the_query_is_taken_as_words(self, directory, q):
        # FTS5 / tsquery operators in user input must neither fail nor widen the search.
        assert search(q) in ([], ["lahore-chips"])

    def test_very_long_query_is_cut_not_failed(self, directory):
        assert search("chip " + "x" * 5000) == []


def test_text_filter_works_inside_another_query(zone_pk):
    OrganisationFactory(slug="a", name="Alpha Robotics", zone=zone_pk)
    OrganisationFactory(slug="b", name="Beta Biotech", zone=zone_pk)
    matching = organisations_filtered(OrganisationFilters(q="robotics"))
    # As a subquery Django aliases the table; the search SQL must not name it.
    assert list(
        Organisation.objects.filter(pk__in=matching.values("pk")).values_list("slug", flat=True)
    ) == ["a"]
    assert list(
        Zone.objects.filter(organisations__in=matching.values("pk")).values_list("slug", flat=True)
    ) == ["islamabad-stz"]


def test_staff_cannot_hand_an_organisation_to_the_other_country(staff_pk, org_admin, organisation):
    with pytest.raises(PermissionDenied):
        services.organisation_update(organisation=organisation, by=staff_pk, country="CN")
    organisation.refresh_from_db()
    assert organisation.country == "PK"
    # The organisation's own admin may record that it moved.
    services.organisation_update(organisation=organisation, by=org_admin, country="CN")
    organisation.refresh_from_db()
    assert organisation.country == "CN"
