"""``corridor schedule``: the meeting scheduler on JSON files.

    corridor schedule solve INSTANCE.json --time-limit S --out RESULT.json
        [--seed N] [--previous RESULT.json] [--method cpsat|greedy]
    corridor schedule check INSTANCE.json RESULT.json

A thin wrapper of ``corridor.scheduling.cli`` (which also runs without Django, as
``python -m corridor.scheduling.cli``), so organisers can try what-ifs and anyone
can check a schedule. Bad files and invalid instances end with a CommandError
naming the offending item, and nothing is written.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from corridor.scheduling.cli import ScheduleError, build_parser, run_check, run_solve


class Command(BaseCommand):
    help = _("Schedule the meetings of an event instance file, or check a result against one.")

    def add_arguments(self, parser):
        build_parser(parser)

    def handle(self, *args, **options):
        try:
            if options["action"] == "solve":
                _data, lines = run_solve(
                    options["instance"],
                    out=options["out"],
                    time_limit=options["time_limit"],
                    seed=options["seed"],
                    previous_path=options["previous"],
                    method=options["method"],
                )
                for line in lines:
                    self.stdout.write(line)
                self.stdout.write(_("Result written to %(path)s.") % {"path": options["out"]})
                return
            problems = run_check(options["instance"], options["result"])
        except ScheduleError as error:
            raise CommandError(str(error)) from None
        if problems:
            for problem in problems:
                self.stdout.write(problem)
            raise CommandError(
                ngettext(
                    "The result breaks %(count)d rule.",
                    "The result breaks %(count)d rules.",
                    len(problems),
                )
                % {"count": len(problems)},
                returncode=1,
            )
        self.stdout.write(_("The result is valid."))
