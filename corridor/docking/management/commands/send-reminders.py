"""``corridor send-reminders [--now ISO]``: remind owners of interests that expire soon, and
both sides of meetings whose outcome is due; each reminder goes once."""

from __future__ import annotations

from importlib import import_module

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from corridor.docking.services.reminders import reminders_send

parse_moment = import_module("corridor.docking.management.commands.expire-profiles").parse_moment


class Command(BaseCommand):
    help = _("Send the reminders that are due: interests about to expire, meeting outcomes.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            metavar="ISO",
            help=_("act as if it were this moment (ISO 8601; UTC unless an offset is given)"),
        )

    def handle(self, *args, now=None, **options):
        moment = parse_moment(now) if now is not None else None
        report = reminders_send(now=moment)
        count = report["interests"]
        self.stdout.write(
            ngettext(
                "Reminded %(count)d expression of interest.",
                "Reminded %(count)d expressions of interest.",
                count,
            )
            % {"count": count}
        )
        count = report["meetings"]
        self.stdout.write(
            ngettext(
                "Asked %(count)d person whether a meeting was held.",
                "Asked %(count)d people whether a meeting was held.",
                count,
            )
            % {"count": count}
        )
