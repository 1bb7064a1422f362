"""Background work of docking: inline without a broker, on Celery workers with one."""

from celery import shared_task


@shared_task
def index_profiles(*, ids: list[int] | None = None) -> dict:
    """Embed queued profiles for the matcher (see ``matching.profiles_index``)."""
    from .matching import profiles_index

    report = profiles_index(ids=ids)
    return {"indexed": report.indexed, "removed": report.removed, "failed": len(report.failed)}


@shared_task
def expire_profiles() -> int:
    """Expire published profiles whose time is up (``corridor expire-profiles``)."""
    from .services import profiles_expire

    return profiles_expire()


@shared_task
def send_digests() -> dict:
    """E-mail each organisation's members its new matches (``corridor send-digests``)."""
    from .digests import digests_send

    report = digests_send()
    return {
        "organisations": report.organisations,
        "new_matches": report.new_matches,
        "sent": report.sent,
        "failed": report.failed,
    }


@shared_task
def expire_interests() -> int:
    """Expire interests left unanswered past their time (``corridor expire-interests``)."""
    from .services.interest import interests_expire

    return interests_expire()


@shared_task
def send_reminders() -> dict:
    """Remind owners of interests that expire soon, and meetings whose outcome is due
    (``corridor send-reminders``)."""
    from .services.reminders import reminders_send

    return reminders_send()
