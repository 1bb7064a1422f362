"""Importing zones and member parks: validate every row, then upsert by ``slug``.

A member park may name as its parent a zone in the database or anywhere in the
same file; parents are linked after every zone of the file exists. Columns absent
from the file leave those fields as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from corridor.core import audit
from corridor.core.permissions import is_platform_admin, staff_authority_ids
from corridor.core.text import detect_language

from .. import tasks
from ..models import Authority, Sector, Zone
from .base import TableImporter
from .rows import (
    BatchObject,
    ImportResult,
    Invalid,
    Problem,
    Table,
    check_columns,
    progress,
    text_value,
)

COLUMNS = [
    "slug", "kind", "parent", "authority", "name_en", "name_zh_hans", "name_ur", "country",
    "city", "area_km2", "year_founded", "focus_sectors", "website", "description",
    "description_language",
]  # fmt: skip
REQUIRED = ["slug", "kind", "name_en", "country"]
FIELD_COLUMNS = [c for c in COLUMNS if c not in ("parent", "authority", "focus_sectors")]
# Zone names are in organisations' search documents: renaming or moving one reindexes them.
INDEXED = {"name_en", "name_zh_hans", "name_ur", "parent_id"}


@dataclass
class _Row:
    number: int
    values: dict
    parent: str | None  # slug; None when the file has no parent column
    sector_ids: list[int] | None
    problems: list[Problem] = field(default_factory=list)


class ZoneImporter(TableImporter):
    """An import of zones (see ``TableImporter``)."""

    model = Zone
    what = "zones"
    columns_allowed = COLUMNS
    columns_required = REQUIRED
    field_columns = FIELD_COLUMNS

    def _clean_row(self, number: int, raw: dict) -> _Row:
        values: dict = {}
        problems: list[Problem] = []
        for column, clean in self.cleaners.items():
            if column not in raw:
                continue  # a JSON object without the key: the field stays as it is
            try:
                values[column] = clean(raw[column])
            except Invalid as error:
                problems.append(Problem(number, column, str(error)))
        parent = None
        if "parent" in raw:
            try:
                parent = text_value(raw.get("parent"), column="parent")
            except Invalid as error:
                problems.append(Problem(number, "parent", str(error)))
        if "authority" in raw:
            try:
                code = text_value(raw.get("authority"), column="authority")
                if code and code not in self.authorities:
                    raise Invalid(_("Unknown authority “%(code)s”.") % {"code": code})
                values["authority_id"] = self.authorities.get(code) if code else None
            except Invalid as error:
                problems.append(Problem(number, "authority", str(error)))
        sector_ids = self._sector_ids(raw, "focus_sectors", number, problems)
        return _Row(
            number=number, values=values, parent=parent, sector_ids=sector_ids, problems=problems
        )

    def validate(self) -> list[_Row]:
        file_problems = list(self.table.problems) + check_columns(
            self.table, allowed=COLUMNS, required=self.required_columns
        )
        self.authorities = dict(Authority.objects.values_list("code", "pk"))
        self.sectors = dict(Sector.objects.values_list("code", "pk"))
        self.existing = {z.slug: z for z in Zone.objects.select_related("parent")}
        allowed = None
        if self.by is not None and not is_platform_admin(self.by):
            allowed = staff_authority_ids(self.by)
        rows: list[_Row] = []
        seen: dict[str, int] = {}
        for number, raw in progress(
            self.table.rows,
            total=len(self.table.rows),
            desc=_("Checking"),
            enabled=self.show_progress,
        ):
            row = self._clean_row(number, raw)
            slug = row.values.get("slug")
            if slug not in self.existing:  # a new zone needs what the model requires
                for column in REQUIRED:
                    if column not in row.values and not any(
                        p.field == column for p in row.problems
                    ):
                        row.problems.append(
                            Problem(number, column, _("This field cannot be blank."))
                        )
            if slug:
                if slug in seen:
                    row.problems.append(
                        Problem(
                            number,
                            "slug",
                            _("The same identifier is in row %(row)s.") % {"row": seen[slug]},
                        )
                    )
                seen.setdefault(slug, number)
                if row.parent and row.parent == slug:
                    row.problems.append(
                        Problem(number, "parent", _("A zone cannot be part of itself."))
                    )
            if allowed is not None:
                current = self.existing.get(slug)
                final = row.values.get("authority_id", current.authority_id if current else None)
                if final not in allowed or (
                    current is not None and current.authority_id not in allowed
                ):
                    row.problems.append(
                        Problem(
                            number,
                            "authority",
                            _("Authority staff may import only zones of their own authority."),
                        )
                    )
            rows.append(row)
        # Parents: in the database or in the file, and no cycles.
        in_file: dict[str, _Row] = {}
        for row in rows:
            if row.values.get("slug"):
                in_file.setdefault(row.values["slug"], row)
        parent_of = {slug: (z.parent.slug if z.parent else "") for slug, z in self.existing.items()}
        for slug, row in in_file.items():
            if row.parent is not None:
                parent_of[slug] = row.parent
        for slug, row in in_file.items():
            if row.parent and row.parent not in in_file and row.parent not in self.existing:
                row.problems.append(
                    Problem(
                        row.number, "parent", _("Unknown zone “%(slug)s”.") % {"slug": row.parent}
                    )
                )
                continue
            node, path = parent_of.get(slug, ""), {slug}
            while node:
                if node in path:
                    if node == slug and row.parent != slug:
                        row.problems.append(
                            Problem(
                                row.number,
                                "parent",
                                _("The parents form a cycle back to this zone."),
                            )
                        )
                    break
                path.add(node)
                node = parent_of.get(node, "")
        # A parent that is itself skipped as invalid leaves its member parks nowhere to go.
        while True:
            valid = {slug for slug, r in in_file.items() if not r.problems}
            orphans = [
                r for slug, r in in_file.items()
                if not r.problems and r.parent and r.parent not in valid and r.parent not in self.existing
            ]  # fmt: skip
            if not orphans:
                break
            for row in orphans:
                row.problems.append(
                    Problem(
                        row.number,
                        "parent",
                        _("The parent zone “%(slug)s” has problems of its own.")
                        % {"slug": row.parent},
                    )
                )
        row_problems = list(self.table.row_problems) + [p for r in rows for p in r.problems]
        self.result.problems = sorted(file_problems + row_problems, key=lambda p: p.row)
        self.result.file_problems = bool(file_problems)
        self.result.invalid_rows = len({p.row for p in row_problems})
        return [r for r in rows if not r.problems]

    def plan(self, rows: list[_Row]):
        creates, updates = [], []
        current_sectors: dict[int, set[int]] = {}
        for zone_id, sector_id in Zone.focus_sectors.through.objects.values_list(
            "zone_id", "sector_id"
        ):
            current_sectors.setdefault(zone_id, set()).add(sector_id)
        for row in rows:
            zone = self.existing.get(row.values["slug"])
            changed: list[str] = []
            if zone is None:
                zone = Zone(**row.values)
                changed = list(row.values)
            else:
                for attname, value in row.values.items():
                    old = str(zone.country) if attname == "country" else getattr(zone, attname)
                    if attname == "description_language" and not value:
                        continue
                    if old != value:
                        setattr(zone, attname, value)
                        changed.append(attname)
            given = row.values.get("description_language")
            if not given:
                language = zone.description_language
                if "description" in changed or not language:
                    language = detect_language(zone.description) if zone.description else ""
                if language != zone.description_language:
                    zone.description_language = language
                    changed.append("description_language")
            sectors_changed = row.sector_ids is not None and set(
                row.sector_ids
            ) != current_sectors.get(zone.pk, set())
            parent_changed = row.parent is not None and row.parent != (
                zone.parent.slug if zone.pk and zone.parent_id else ""
            )
            if zone.pk is None:
                creates.append((zone, row))
            elif changed or sectors_changed or parent_changed:
                updates.append((zone, row, changed, sectors_changed, parent_changed))
            else:
                self.result.unchanged += 1
        self.result.created, self.result.updated = len(creates), len(updates)
        return creates, updates

    @transaction.atomic
    def write(self, creates, updates) -> None:
        Zone.objects.bulk_create([z for z, _r in creates])
        by_slug = {z.slug: z.pk for z in Zone.objects.only("slug")}
        now = timezone.now()
        fields: set[str] = set()
        objects, reindex = [], []
        for zone, row in creates:
            if row.parent:
                zone.parent_id = by_slug[row.parent]
                fields.add("parent_id")
                objects.append(zone)
        for zone, row, changed, _sectors, parent_changed in updates:
            if parent_changed:
                zone.parent_id = by_slug[row.parent] if row.parent else None
                changed = [*changed, "parent_id"]
            zone.updated_at = now
            fields.update(changed)
            fields.add("updated_at")
            objects.append(zone)
            if INDEXED & set(changed):
                reindex.append(zone.pk)
        if objects:
            Zone.objects.bulk_update(objects, sorted(fields | {"updated_at"}))
        through = Zone.focus_sectors.through
        relinked = [z.pk for z, _r, _c, sectors, _p in updates if sectors]
        through.objects.filter(zone_id__in=relinked).delete()
        links = [
            through(zone_id=z.pk, sector_id=s) for z, row in creates for s in row.sector_ids or []
        ]
        links += [
            through(zone_id=z.pk, sector_id=s)
            for z, row, _c, sectors, _p in updates
            if sectors
            for s in row.sector_ids
        ]
        through.objects.bulk_create(links)
        audit.record(
            self.by,
            "zone.import",
            BatchObject(Zone, _("import of %(source)s") % {"source": self.source or _("a file")}),
            {"source": self.source, **self.result.counts()},
        )
        for zone_id in reindex:
            transaction.on_commit(
                lambda zone_id=zone_id: tasks.reindex_organisations.delay(zone_id=zone_id)
            )


def import_zones(table: Table, **options) -> ImportResult:
    """Validate and (unless there are problems, or it is a dry run) write; see ``ZoneImporter``."""
    return ZoneImporter(table, **options).run()
