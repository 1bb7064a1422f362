"""``corridor periodic``: the platform's periodic work, for cron (every hour or so).

Each step is a named command of its own; a step that fails is reported and the
next one still runs. The exit code is non-zero when any step failed.
"""

from __future__ import annotations

import logging

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# In order: expiry first, so that indexing drops what expired and digests skip it;
# notification e-mails last, after the steps that notify.
logger = logging.getLogger(__name__)

STEPS = (
    "expire-profiles",
    "expire-interests",
    "index-profiles",
    "send-digests",
    "send-reminders",
    "send-notifications",
)


class Command(BaseCommand):
    help = _("Run the periodic work: %(steps)s.") % {"steps": ", ".join(STEPS)}

    def handle(self, *args, **options):
        failed = []
        for step in STEPS:
            self.stdout.write(f"{step}:")
            try:
                call_command(step, stdout=self.stdout, stderr=self.stderr)
            except Exception as error:  # reported, and the next step still runs
                if not isinstance(error, CommandError):
                    logger.exception("periodic step %s failed", step)
                failed.append(step)
                self.stderr.write(
                    _("%(step)s failed: %(error)s")
                    % {"step": step, "error": str(error) or error.__class__.__name__}
                )
        if failed:
            raise CommandError(
                ngettext(
                    "%(count)d step failed: %(steps)s.",
                    "%(count)d steps failed: %(steps)s.",
                    len(failed),
                )
                % {"count": len(failed), "steps": ", ".join(failed)},
                returncode=1,
            )
        self.stdout.write(_("All periodic work done."))
