"""What every table import shares: its options, column cleaners and the run itself."""

from __future__ import annotations

import time

from django.db import IntegrityError
from django.utils.translation import gettext as _

from .rows import ImportResult, Invalid, Problem, Table, field_cleaner, list_value

PROGRESS_FROM = 1000  # rows; fewer go by too fast for a progress bar to help


class TableImporter:
    """One import run. ``run()`` validates all rows, then writes unless told not to.

    Subclasses name the model and its columns and implement ``validate()``,
    ``plan(rows)`` (what to create and update) and ``write(creates, updates)``.
    """

    model = None
    what = ""
    columns_allowed: list[str] = []
    columns_required: list[str] = []
    field_columns: list[str] = []  # columns that are plain model fields

    def __init__(
        self,
        table: Table,
        *,
        by=None,
        skip_invalid=False,
        dry_run=False,
        show_progress=False,
        source="",
    ):
        self.table = table
        self.by = by
        self.skip_invalid = skip_invalid
        self.dry_run = dry_run
        self.show_progress = show_progress and len(table.rows) >= PROGRESS_FROM
        self.source = source
        self.result = ImportResult(what=self.what, rows=len(table.rows), dry_run=dry_run)
        self.columns = [c for c in table.columns if c in self.columns_allowed]
        # A CSV row has every column; a JSON object may leave keys out (kept as they are),
        # so for JSON what a new row needs is checked row by row.
        self.required_columns = self.columns_required if table.format == "csv" else []
        self.cleaners = {
            c: field_cleaner(self.model._meta.get_field(c))
            for c in self.columns
            if c in self.field_columns
        }

    def _sector_ids(self, raw: dict, column: str, number: int, problems: list) -> list[int] | None:
        """The ids of the sector codes in ``raw[column]`` (``None`` when the column is absent).

        In id order, the order the reindex task reads links in, so search documents match.
        Needs ``self.sectors`` (code → id), loaded by the subclass.
        """
        if column not in raw:
            return None
        try:
            codes = list_value(raw.get(column), column=column)
            unknown = [c for c in codes if c not in self.sectors]
            if unknown:
                raise Invalid(
                    _("Unknown sector code(s): %(codes)s.") % {"codes": ", ".join(unknown)}
                )
            return sorted(self.sectors[c] for c in codes)
        except Invalid as error:
            problems.append(Problem(number, column, str(error)))
            return None

    def validate(self) -> list:
        raise NotImplementedError

    def plan(self, rows: list):
        raise NotImplementedError

    def write(self, creates, updates) -> None:
        raise NotImplementedError

    def run(self) -> ImportResult:
        timer = time.perf_counter
        started = timer()
        rows = self.validate()
        result = self.result
        seconds = result.notes.setdefault("seconds", {})
        seconds["check"] = timer() - started
        if result.problems and (result.file_problems or not self.skip_invalid):
            return result
        started = timer()
        creates, updates = self.plan(rows)
        seconds["prepare"] = timer() - started
        if self.dry_run:
            return result
        started = timer()
        try:
            self.write(creates, updates)
        except IntegrityError as error:
            # Identifiers swapped between rows in one file can still collide in the database.
            result.problems.append(
                Problem(
                    0,
                    "",
                    _("The database refused the import, nothing was written: %(error)s")
                    % {"error": error},
                )
            )
            result.created = result.updated = 0
            return result
        seconds["write"] = timer() - started
        result.written = True
        return result
