"""Importing organisations from a Research Organization Registry (ROR) data dump, schema v2.

Each record becomes an organisation row (``ror_id``, kind, names in English,
Chinese and Urdu, country, city, year founded, website, active or not) that goes
through the same checks and upsert as ``corridor import organisations``, keyed by
``ror_id``, so a second run changes nothing. Values that do not pass (a malformed
website, an implausible year) are dropped and counted, not allowed to cost the
whole record. ROR relationships (parent, child, related) have no place in the
model; they are counted in the report.
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from pathlib import Path

from django.utils.translation import gettext as _

from corridor.core.text import detect_language

from ..models import Organisation
from .organisations import OrganisationImporter
from .rows import FileRejected, ImportResult, Invalid, Problem, Table, decode, field_cleaner

ROR_URL = "https://ror.org/"
# The first type in this order decides the kind (a university that also funds is a university).
KIND_BY_TYPE = [
    ("education", Organisation.Kind.UNIVERSITY),
    ("company", Organisation.Kind.ENTERPRISE),
    ("facility", Organisation.Kind.RND_CENTRE),
    ("healthcare", Organisation.Kind.RND_CENTRE),  # research hospitals
    ("archive", Organisation.Kind.RND_CENTRE),  # gene banks, botanical gardens, reserves
    ("government", Organisation.Kind.GOVERNMENT_BODY),
    ("nonprofit", Organisation.Kind.INDUSTRY_BODY),  # societies and associations
    ("other", Organisation.Kind.INDUSTRY_BODY),
    ("funder", Organisation.Kind.INVESTOR),  # a funder and nothing else
]
COLUMNS = [
    "ror_id", "kind", "name", "name_en", "name_zh_hans", "name_ur", "country", "city",
    "year_founded", "website", "is_active",
]  # fmt: skip
# Names that name the organisation (not acronyms), best first.
NAME_TYPES = ("ror_display", "label", "alias")
LANGUAGE_BY_TAG = {"en": "en", "zh": "zh-hans", "ur": "ur"}
# Fields whose bad values are dropped rather than failing the record.
OPTIONAL = ("city", "year_founded", "website")


def load_records(path: Path) -> list:
    """The records of a dump: a JSON array, or the one JSON file inside ROR's .zip."""
    try:
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if n.lower().endswith(".json")]
                if not names:
                    raise FileRejected([Problem(0, "", _("The zip file holds no JSON file."))])
                # ROR's zips hold a v1 and a v2 file; take v2.
                name = next((n for n in names if "v2" in n), names[0])
                data = archive.read(name)
        else:
            data = path.read_bytes()
    except (OSError, zipfile.BadZipFile) as error:
        raise FileRejected(
            [Problem(0, "", _("Cannot read the file: %(error)s") % {"error": error})]
        ) from None
    text = decode(data)
    if not text.strip():
        raise FileRejected([Problem(0, "", _("The file is empty."))])
    try:
        records = json.loads(text)
    except json.JSONDecodeError as error:
        raise FileRejected(
            [
                Problem(
                    error.lineno,
                    "",
                    _("The JSON is not valid: %(error)s (line %(line)s).")
                    % {"error": error.msg, "line": error.lineno},
                )
            ]
        ) from None
    if not isinstance(records, list):
        raise FileRejected([Problem(0, "", _("A ROR dump is a JSON list of records."))])
    if not records:
        raise FileRejected([Problem(0, "", _("The file is empty."))])
    if not any(isinstance(r, dict) and "names" in r for r in records):
        raise FileRejected(
            [
                Problem(
                    0,
                    "",
                    _("These are not ROR schema v2 records (no “names”): use the schema v2 dump."),
                )
            ]
        )
    return records


def _names(record: dict) -> dict[str, str]:
    names = [
        n
        for n in record.get("names") or []
        if isinstance(n, dict) and isinstance(n.get("value"), str)
    ]
    display = next((n["value"] for n in names if "ror_display" in (n.get("types") or [])), "")
    ranked = sorted(
        (n for n in names if set(n.get("types") or []) & set(NAME_TYPES)),
        key=lambda n: min(NAME_TYPES.index(t) for t in n["types"] if t in NAME_TYPES),
    )
    found: dict[str, str] = {}
    for name in ranked:
        language = LANGUAGE_BY_TAG.get(name.get("lang") or "")
        if name.get("lang") is None:
            # Untagged: the script tells Chinese and Urdu apart for certain.
            script = detect_language(name["value"])
            language = script if script in ("zh-hans", "ur") else None
        if language and language not in found:
            found[language] = name["value"]
    if "en" not in found and display and detect_language(display) not in ("zh-hans", "ur"):
        found["en"] = display
    return {
        "name": display or found.get("en") or next(iter(found.values()), ""),
        "name_en": found.get("en", ""),
        "name_zh_hans": found.get("zh-hans", ""),
        "name_ur": found.get("ur", ""),
    }


