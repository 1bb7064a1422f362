"""``corridor demo``: the demo data set, its logins, and running it twice."""

import json
import shutil

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError

from corridor.accounts.models import AuthorityStaff, OrganisationMembership
from corridor.core.permissions import can_create_zone, can_edit_organisation
from corridor.core.text import detect_language
from corridor.registry.demo import loader
from corridor.registry.models import Authority, Organisation, Sector, Zone
from corridor.registry.search import organisation_document
from corridor.registry.selectors import (
    OrganisationFilters,
    organisations_filtered,
)

from ..conftest import run_demo

AGREEMENT_SECTORS = [
    "semiconductors",
    "cloud",
    "ai",
    "robotics",
    "fintech",
    "blockchain",
    "biotech",
]
ROLES = {
    "admin": "platform admin",
    "staff.stza": "authority staff",
    "staff.zgc": "authority staff",
    "orgadmin.pk": "organisation admin",
    "member.pk": "organisation member",
    "orgadmin.cn": "organisation admin",
    "member.cn": "organisation member",
    "applicant": "applicant",
}


def counts() -> dict[str, int]:
    User = get_user_model()
    return {
        model.__name__: model.objects.count()
        for model in (
            Authority,
            Zone,
            Organisation,
            Sector,
            User,
            AuthorityStaff,
            OrganisationMembership,
            Organisation.sectors.through,
            Zone.focus_sectors.through,
        )
    }


def slugs(q: str) -> set[str]:
    return set(organisations_filtered(OrganisationFilters(q=q)).values_list("slug", flat=True))


def test_demo_loads_at_least_150_organisations_in_both_countries(demo, db):
    assert Organisation.objects.filter(is_demo=True).count() >= 150
    assert Organisation.objects.filter(country="CN").count() >= 60
    assert Organisation.objects.filter(country="PK").count() >= 60
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert kinds == set(Organisation.Kind.values)


def test_every_sector_of_the_agreement_has_organisations_in_both_countries(demo, db):
    for code in AGREEMENT_SECTORS:
        for country in ("CN", "PK"):
            found = organisations_filtered(OrganisationFilters(sector=code, country=country))
            assert found.count() >= 3, (code, country)


def test_descriptions_are_written_in_all_three_languages_and_labelled_truly(demo, db):
    organisations = list(Organisation.objects.all())
    per_language = {"en": 0, "zh-hans": 0, "ur": 0}
    for organisation in organisations:
        assert organisation.description.strip(), organisation.slug
        assert detect_language(organisation.description) == organisation.description_language, (
            organisation.slug
        )
        per_language[organisation.description_language] += 1
    assert min(per_language.values()) >= 30, per_language


def test_every_search_document_is_filled_and_current(demo, db):
    for organisation in Organisation.objects.prefetch_related("sectors"):
        assert organisation.search_document
        # Built by the loader as the services would build it.
        assert organisation.search_document == organisation_document(organisation), (
            organisation.slug
        )


def test_z_park_has_its_sixteen_member_parks(demo, db):
    z_park = Zone.objects.get(slug="z-park")
    assert (z_park.kind, str(z_park.country), z_park.authority.code) == (
        Zone.Kind.SCIENCE_PARK,
        "CN",
        "zgc",
    )
    assert z_park.area_km2 == 488 and z_park.year_founded == 1988
    parks = list(z_park.children.all())
    assert len(parks) == 16
    assert {p.kind for p in parks} == {Zone.Kind.MEMBER_PARK}
    assert all(p.name_en and p.name_zh_hans and p.name_ur and p.is_demo for p in parks)
    assert {p.name_zh_hans for p in parks} >= {"海淀园", "昌平园", "顺义园", "延庆园"}
    # Every park has demo organisations except the ones the data leaves empty on purpose.
    assert Organisation.objects.filter(zone__parent=z_park).values("zone").distinct().count() >= 12


def test_pakistani_zones_belong_to_stza(demo, db):
    zones = Zone.objects.filter(country="PK")
    assert zones.filter(kind=Zone.Kind.TECHNOLOGY_ZONE).count() >= 5
    assert zones.filter(kind=Zone.Kind.INCUBATOR).exists()
    assert zones.filter(slug="nstp-nust", kind=Zone.Kind.SCIENCE_PARK).exists()
    assert set(zones.values_list("authority__code", flat=True)) == {"stza"}


def test_a_chinese_query_finds_a_chinese_description(demo, db):
    assert "huayao-wafer" in slugs("晶圆代工")
    assert "tanxin-materials" in slugs("碳化硅")


def test_an_urdu_query_finds_an_urdu_description(demo, db):
    assert "urdu-ocr-cloud" in slugs("نستعلیق")
    assert "cotton-genomics" in slugs("کپاس")


