"""``corridor import zones``: member parks under zones in the database or the same file."""

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from corridor.core.models import AuditEntry
from corridor.registry.models import Organisation, Zone

from ..factories import OrganisationFactory, ZoneFactory

DATA = Path(__file__).resolve().parent.parent / "data"


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "zones", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rejected(*args) -> str:
    err = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import", "zones", *[str(a) for a in args], stdout=io.StringIO(), stderr=err)
    return err.getvalue() + "\n" + str(failure.value)


def write(tmp_path, items, name="zones.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def both(zone_pk, zone_cn):
    return zone_pk, zone_cn


def test_zones_are_created_with_parents_authorities_and_focus_sectors(both):
    out, _err = run(DATA / "zones.json")
    assert "3 created" in out
    haidian = Zone.objects.get(slug="z-park-haidian")
    assert haidian.parent.slug == "z-park"
    assert haidian.authority.code == "zpark"
    assert haidian.area_km2 == Decimal("174.06")
    assert haidian.description_language == "zh-hans"  # detected
    assert set(haidian.focus_sectors.values_list("code", flat=True)) == {"ai", "semiconductors"}
    # The parent is later in nothing: a member park may name a zone created by the same file.
    incubator = Zone.objects.get(slug="lahore-stz-incubator")
    assert incubator.parent.slug == "lahore-stz"
    assert set(
        Zone.objects.get(slug="lahore-stz").focus_sectors.values_list("code", flat=True)
    ) == {"fintech", "cloud"}
    assert AuditEntry.objects.get(verb="zone.import").data["created"] == 3


def test_importing_zones_twice_changes_nothing(both):
    run(DATA / "zones.json")
    before = dict(Zone.objects.values_list("slug", "updated_at"))
    out, _err = run(DATA / "zones.json")
    assert "0 created, 0 updated, 3 unchanged" in out
    assert dict(Zone.objects.values_list("slug", "updated_at")) == before


def test_member_park_listed_before_its_parent_is_fine(tmp_path, both):
    items = json.loads((DATA / "zones.json").read_text(encoding="utf-8"))
    run(write(tmp_path, list(reversed(items))))
    assert Zone.objects.get(slug="lahore-stz-incubator").parent.slug == "lahore-stz"


def test_bad_zone_rows_are_all_reported_and_nothing_written(tmp_path, both):
    items = [
        {
            "slug": "loop-a",
            "kind": "science_park",
            "name_en": "A",
            "country": "PK",
            "parent": "loop-b",
        },
        {
            "slug": "loop-b",
            "kind": "science_park",
            "name_en": "B",
            "country": "PK",
            "parent": "loop-a",
        },
        {"slug": "self", "kind": "science_park", "name_en": "S", "country": "PK", "parent": "self"},
        {
            "slug": "orphan",
            "kind": "member_park",
            "name_en": "O",
            "country": "PK",
            "parent": "nowhere",
        },
        {
            "slug": "who",
            "kind": "member_park",
            "name_en": "W",
            "country": "PK",
            "authority": "nasa",
        },
        {"slug": "tiny", "kind": "incubator", "name_en": "T", "country": "PK", "area_km2": "-1"},
        {
            "slug": "Bad Slug",
            "kind": "moon_base",
            "name_en": "",
            "country": "PK",
            "focus_sectors": ["warp"],
        },
    ]
    report = rejected(write(tmp_path, items))
    for text in (
        "cycle",
        "cannot be part of itself",
        "Unknown zone “nowhere”",
        "Unknown authority “nasa”",
        "area_km2",
        "slug",
        "kind",
        "name_en",
        "warp",
    ):
        assert text in report, text
    assert Zone.objects.count() == 2


def test_skip_invalid_leaves_out_member_parks_of_a_bad_zone(tmp_path, both):
    items = [
        {"slug": "bad-zone", "kind": "moon_base", "name_en": "Bad", "country": "PK"},
        {
            "slug": "its-park",
            "kind": "member_park",
            "name_en": "Park",
            "country": "PK",
            "parent": "bad-zone",
        },
        {"slug": "good-zone", "kind": "technology_zone", "name_en": "Good", "country": "PK"},
    ]
    out, err = run(write(tmp_path, items), "--skip-invalid")
    assert "1 created" in out and "2 invalid" in out
    assert "has problems of its own" in err
    assert (
        Zone.objects.filter(slug__in=["bad-zone", "its-park", "good-zone"]).get().slug
        == "good-zone"
    )


def test_renaming_a_zone_reindexes_its_organisations(
    tmp_path, both, zone_pk, django_capture_on_commit_callbacks
):
    org = OrganisationFactory(slug="in-zone", name="In Zone", country="PK", zone=zone_pk)
    assert "margalla" not in org.search_document
    with django_capture_on_commit_callbacks(execute=True):
        run(
            write(
                tmp_path,
                [
                    {
                        "slug": zone_pk.slug,
                        "kind": zone_pk.kind,
                        "name_en": "Margalla Zone",
                        "country": "PK",
                    }
                ],
            )
        )
    org.refresh_from_db()
    assert "margalla" in org.search_document.split()


def test_missing_keys_in_json_leave_fields_as_they_are(tmp_path, both, zone_cn):
    run(write(tmp_path, [{"slug": "z-park", "city": "Beijing Haidian"}]))
    zone_cn.refresh_from_db()
    assert zone_cn.city == "Beijing Haidian"
    assert zone_cn.name_zh_hans == "中关村科技园区"


def test_staff_import_only_zones_of_their_authority(tmp_path, both, staff_pk):
    items = [
        {
            "slug": "cn-zone",
            "kind": "science_park",
            "name_en": "CN",
            "country": "CN",
            "authority": "zpark",
        }
    ]
    assert "own authority" in rejected(write(tmp_path, items), "--user", "staff_pk")
    run(
        write(
            tmp_path,
            [{**items[0], "slug": "pk-zone", "authority": "stza", "country": "PK"}],
            name="pk.json",
        ),
        "--user",
        "staff_pk",
    )
    assert Zone.objects.get(slug="pk-zone").authority.code == "stza"


def test_csv_zones_with_bad_encoding_are_refused(tmp_path, both):
    path = tmp_path / "zones.csv"
    path.write_bytes(
        "slug,kind,name_en,country\nm\u00fcnchen,science_park,München,DE\n".encode("latin-1")
    )
    assert "not UTF-8" in rejected(path)
    assert Zone.objects.count() == 2


def test_zone_operator_is_not_touched(both, zone_cn):
    operator = OrganisationFactory(slug="operator", name="Operator", country="CN")
    Zone.objects.filter(pk=zone_cn.pk).update(operator=operator)
    ZoneFactory(slug="other", country="PK")
    run(DATA / "zones.json")
    assert Zone.objects.get(pk=zone_cn.pk).operator == operator
    assert Organisation.objects.count() == 1
