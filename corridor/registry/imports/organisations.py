"""Importing organisations in bulk: validate every row, then upsert by external id.

A row is matched to an existing organisation by ``ror_id``, else by (``country``,
``registration_number``), else by ``slug`` (given, or made from the name when the
row has no identifier at all), so importing the same file twice changes nothing.
Columns absent from the file leave those fields as they are.

Writes are bulk (one query for existing keys, ``bulk_create``/``bulk_update`` in
batches, the sector links in one go) inside one transaction: 100,000 rows take
seconds, not the minutes that a ``full_clean`` and ``save`` per row would.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from corridor.core import audit
from corridor.core.permissions import is_platform_admin, staff_countries
from corridor.core.text import detect_language

from ..models import Organisation, Sector, Zone
from ..search import OrganisationIndexer
from .base import TableImporter
from .bulk import BATCH, fts_deferred, insert_organisations, insert_sector_links
from .rows import (
    BatchObject,
    ImportResult,
    Invalid,
    Problem,
    Table,
    bool_value,
    check_columns,
    progress,
    text_value,
)

# In the order exports write them.
COLUMNS = [
    "slug", "kind", "name", "name_en", "name_zh_hans", "name_ur", "country", "city", "zone",
    "sectors", "size", "year_founded", "website", "description", "description_language",
    "ror_id", "registration_number", "is_active",
]  # fmt: skip
REQUIRED = ["kind", "country"]
NAME_COLUMNS = ("name", "name_en", "name_zh_hans", "name_ur")
# Columns that are plain model fields, checked by the field objects.
FIELD_COLUMNS = [c for c in COLUMNS if c not in ("zone", "sectors", "is_active")]
ROR_PREFIXES = ("https://ror.org/", "http://ror.org/", "ror.org/")


@dataclass
class _Row:
    number: int
    values: dict  # attname -> value, only for columns in the file
    sector_ids: list[int] | None  # None: no sectors column
    match: int | None = None  # pk of the organisation this row updates
    derived_slug: str = ""
    problems: list[Problem] = field(default_factory=list)


def _ror_id(raw) -> object:
    if isinstance(raw, str):
        value = raw.strip()
        for prefix in ROR_PREFIXES:
            if value.lower().startswith(prefix):
                return value[len(prefix) :]
    return raw


class OrganisationImporter(TableImporter):
    """An import of organisations (see ``TableImporter``)."""

    model = Organisation
    what = "organisations"
    columns_allowed = COLUMNS
    columns_required = REQUIRED
    field_columns = FIELD_COLUMNS

    # --- Validation -------------------------------------------------------------

    def _file_problems(self) -> list[Problem]:
        problems = list(self.table.problems)
        problems += check_columns(self.table, allowed=COLUMNS, required=self.required_columns)
        if self.table.format == "csv" and not any(c in self.table.columns for c in NAME_COLUMNS):
            problems.append(
                Problem(
                    1 if self.table.format == "csv" else 0,
                    "name",
                    _(
                        "Required column is missing: give name or name_en (or name_zh_hans, name_ur)."
                    ),
                )
            )
        return problems

    def _load_references(self) -> None:
        self.zones = dict(Zone.objects.values_list("slug", "pk"))
        self.sectors = dict(Sector.objects.values_list("code", "pk"))
        self.by_slug: dict[str, int] = {}
        self.by_ror: dict[str, int] = {}
        self.by_registration: dict[tuple[str, str], int] = {}
        self.country_of: dict[int, str] = {}
        self.slug_of: dict[int, str] = {}
        # One query for every key of every organisation already there.
        for pk, slug, ror, country, registration in Organisation.objects.values_list(
            "pk", "slug", "ror_id", "country", "registration_number"
        ).iterator(chunk_size=10000):
            self.by_slug[slug] = pk
            self.slug_of[pk] = slug
            self.country_of[pk] = str(country)
            if ror:
                self.by_ror[ror] = pk
            if registration:
                self.by_registration[(str(country), registration)] = pk
        self.allowed_countries = None
        if self.by is not None and not is_platform_admin(self.by):
            self.allowed_countries = staff_countries(self.by)

    def _clean_row(self, number: int, raw: dict) -> _Row:
        values: dict = {}
        problems: list[Problem] = []
        for column, clean in self.cleaners.items():
            if column not in raw:
                continue  # a JSON object without the key: the field stays as it is
            value = raw[column]
            if column == "ror_id":
                value = _ror_id(value)
            try:
                if column in ("name", "slug") and not text_value(value, column=column):
                    values[column] = ""  # made from other columns, or kept on update
                    continue
                values[column] = clean(value)
            except Invalid as error:
                problems.append(Problem(number, column, str(error)))
        if "is_active" in raw:
            try:
                values["is_active"] = bool_value(raw.get("is_active"), default=None)
            except Invalid as error:
                problems.append(Problem(number, "is_active", str(error)))
        if "zone" in raw:
            try:
                slug = text_value(raw.get("zone"), column="zone")
                if slug and slug not in self.zones:
                    raise Invalid(_("Unknown zone “%(slug)s”.") % {"slug": slug})
                values["zone_id"] = self.zones[slug] if slug else None
            except Invalid as error:
                problems.append(Problem(number, "zone", str(error)))
        sector_ids = self._sector_ids(raw, "sectors", number, problems)
        return _Row(number=number, values=values, sector_ids=sector_ids, problems=problems)

    def _match(self, row: _Row, seen: dict) -> None:
        """Find the organisation a row updates; report ids repeated in the file or taken."""
        values, number = row.values, row.number
        bad = {p.field for p in row.problems}
        if bad & {"ror_id", "registration_number", "country", "slug"}:
            return
        ror = values.get("ror_id") or ""
        registration = values.get("registration_number") or ""
        country = values.get("country") or ""
        slug = values.get("slug") or ""
        if not (ror or registration or slug):
            base = values.get("name_en") or values.get("name") or ""
            slug = slugify(base)[: Organisation._meta.get_field("slug").max_length]
            if not slug:
                row.problems.append(
                    Problem(
                        number,
                        "slug",
                        _(
                            "The row has no slug, ror_id or registration_number, and its name makes no identifier: give a slug."
                        ),
                    )
                )
                return
            row.derived_slug = slug
        match = self.by_ror.get(ror) if ror else None
        if match is None and registration and country:
            match = self.by_registration.get((country, registration))
        if match is None and slug:
            match = self.by_slug.get(slug)
        row.match = match

        keys = []
        if ror:
            keys.append(("ror_id", ("ror", ror)))
        if registration:
            keys.append(("registration_number", ("registration", country, registration)))
        if slug:
            keys.append(("slug", ("slug", slug)))
        if match is not None:
            keys.append(("", ("pk", match)))
        for column, key in keys:
            if key in seen:
                message = (
                    _("Updates the same organisation as row %(row)s.")
                    if key[0] == "pk"
                    else _("The same identifier is in row %(row)s.")
                )
                row.problems.append(Problem(number, column, message % {"row": seen[key]}))
            else:
                seen[key] = number
        # An identifier that already belongs to another organisation.
        if registration and country:
            owner = self.by_registration.get((country, registration))
            if owner is not None and owner != match:
                row.problems.append(
                    Problem(
                        number,
                        "registration_number",
                        _(
                            "Already the registration number of organisation “%(slug)s” in this country."
                        )
                        % {"slug": self.slug_of[owner]},
                    )
                )
        if values.get("slug"):
            owner = self.by_slug.get(values["slug"])
            if owner is not None and owner != match:
                row.problems.append(
                    Problem(number, "slug", _("Already the identifier of another organisation."))
                )
        if self.allowed_countries is not None:
            for code in {country, self.country_of.get(match, "") if match else ""} - {""}:
                if code not in self.allowed_countries:
                    row.problems.append(
                        Problem(
                            number,
                            "country",
                            _(
                                "Authority staff may import only organisations of their own country, not %(country)s."
                            )
                            % {"country": code},
                        )
                    )

    def validate(self) -> list[_Row]:
        """All rows checked; every problem collected in ``result.problems``."""
        file_problems = self._file_problems()
        self._load_references()
        seen: dict = {}
        rows: list[_Row] = []
        for number, raw in progress(
            self.table.rows,
            total=len(self.table.rows),
            desc=_("Checking"),
            enabled=self.show_progress,
        ):
            row = self._clean_row(number, raw)
            self._match(row, seen)
            if row.match is None:  # a new organisation needs what the model requires
                for column in REQUIRED:
                    if column not in row.values and not any(
                        p.field == column for p in row.problems
                    ):
                        row.problems.append(
                            Problem(number, column, _("This field cannot be blank."))
                        )
            nameless = row.match is None and not any(row.values.get(c) for c in NAME_COLUMNS)
            if nameless and not any(p.field in NAME_COLUMNS for p in row.problems):
                row.problems.append(
                    Problem(number, "name", _("Give a name, or name_en, name_zh_hans or name_ur."))
                )
            rows.append(row)
        row_problems = list(self.table.row_problems) + [p for r in rows for p in r.problems]
        self.result.problems = sorted(file_problems + row_problems, key=lambda p: p.row)
        self.result.file_problems = bool(file_problems)
        self.result.invalid_rows = len({p.row for p in row_problems})
        return [r for r in rows if not r.problems]

    # --- Planning and writing ---------------------------------------------------

    def _new_slug(self, base: str, taken: set[str]) -> str:
        max_length = Organisation._meta.get_field("slug").max_length
        base = slugify(base)[:80].strip("-") or "organisation"
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"[:max_length]
        taken.add(slug)
        return slug

    def _language(self, organisation: Organisation, values: dict, description_changed: bool) -> str:
        given = values.get("description_language") or ""
        if given:
            return given
        if not organisation.description:
            return ""
        if organisation.description_language and not description_changed:
            return organisation.description_language
        return detect_language(organisation.description)

    def plan(self, rows: list[_Row]):
        indexer = OrganisationIndexer()
        taken = set(self.by_slug) | {r.values["slug"] for r in rows if r.values.get("slug")}
        taken |= {r.derived_slug for r in rows if r.derived_slug}
        creates: list[tuple[Organisation, list[int]]] = []
        updates: list[tuple[Organisation, list[str], list[int] | None]] = []
        new_rows = [r for r in rows if r.match is None]
        update_rows = [r for r in rows if r.match is not None]

        for row in progress(
            new_rows, total=len(new_rows), desc=_("Preparing"), enabled=self.show_progress
        ):
            values = dict(row.values)
            if values.get("is_active") is None:
                values["is_active"] = True
            if not values.get("name"):
                values["name"] = next(values[c] for c in NAME_COLUMNS if values.get(c))
            organisation = Organisation(**values)
            organisation.slug = (
                values.get("slug")
                or row.derived_slug
                or self._new_slug(organisation.name_en or organisation.name, taken)
            )
            organisation.description_language = self._language(organisation, values, True)
            sector_ids = row.sector_ids or []
            organisation.search_document = indexer.document(organisation, sector_ids)
            creates.append((organisation, sector_ids))

        for start in range(0, len(update_rows), BATCH):
            chunk = update_rows[start : start + BATCH]
            existing = Organisation.objects.in_bulk([r.match for r in chunk])
            current_sectors: dict[int, list[int]] = {}
            for org_id, sector_id in Organisation.sectors.through.objects.filter(
                organisation_id__in=[r.match for r in chunk]
            ).values_list("organisation_id", "sector_id"):
                current_sectors.setdefault(org_id, []).append(sector_id)
            for row in chunk:
                organisation = existing[row.match]
                changed = []
                for attname, value in row.values.items():
                    if attname in ("slug", "name") and not value:
                        continue  # keep the identifier and the name it has
                    if attname in ("is_active", "description_language") and value in (None, ""):
                        continue
                    old = getattr(organisation, attname)
                    if attname == "country":
                        old = str(old)
                    if old != value:
                        setattr(organisation, attname, value)
                        changed.append(attname)
                language = self._language(organisation, row.values, "description" in changed)
                if language != organisation.description_language:
                    organisation.description_language = language
                    changed.append("description_language")
                sectors = sorted(current_sectors.get(organisation.pk, []))
                sectors_changed = row.sector_ids is not None and set(row.sector_ids) != set(sectors)
                if sectors_changed:
                    sectors = row.sector_ids
                if not changed and not sectors_changed:
                    self.result.unchanged += 1
                    continue
                organisation.search_document = indexer.document(organisation, sectors)
                updates.append((organisation, changed, row.sector_ids if sectors_changed else None))
        self.result.created = len(creates)
        self.result.updated = len(updates)
        return creates, updates

    @transaction.atomic
    def write(self, creates, updates) -> None:
        through = Organisation.sectors.through
        with fts_deferred(len(creates)):
            insert_organisations([o for o, _s in creates])
        links = [(o.pk, s) for o, sectors in creates for s in sectors]
        now = timezone.now()
        fields: set[str] = set()
        for organisation, changed, _sectors in updates:
            organisation.updated_at = now
            fields.update(changed)
        if updates:
            Organisation.objects.bulk_update(
                [o for o, _c, _s in updates],
                sorted(fields | {"search_document", "updated_at"}),
                batch_size=500,
            )
        relinked = [o.pk for o, _c, sectors in updates if sectors is not None]
        for start in range(0, len(relinked), BATCH):
            through.objects.filter(organisation_id__in=relinked[start : start + BATCH]).delete()
        links += [(o.pk, s) for o, _c, sectors in updates if sectors is not None for s in sectors]
        insert_sector_links(links)
        audit.record(
            self.by,
            "organisation.import",
            BatchObject(
                Organisation, _("import of %(source)s") % {"source": self.source or _("a file")}
            ),
            {"source": self.source, **self.result.counts()},
        )


def import_organisations(table: Table, **options) -> ImportResult:
    """Validate and (unless there are problems, or it is a dry run) write; see ``OrganisationImporter``."""
    return OrganisationImporter(table, **options).run()
