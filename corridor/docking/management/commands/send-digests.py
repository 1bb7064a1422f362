"""``corridor send-digests``: e-mail each organisation's members its new matches."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from corridor.docking.digests import digests_send
from corridor.docking.models import CooperationProfile


class Command(BaseCommand):
    help = _(
        "Record new matches of published cooperation profiles and e-mail every member who "
        "wants them a digest, once."
    )

    def handle(self, *args, **options):
        report = digests_send()
        self.stdout.write(
            _("%(organisations)d organisations, %(matches)d new matches, %(sent)d e-mails sent.")
            % {
                "organisations": report.organisations,
                "matches": report.new_matches,
                "sent": report.sent,
            }
        )
        for slug, reason in sorted(report.failed_organisations.items()):
            self.stderr.write(
                _("Matches of %(organisation)s were not recorded: %(reason)s")
                % {"organisation": slug, "reason": reason}
            )
        for pk, reason in sorted(report.failed_profiles.items()):
            # A reference and the machine's own message: nothing to translate.
            self.stderr.write(f"{CooperationProfile(pk=pk).reference}: {reason}")
        for username, reason in sorted(report.failed_recipients.items()):
            self.stderr.write(
                _("E-mail to %(user)s failed: %(reason)s") % {"user": username, "reason": reason}
            )
        if report.failed:
            raise CommandError(
                ngettext(
                    "%(count)d part of the digest failed; it is retried on the next run.",
                    "%(count)d parts of the digest failed; they are retried on the next run.",
                    report.failed,
                )
                % {"count": report.failed},
                returncode=1,
            )