def test_a_sector_name_in_one_language_finds_organisations_described_in_another(demo, db):
    found = slugs("مصنوعی ذہانت")  # "artificial intelligence" in Urdu
    languages = set(
        Organisation.objects.filter(slug__in=found).values_list("description_language", flat=True)
    )
    assert languages == {"en", "zh-hans", "ur"}


def test_running_twice_changes_nothing(demo, db):
    before = counts()
    stamps = dict(Organisation.objects.values_list("slug", "updated_at"))
    output = run_demo()
    assert counts() == before
    assert dict(Organisation.objects.values_list("slug", "updated_at")) == stamps
    assert "nothing changed" in output


def test_running_again_restores_edited_demo_rows_without_duplicating_them(demo, db):
    before = counts()
    Organisation.objects.filter(slug="indus-robotics").update(description="edited")
    Organisation.objects.get(slug="indus-robotics").sectors.clear()
    Zone.objects.filter(slug="z-park-haidian").update(parent=None)
    run_demo()
    assert counts() == before
    indus = Organisation.objects.get(slug="indus-robotics")
    assert indus.description.startswith("انڈس روبوٹکس")
    assert set(indus.sectors.values_list("code", flat=True)) == {"robotics.industrial", "ai.vision"}
    assert Zone.objects.get(slug="z-park-haidian").parent.slug == "z-park"


def test_one_login_per_role_works_with_the_demo_password(demo, db, client):
    for username in ROLES:
        assert client.login(username=username, password=loader.DEFAULT_PASSWORD), username
        client.logout()
    assert not client.login(username="admin", password="wrong")


def test_each_demo_login_holds_exactly_its_role(demo, db):
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert [u for u, user in users.items() if user.is_superuser] == ["admin"]
    stza, zgc = Authority.objects.get(code="stza"), Authority.objects.get(code="zgc")
    assert can_create_zone(users["staff.stza"], authority=stza)
    assert not can_create_zone(users["staff.stza"], authority=zgc)
    assert can_create_zone(users["staff.zgc"], authority=zgc)

    indus = Organisation.objects.get(slug="indus-robotics")
    xingxin = Organisation.objects.get(slug="xingxin-microelectronics")
    assert (str(indus.country), str(xingxin.country)) == ("PK", "CN")
    assert can_edit_organisation(users["orgadmin.pk"], indus)
    assert not can_edit_organisation(users["orgadmin.pk"], xingxin)
    assert can_edit_organisation(users["orgadmin.cn"], xingxin)
    assert not can_edit_organisation(users["member.pk"], indus)
    assert indus.memberships.get(user=users["member.pk"]).role == "member"
    assert xingxin.memberships.get(user=users["member.cn"]).role == "member"
    applicant = users["applicant"]
    assert not applicant.memberships.exists() and not applicant.authority_staff.exists()

    assert users["staff.zgc"].language == "zh-hans"
    assert users["member.pk"].language == "ur"


def test_the_logins_are_printed_with_a_warning(demo, db):
    for username in ROLES:
        assert username in demo
    assert loader.DEFAULT_PASSWORD in demo
    assert "Demo accounts" in demo


def test_the_demo_password_comes_from_the_environment(demo, db, client, monkeypatch):
    monkeypatch.setenv(loader.PASSWORD_ENV, "another demo secret")
    output = run_demo()
    assert "another demo secret" in output
    assert client.login(username="member.pk", password="another demo secret")
    assert not client.login(username="member.pk", password=loader.DEFAULT_PASSWORD)


@pytest.mark.parametrize(
    ("field", "value", "reported"),
    [
        ("sectors", ["ai.telepathy"], "ai.telepathy"),
        ("zone", "atlantis-technology-zone", "atlantis-technology-zone"),
        ("year_founded", 2500, "year_founded"),
        ("kind", "spaceship", "kind"),
        ("name_en", "x" * 301, "name_en"),
    ],
)
def test_broken_demo_data_is_reported_and_writes_nothing(
    demo, db, tmp_path, monkeypatch, field, value, reported
):
    data = tmp_path / "data"
    shutil.copytree(loader.DATA_DIR, data)
    rows = json.loads((data / "organisations_pk.json").read_text(encoding="utf-8"))
    rows[0]["description"] = "rewritten"
    rows[-1][field] = value
    (data / "organisations_pk.json").write_text(json.dumps(rows), encoding="utf-8")
    monkeypatch.setattr(loader, "DATA_DIR", data)
    before = counts()

    with pytest.raises(CommandError, match=reported) as error:
        run_demo()
    assert rows[-1]["slug"] in str(error.value)  # names the row
    assert counts() == before
    # The first row was valid and came earlier, but the whole load is one transaction.
    assert Organisation.objects.get(slug=rows[0]["slug"]).description != "rewritten"
