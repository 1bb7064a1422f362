"""``corridor import organisations``: bad files are reported whole and write nothing; good ones upsert."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from corridor.core.models import AuditEntry
from corridor.registry.models import Organisation, Sector
from corridor.registry.search import OrganisationIndexer, filter_by_text, organisation_document
from corridor.registry.selectors import OrganisationFilters, organisations_filtered

from ..factories import OrganisationFactory

DATA = Path(__file__).resolve().parent.parent / "data"
HEADER = "slug,kind,name,country,zone,sectors,website,year_founded"


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "organisations", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rejected(*args) -> str:
    """Runs an import that must fail; returns its stderr report."""
    err = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command(
            "import", "organisations", *[str(a) for a in args], stdout=io.StringIO(), stderr=err
        )
    return err.getvalue() + "\n" + str(failure.value)


def write(tmp_path, text: str, name="orgs.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def slugs() -> set[str]:
    return set(Organisation.objects.values_list("slug", flat=True))


@pytest.fixture
def places(zone_pk, zone_cn):
    return zone_pk, zone_cn


# --- Bad files write nothing ----------------------------------------------------------


def test_latin1_file_is_refused_with_the_byte_offset_and_line(places, organisation):
    path = DATA / "organisations_latin1.csv"
    offset = path.read_bytes().index(b"\xe9")  # the é of "café", on line 2
    report = rejected(path)
    assert "not UTF-8" in report
    assert f"offset {offset} (line 2)" in report
    assert slugs() == {organisation.slug}


def test_utf16_file_is_refused_and_named(places):
    report = rejected(DATA / "organisations_utf16.csv")
    assert "UTF-16" in report
    assert not Organisation.objects.exists()


def test_utf16_without_byte_order_mark_is_refused_too(tmp_path, places):
    path = tmp_path / "orgs.csv"
    path.write_bytes(f"{HEADER}\na,enterprise,A,PK,,,,\n".encode("utf-16-le"))
    assert "NUL" in rejected(path)
    assert not Organisation.objects.exists()


def test_utf8_byte_order_mark_is_accepted(tmp_path, places):
    path = write(tmp_path, "\ufeff" + HEADER + "\nbom-co,enterprise,BOM Co,PK,islamabad-stz,ai,,\n")
    out, _err = run(path)
    assert "1 created" in out
    # The mark did not end up in the first column's name.
    assert Organisation.objects.get(slug="bom-co").zone.slug == "islamabad-stz"


def test_empty_file_and_header_only_file_are_refused(tmp_path, places):
    assert "empty" in rejected(write(tmp_path, ""))
    assert "no rows" in rejected(write(tmp_path, HEADER + "\n", name="header.csv"))


def test_missing_and_unknown_columns_are_named(tmp_path, places):
    report = rejected(write(tmp_path, "slug,name,colour\na,A,red\n"))
    for column in ("kind", "country", "colour"):
        assert column in report
    assert "Required column is missing" in report
    assert "Unknown column" in report
    assert not Organisation.objects.exists()


def test_every_bad_row_is_reported_with_row_field_and_reason_and_nothing_written(
    tmp_path, places, organisation
):
    rows = [
        "ok-one,enterprise,Fine Co,PK,islamabad-stz,ai,,",  # line 2: valid
        "bad-country,enterprise,X,XX,,,,",  # 3
        "bad-sector,enterprise,Y,PK,,ai;quantum-gravity,,",  # 4
        "bad-zone,enterprise,Z,PK,atlantis,,,",  # 5
        "nul-name,enterprise,Nul\x00Name,PK,,,,",  # 6
        f"long-name,enterprise,{'L' * 301},PK,,,,",  # 7
        "bad-year,enterprise,Old,PK,,,,999",  # 8
        "bad-url,enterprise,Web,PK,,,not a url,",  # 9
        "ok-one,enterprise,Fine Co again,PK,,,,",  # 10: duplicate slug
        "bad-kind,spaceship,K,PK,,,,",  # 11
    ]
    report = rejected(write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n"))
    expected = {
        3: "country",
        4: "sectors",
        5: "zone",
        6: "name",
        7: "name",
        8: "year_founded",
        9: "website",
        10: "slug",
        11: "kind",
    }
    lines = report.splitlines()
    for line_number, field in expected.items():
        assert any(
            line.split()[:2] == [str(line_number), field] for line in lines if line.strip()
        ), (
            line_number,
            field,
            report,
        )
    assert "quantum-gravity" in report
    assert "atlantis" in report
    assert "NUL byte" in report
    assert "301 characters, at most 300" in report
    assert "row 2" in report  # the duplicate names the first row with that identifier
    assert "9 of 10 rows have problems" in report
    assert slugs() == {organisation.slug}  # not even the valid row was written
    assert not AuditEntry.objects.filter(verb="organisation.import").exists()


def test_skip_invalid_writes_only_the_valid_rows(tmp_path, places):
    path = write(
        tmp_path,
        HEADER
        + "\ngood,enterprise,Good Co,PK,islamabad-stz,ai|robotics,,2001\nbad,enterprise,Bad Co,PK,,nosuch,,\n",
    )
    out, err = run(path, "--skip-invalid")
    assert "1 created" in out and "1 invalid" in out
    assert "nosuch" in err
    assert slugs() == {"good"}
    good = Organisation.objects.get(slug="good")
    assert set(good.sectors.values_list("code", flat=True)) == {"ai", "robotics"}
    assert good.year_founded == 2001


def test_skip_invalid_does_not_excuse_unknown_columns(tmp_path, places):
    path = write(tmp_path, "slug,kind,name,country,secotrs\na,enterprise,A,PK,ai\n")
    assert "secotrs" in rejected(path, "--skip-invalid")
    assert not Organisation.objects.exists()


def test_json_rows_with_wrong_types_are_reported(tmp_path, places):
    items = [
        {"kind": "enterprise", "name": "Listy", "country": "PK", "city": ["not", "text"]},
        "not an object",
        {"kind": "enterprise", "name": "Fine", "country": "PK", "sectors": ["ai", "cloud"]},
    ]
    report = rejected(write(tmp_path, json.dumps(items), name="orgs.json"))
    assert "Expected a text value" in report
    assert "not an object" in report
    assert not Organisation.objects.exists()


def test_invalid_json_is_reported_with_its_line(tmp_path, places):
    assert "line 2" in rejected(write(tmp_path, '[\n{"kind": }\n]', name="orgs.json"))


# --- Good files -----------------------------------------------------------------------


def test_import_fills_fields_sectors_search_and_language(places):
    out, _err = run(DATA / "organisations.csv")
    assert "3 created" in out
    chip = Organisation.objects.get(slug="xingxin-micro")
    assert chip.zone.slug == "z-park"
    assert set(chip.sectors.values_list("code", flat=True)) == {"semiconductors.ic-design", "ai"}
    assert chip.description_language == "zh-hans"  # detected
    assert chip.registration_number == "91110108MA01"
    robots = Organisation.objects.get(slug="indus-robotics-lab")
    assert robots.description_language == "ur"
    assert robots.name_ur == "انڈس روبوٹکس لیب"
    # No slug in the file: made from the name; no name: the English one.
    institute = Organisation.objects.get(ror_id="02abcde12")
    assert institute.slug == "margalla-institute-of-technology"
    assert institute.name == "Margalla Institute of Technology"
    assert institute.is_active is False
    assert institute.description_language == "en"
    # Search finds them in all three languages, including by zone and sector names.
    for query, slug in [
        ("低功耗", "xingxin-micro"),
        ("روبوٹ", "indus-robotics-lab"),
        ("中关村", "xingxin-micro"),
    ]:
        found = organisations_filtered(OrganisationFilters(q=query)).values_list("slug", flat=True)
        assert slug in found, query
    found = filter_by_text(Organisation.objects.all(), "natural language").values_list(
        "slug", flat=True
    )
    assert list(found) == ["margalla-institute-of-technology"]  # inactive, but indexed


def test_search_documents_are_what_the_indexer_makes(places):
    run(DATA / "organisations.csv")
    indexer = OrganisationIndexer()
    for organisation in Organisation.objects.all():
        sector_ids = list(organisation.sectors.order_by("pk").values_list("pk", flat=True))
        assert organisation.search_document == indexer.document(organisation, sector_ids)
        # a fresh indexer (no cache) gives the same document as the import's warm one
        assert organisation_document(organisation) == organisation.search_document


def test_importing_the_same_file_twice_changes_nothing(places):
    run(DATA / "organisations.csv")
    before = {o.pk: (o.updated_at, o.search_document) for o in Organisation.objects.all()}
    out, _err = run(DATA / "organisations.csv")
    assert "0 created, 0 updated, 3 unchanged" in out
    assert {o.pk: (o.updated_at, o.search_document) for o in Organisation.objects.all()} == before


def test_rows_update_by_ror_id_then_registration_number_then_slug(tmp_path, places):
    by_ror = OrganisationFactory(slug="old-ror", name="Old", ror_id="03aaaaa11", country="PK")
    by_reg = OrganisationFactory(
        slug="old-reg", name="Old", registration_number="R-1", country="PK"
    )
    by_slug = OrganisationFactory(slug="old-slug", name="Old", country="PK")
    path = write(
        tmp_path,
        "slug,kind,name,country,ror_id,registration_number\n"
        ",university,By ROR,PK,https://ror.org/03aaaaa11,\n"
        ",enterprise,By Registration,PK,,R-1\n"
        "old-slug,enterprise,By Slug,PK,,\n"
        ",enterprise,Registered elsewhere,CN,,R-1\n",
    )
    out, _err = run(path)
    assert "1 created, 3 updated" in out
    by_ror.refresh_from_db()
    by_reg.refresh_from_db()
    by_slug.refresh_from_db()
    assert (by_ror.name, by_ror.kind, by_ror.slug) == ("By ROR", "university", "old-ror")
    assert (by_reg.name, by_reg.slug) == ("By Registration", "old-reg")
    assert by_slug.name == "By Slug"
    assert (
        Organisation.objects.get(country="CN", registration_number="R-1").name
        == "Registered elsewhere"
    )
    # Columns the file does not have were left alone.
    assert by_reg.description_language == "" and by_reg.is_active


def test_an_identifier_of_another_organisation_is_a_problem(tmp_path, places):
    OrganisationFactory(slug="taken", name="Taken", country="PK")
    OrganisationFactory(slug="holder", name="Holder", ror_id="03bbbbb22", country="PK")
    path = write(tmp_path, "slug,kind,name,country,ror_id\ntaken,enterprise,Thief,PK,03bbbbb22\n")
    report = rejected(path)
    assert "slug" in report and "Already the identifier of another organisation" in report
    assert Organisation.objects.get(slug="holder").name == "Holder"


def test_two_rows_updating_one_organisation_is_a_problem(tmp_path, places):
    OrganisationFactory(slug="one", name="One", ror_id="03ccccc33", country="PK")
    path = write(
        tmp_path,
        "slug,kind,name,country,ror_id\n,enterprise,A,PK,03ccccc33\none,enterprise,B,PK,\n",
    )
    assert "Updates the same organisation as row 2" in rejected(path)


def test_a_changed_row_is_updated_and_reindexed(tmp_path, places):
    run(DATA / "organisations.csv")
    text = (
        (DATA / "organisations.csv")
        .read_text(encoding="utf-8")
        .replace("Indus Robotics Lab,Indus", "Indus Drone Lab,Indus")
    )
    out, _err = run(write(tmp_path, text))
    assert "0 created, 1 updated, 2 unchanged" in out
    lab = Organisation.objects.get(slug="indus-robotics-lab")
    assert lab.name == "Indus Drone Lab"
    assert "drone" in lab.search_document.split()


def test_changed_sectors_replace_the_old_ones(tmp_path, places):
    path = write(tmp_path, HEADER + "\nsec,enterprise,Sec,PK,,ai;cloud,,\n")
    run(path)
    run(write(tmp_path, HEADER + "\nsec,enterprise,Sec,PK,,biotech,,\n", name="again.csv"))
    assert list(Organisation.objects.get(slug="sec").sectors.values_list("code", flat=True)) == [
        "biotech"
    ]


def test_dry_run_counts_but_writes_nothing(places):
    out, _err = run(DATA / "organisations.csv", "--dry-run")
    assert "3 created" in out and "Dry run" in out
    assert not Organisation.objects.exists()
    assert not AuditEntry.objects.exists()


def test_each_run_is_audited_once_with_its_counts_and_user(places, platform_admin):
    run(DATA / "organisations.csv", "--user", "admin")
    entry = AuditEntry.objects.get(verb="organisation.import")
    assert entry.actor == platform_admin
    assert entry.data["created"] == 3 and entry.data["source"] == "organisations.csv"


def test_unknown_or_unprivileged_user_is_refused(places, outsider):
    with pytest.raises(CommandError, match="No user named"):
        run(DATA / "organisations.csv", "--user", "nobody")
    with pytest.raises(CommandError, match="neither a platform admin nor authority staff"):
        run(DATA / "organisations.csv", "--user", "outsider")
    assert not Organisation.objects.exists()


def test_authority_staff_import_only_their_own_country(places, staff_pk):
    report = rejected(DATA / "organisations.csv", "--user", "staff_pk")
    assert "not CN" in report
    assert not Organisation.objects.exists()
    out, _err = run(DATA / "organisations.csv", "--user", "staff_pk", "--skip-invalid")
    assert "2 created" in out
    assert set(Organisation.objects.values_list("country", flat=True)) == {"PK"}


def test_csv_formula_guard_is_taken_off(tmp_path, places):
    run(write(tmp_path, "slug,kind,name,country\nf,enterprise,'=SUM(A1),PK\n"))
    assert Organisation.objects.get(slug="f").name == "=SUM(A1)"


def test_format_option_reads_a_file_without_extension(tmp_path, places):
    path = write(tmp_path, HEADER + "\nnoext,enterprise,No Ext,PK,,,,\n", name="orgs.txt")
    assert "extension" in rejected(path)
    run(path, "--format", "csv")
    assert slugs() == {"noext"}


def test_a_large_import_uses_the_bulk_path_and_fills_the_search_index(tmp_path, places):
    # Above the bulk threshold: SQLite takes the executemany path with one full-text insert.
    gone = OrganisationFactory(slug="gone", name="Gone", country="PK").pk
    Organisation.objects.filter(pk=gone).delete()  # its id must not be given out again
    rows = [
        f"bulk-{n},enterprise,Bulk Company {n},{'CN' if n % 2 else 'PK'},{'z-park' if n % 2 else ''},ai;robotics,,{1990 + n % 30}"
        for n in range(2500)
    ]
    out, _err = run(write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n"))
    assert "2500 created" in out
    assert Organisation.objects.count() == 2500
    assert not Organisation.objects.filter(pk=gone).exists()
    assert Sector.objects.get(code="robotics").organisations.count() == 2500
    found = organisations_filtered(OrganisationFilters(q="bulk 1234")).values_list(
        "slug", flat=True
    )
    assert list(found) == ["bulk-1234"]
    assert organisations_filtered(OrganisationFilters(q="中关村")).count() == 1250
    # A later single-row import still goes through the (restored) per-row trigger.
    run(write(tmp_path, HEADER + "\nlate,enterprise,Latecomer Works,PK,,,,\n", name="late.csv"))
    assert list(
        organisations_filtered(OrganisationFilters(q="latecomer")).values_list("slug", flat=True)
    ) == ["late"]


def test_a_repeated_header_column_and_a_row_with_extra_cells_are_reported(tmp_path, places):
    assert "appears twice" in rejected(
        write(tmp_path, "slug,kind,name,country,name\na,enterprise,A,PK,B\n")
    )
    report = rejected(
        write(tmp_path, HEADER + "\nx,enterprise,X,PK,,,,,surplus\n", name="extra.csv")
    )
    assert "9 values but the header has 8 columns" in report
    assert not Organisation.objects.exists()


def test_a_row_without_any_identifier_or_latin_name_is_a_problem(tmp_path, places):
    report = rejected(write(tmp_path, "kind,name,country\nenterprise,北京星芯,CN\n"))
    assert "give a slug" in report
    assert not Organisation.objects.exists()


def test_moving_an_organisation_to_another_zone_or_none(tmp_path, places):
    run(write(tmp_path, HEADER + "\nmover,enterprise,Mover,PK,islamabad-stz,,,\n"))
    run(write(tmp_path, HEADER + "\nmover,enterprise,Mover,PK,z-park,,,\n", name="moved.csv"))
    mover = Organisation.objects.get(slug="mover")
    assert mover.zone.slug == "z-park"
    assert "中关村" in mover.search_document.split()
    run(write(tmp_path, HEADER + "\nmover,enterprise,Mover,PK,,,,\n", name="out.csv"))
    mover.refresh_from_db()
    assert mover.zone is None
    assert "中关村" not in mover.search_document.split()


def test_a_missing_file_is_reported(tmp_path, places):
    assert "Cannot read the file" in rejected(tmp_path / "nowhere.csv")