def _kind(types: list) -> str:
    for type_, kind in KIND_BY_TYPE:
        if type_ in types:
            return kind
    return Organisation.Kind.RND_CENTRE


class RorConverter:
    """Turns ROR records into organisation rows and counts what it skipped or dropped."""

    def __init__(self, countries: list[str]):
        self.countries = set(countries)
        self.skipped: Counter = Counter()
        self.dropped: Counter = Counter()
        self.relationships: Counter = Counter()
        self.languages: Counter = Counter()
        self.cleaners = {c: field_cleaner(Organisation._meta.get_field(c)) for c in OPTIONAL}

    def row(self, record) -> dict | None:
        if (
            not isinstance(record, dict)
            or not isinstance(record.get("id"), str)
            or "names" not in record
        ):
            self.skipped[_("not a ROR schema v2 record")] += 1
            return None
        ror_id = record["id"].removeprefix(ROR_URL).strip("/")
        details = next(
            (
                loc.get("geonames_details") or {}
                for loc in record.get("locations") or []
                if isinstance(loc, dict)
            ),
            None,
        )
        if not details or not details.get("country_code"):
            self.skipped[_("no location")] += 1
            return None
        country = str(details["country_code"]).upper()
        if self.countries and country not in self.countries:
            self.skipped[_("country %(country)s not asked for") % {"country": country}] += 1
            return None
        row = {
            "ror_id": ror_id,
            "kind": _kind(record.get("types") or []),
            "country": country,
            "is_active": record.get("status") == "active",
            **_names(record),
        }
        website = next(
            (
                link.get("value")
                for link in record.get("links") or []
                if isinstance(link, dict) and link.get("type") == "website"
            ),
            "",
        )
        optional = {
            "city": details.get("name") or "",
            "year_founded": record.get("established"),
            "website": website or "",
        }
        for column, value in optional.items():
            try:
                self.cleaners[column](value)
                row[column] = value
            except Invalid:
                row[column] = None
                self.dropped[column] += 1
        for language in ("name_en", "name_zh_hans", "name_ur"):
            if row[language]:
                self.languages[language] += 1
        for relation in record.get("relationships") or []:
            if isinstance(relation, dict):
                self.relationships[str(relation.get("type"))] += 1
        return row


def import_ror(
    path: Path, *, countries: list[str], by=None, dry_run=False, show_progress=False
) -> ImportResult:
    """Import a ROR dump's records located in ``countries`` (all when empty)."""
    records = load_records(Path(path))
    converter = RorConverter(countries)
    rows = []
    for number, record in enumerate(records, start=1):
        row = converter.row(record)
        if row is not None:
            rows.append((number, row))
    table = Table(columns=COLUMNS, rows=rows, format="ror")
    # A record with a problem is reported and left out: the dump is not ours to fix.
    importer = OrganisationImporter(
        table,
        by=by,
        skip_invalid=True,
        dry_run=dry_run,
        show_progress=show_progress,
        source=Path(path).name,
    )
    result = importer.run()
    result.what = "organisations"
    result.notes |= {
        "records": len(records),
        "skipped": dict(converter.skipped),
        "dropped": dict(converter.dropped),
        "relationships": dict(converter.relationships),
        "names": dict(converter.languages),
    }
    result.notes["lines"] = _report_lines(result.notes)
    return result


def _report_lines(notes: dict) -> list[str]:
    lines = [_("ROR records in the file: %(count)s.") % {"count": notes["records"]}]
    for reason, count in sorted(notes["skipped"].items()):
        lines.append(_("  skipped, %(reason)s: %(count)s") % {"reason": reason, "count": count})
    for column, count in sorted(notes["dropped"].items()):
        lines.append(
            _("  %(column)s left empty (not a valid value): %(count)s")
            % {"column": column, "count": count}
        )
    names = notes["names"]
    lines.append(
        _("Names kept: English %(en)s, Chinese %(zh)s, Urdu %(ur)s.")
        % {
            "en": names.get("name_en", 0),
            "zh": names.get("name_zh_hans", 0),
            "ur": names.get("name_ur", 0),
        }
    )
    if notes["relationships"]:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(notes["relationships"].items()))
        lines.append(
            _("Relationships not imported (no place for them yet): %(parts)s.") % {"parts": parts}
        )
    return lines
