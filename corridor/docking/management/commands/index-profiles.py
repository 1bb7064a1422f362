"""``corridor index-profiles [--all]``: embed queued cooperation profiles for the matcher."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from corridor.docking.matching import profiles_index
from corridor.docking.models import CooperationProfile
from corridor.docking.selectors import published_q


class Command(BaseCommand):
    help = _(
        "Index the cooperation profiles waiting for the matcher (new, changed, or failed before)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            dest="everything",
            help=_("queue every published profile again first (after a change of model)"),
        )

    def handle(self, *args, everything=False, **options):
        if everything:
            CooperationProfile.objects.filter(published_q()).update(needs_indexing=True)
        report = profiles_index()
        self.stdout.write(
            _("Indexed %(indexed)d, removed %(removed)d, failed %(failed)d.")
            % {"indexed": report.indexed, "removed": report.removed, "failed": len(report.failed)}
        )
        for pk, reason in sorted(report.failed.items()):
            # A reference and the machine's own message: nothing to translate.
            self.stderr.write(f"{CooperationProfile(pk=pk).reference}: {reason}")
        if report.failed:
            count = len(report.failed)
            raise CommandError(
                ngettext(
                    "%(count)d profile could not be indexed; it stays queued for the next run.",
                    "%(count)d profiles could not be indexed; they stay queued for the next run.",
                    count,
                )
                % {"count": count},
                returncode=1,
            )
