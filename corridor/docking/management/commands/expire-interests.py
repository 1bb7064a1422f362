"""``corridor expire-interests [--now ISO]``: expire interests left unanswered past their time."""

from __future__ import annotations

from importlib import import_module

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from corridor.docking.services.interest import interests_expire

# The command's module name has a hyphen: reach it by name, and read --now the same way.
parse_moment = import_module("corridor.docking.management.commands.expire-profiles").parse_moment


class Command(BaseCommand):
    help = _("Expire expressions of interest that were not answered in time, and tell both sides.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            metavar="ISO",
            help=_("act as if it were this moment (ISO 8601; UTC unless an offset is given)"),
        )

    def handle(self, *args, now=None, **options):
        moment = parse_moment(now) if now is not None else None
        count = interests_expire(now=moment)
        self.stdout.write(
            ngettext(
                "Expired %(count)d expression of interest.",
                "Expired %(count)d expressions of interest.",
                count,
            )
            % {"count": count}
        )
