"""``corridor send-notifications [--now ISO]``: e-mail notifications nobody sent in time,
and retry failed ones."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from corridor.core.notifications import (
    MAX_EMAIL_ATTEMPTS,
    notification_emails_due,
    notification_emails_send,
    wait_for_background_emails,
)


def parse_moment(value: str) -> datetime.datetime:
    """An ISO 8601 date or date and time, in UTC when it names no offset; ``CommandError`` if not."""
    try:
        moment = datetime.datetime.fromisoformat(value.strip())
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, datetime.UTC)
        return moment.astimezone(datetime.UTC)
    except (ValueError, OverflowError):
        raise CommandError(
            _("“%(value)s” is not a date and time; use ISO 8601, e.g. 2026-01-31T12:00:00Z.")
            % {"value": value}
        ) from None


class Command(BaseCommand):
    help = _(
        "E-mail the notifications still waiting for it after a minute, and retry failed "
        "ones (at most %(attempts)d attempts each)."
    ) % {"attempts": MAX_EMAIL_ATTEMPTS}

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            metavar="ISO",
            help=_("act as if it were this moment (ISO 8601; UTC unless an offset is given)"),
        )

    def handle(self, *args, now=None, **options):
        # E-mails this process started in the background (by an earlier step) finish first.
        wait_for_background_emails(timeout=60)
        moment = parse_moment(now) if now is not None else timezone.now()
        ids = notification_emails_due(now=moment)
        report = notification_emails_send(ids, now=moment)
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
