"""Reminders that the periodic work sends: interests about to expire, meeting outcomes due."""

from __future__ import annotations

import datetime

from .interest import interests_remind


def reminders_send(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Send every reminder that is due once; how many of each kind."""
    from . import meetings  # TEMPORARY: until meetings_remind_outcomes exists

    report = {"interests": interests_remind(now=now)}
    remind_outcomes = getattr(meetings, "meetings_remind_outcomes", None)
    if remind_outcomes is not None:
        report["meetings"] = remind_outcomes(now=now)
    return report
