"""``corridor send-notifications``: e-mail notifications nobody sent in time, retry failed ones."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from corridor.core.notifications import (
    MAX_EMAIL_ATTEMPTS,
    notification_emails_due,
    notification_emails_send,
)


class Command(BaseCommand):
    help = _(
        "E-mail the notifications still waiting for it after a minute, and retry failed "
        "ones (at most %(attempts)d attempts each)."
    ) % {"attempts": MAX_EMAIL_ATTEMPTS}

    def handle(self, *args, **options):
        ids = notification_emails_due()
        report = notification_emails_send(ids)
        self.stdout.write(
            _("%(due)d notification e-mails due: %(sent)d sent, %(skipped)d not wanted any more.")
            % {"due": len(ids), "sent": report.sent, "skipped": report.skipped}
        )
        for pk, reason in sorted(report.failed.items()):
            self.stderr.write(
                _("Notification %(id)d was not e-mailed: %(reason)s") % {"id": pk, "reason": reason}
            )
        if report.failed:
            raise CommandError(
                ngettext(
                    "%(count)d notification e-mail failed; it is retried on the next run.",
                    "%(count)d notification e-mails failed; they are retried on the next run.",
                    len(report.failed),
                )
                % {"count": len(report.failed)},
                returncode=1,
            )
