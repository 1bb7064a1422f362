"""``corridor export``: files that import back to the same data."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from corridor.registry.imports import exports
from corridor.registry.models import Organisation, Zone

from ..factories import OrganisationFactory, SectorFactory, ZoneFactory

DATA = Path(__file__).resolve().parent.parent / "data"
ROR = Path(__file__).resolve().parent.parent / "data" / "ror" / "ror-v2-sample.json"


def command(name, *args) -> str:
    out = io.StringIO()
    call_command(name, *[str(a) for a in args], stdout=out, stderr=io.StringIO())
    return out.getvalue()


def snapshot_organisations() -> dict:
    """Everything an organisation is, keyed by slug, without database ids and times."""
    return {row["slug"]: row for row in exports.organisation_rows()}


def snapshot_zones() -> dict:
    return {row["slug"]: row for row in exports.zone_rows()}


@pytest.fixture
def registry(authority_pk, authority_cn, zone_pk, zone_cn):
    park = ZoneFactory(
        slug="z-park-haidian",
        kind="member_park",
        parent=zone_cn,
        authority=authority_cn,
        name_en="Haidian Park",
        name_zh_hans="海淀园",
        country="CN",
        area_km2="174.06",
        year_founded=1988,
    )
    park.focus_sectors.set([SectorFactory(code="ai"), SectorFactory(code="semiconductors")])
    call_command("import", "organisations", str(DATA / "organisations.csv"), stdout=io.StringIO())
    call_command("import", "ror", str(ROR), stdout=io.StringIO())
    OrganisationFactory(
        slug="formula",
        name='=HYPERLINK("http://evil.example")',
        description='-starts with a minus\nand has two lines, a comma, and "quotes"',
        description_language="en",  # as the services set it
        country="PK",
        zone=zone_pk,
        sectors=[SectorFactory(code="fintech")],
    )
    return park


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_organisations_round_trip_through_a_wiped_database(tmp_path, registry, fmt):
    before = snapshot_organisations()
    assert len(before) == 12
    path = tmp_path / f"organisations.{fmt}"
    assert "Exported 12 organisations" in command("export", "organisations", path)

    # Importing the export into the same database changes nothing.
    assert "0 created, 0 updated, 12 unchanged" in command("import", "organisations", path)

    Organisation.objects.all().delete()
    assert "12 created" in command("import", "organisations", path)
    assert snapshot_organisations() == before


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_zones_round_trip_through_a_wiped_database(tmp_path, registry, fmt):
    Organisation.objects.update(zone=None)
    before = snapshot_zones()
    path = tmp_path / f"zones.{fmt}"
    command("export", "zones", path)
    assert "0 created, 0 updated, 3 unchanged" in command("import", "zones", path)
    Zone.objects.filter(parent__isnull=False).delete()  # member parks first: parents are protected
    Zone.objects.all().delete()
    assert "3 created" in command("import", "zones", path)
    assert snapshot_zones() == before


def test_csv_export_guards_against_spreadsheet_formulas(tmp_path, registry):
    path = tmp_path / "organisations.csv"
    command("export", "organisations", path)
    rows = {row["slug"]: row for row in csv.DictReader(path.open(encoding="utf-8", newline=""))}
    assert rows["formula"]["name"].startswith("'=")
    assert rows["formula"]["description"].startswith("'-")
    assert rows["xingxin-micro"]["sectors"] == "ai;semiconductors.ic-design"
    assert rows["xingxin-micro"]["zone"] == "z-park"


def test_filters_by_country_and_zone(tmp_path, registry):
    path = tmp_path / "pk.json"
    command("export", "organisations", path, "--country", "pk")
    assert {row["country"] for row in json.loads(path.read_text(encoding="utf-8"))} == {"PK"}
    command("export", "organisations", path, "--zone", "z-park")
    assert [row["slug"] for row in json.loads(path.read_text(encoding="utf-8"))] == [
        "xingxin-micro"
    ]
    command("export", "zones", path, "--zone", "z-park")
    zones = json.loads(path.read_text(encoding="utf-8"))
    assert [z["slug"] for z in zones] == ["z-park", "z-park-haidian"]  # parents first
    assert zones[1]["focus_sectors"] == ["ai", "semiconductors"]
    assert zones[1]["area_km2"] == "174.06"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["organisations", "out.xlsx"], "extension"),
        (["organisations", "out.csv", "--country", "XX"], "Unknown country"),
        (["zones", "out.csv", "--zone", "atlantis"], "Unknown zone"),
        (["zones", "-"], "--format"),
        (["zones", "/nonexistent-folder/out.csv"], "Cannot write"),
    ],
)
def test_bad_export_requests_are_refused_clearly(tmp_path, monkeypatch, db, args, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match=message):
        command("export", *args)
    assert not (tmp_path / "out.csv").exists()
