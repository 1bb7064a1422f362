"""``corridor export organisations|zones|profiles|ledger [FILE | --output FILE]``.

Organisations and zones in the columns ``corridor import`` reads back; published
cooperation profiles as the public sees them (see ``corridor.docking.exports``); the
outcome ledger as CSV, XLSX or the committee's PDF (see ``corridor.insights.exports``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from corridor.docking.exports import profiles_export
from corridor.registry.imports.exports import export
from corridor.registry.imports.rows import FileRejected, file_format
from corridor.registry.models import Zone


class Command(BaseCommand):
    help = _(
        "Export organisations or zones to CSV or JSON, in the columns the import reads, "
        "or the published cooperation profiles as the public sees them."
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["organisations", "zones", "profiles", "ledger"])
        parser.add_argument(
            "file",
            nargs="?",
            help=_("the file to write (.csv or .json), or - for standard output (the default)"),
        )
        parser.add_argument("--output", "-o", metavar="FILE", help=_("the file to write"))
        parser.add_argument(
            "--format",
            choices=["csv", "json", "xlsx", "pdf"],
            help=_("csv or json; the ledger: csv, xlsx or pdf (default: from the extension)"),
        )
        parser.add_argument(
            "--country", default="", help=_("only this country (ISO code, e.g. PK)")
        )
        parser.add_argument(
            "--zone", default="", help=_("only this zone (slug) and its member parks")
        )
        # The outcome ledger (corridor.insights): its report language and the dashboard's filters.
        ledger = parser.add_argument_group(_("ledger"))
        ledger.add_argument("--language", default="en", help=_("en, zh-hans or ur"))
        for name, text in (
            ("from", _("first day, YYYY-MM-DD (default: a year before --to)")),
            ("to", _("last day, YYYY-MM-DD (default: today)")),
            ("sector", _("a sector's code, with its sub-sectors")),
            ("pair", _("a country pair, e.g. PK-CN")),
            ("authority", _("an authority's code")),
        ):
            ledger.add_argument(f"--{name}", dest=f"ledger_{name}", default="", help=text)

    def handle(self, *args, what, file=None, output=None, **options):
        if file and output and file != output:
            raise CommandError(_("Give the file to write once: as FILE or as --output."))
        if what == "ledger":
            self._ledger(file or output, options)
            return
        if options.get("format") in ("xlsx", "pdf"):
            raise CommandError(_("Only the ledger is exported as xlsx or pdf."))
        file = file or output or "-"
        if file == "-" and not options.get("format"):
            raise CommandError(_("Give --format when writing to standard output."))
        try:
            fmt = options.get("format") or file_format(file)
        except FileRejected as error:
            raise CommandError(error.problems[0].message) from None
        country = (options.get("country") or "").upper()
        if country and country not in countries:
            raise CommandError(_("Unknown country code “%(code)s”.") % {"code": country})
        zone = options.get("zone") or ""
        if zone and what == "profiles":
            # The public sees a profile's country, never its zone: that would narrow it down.
            raise CommandError(_("--zone applies to organisations and zones, not to profiles."))
        if zone and not Zone.objects.filter(slug=zone).exists():
            raise CommandError(_("Unknown zone “%(slug)s”.") % {"slug": zone})

        def run(stream) -> int:
            if what == "profiles":
                return profiles_export(stream=stream, fmt=fmt, country=country)
            return export(what, stream=stream, fmt=fmt, country=country, zone=zone)

        if file == "-":
            run(sys.stdout)
            return
        path = Path(file)
        # Written beside the target and moved into place, so a failed export leaves no half file.
        partial = path.with_name(path.name + ".partial")
        try:
            with partial.open("w", encoding="utf-8", newline="") as stream:
                count = run(stream)
            partial.replace(path)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(
                _("Cannot write %(name)s: %(error)s")
                % {"name": path, "error": error.strerror or error}
            ) from None
        done = {
            "organisations": ngettext(
                "Exported %(count)d organisation to %(name)s.",
                "Exported %(count)d organisations to %(name)s.",
                count,
            ),
            "zones": ngettext(
                "Exported %(count)d zone to %(name)s.",
                "Exported %(count)d zones to %(name)s.",
                count,
            ),
            "profiles": ngettext(
                "Exported %(count)d cooperation profile to %(name)s.",
                "Exported %(count)d cooperation profiles to %(name)s.",
                count,
            ),
        }[what]
        self.stdout.write(done % {"count": count, "name": path})

    def _ledger(self, file, options) -> None:
        from corridor.insights.exports import export_ledger

        if options.get("country"):
            raise CommandError(
                _("--country does not apply to the ledger: use --pair or --authority.")
            )
        params = {
            name: options.get(f"ledger_{name}")
            for name in ("from", "to", "sector", "pair", "authority")
        }
        params["zone"] = options.get("zone") or ""
        self.stdout.write(
            export_ledger(
                file=file, fmt=options.get("format"), language=options["language"], params=params
            )
        )
