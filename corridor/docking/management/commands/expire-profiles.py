"""``corridor expire-profiles [--now ISO]``: expire published profiles whose time is up."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from corridor.docking.services import profiles_expire


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
    help = _("Expire published cooperation profiles whose deadline or publishing period is over.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            metavar="ISO",
            help=_("act as if it were this moment (ISO 8601; UTC unless an offset is given)"),
        )

    def handle(self, *args, now=None, **options):
        moment = parse_moment(now) if now is not None else None
        count = profiles_expire(now=moment)
        self.stdout.write(
            ngettext("Expired %(count)d profile.", "Expired %(count)d profiles.", count)
            % {"count": count}
        )
