"""``corridor schedule-event SLUG --user NAME [--time-limit S] [--dry-run] [--seed N]``.

Runs the scheduler for an event from the command line, as its organiser ``--user`` (the
run and the audit log name them), through the same service as the organisers' page
(``services.schedule_run``): one run at a time per event, the published schedule
changed as little as possible, nothing published if anything fails. ``--dry-run``
records the run's figures and publishes nothing. (``corridor schedule solve`` is the
engine alone, on JSON files.)
"""

from __future__ import annotations

from collections import Counter

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from corridor.events.models import Event
from corridor.events.scheduler import REASON_LABELS
from corridor.events.services import schedule_run


class Command(BaseCommand):
    help = _(
        "Schedule the accepted meeting requests of an event and publish the schedule "
        "(or only show what it would be, with --dry-run)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help=_("the event's identifier"))
        parser.add_argument(
            "--user", required=True, help=_("username of the organiser who runs it (audited)")
        )
        parser.add_argument(
            "--time-limit", type=float, default=20.0, help=_("seconds (default 20)")
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("record the result, publish nothing")
        )
        parser.add_argument(
            "--seed", type=int, default=None, help=_("a deterministic run with this seed")
        )

    def handle(self, *args, **options):
        event = Event.objects.filter(slug=options["slug"]).first()
        if event is None:
            raise CommandError(
                _("No event has the identifier “%(slug)s”.") % {"slug": options["slug"]}
            )
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(_("No user named “%(name)s”.") % {"name": options["user"]})
        try:
            run = schedule_run(
                event=event, by=user, time_limit=options["time_limit"],
                publish=not options["dry_run"], seed=options["seed"],
            )  # fmt: skip
        except PermissionDenied as error:
            raise CommandError(
                str(error) or _("Only the event's organisers may run the scheduler.")
            ) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if run.status != run.Status.DONE:
            raise CommandError(_("The run failed: %(error)s") % {"error": run.error})
        total = run.placed + len(run.unplaced)
        self.stdout.write(
            _("Placed %(placed)d of %(total)d accepted requests; value %(value)g, upper bound "
              "%(bound)g (%(status)s).")
            % {"placed": run.placed, "total": total, "value": run.value,
               "bound": run.upper_bound, "status": run.solver_status}
        )  # fmt: skip
        reasons = Counter(item["reason"] for item in run.unplaced)
        if reasons:
            self.stdout.write(
                _("Not placed: %(reasons)s.")
                % {
                    "reasons": ", ".join(
                        f"{n} {REASON_LABELS.get(r, r)}" for r, n in reasons.items()
                    )
                }
            )
            for item in run.unplaced:
                self.stdout.write(f"  - {item['detail']}")
        if options["dry_run"]:
            self.stdout.write(
                _("Dry run: %(moved)d published meetings would move; nothing was published.")
                % {"moved": run.moved}
            )
        else:
            self.stdout.write(
                _("Published: %(moved)d published meetings moved.") % {"moved": run.moved}
            )
