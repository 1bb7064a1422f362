"""Reminders that the periodic work sends: interests about to expire, meeting outcomes due."""

from __future__ import annotations

import datetime

from .interest import interests_remind
from .meetings import meetings_remind_outcomes


def reminders_send(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Send every reminder that is due, each once: how many interests were reminded, and
    how many people were asked for a meeting's outcome."""
    return {
        "interests": interests_remind(now=now),
        "meetings": meetings_remind_outcomes(now=now),
    }
