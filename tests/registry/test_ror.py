"""``corridor import ror``: the real ROR sample (1,369 records) in, with its names in three languages."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

import corridor.registry
from corridor.core.models import AuditEntry
from corridor.registry.models import Organisation
from corridor.registry.selectors import OrganisationFilters, organisations_filtered

FULL = Path(corridor.registry.__file__).resolve().parent / "data" / "ror-v2-cn-pk.json"
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "ror" / "ror-v2-sample.json"


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "ror", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_whole_real_sample_is_imported_and_a_second_run_changes_nothing(db):
    records = json.loads(FULL.read_text(encoding="utf-8"))
    out, err = run(FULL, "--countries", "CN,PK")
    assert "ROR records in the file: 1369." in out
    assert "1369 created, 0 updated, 0 unchanged, 0 invalid" in out
    assert err == ""
    assert Organisation.objects.count() == len(records) == 1369
    assert Organisation.objects.filter(country="CN").count() == 1171
    assert Organisation.objects.filter(country="PK").count() == 198
    # Withdrawn and inactive records are kept, marked inactive.
    inactive = sum(1 for r in records if r["status"] != "active")
    assert Organisation.objects.filter(is_active=False).count() == inactive == 9
    # The one founding year outside the model's range (976) was dropped, and said so.
    assert "year_founded left empty (not a valid value): 1" in out
    assert "Relationships not imported" in out and "parent 186" in out
    assert AuditEntry.objects.filter(verb="organisation.import").count() == 1

    out, _err = run(FULL, "--countries", "CN,PK")
    assert "0 created, 0 updated, 1369 unchanged" in out


def test_names_kinds_places_and_links_come_from_the_record(db):
    run(SAMPLE)
    biomarker = Organisation.objects.get(ror_id="000bvba82")
    assert biomarker.name == "Biomarker Technologies (China)"
    assert biomarker.name_en == "Biomarker Technologies (China)"  # untagged Latin display name
    assert biomarker.name_zh_hans == "百迈客生物科技"
    assert (biomarker.kind, biomarker.country, biomarker.city) == ("enterprise", "CN", "Beijing")
    assert (biomarker.year_founded, biomarker.website) == (2009, "http://www.biomarker.com.cn")

    saidu = Organisation.objects.get(ror_id="003fz8y18")
    assert saidu.name_ur == "سیدو طبی کالج"  # the Urdu label, not the Pashto one beside it
    assert (saidu.kind, saidu.country) == ("university", "PK")

    # Untagged Chinese label: recognised by its script.
    bgi = Organisation.objects.get(ror_id="00em1jy13")
    assert bgi.name_zh_hans == "华大精准营养（深圳）科技有限公司"
    # A Japanese label in Han script is not taken for Chinese.
    assert Organisation.objects.get(ror_id="015z57109").name_zh_hans == ""

    assert (
        Organisation.objects.get(ror_id="001f9e125").kind == "government_body"
    )  # funder + government
    assert Organisation.objects.get(ror_id="031j0at32").is_active is False  # withdrawn
    assert Organisation.objects.get(ror_id="000kjm556").is_active is False  # inactive
    hunan = Organisation.objects.get(ror_id="05htk5m33")
    assert (hunan.name_zh_hans, hunan.year_founded) == ("湖南大学", None)

    # Searchable in Chinese and Urdu.
    assert "saidu-medical-college" in organisations_filtered(
        OrganisationFilters(q="طبی")
    ).values_list("slug", flat=True)
    assert list(
        organisations_filtered(OrganisationFilters(q="百迈客")).values_list("ror_id", flat=True)
    ) == ["000bvba82"]


def test_countries_not_asked_for_are_skipped_and_counted(db):
    out, _err = run(SAMPLE, "--countries", "PK")
    assert set(Organisation.objects.values_list("country", flat=True)) == {"PK"}
    assert "skipped, country CN not asked for: 6" in out
    assert "2 created" in out


def test_a_ror_update_keeps_what_people_added(tmp_path, db):
    run(SAMPLE)
    saidu = Organisation.objects.get(ror_id="003fz8y18")
    Organisation.objects.filter(pk=saidu.pk).update(
        description="Teaching hospital in Swat.", slug="saidu"
    )
    records = json.loads(SAMPLE.read_text(encoding="utf-8"))
    for record in records:
        if record["id"].endswith("003fz8y18"):
            record["established"] = 1999
    changed = tmp_path / "ror-changed.json"
    changed.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    out, _err = run(changed)
    assert "0 created, 1 updated, 7 unchanged" in out
    saidu.refresh_from_db()
    assert (saidu.year_founded, saidu.slug, saidu.description) == (
        1999,
        "saidu",
        "Teaching hospital in Swat.",
    )


def test_the_zip_of_a_dump_is_read(tmp_path, db):
    path = tmp_path / "v2.9-2026-06-23-ror-data.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("v2.9-2026-06-23-ror-data_schema_v2.json", SAMPLE.read_bytes())
    out, _err = run(path)
    assert "8 created" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"{not json", "not valid"),
        (b'{"items": []}', "list"),
        (
            b'[{"id": "https://ror.org/0abcdef12", "name": "Old schema", "types": ["Education"]}]',
            "schema v2",
        ),
        ("[]".encode("utf-16"), "UTF-16"),
    ],
)
def test_files_that_are_not_v2_dumps_are_refused(tmp_path, db, content, message):
    path = tmp_path / "dump.json"
    path.write_bytes(content)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "ror", str(path), stdout=io.StringIO(), stderr=err)
    assert message in err.getvalue()
    assert not Organisation.objects.exists()


def test_dry_run_writes_nothing(db):
    out, _err = run(SAMPLE, "--dry-run")
    assert "8 created" in out and "Dry run" in out
    assert not Organisation.objects.exists()
