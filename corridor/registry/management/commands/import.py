"""``corridor import organisations|zones|ror FILE``: bulk imports for staff and admins."""

from __future__ import annotations

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from corridor.core.permissions import is_authority_staff, is_platform_admin
from corridor.registry.imports.organisations import import_organisations
from corridor.registry.imports.report import problem_table, summary
from corridor.registry.imports.ror import import_ror
from corridor.registry.imports.rows import FileRejected, ImportResult, read_table
from corridor.registry.imports.zones import import_zones


class Command(BaseCommand):
    help = _(
        "Import organisations or zones from CSV or JSON, or organisations from a ROR data dump. "
        "Every row is checked first; nothing is written if any row has a problem "
        "(unless --skip-invalid). Rows are matched by their identifiers, so importing "
        "the same file twice changes nothing."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True, metavar="{organisations,zones,ror}")
        for name, text in (
            ("organisations", _("organisations from CSV or JSON")),
            ("zones", _("zones and member parks from CSV or JSON")),
            (
                "ror",
                _(
                    "organisations from a Research Organization Registry dump (schema v2 JSON, or its .zip)"
                ),
            ),
        ):
            p = sub.add_parser(name, help=text)
            p.add_argument("file", help=_("the file to import"))
            p.add_argument(
                "--dry-run", action="store_true", help=_("check and count, write nothing")
            )
            p.add_argument("--user", help=_("username recorded in the audit log as the importer"))
            p.add_argument("--no-progress", action="store_true", help=_("no progress bar"))
            if name == "ror":
                p.add_argument(
                    "--countries",
                    default="CN,PK",
                    help=_("ISO country codes to import, comma-separated (default CN,PK)"),
                )
            else:
                p.add_argument(
                    "--format",
                    choices=["csv", "json"],
                    help=_("csv or json (default: from the extension)"),
                )
                p.add_argument(
                    "--skip-invalid",
                    action="store_true",
                    help=_(
                        "write the valid rows and report the invalid ones instead of writing nothing"
                    ),
                )

    def _user(self, username):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user named “%(name)s”.") % {"name": username})
        if not (is_platform_admin(user) or is_authority_staff(user)):
            raise CommandError(
                _("“%(name)s” is neither a platform admin nor authority staff, so may not import.")
                % {"name": username}
            )
        return user

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        what = options["what"]
        path = Path(options["file"])
        by = self._user(options.get("user"))
        show_progress = not options.get("no_progress") and self.stderr.isatty()
        started = time.perf_counter()
        try:
            if what == "ror":
                countries = [
                    c.strip().upper()
                    for c in (options.get("countries") or "").split(",")
                    if c.strip()
                ]
                result = import_ror(
                    path,
                    countries=countries,
                    by=by,
                    dry_run=options["dry_run"],
                    show_progress=show_progress,
                )
                row_label = _("record")
            else:
                table = read_table(path, fmt=options.get("format"))
                run = import_organisations if what == "organisations" else import_zones
                result = run(
                    table,
                    by=by,
                    skip_invalid=options["skip_invalid"],
                    dry_run=options["dry_run"],
                    show_progress=show_progress,
                    source=path.name,
                )
                row_label = _("line") if table.format == "csv" else _("item")
        except FileRejected as error:
            self.stderr.write(problem_table(error.problems, source=path.name, row_label=_("line")))
            raise CommandError(
                _("%(name)s cannot be imported; nothing was written.") % {"name": path.name}
            ) from None
        self._report(result, path=path, row_label=row_label, seconds=time.perf_counter() - started)

    def _report(self, result: ImportResult, *, path: Path, row_label: str, seconds: float) -> None:
        if result.problems:
            self.stderr.write(problem_table(result.problems, source=path.name, row_label=row_label))
        for line in result.notes.get("lines", []):
            self.stdout.write(line)
        if result.rejected:
            if result.file_problems:
                raise CommandError(_("Nothing was written: fix the file's columns first."))
            if not result.invalid_rows:
                raise CommandError(_("Nothing was written."))
            raise CommandError(
                _(
                    "Nothing was written: %(invalid)s of %(rows)s rows have problems. Fix them, "
                    "or run again with --skip-invalid to write the other rows."
                )
                % {"invalid": result.invalid_rows, "rows": result.rows}
            )
        self.stdout.write(summary(result, seconds=seconds))
        if self.verbosity >= 2 and result.notes.get("seconds"):
            phases = ", ".join(
                f"{name} {value:.1f} s" for name, value in result.notes["seconds"].items()
            )
            self.stdout.write(_("Time by phase: %(phases)s.") % {"phases": phases})
